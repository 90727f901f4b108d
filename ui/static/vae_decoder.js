// The VAE's decoder in plain JavaScript, for the latent explorer (tab 1) and for Node (the parity test).
// It reads weights/vae-decoder-<dataset>.safetensors, written by `python -m train.vae_decoder`: float16 tensors and,
// in the metadata, the layers in order. One decode is about 6 million multiply-adds: a few milliseconds.
(function (root) {
  "use strict";

  let halfTable = null;                               // all 65,536 float16 values as float32, built on first use

  function float16ToFloat32(bits) {
    const sign = bits & 0x8000 ? -1 : 1;
    const exponent = (bits >> 10) & 0x1f;
    const fraction = bits & 0x3ff;
    if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
    if (exponent === 31) return fraction ? NaN : sign * Infinity;
    return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
  }

  // A safetensors file: 8 bytes (little-endian header length), a JSON header, then the tensors' bytes.
  function parseSafetensors(buffer) {
    const view = new DataView(buffer);
    const headerLength = Number(view.getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 8, headerLength)));
    const start = 8 + headerLength;
    const tensors = {};
    for (const [name, info] of Object.entries(header)) {
      if (name === "__metadata__") continue;
      const [begin, end] = info.data_offsets;
      const bytes = buffer.slice(start + begin, start + end);     // a copy, aligned for the typed arrays below
      let data;
      if (info.dtype === "F16") {
        if (!halfTable) {
          halfTable = new Float32Array(65536);
          for (let h = 0; h < 65536; h++) halfTable[h] = float16ToFloat32(h);
        }
        const half = new Uint16Array(bytes);                     // safetensors is little-endian, like every browser
        data = new Float32Array(half.length);
        for (let i = 0; i < half.length; i++) data[i] = halfTable[half[i]];
      } else if (info.dtype === "F32") {
        data = new Float32Array(bytes);
      } else {
        throw new Error(`${name}: no reader for ${info.dtype}`);
      }
      tensors[name] = { shape: info.shape, data };
    }
    const metadata = {};
    for (const [key, value] of Object.entries(header.__metadata__ || {})) metadata[key] = JSON.parse(value);
    return { tensors, metadata };
  }

  // y = W x + b for W: out×in
  function linear(x, w, b) {
    const [out, inp] = w.shape, wd = w.data, bd = b.data;
    const y = new Float32Array(out);
    const active = [];                           // inputs that are not 0 (after a ReLU, about half)
    for (let i = 0; i < inp; i++) if (x[i] !== 0) active.push(i);
    for (let o = 0; o < out; o++) {
      let s = bd[o];
      for (let a = 0, row = o * inp; a < active.length; a++) s += wd[row + active[a]] * x[active[a]];
      y[o] = s;
    }
    return y;
  }

  // The convolutions work channel-last (x[(y * width + x) * channels + c]), so their inner loops run over
  // contiguous channels; weights are re-laid once per layer to match.
  function channelLast(x, [c, h, w]) {
    const y = new Float32Array(x.length);
    for (let ci = 0; ci < c; ci++) for (let i = 0; i < h * w; i++) y[i * c + ci] = x[ci * h * w + i];
    return y;
  }

  function relaid(weight, order) {
    if (!weight[order]) {
      const [a, b, k] = weight.shape, t = new Float32Array(weight.data.length);
      for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) for (let q = 0; q < k * k; q++) {
        // "in-k-k-out" for a transposed convolution (weight in×out×k×k), "out-k-k-in" for a convolution (out×in×k×k)
        t[(i * k * k + q) * b + j] = weight.data[(i * b + j) * k * k + q];
      }
      weight[order] = t;
    }
    return weight[order];
  }

  // PyTorch's ConvTranspose2d, weight in×out×k×k: each non-zero input pixel scatters a k×k patch, `stride` apart
  // (after a ReLU about half the inputs are 0 and cost nothing).
  function convTranspose(x, [h, w, cin], weight, bias, stride, padding) {
    const [, cout, k] = weight.shape;
    const oh = (h - 1) * stride - 2 * padding + k, ow = (w - 1) * stride - 2 * padding + k;
    const wl = relaid(weight, "inKKOut"), bd = bias.data, y = new Float32Array(oh * ow * cout);
    for (let p = 0; p < oh * ow; p++) y.set(bd, p * cout);
    for (let iy = 0; iy < h; iy++) {
      for (let ix = 0; ix < w; ix++) {
        for (let ci = 0; ci < cin; ci++) {
          const v = x[(iy * w + ix) * cin + ci];
          if (v === 0) continue;
          for (let ky = 0; ky < k; ky++) {
            const oy = iy * stride - padding + ky;
            if (oy < 0 || oy >= oh) continue;
            for (let kx = 0; kx < k; kx++) {
              const ox = ix * stride - padding + kx;
              if (ox < 0 || ox >= ow) continue;
              const yb = (oy * ow + ox) * cout, wb = ((ci * k + ky) * k + kx) * cout;
              for (let co = 0; co < cout; co++) y[yb + co] += v * wl[wb + co];
            }
          }
        }
      }
    }
    return { data: y, shape: [oh, ow, cout] };
  }

  // PyTorch's Conv2d, weight out×in×k×k, zero padding: each output a sum of dot products over the channels.
  function conv(x, [h, w, cin], weight, bias, stride, padding) {
    const [cout, , k] = weight.shape;
    const oh = Math.floor((h + 2 * padding - k) / stride) + 1, ow = Math.floor((w + 2 * padding - k) / stride) + 1;
    const wl = relaid(weight, "outKKIn"), bd = bias.data, y = new Float32Array(oh * ow * cout);
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let co = 0; co < cout; co++) {
          let s = bd[co];
          for (let ky = 0; ky < k; ky++) {
            const iy = oy * stride - padding + ky;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < k; kx++) {
              const ix = ox * stride - padding + kx;
              if (ix < 0 || ix >= w) continue;
              const xb = (iy * w + ix) * cin, wb = ((co * k + ky) * k + kx) * cin;
              for (let ci = 0; ci < cin; ci++) s += x[xb + ci] * wl[wb + ci];
            }
          }
          y[(oy * ow + ox) * cout + co] = s;
        }
      }
    }
    return { data: y, shape: [oh, ow, cout] };
  }

  class Decoder {
    constructor({ tensors, metadata }) {
      this.tensors = tensors;
      this.metadata = metadata;
      this.layers = metadata.layers;
    }

    // The image at latent point z as 8-bit grey levels, row-major 28×28, rounded the way the server rounds (the last
    // layer has one channel, so channel-last is row-major).
    decode(z) {
      let x = Float32Array.from(z), shape = [x.length];
      for (const layer of this.layers) {
        const weight = this.tensors[layer.weight], bias = this.tensors[layer.bias];
        if (layer.op === "linear") { x = linear(x, weight, bias); shape = [x.length]; }
        else if (layer.op === "relu") { for (let i = 0; i < x.length; i++) if (x[i] < 0) x[i] = 0; }
        else if (layer.op === "reshape") { x = channelLast(x, layer.shape); shape = [layer.shape[1], layer.shape[2], layer.shape[0]]; }
        else if (layer.op === "conv_transpose") ({ data: x, shape } = convTranspose(x, shape, weight, bias, layer.stride, layer.padding));
        else if (layer.op === "conv") ({ data: x, shape } = conv(x, shape, weight, bias, layer.stride, layer.padding));
        else if (layer.op === "sigmoid") { for (let i = 0; i < x.length; i++) x[i] = 1 / (1 + Math.exp(-x[i])); }
        else throw new Error(`unknown layer ${layer.op}`);
      }
      const grey = new Uint8ClampedArray(x.length);
      for (let i = 0; i < x.length; i++) grey[i] = Math.floor(Math.min(Math.max(x[i], 0), 1) * 255 + 0.5);
      return grey;
    }
  }

  async function loadDecoder(url) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return new Decoder(parseSafetensors(await response.arrayBuffer()));
  }

  const api = { parseSafetensors, Decoder, loadDecoder };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.GenmodelsVAE = api;
})(typeof window !== "undefined" ? window : globalThis);
