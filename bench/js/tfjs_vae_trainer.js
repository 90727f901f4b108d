// The live VAE's training step in TensorFlow.js, a candidate engine for training in the page (bench/page_trainer.py
// measures it under Node and in headless Chromium). The gradients are written by hand, as in
// ui/static/core/vae_train.js, with explicit transposes (TF.js's wasm backend multiplies a transposed operand an order
// of magnitude slower), weights kept in × out; Adam as torch.optim.Adam. tfjsTrainer(tf, tensors) takes the
// state_dict's tensors ({name: {shape, data}}) and returns {step(x, noise, beta) → loss terms, weights()}.
(function (root) {
  "use strict";

  function tfjsTrainer(tf, tensors) {
    const names = ["encoder.1", "encoder.3", "encoder.5", "decoder.0", "decoder.2", "decoder.4"];
    const P = {}, M = {}, V = {};
    for (const n of names) {
      const w = tensors[`${n}.weight`];
      P[`${n}.wt`] = tf.variable(tf.transpose(tf.tensor2d(w.data, w.shape)));   // in × out
      P[`${n}.b`] = tf.variable(tf.tensor1d(tensors[`${n}.bias`].data));
    }
    for (const [k, v] of Object.entries(P)) {
      M[k] = tf.variable(tf.zerosLike(v));
      V[k] = tf.variable(tf.zerosLike(v));
    }
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
        const softplus = tf.log1p(tf.exp(tf.neg(tf.abs(logits))));         // BCE with logits, stably
        const recm = tf.div(tf.sum(tf.add(tf.sub(tf.relu(logits), tf.mul(logits, x)), softplus)), rows);
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
        const dlv = tf.add(tf.mul(tf.mul(dz, e), tf.mul(std, 0.5)),                  // through z = μ + ε·σ
                           tf.mul(tf.sub(tf.exp(logvar), 1), 0.5 * beta / rows));       // and the KL term
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
    function weights() {
      const out = {};
      for (const n of names) {
        out[`${n}.weight`] = Array.from(tf.transpose(P[`${n}.wt`]).dataSync());
        out[`${n}.bias`] = Array.from(P[`${n}.b`].dataSync());
      }
      return out;
    }
    return { step, weights };
  }

  if (typeof module !== "undefined" && module.exports) module.exports = { tfjsTrainer };
  else root.tfjsTrainer = tfjsTrainer;
})(globalThis);
