// The live VAE's training in the page, as genmodels.live.train_vae does it in PyTorch: the fully-connected VAE of
// genmodels.live.LIVE_CONFIG (784-256-256-2 each way, ReLU), the β-weighted negative ELBO (Bernoulli reconstruction
// summed over pixels, KL to N(0, I), both per image), its gradients by hand, and Adam as torch.optim.Adam; batches of
// 64 in a seeded shuffle each epoch, β warming up over the first 200 steps. The arithmetic runs on TensorFlow.js
// (ui/static/vendor/tfjs): its WebAssembly backend, or its WebGPU backend where the visitor's browser has a GPU
// (page/train_worker.js chooses). Activations are kept feature-major (features × batch) so that every product
// multiplies by a matrix with the batch's 64 columns, which TF.js's WebAssembly backend packs cheaply (a product by a
// changing 784×256 weight matrix repacks it every step; a transposed operand is 10× slower; BENCHMARKS.md, "Training
// in the page: engines"). Weights are named and shaped as the PyTorch model's state_dict, so a model trained here
// loads into genmodels.live.new_model(seed) as it is. Pure (no DOM): tests/test_page_trainer.py runs it under Node
// (WebAssembly) and in Chromium (WebGPU) against PyTorch from the same weights, batch and ε.
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

  // The weights in TF.js's WebAssembly backend's memory, made once and updated there in place by Adam, the gradients
  // read there, with no copy either way (2 × 2.1 MB a step). Safe because a weight matrix is only ever the first
  // operand of a product, which the backend reads afresh each time (it keeps a packed copy of the second). Adam is
  // torch.optim.Adam's single-tensor arithmetic (m ← lerp(m, g, 1 − β₁), v ← β₂v + (1 − β₂)g², p ← p − lr/(1 − β₁ᵗ)
  // · m / (√v / √(1 − β₂ᵗ) + ε)): core/adam.wat, four values at a time, where this WebAssembly has SIMD; else here.
  function weightsInWasm(tf, params) {
    const wasm = tf.backend();
    const at = (tensor) => wasm.dataIdMap.get(tensor.dataId).memoryOffset;
    const inWasm = (tensor) => new Float32Array(wasm.wasm.HEAPF32.buffer, at(tensor), tensor.size);
    const resident = Object.fromEntries(Object.entries(params).map(([k, p]) => [k, tf.tensor(p, shapeOf(k))]));
    const simd = G.adamWasm ? adamModule(wasm) : null;
    const m = {}, v = {};                  // Adam's moments, made at the first step (a model only viewed needs none)

    function adam(grads, t) {
      if (t === 1) {
        for (const [key, p] of Object.entries(params)) {
          m[key] = simd ? tf.zeros([p.length]) : new Float32Array(p.length);
          v[key] = simd ? tf.zeros([p.length]) : new Float32Array(p.length);
        }
      }
      const stepSize = LR / (1 - BETA1 ** t), root2 = Math.sqrt(1 - BETA2 ** t), fround = Math.fround;
      for (const key of Object.keys(params)) {
        if (simd) {
          simd.adam(at(resident[key]), at(grads[key]), at(m[key]), at(v[key]), params[key].length, 1 - BETA1, BETA2,
                    1 - BETA2, stepSize, root2, EPS);
          continue;
        }
        const p = inWasm(resident[key]), g = inWasm(grads[key]), mk = m[key], vk = v[key];
        for (let i = 0; i < p.length; i++) {
          const gi = g[i], mi = fround(mk[i] + (gi - mk[i]) * (1 - BETA1));
          const vi = fround(vk[i] * BETA2 + gi * gi * (1 - BETA2));
          mk[i] = mi;
          vk[i] = vi;
          p[i] -= stepSize * mi / (Math.sqrt(vi) / root2 + EPS);
        }
      }
    }

    function dispose() {
      for (const w of Object.values(resident)) w.dispose();
      if (simd) for (const moment of [...Object.values(m), ...Object.values(v)]) moment.dispose();
    }

    return { tensor: (key) => resident[key], adam, read: (key) => Float32Array.from(inWasm(resident[key])), dispose,
             queues: false };
  }

  // The weights on the GPU (TF.js's WebGPU backend), replaced by Adam's step each time; nothing is read back but the
  // weights a frame shows. Adam is the same arithmetic as three small WebGPU programs a tensor (m, v, then p: three
  // dispatches where TF.js's operations take ten, the cost of a step here being mostly the dispatching:
  // BENCHMARKS.md). The device queues the steps: read() is a promise, and the loss terms are read in one go
  // (Trainer's settle).
  function weightsOnDevice(tf, params) {
    const gpu = tf.backend();
    const resident = Object.fromEntries(Object.entries(params).map(([k, p]) => [k, tf.tensor(p, shapeOf(k))]));
    const m = {}, v = {};
    const run = (kind, inputs, uniforms) => tf.engine().makeTensorFromTensorInfo(
      gpu.runWebGPUProgram(adamProgram(kind, inputs[0].size), inputs, "float32", uniforms));

    function adam(grads, t) {
      if (t === 1) {
        for (const [key, p] of Object.entries(resident)) {
          m[key] = tf.zerosLike(p);
          v[key] = tf.zerosLike(p);
        }
      }
      const uniforms = [{ type: "float32", data: [LR / (1 - BETA1 ** t)] },
                        { type: "float32", data: [Math.sqrt(1 - BETA2 ** t)] }];
      for (const key of Object.keys(resident)) {
        const before = [resident[key], m[key], v[key]], g = grads[key];
        m[key] = run("m", [m[key], g]);
        v[key] = run("v", [v[key], g]);
        const flat = tf.reshape(before[0], [-1]), stepped = run("p", [flat, m[key], v[key]], uniforms);
        resident[key] = tf.reshape(stepped, before[0].shape);
        [...before, flat, stepped].forEach((tensor) => tensor.dispose());
      }
    }

    function dispose() {
      for (const w of [...Object.values(resident), ...Object.values(m), ...Object.values(v)]) w.dispose();
    }

    // a weight's values: read from a clone taken now (the next step disposes of the tensor while the read waits for
    // the device), copied (TF.js may hand back the very array a tensor was made from, which the worker transfers)
    const read = async (key) => {
      const now = tf.clone(resident[key]);
      try {
        return Float32Array.from(await now.data());
      } finally {
        now.dispose();
      }
    };
    return { tensor: (key) => resident[key], adam, read, dispose, queues: true };
  }

  // One of Adam's three WebGPU programs over n values, flat (TF.js's WebGPUProgram; its inputs A, B[, C]):
  // m ← m + (g − m)(1 − β₁) (torch's lerp); v ← β₂v + (1 − β₂)g²; p ← p − stepSize · m / (√v / root2 + ε)
  const ADAM_CODE = {
    m: `let m = A[index]; setOutputAtIndex(index, m + (B[index] - m) * ${Math.fround(1 - BETA1)});`,
    v: `let g = B[index];
        setOutputAtIndex(index, A[index] * ${Math.fround(BETA2)} + g * g * ${Math.fround(1 - BETA2)});`,
    p: `let denominator = sqrt(C[index]) / uniforms.root2 + ${EPS};
        setOutputAtIndex(index, A[index] - uniforms.stepSize * (B[index] / denominator));`,
  };
  function adamProgram(kind, n) {
    const workgroup = 64;
    return {
      variableNames: kind === "p" ? ["A", "B", "C"] : ["A", "B"], outputShape: [n], shaderKey: `genmodels_adam_${kind}`,
      size: true, uniforms: kind === "p" ? "stepSize : f32, root2 : f32," : undefined,
      dispatchLayout: { x: [0] }, dispatch: [Math.ceil(n / workgroup), 1, 1], workgroupSize: [workgroup, 1, 1],
      getUserCode: () => `fn main(index : i32) { if (index < uniforms.size) { ${ADAM_CODE[kind]} } }`,
    };
  }

  // A weight's shape as the trainer holds it: W (outputs × inputs) or b (outputs × 1)
  function shapeOf(key) {
    return key.endsWith(".weight") ? SHAPES[key.slice(0, -".weight".length)]
                                   : [SHAPES[key.slice(0, -".bias".length)][0], 1];
  }

  // A trainer over TF.js `tf` (its WebAssembly or WebGPU backend) from weights {name: {shape, data}}: step(x, noise,
  // beta) trains on one batch (rows × 784 pixels in [0, 1], rows × 2 draws of ε) and returns its loss terms (null on
  // WebGPU, whose steps are queued); settle() gives the terms of the steps since it was last called, once they are
  // done (a promise); encode(xT, n) the posterior means of n images given feature-major (a tensor 784 × n); decode(z,
  // n) the images of n codes (n × 784, in [0, 1]); stateDict() the weights as the PyTorch model's (a promise of them
  // on WebGPU); dispose() gives back the backend's memory. A model only encoded and decoded (the page's views) costs
  // no optimiser state.
  function Trainer(tf, tensors) {
    const params = checkedWeights(tensors), backend = tf.getBackend ? tf.getBackend() : null;
    if (backend !== "wasm" && backend !== "webgpu") {
      throw new Error("the trainer needs TF.js's WebAssembly or WebGPU backend");
    }
    const onGpu = backend === "webgpu", weights = onGpu ? weightsOnDevice(tf, params) : weightsInWasm(tf, params);
    let t = 0, pending = [];

    // the weights as tensors: W (outputs × inputs) and b (outputs × 1)
    function layers() {
      const W = {}, b = {};
      for (const name of LAYERS) {
        W[name] = weights.tensor(`${name}.weight`);
        b[name] = weights.tensor(`${name}.bias`);
      }
      // y = W·a + b, through a ReLU or not (not TF.js's fused product: on WebGPU, 4.22's adds a bias of outputs × 1
      // to the wrong elements of a 256 × 784 product, measured; tests/test_page_trainer.py would catch it)
      const lin = (a, name, relu = false) => {
        const y = tf.add(tf.matMul(W[name], a), b[name]);
        return relu ? tf.relu(y) : y;
      };
      return { W, b, lin };
    }

    // a product with either operand transposed: explicitly on WebAssembly (its fast path: see the top), by the kernel
    // on WebGPU
    const product = (a, b, transposeA, transposeB) => (onGpu ? tf.matMul(a, b, transposeA, transposeB)
      : tf.matMul(transposeA ? tf.transpose(a) : a, transposeB ? tf.transpose(b) : b));

    function encoderOut(lin, xT) {
      const h1 = lin(xT, "encoder.1", true), h2 = lin(h1, "encoder.3", true);
      return { h1, h2, code: lin(h2, "encoder.5") };
    }

    function decoderOut(lin, zT) {
      const g1 = lin(zT, "decoder.0", true), g2 = lin(g1, "decoder.2", true);
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
        // where a's ReLU let it through
        const back = (a, d, name, relu) => {
          gradient(`${name}.weight`, product(d, a, false, true));
          gradient(`${name}.bias`, tf.sum(d, 1));
          const da = product(W[name], d, true, false);
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
        return [recm, klm];
      });
      t += 1;
      weights.adam(grads, t);
      for (const g of Object.values(grads)) g.dispose();
      if (weights.queues) {
        pending.push({ rec, kl, beta });
        return null;
      }
      const terms = termsOf(rec.dataSync()[0], kl.dataSync()[0], beta);
      rec.dispose();
      kl.dispose();
      pending.push(terms);
      return terms;
    }

    const termsOf = (rec, kl, beta) => ({ loss: rec + beta * kl, reconstruction: rec, kl });

    // the loss terms of the steps since the last call, once the device has done them
    async function settle() {
      const steps = pending;
      pending = [];
      if (!weights.queues || !steps.length) return steps;
      const all = tf.stack(steps.flatMap((s) => [s.rec, s.kl])), values = await all.data();
      all.dispose();
      steps.forEach((s) => { s.rec.dispose(); s.kl.dispose(); });
      return steps.map((s, k) => termsOf(values[2 * k], values[2 * k + 1], s.beta));
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
      const shape = (key) => (key.endsWith(".weight") ? shapeOf(key) : [shapeOf(key)[0]]);
      const keys = Object.keys(params);
      const dict = (values) => Object.fromEntries(keys.map((key, k) => [key, { shape: shape(key), data: values[k] }]));
      if (!weights.queues) return dict(keys.map((key) => weights.read(key)));
      return Promise.all(keys.map((key) => weights.read(key))).then(dict);
    }

    // the weights' memory in the backend, given back (the trainer is not used after)
    function dispose() {
      weights.dispose();
      pending.forEach((s) => { if (s.rec) { s.rec.dispose(); s.kl.dispose(); } });
    }

    return { step, settle, encode, decode, stateDict, dispose, backend };
  }

  // Which backend trains, given the browser's WebGPU adapter (null where it has none) and what the page asked for
  // ("auto", "webgpu" or "wasm"): {webgpu: true, name} for a GPU adapter, or where WebGPU is asked for; else {webgpu:
  // false, why}, why saying where it matters (a software adapter, SwiftShader, trains slower than WebAssembly).
  function engineFor(adapter, asked = "auto") {
    if (!adapter || asked === "wasm") return { webgpu: false, why: "" };
    const info = adapter.info || {};
    const software = Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter);
    if (software && asked !== "webgpu") return { webgpu: false, why: "faster than this browser's software WebGPU" };
    const what = [info.vendor, info.architecture].filter(Boolean).join(" ") || info.description || "";
    return { webgpu: true, name: `WebGPU${what ? ` on ${what}` : ""}${software ? ", a software fallback" : ""}` };
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
    Trainer, Batches, initialWeights, leaveOneOutKnn, permutation, transposed, engineFor, LAYERS, SHAPES, BATCH,
    PIXELS,
  };
  if (typeof module !== "undefined" && module.exports) module.exports = G.vaeTrain;
})(globalThis.Genmodels ??= { tabs: {} });
