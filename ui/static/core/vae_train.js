// The live VAE's training step in plain JavaScript, as genmodels.vae.training_step does it in PyTorch: the
// fully-connected VAE of genmodels.live.LIVE_CONFIG (784-256-256-2 each way, ReLU), the β-weighted negative ELBO
// (Bernoulli reconstruction summed over pixels, KL to N(0, I), both per image), its gradients by hand, and one step
// of Adam with PyTorch's defaults. Weights are kept under the PyTorch model's state_dict names and shapes, so a model
// trained here loads into genmodels.live.new_model(seed) as it is. Pure: tests/test_page_trainer.py runs one step
// under Node against PyTorch from the same weights, batch and ε.
(function (G) {
  "use strict";

  // the PyTorch names of the six linear layers, in the order the data flows (genmodels/vae.py: VAE with channels=0)
  const ENCODER = ["encoder.1", "encoder.3", "encoder.5"];
  const DECODER = ["decoder.0", "decoder.2", "decoder.4"];
  const LAYERS = [...ENCODER, ...DECODER];

  // out[r, o] = Σ_i x[r, i] · w[o, i] + b[o], for rows × inputs x and outputs × inputs w (a linear layer)
  function linear(x, rows, w, b, outputs, inputs, out = new Float32Array(rows * outputs)) {
    for (let r = 0; r < rows; r++) {
      const xr = r * inputs;
      for (let o = 0; o < outputs; o++) {
        const wo = o * inputs;
        let s = 0;
        for (let i = 0; i < inputs; i++) s += x[xr + i] * w[wo + i];
        out[r * outputs + o] = s + b[o];
      }
    }
    return out;
  }

  function relu(x) {
    for (let i = 0; i < x.length; i++) if (x[i] < 0) x[i] = 0;
    return x;
  }

  // the gradient reaching a linear layer's input: dx[r, i] = Σ_o dy[r, o] · w[o, i]; where mask (the layer's input
  // after its ReLU) is 0, the gradient is 0 too
  function backInput(dy, rows, w, outputs, inputs, mask) {
    const dx = new Float32Array(rows * inputs);
    for (let r = 0; r < rows; r++) {
      const xr = r * inputs;
      for (let o = 0; o < outputs; o++) {
        const g = dy[r * outputs + o];
        if (g === 0) continue;
        const wo = o * inputs;
        for (let i = 0; i < inputs; i++) dx[xr + i] += g * w[wo + i];
      }
      if (mask) for (let i = 0; i < inputs; i++) if (mask[xr + i] <= 0) dx[xr + i] = 0;
    }
    return dx;
  }

  // a linear layer's weight and bias gradients: dw[o, i] = Σ_r dy[r, o] · x[r, i], db[o] = Σ_r dy[r, o]
  function backWeights(dy, x, rows, outputs, inputs, dw, db) {
    dw.fill(0);
    db.fill(0);
    for (let o = 0; o < outputs; o++) {
      const wo = o * inputs;
      let bias = 0;
      for (let r = 0; r < rows; r++) {
        const g = dy[r * outputs + o];
        if (g === 0) continue;
        bias += g;
        const xr = r * inputs;
        for (let i = 0; i < inputs; i++) dw[wo + i] += g * x[xr + i];
      }
      db[o] = bias;
    }
  }

  // One model and its Adam state. params: {name: {shape, data: Float32Array}} under the state_dict's names (the
  // weights are copied); lr and Adam's betas and eps default to torch.optim.Adam's (genmodels.live.DEFAULT_LR).
  class Trainer {
    constructor(params, { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8 } = {}) {
      this.lr = lr;
      this.betas = betas;
      this.eps = eps;
      this.steps = 0;
      this.shapes = {};
      this.params = {};
      this.grads = {};
      this.m = {};
      this.v = {};
      for (const layer of LAYERS) {
        for (const part of ["weight", "bias"]) {
          const name = `${layer}.${part}`, tensor = params[name];
          if (!tensor) throw new Error(`the model has no ${name}`);
          this.shapes[name] = tensor.shape;
          this.params[name] = Float32Array.from(tensor.data);
          for (const state of [this.grads, this.m, this.v]) state[name] = new Float32Array(tensor.data.length);
        }
      }
      this.latent = this.shapes["decoder.0.weight"][1];
      this.hidden = this.shapes["encoder.1.weight"][0];
      this.pixels = this.shapes["encoder.1.weight"][1];
      const { hidden, latent, pixels } = this;
      const expected = { "encoder.3.weight": [hidden, hidden], "encoder.5.weight": [2 * latent, hidden],
                         "decoder.2.weight": [hidden, hidden], "decoder.4.weight": [pixels, hidden] };
      for (const [name, shape] of Object.entries(expected)) {
        if (this.shapes[name].join() !== shape.join()) {
          throw new Error(`${name} is ${this.shapes[name].join("×")}, expected ${shape.join("×")}`);
        }
      }
    }

    // x: rows × pixels in [0, 1]; noise: rows × latent standard normal draws (ε); beta: the KL weight this step.
    // One gradient step on the β-weighted negative ELBO; the loss and its two terms, nats per image, before the step.
    step(x, noise, beta) {
      const rows = noise.length / this.latent, { hidden: h, pixels: n, latent: d } = this, p = this.params;
      if (x.length !== rows * n) throw new Error(`expected ${rows}×${n} pixels, got ${x.length}`);
      // forward: the encoder, z = μ + ε·σ, the decoder's logits
      const h1 = relu(linear(x, rows, p["encoder.1.weight"], p["encoder.1.bias"], h, n));
      const h2 = relu(linear(h1, rows, p["encoder.3.weight"], p["encoder.3.bias"], h, h));
      const code = linear(h2, rows, p["encoder.5.weight"], p["encoder.5.bias"], 2 * d, h);
      const z = new Float32Array(rows * d), std = new Float32Array(rows * d);
      let kl = 0;
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < d; j++) {
          const mu = code[r * 2 * d + j], logvar = code[r * 2 * d + d + j], k = r * d + j;
          std[k] = Math.exp(0.5 * logvar);
          z[k] = mu + noise[k] * std[k];
          kl += 1 + logvar - mu * mu - Math.exp(logvar);
        }
      }
      kl = -0.5 * kl / rows;
      const g1 = relu(linear(z, rows, p["decoder.0.weight"], p["decoder.0.bias"], h, d));
      const g2 = relu(linear(g1, rows, p["decoder.2.weight"], p["decoder.2.bias"], h, h));
      const logits = linear(g2, rows, p["decoder.4.weight"], p["decoder.4.bias"], n, h);
      // the reconstruction term (binary cross-entropy with logits, summed) and its gradient, per image
      let rec = 0;
      const dLogits = new Float32Array(rows * n);
      for (let i = 0; i < logits.length; i++) {
        const l = logits[i], t = x[i];
        rec += Math.max(l, 0) - l * t + Math.log1p(Math.exp(-Math.abs(l)));
        dLogits[i] = (1 / (1 + Math.exp(-l)) - t) / rows;
      }
      rec /= rows;
      // backward through the decoder, to z
      const gr = this.grads;
      backWeights(dLogits, g2, rows, n, h, gr["decoder.4.weight"], gr["decoder.4.bias"]);
      const dG2 = backInput(dLogits, rows, p["decoder.4.weight"], n, h, g2);
      backWeights(dG2, g1, rows, h, h, gr["decoder.2.weight"], gr["decoder.2.bias"]);
      const dG1 = backInput(dG2, rows, p["decoder.2.weight"], h, h, g1);
      backWeights(dG1, z, rows, h, d, gr["decoder.0.weight"], gr["decoder.0.bias"]);
      const dZ = backInput(dG1, rows, p["decoder.0.weight"], h, d, null);
      // through the reparameterisation and the KL term, to μ and log σ²
      const dCode = new Float32Array(rows * 2 * d);
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < d; j++) {
          const k = r * d + j, mu = code[r * 2 * d + j], logvar = code[r * 2 * d + d + j];
          dCode[r * 2 * d + j] = dZ[k] + beta * mu / rows;
          dCode[r * 2 * d + d + j] = dZ[k] * noise[k] * 0.5 * std[k] + beta * 0.5 * (Math.exp(logvar) - 1) / rows;
        }
      }
      // backward through the encoder (no gradient for the pixels themselves)
      backWeights(dCode, h2, rows, 2 * d, h, gr["encoder.5.weight"], gr["encoder.5.bias"]);
      const dH2 = backInput(dCode, rows, p["encoder.5.weight"], 2 * d, h, h2);
      backWeights(dH2, h1, rows, h, h, gr["encoder.3.weight"], gr["encoder.3.bias"]);
      const dH1 = backInput(dH2, rows, p["encoder.3.weight"], h, h, h1);
      backWeights(dH1, x, rows, h, n, gr["encoder.1.weight"], gr["encoder.1.bias"]);
      this.adam();
      return { loss: rec + beta * kl, reconstruction: rec, kl };
    }

    // torch.optim.Adam's step (no weight decay, no amsgrad): bias-corrected first and second moments
    adam() {
      this.steps += 1;
      const [b1, b2] = this.betas, t = this.steps;
      const stepSize = this.lr / (1 - b1 ** t), root2 = Math.sqrt(1 - b2 ** t);
      for (const name of Object.keys(this.params)) {
        const w = this.params[name], g = this.grads[name], m = this.m[name], v = this.v[name];
        for (let i = 0; i < w.length; i++) {
          m[i] = b1 * m[i] + (1 - b1) * g[i];
          v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
          w[i] -= stepSize * m[i] / (Math.sqrt(v[i]) / root2 + this.eps);
        }
      }
    }

    // the weights as {name: {shape, data}}, the state_dict's names and shapes (copies)
    stateDict() {
      const out = {};
      for (const [name, data] of Object.entries(this.params)) {
        out[name] = { shape: this.shapes[name], data: data.slice() };
      }
      return out;
    }
  }

  G.vaeTrain = { Trainer, LAYERS, linear, backInput, backWeights };
  if (typeof module !== "undefined" && module.exports) module.exports = G.vaeTrain;
})(globalThis.Genmodels ??= { tabs: {} });
