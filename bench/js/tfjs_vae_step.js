// node bench/js/tfjs_vae_step.js IN OUT [wasm|cpu] (NODE_PATH: where bench/page_trainer.py installed TF.js): the live
// VAE's training step in TensorFlow.js, as a candidate engine for training in the page. The gradients are written
// by hand, as in ui/static/core/vae_train.js, with explicit transposes (TF.js's wasm backend multiplies a transposed
// operand an order of magnitude slower), weights kept in × out; Adam as torch.optim.Adam. Same files in and out as
// tests/js/vae_step.js (the loss terms, the weights after the last step, the median milliseconds of a later step).
const fs = require("fs");
const path = require("path");
const tf = require("@tensorflow/tfjs-core");
require("@tensorflow/tfjs-backend-cpu");
const wasm = require("@tensorflow/tfjs-backend-wasm");
const { parseSafetensors } = require(path.join(__dirname, "..", "..", "ui", "static", "core", "nn.js"));

async function main() {
  const [inPath, outPath, backend = "wasm"] = process.argv.slice(2);
  wasm.setWasmPaths(path.join(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm")), path.sep));
  await tf.setBackend(backend);
  await tf.ready();
  const b = fs.readFileSync(inPath);
  const { tensors, metadata } = parseSafetensors(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
  const names = ["encoder.1", "encoder.3", "encoder.5", "decoder.0", "decoder.2", "decoder.4"];
  const P = {}, M = {}, V = {};
  for (const n of names) {
    const w = tensors[`${n}.weight`];
    P[`${n}.wt`] = tf.variable(tf.transpose(tf.tensor2d(w.data, w.shape)));   // in × out
    P[`${n}.b`] = tf.variable(tf.tensor1d(tensors[`${n}.bias`].data));
  }
  for (const [k, v] of Object.entries(P)) { M[k] = tf.variable(tf.zerosLike(v)); V[k] = tf.variable(tf.zerosLike(v)); }
  let t = 0;
  const lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  function step(xData, noiseData, beta) {
    const rows = noiseData.length / 2;
    const G = {};
    const terms = tf.tidy(() => {
      const x = tf.tensor2d(xData, [rows, 784]), e = tf.tensor2d(noiseData, [rows, 2]);
      const lin = (a, n) => tf.add(tf.matMul(a, P[`${n}.wt`]), P[`${n}.b`]);
      const h1 = tf.relu(lin(x, "encoder.1")), h2 = tf.relu(lin(h1, "encoder.3")), code = lin(h2, "encoder.5");
      const mu = tf.slice(code, [0, 0], [rows, 2]), logvar = tf.slice(code, [0, 2], [rows, 2]);
      const std = tf.exp(tf.mul(logvar, 0.5)), z = tf.add(mu, tf.mul(e, std));
      const g1 = tf.relu(lin(z, "decoder.0")), g2 = tf.relu(lin(g1, "decoder.2")), logits = lin(g2, "decoder.4");
      const rec = tf.sum(tf.add(tf.sub(tf.relu(logits), tf.mul(logits, x)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))))
      const recm = tf.div(rec, rows);
      const kl = tf.mul(tf.sum(tf.sub(tf.sub(tf.add(1, logvar), tf.square(mu)), tf.exp(logvar))), -0.5 / rows);
      const dl = tf.div(tf.sub(tf.sigmoid(logits), x), rows);
      // dW = aᵀ·d (explicit transpose), db = Σ d, d_in = d·W (W = wtᵀ, explicit)
      const back = (a, d, n, mask) => {
        G[`${n}.wt`] = tf.keep(tf.matMul(tf.transpose(a), d));
        G[`${n}.b`] = tf.keep(tf.sum(d, 0));
        if (!mask) return null;
        const din = tf.matMul(d, tf.transpose(P[`${n}.wt`]));
        return tf.mul(din, tf.step(mask));
      };
      const dg2 = back(g2, dl, "decoder.4", g2);
      const dg1 = back(g1, dg2, "decoder.2", g1);
      back(z, dg1, "decoder.0", null);
      const dz = tf.matMul(dg1, tf.transpose(P["decoder.0.wt"]));
      const dmu = tf.add(dz, tf.mul(mu, beta / rows));
      const dlv = tf.add(tf.mul(tf.mul(dz, e), tf.mul(std, 0.5)), tf.mul(tf.sub(tf.exp(logvar), 1), 0.5 * beta / rows));
      const dcode = tf.concat([dmu, dlv], 1);
      const dh2 = back(h2, dcode, "encoder.5", h2);
      const dh1 = back(h1, dh2, "encoder.3", h1);
      back(x, dh1, "encoder.1", null);
      return [recm, kl].map((s) => s.dataSync()[0]);
    });
    t += 1;
    const stepSize = lr / (1 - b1 ** t), root2 = Math.sqrt(1 - b2 ** t);
    tf.tidy(() => {
      for (const k of Object.keys(P)) {
        const g = G[k];
        M[k].assign(tf.add(tf.mul(M[k], b1), tf.mul(g, 1 - b1)));
        V[k].assign(tf.add(tf.mul(V[k], b2), tf.mul(tf.square(g), 1 - b2)));
        P[k].assign(tf.sub(P[k], tf.mul(tf.div(M[k], tf.add(tf.div(tf.sqrt(V[k]), root2), eps)), stepSize)));
      }
    });
    for (const g of Object.values(G)) g.dispose();
    return { loss: terms[0] + beta * terms[1], reconstruction: terms[0], kl: terms[1] };
  }
  const out = [];
  const betas = metadata.betas;
  const times = [];
  betas.forEach((beta, k) => {
    const started = process.hrtime.bigint();
    out.push(step(tensors[`x.${k}`].data, tensors[`noise.${k}`].data, beta));
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  });
  const later = times.slice(1).sort((a, b) => a - b);
  const ms = later.length ? later[Math.floor(later.length / 2)] : times[0];     // the median after the first
  const weights = {};
  for (const n of names) {
    weights[`${n}.weight`] = Array.from(tf.transpose(P[`${n}.wt`]).dataSync());
    weights[`${n}.bias`] = Array.from(P[`${n}.b`].dataSync());
  }
  fs.writeFileSync(outPath, JSON.stringify({ terms: out, weights, ms, backend: tf.getBackend() }));
}
main().catch((e) => { console.error(e); process.exit(1); });
