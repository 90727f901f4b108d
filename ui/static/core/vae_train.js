// The live VAE's training in the page, as genmodels.live.train_vae does it in PyTorch: the fully-connected VAE of
// genmodels.live.LIVE_CONFIG (784-256-256-2 each way, ReLU), the β-weighted negative ELBO (Bernoulli reconstruction
// summed over pixels, KL to N(0, I), both per image), its gradients by hand, and Adam as torch.optim.Adam; batches of
// 64 in a seeded shuffle each epoch, β warming up over the first 200 steps. The arithmetic runs on TensorFlow.js
// (its WebAssembly backend in the page, ui/static/vendor/tfjs), activations kept feature-major (features × batch) so
// that every product multiplies by a matrix with the batch's 64 columns, which TF.js's WebAssembly backend packs
// cheaply (a product by a changing 784×256 weight matrix repacks it every step; a transposed operand is 10× slower;
// BENCHMARKS.md, "Training in the page: engines"). Weights stay in JavaScript arrays under the PyTorch model's
// state_dict names and shapes, so a model trained here loads into genmodels.live.new_model(seed) as it is. Pure (no
// DOM): tests/test_page_trainer.py runs it under Node against PyTorch from the same weights, batch and ε.
(function (G) {
  "use strict";

  // the PyTorch names and shapes (outputs × inputs) of the six linear layers, in the order the data flows
  const SHAPES = {
    "encoder.1": [256, 784], "encoder.3": [256, 256], "encoder.5": [4, 256],
    "decoder.0": [256, 2], "decoder.2": [256, 256], "decoder.4": [784, 256],
  };
  const LAYERS = Object.keys(SHAPES);
  const PIXELS = 784, CODE = 2;
  // genmodels.live: batch, warm-up and Adam's settings
  const BATCH = 64, WARMUP_STEPS = 200, LR = 1e-3, BETA1 = 0.9, BETA2 = 0.999, EPS = 1e-8;
  // the counter-based generator's streams (core/noise.js), apart from the noise tab's (stream 0 …)
  const INIT_STREAM = 1 << 19, SHUFFLE_STREAM = 1 << 20, NOISE_STREAM = 1 << 21;

  // Fresh weights from a seed, drawn as PyTorch's nn.Linear draws them (uniform within ±1/√fan_in, weights and
  // bias; a draw of the page's generator, not torch's: the same seed gives the same model in every browser)
  function initialWeights(seed) {
    const uniform = G.noise.uniform, tensors = {};
    LAYERS.forEach((name, k) => {
      const [outputs, inputs] = SHAPES[name], bound = 1 / Math.sqrt(inputs);
      const draw = (n, stream) => Float32Array.from(uniform(seed, INIT_STREAM + stream, n), (u) => (2 * u - 1) * bound);
      tensors[`${name}.weight`] = { shape: [outputs, inputs], data: draw(outputs * inputs, 2 * k) };
      tensors[`${name}.bias`] = { shape: [outputs], data: draw(outputs, 2 * k + 1) };
    });
    return tensors;
  }

  // The weights as {name: Float32Array}, checked against the model's shapes (an error names the first that differs)
  function checkedWeights(tensors) {
    const params = {};
    for (const name of LAYERS) {
      for (const [part, shape] of [["weight", SHAPES[name]], ["bias", [SHAPES[name][0]]]]) {
        const key = `${name}.${part}`, t = tensors[key];
        if (!t) throw new Error(`${key} is missing`);
        const got = t.shape.join("×"), want = shape.join("×");
        if (got !== want) throw new Error(`${key} is ${got}, expected ${want}`);
        params[key] = Float32Array.from(t.data);
      }
    }
    return params;
  }

  // core/adam.wat over the WebAssembly backend's memory (null where this WebAssembly has no SIMD); compiled once
  const compiled = new Map();
  function adamModule(backend) {
    try {
      if (!compiled.has(G.adamWasm)) {
        compiled.set(G.adamWasm, new WebAssembly.Module(Uint8Array.from(atob(G.adamWasm), (c) => c.charCodeAt(0))));
      }
      return new WebAssembly.Instance(compiled.get(G.adamWasm), { env: { memory: backend.wasm.asm.memory } }).exports;
    } catch {
      return null;
    }
  }

  // rows × cols, row-major, as cols × rows
  function transposed(data, rows, cols) {
    const out = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
    return out;
  }

  // A trainer over TF.js `tf` from weights {name: {shape, data}}: step(x, noise, beta) trains on one batch (rows ×
  // 784 pixels in [0, 1], rows × 2 draws of ε) and returns its loss terms; encode(xT, n) the posterior means of n
  // images given feature-major (a tensor 784 × n); decode(z, n) the images of n codes (n × 784, in [0, 1]);
  // stateDict() the weights as the PyTorch model's; dispose() gives back the backend's memory. A model only
  // encoded and decoded (the page's views) costs no optimiser state.
  function Trainer(tf, tensors) {
    const params = checkedWeights(tensors);
    const m = {}, v = {};                  // Adam's moments, made at the first step (a model only viewed needs none)
    let t = 0;
    const shapeOf = (key) => (key.endsWith(".weight") ? SHAPES[key.slice(0, -".weight".length)]
                                                      : [SHAPES[key.slice(0, -".bias".length)][0], 1]);
    // The weights live in the WebAssembly backend's memory, made once and updated there in place by Adam, and the
    // gradients are read there, with no copy either way (2 × 2.1 MB a step). Safe because a weight matrix is only
    // ever the first operand of a product, which the backend reads afresh each time (it keeps a packed copy of the
    // second).
    if (!tf.getBackend || tf.getBackend() !== "wasm") throw new Error("the trainer needs TF.js's WebAssembly backend");
    const wasm = tf.backend();
    const inWasm = (t) => new Float32Array(wasm.wasm.HEAPF32.buffer, wasm.dataIdMap.get(t.dataId).memoryOffset, t.size);
    const resident = Object.fromEntries(Object.entries(params).map(([k, p]) => [k, tf.tensor(p, shapeOf(k))]));
    const weights = (key) => inWasm(resident[key]);
    const simd = G.adamWasm ? adamModule(wasm) : null;

    // the weights as tensors: W (outputs × inputs) and b (outputs × 1)
    function layers() {
      const W = {}, b = {};
      for (const name of LAYERS) {
        W[name] = resident[`${name}.weight`];
        b[name] = resident[`${name}.bias`];
      }
      return { W, b, lin: (a, name) => tf.add(tf.matMul(W[name], a), b[name]) };
    }

    function encoderOut(lin, xT) {
      const h1 = tf.relu(lin(xT, "encoder.1")), h2 = tf.relu(lin(h1, "encoder.3"));
      return { h1, h2, code: lin(h2, "encoder.5") };
    }

    function decoderOut(lin, zT) {
      const g1 = tf.relu(lin(zT, "decoder.0")), g2 = tf.relu(lin(g1, "decoder.2"));
      return { g1, g2, logits: lin(g2, "decoder.4") };
    }

    function step(x, noise, beta) {
      const rows = noise.length / CODE, grads = {};
      const gradient = (key, g) => { grads[key] = tf.keep(g); };
      const [rec, kl] = tf.tidy(() => {
        const { W, lin } = layers();
        const xT = tf.tensor2d(transposed(x, rows, PIXELS), [PIXELS, rows]), xRows = tf.tensor2d(x, [rows, PIXELS]);
        const eT = tf.tensor2d(transposed(noise, rows, CODE), [CODE, rows]);
        const { h1, h2, code } = encoderOut(lin, xT);
        const mu = tf.slice(code, [0, 0], [CODE, rows]), logvar = tf.slice(code, [CODE, 0], [CODE, rows]);
        const std = tf.exp(tf.mul(logvar, 0.5)), z = tf.add(mu, tf.mul(eT, std));
        const { g1, g2, logits } = decoderOut(lin, z);
        const softplus = tf.log1p(tf.exp(tf.neg(tf.abs(logits))));          // BCE with logits, stably
        const recm = tf.div(tf.sum(tf.add(tf.sub(tf.relu(logits), tf.mul(logits, xT)), softplus)), rows);
        const klm = tf.mul(tf.sum(tf.sub(tf.sub(tf.add(1, logvar), tf.square(mu)), tf.exp(logvar))), -0.5 / rows);
        // a layer y = W·a + b, given dL/dy (d, outputs × rows): dW = d·aᵀ, db = Σ d over the batch, and dL/da = Wᵀ·d
        // where a's ReLU let it through (transposes explicit: see the top)
        const back = (a, d, name, relu) => {
          gradient(`${name}.weight`, tf.matMul(d, tf.transpose(a)));
          gradient(`${name}.bias`, tf.sum(d, 1));
          const da = tf.matMul(tf.transpose(W[name]), d);
          return relu ? tf.mul(da, tf.step(a)) : da;
        };
        const dl = tf.div(tf.sub(tf.sigmoid(logits), xT), rows);
        const dz = back(z, back(g1, back(g2, dl, "decoder.4", true), "decoder.2", true), "decoder.0", false);
        const dmu = tf.add(dz, tf.mul(mu, beta / rows));
        const dlogvar = tf.add(tf.mul(tf.mul(dz, eT), tf.mul(std, 0.5)),            // through z = μ + ε·σ
                               tf.mul(tf.sub(tf.exp(logvar), 1), 0.5 * beta / rows));   // and the KL term
        const dh1 = back(h1, back(h2, tf.concat([dmu, dlogvar], 0), "encoder.5", true), "encoder.3", true);
        gradient("encoder.1.weight", tf.matMul(dh1, xRows));
        gradient("encoder.1.bias", tf.sum(dh1, 1));
        return [recm.dataSync()[0], klm.dataSync()[0]];
      });
      adam(grads);
      for (const g of Object.values(grads)) g.dispose();
      return { loss: rec + beta * kl, reconstruction: rec, kl };
    }

    // one step of torch.optim.Adam (its single-tensor arithmetic: m ← lerp(m, g, 1 − β₁), v ← β₂v + (1 − β₂)g²,
    // p ← p − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)): in the backend's memory by core/adam.wat, four values at
    // a time, where the backend is WebAssembly with SIMD; else here
    function adam(grads) {
      if (t === 0) moments();
      t += 1;
      const stepSize = LR / (1 - BETA1 ** t), root2 = Math.sqrt(1 - BETA2 ** t), fround = Math.fround;
      for (const key of Object.keys(params)) {
        if (simd) {
          const at = (tensor) => wasm.dataIdMap.get(tensor.dataId).memoryOffset;
          simd.adam(at(resident[key]), at(grads[key]), at(m[key]), at(v[key]), params[key].length, 1 - BETA1, BETA2,
                    1 - BETA2, stepSize, root2, EPS);
          continue;
        }
        const p = weights(key), g = inWasm(grads[key]), mk = m[key], vk = v[key];
        for (let i = 0; i < p.length; i++) {
          const gi = g[i], mi = fround(mk[i] + (gi - mk[i]) * (1 - BETA1));
          const vi = fround(vk[i] * BETA2 + gi * gi * (1 - BETA2));
          mk[i] = mi;
          vk[i] = vi;
          p[i] -= stepSize * mi / (Math.sqrt(vi) / root2 + EPS);
        }
      }
    }

    // Adam's moments, zero: tensors in the backend's memory for the WebAssembly step, else arrays
    function moments() {
      for (const [key, p] of Object.entries(params)) {
        m[key] = simd ? tf.zeros([p.length]) : new Float32Array(p.length);
        v[key] = simd ? tf.zeros([p.length]) : new Float32Array(p.length);
      }
    }

    // the posterior means μ of n images (xT: a tensor 784 × n, kept by the caller), as a Float32Array n × 2
    function encode(xT, n) {
      const muT = tf.tidy(() => tf.slice(encoderOut(layers().lin, xT).code, [0, 0], [CODE, n]));
      const out = transposed(muT.dataSync(), CODE, n);
      muT.dispose();
      return out;
    }

    // the decoded images of n codes (z: n × 2), n × 784 in [0, 1]
    function decode(z, n) {
      const imagesT = tf.tidy(() => {
        const zT = tf.tensor2d(transposed(z, n, CODE), [CODE, n]);
        return tf.sigmoid(decoderOut(layers().lin, zT).logits);
      });
      const out = transposed(imagesT.dataSync(), PIXELS, n);
      imagesT.dispose();
      return out;
    }

    // the weights as the PyTorch model's state_dict: {name: {shape, data}} (nn.js's toSafetensors saves it)
    function stateDict() {
      const out = {};
      for (const key of Object.keys(params)) {
        const shape = key.endsWith(".weight") ? shapeOf(key) : [shapeOf(key)[0]];
        out[key] = { shape, data: Float32Array.from(weights(key)) };
      }
      return out;
    }

    // the weights' memory in the backend, given back (the trainer is not used after)
    function dispose() {
      for (const w of Object.values(resident)) w.dispose();
      if (simd) for (const moment of [...Object.values(m), ...Object.values(v)]) moment.dispose();
    }

    return { step, encode, decode, stateDict, dispose };
  }

  // A seeded Fisher-Yates shuffle of 0 … n-1 for each epoch
  function permutation(seed, epoch, n) {
    const u = G.noise.uniform(seed, SHUFFLE_STREAM + epoch, n), order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(u[i] * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    return order;
  }

  // The run's batches, β and ε, as genmodels.live.train_vae draws them: next() gives the next step's
  // {x (64 × 784 in [0, 1]), noise (64 × 2), beta}; the same seed gives the same sequence. images: uint8, n × 784.
  function Batches(images, seed, beta) {
    const count = images.length / PIXELS, perEpoch = Math.floor(count / BATCH), x = new Float32Array(BATCH * PIXELS);
    let step = 0, order = null;
    function next() {
      const epoch = Math.floor(step / perEpoch), b = (step % perEpoch) * BATCH;
      if (b === 0) order = permutation(seed, epoch, count);
      for (let r = 0; r < BATCH; r++) {
        const from = order[b + r] * PIXELS;
        for (let p = 0; p < PIXELS; p++) x[r * PIXELS + p] = images[from + p] / 255;
      }
      const noise = G.noise.normal(seed, NOISE_STREAM + step, BATCH * CODE);
      step += 1;
      return { x, noise, beta: beta * Math.min(1, step / WARMUP_STEPS) };
    }
    return { next };
  }

  // how often a k-nearest-neighbour vote among the other codes gets each code's class (genmodels.live's
  // leave_one_out_knn: ties go to the smallest class, as torch.mode's)
  function leaveOneOutKnn(z, labels, k = 5) {
    const n = labels.length, classes = labels.reduce((m, c) => Math.max(m, c), 0) + 1;
    let right = 0;
    const best = new Float64Array(k), who = new Int32Array(k), votes = new Int32Array(classes);
    for (let i = 0; i < n; i++) {
      best.fill(Infinity);
      const xi = z[2 * i], yi = z[2 * i + 1];
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const dx = z[2 * j] - xi, dy = z[2 * j + 1] - yi, d = dx * dx + dy * dy;
        if (d >= best[k - 1]) continue;
        let s = k - 1;
        while (s > 0 && best[s - 1] > d) { best[s] = best[s - 1]; who[s] = who[s - 1]; s--; }
        best[s] = d;
        who[s] = j;
      }
      votes.fill(0);
      for (let s = 0; s < k; s++) votes[labels[who[s]]]++;
      let top = 0;
      for (let c = 1; c < classes; c++) if (votes[c] > votes[top]) top = c;
      if (top === labels[i]) right++;
    }
    return right / n;
  }

  G.vaeTrain = {
    Trainer, Batches, initialWeights, leaveOneOutKnn, permutation, transposed, LAYERS, SHAPES, BATCH, PIXELS,
  };
  if (typeof module !== "undefined" && module.exports) module.exports = G.vaeTrain;
})(globalThis.Genmodels ??= { tabs: {} });
