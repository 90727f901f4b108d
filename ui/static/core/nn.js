// The page's one runtime for its models, in plain JavaScript (no dependency): a safetensors reader and a network that
// runs the layers listed in a file's metadata, in order, on float32 values. The VAE's decoder (tab 1), the classifier
// (tab 1), the denoiser and the super-resolution models (tab 3) are all such files, exported from the shipped
// checkpoints (genmodels/browser.py: `python -m train.vae_decoder`, `python -m train.page_models`), so it needs no
// architecture of its own. Each model is a few million multiply-adds: a few milliseconds (the convolutions in
// WebAssembly with SIMD, core/conv.wat, where the browser has it). Pure: it runs under Node for the parity tests
// (tests/js/).
/* global require */
(function (G) {
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
      } else if (info.dtype === "U8") {
        data = new Uint8Array(bytes);
      } else if (info.dtype === "I32") {
        data = new Int32Array(bytes);
      } else {
        throw new Error(`${name}: no reader for ${info.dtype}`);
      }
      tensors[name] = { shape: info.shape, data };
    }
    const metadata = {};
    for (const [key, value] of Object.entries(header.__metadata__ || {})) {
      try { metadata[key] = JSON.parse(value); } catch { metadata[key] = value; }     // the shipped samples: plain text
    }
    return { tensors, metadata };
  }

  // The reverse: float32 tensors ({name: {shape, data}}) and metadata ({key: value}, each value stored as JSON, as
  // genmodels.weights.save_weights stores it) as the bytes of a safetensors file, in the given order, the header
  // padded with spaces to a multiple of 8 bytes (so the data stays aligned).
  function toSafetensors(tensors, metadata = {}) {
    const about = Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, JSON.stringify(v)]));
    const header = { __metadata__: about };
    let offset = 0;
    for (const [name, { shape, data }] of Object.entries(tensors)) {
      if (data.length !== shape.reduce((a, b) => a * b, 1)) {
        throw new Error(`${name}: ${data.length} values for the shape ${shape.join("×")}`);
      }
      header[name] = { dtype: "F32", shape, data_offsets: [offset, offset + 4 * data.length] };
      offset += 4 * data.length;
    }
    let json = JSON.stringify(header);
    json += " ".repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8);
    const head = new TextEncoder().encode(json), out = new Uint8Array(8 + head.length + offset);
    new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
    out.set(head, 8);
    let at = 8 + head.length;
    for (const { data } of Object.values(tensors)) {
      const f32 = Float32Array.from(data);
      out.set(new Uint8Array(f32.buffer), at);
      at += f32.byteLength;
    }
    return out;
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

  // A convolution's weights re-laid once for the loops below: groups of eight output channels, then ky, kx, the input
  // channel, and the eight outputs side by side ([cout/8][k][k][cin][8], zero-padded to a multiple of eight).
  function blocked(weight, transposed) {
    if (!weight.blocked) {
      const [a, b, k] = weight.shape, cout = transposed ? b : a, cin = transposed ? a : b;
      const groups = Math.ceil(cout / 8), t = new Float32Array(groups * k * k * cin * 8);
      for (let o = 0; o < cout; o++) for (let i = 0; i < cin; i++) for (let q = 0; q < k * k; q++) {
        const from = transposed ? weight.data[(i * cout + o) * k * k + q] : weight.data[(o * cin + i) * k * k + q];
        t[(((o >> 3) * k * k + q) * cin + i) * 8 + (o & 7)] = from;
      }
      weight.blocked = t;
    }
    return weight.blocked;
  }

  // PyTorch's Conv2d (weight out×in×k×k) and ConvTranspose2d (weight in×out×k×k), zero padding. Each output position
  // gathers the input pixels its kernel covers (the taps) and sums, eight output channels at a time; an input that is
  // 0 (after a ReLU, about half) costs one comparison. In WebAssembly with SIMD (core/conv.wat) where the browser
  // has it, else here in registers (or where asked: inJavaScript).
  function convolve(x, [h, w, cin], weight, bias, stride, padding, transposed, inJavaScript = false) {
    const k = weight.shape[2], cout = transposed ? weight.shape[1] : weight.shape[0];
    const oh = transposed ? (h - 1) * stride - 2 * padding + k : Math.floor((h + 2 * padding - k) / stride) + 1;
    const ow = transposed ? (w - 1) * stride - 2 * padding + k : Math.floor((w + 2 * padding - k) / stride) + 1;
    const wl = blocked(weight, transposed);
    // the input row (column) that kernel row ky (column kx) reads for output row oy, or −1
    const source = (o, q, n) => {
      if (!transposed) { const i = o * stride - padding + q; return i >= 0 && i < n ? i : -1; }
      const t = o + padding - q;
      return t % stride === 0 && t >= 0 && t / stride < n ? t / stride : -1;
    };
    // the taps of output position (oy, ox) into taps[at…]: pairs (the input pixel's first channel, the weights' first
    // row for that tap), their count returned
    const tapsOf = (oy, ox, taps, at) => {
      let count = 0;
      for (let ky = 0; ky < k; ky++) {
        const iy = source(oy, ky, h);
        if (iy < 0) continue;
        for (let kx = 0; kx < k; kx++) {
          const ix = source(ox, kx, w);
          if (ix < 0) continue;
          taps[at + 2 * count] = (iy * w + ix) * cin;
          taps[at + 2 * count + 1] = (ky * k + kx) * cin * 8;
          count += 1;
        }
      }
      return count;
    };
    const simd = inJavaScript ? null : convKernel();
    const y = simd ? convolveSimd(simd, x, wl, bias.data, cin, cout, k, oh * ow, (pos, taps, at) =>
      tapsOf(Math.floor(pos / ow), pos % ow, taps, at)) : convolveHere(x, wl, bias.data, cin, cout, k, oh, ow, tapsOf);
    return { data: y, shape: [oh, ow, cout] };
  }

  // core/conv.wat, instantiated once (null where this WebAssembly has no SIMD), with a bump allocator for the
  // weights it keeps: {exports, end, placed}. Past WEIGHT_BYTES (a visitor exploring model after model in tab 1)
  // it forgets them all and copies each again when next used: its memory stays bounded.
  const WEIGHT_BYTES = 32 * 2 ** 20;
  let kernel;
  function convKernel() {
    if (kernel !== undefined) return kernel;
    kernel = null;
    try {
      const base64 = G.convWasm ?? (typeof require === "function" ? require("./conv_wasm.js") : null);
      if (base64) {
        const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        kernel = { exports: new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports, end: 0, placed: [] };
      }
    } catch {
      kernel = null;
    }
    return kernel;
  }

  // The convolution in core/conv.wat: the weights copied into its memory once, the input, the positions' taps, the
  // bias (padded to the groups' eight channels) and the output in the memory after them
  function convolveSimd(simd, x, wl, bd, cin, cout, k, positions, tapsOf) {
    const { exports } = simd, groups = Math.ceil(cout / 8), slots = k * k, entry = 1 + 2 * slots;
    const align = (n) => Math.ceil(n / 16) * 16;
    if (wl.wasmAt === undefined) {
      if (simd.end + 4 * wl.length > WEIGHT_BYTES) {
        simd.placed.forEach((placed) => { delete placed.wasmAt; });
        Object.assign(simd, { end: 0, placed: [] });
      }
      simd.placed.push(wl);
      wl.wasmAt = simd.end;
      simd.end = align(simd.end + 4 * wl.length);
      room(exports.memory, simd.end);
      new Float32Array(exports.memory.buffer, wl.wasmAt, wl.length).set(wl);
    }
    const xAt = simd.end, tableAt = align(xAt + 4 * x.length), biasAt = align(tableAt + 4 * positions * entry);
    const yAt = align(biasAt + 32 * groups), end = yAt + 32 * groups * positions;
    room(exports.memory, end);
    const buffer = exports.memory.buffer;
    new Float32Array(buffer, xAt, x.length).set(x);
    const table = new Int32Array(buffer, tableAt, positions * entry);
    new Float32Array(buffer, biasAt, 8 * groups).fill(0).set(bd);
    for (let pos = 0; pos < positions; pos++) {
      const at = pos * entry, count = tapsOf(pos, table, at + 1);
      table[at] = count;
      for (let i = at + 1; i < at + 1 + 2 * count; i++) table[i] *= 4;       // to bytes
    }
    exports.conv(xAt, tableAt, positions, slots, wl.wasmAt, groups, 32 * slots * cin, cin, biasAt, yAt);
    const out = new Float32Array(buffer, yAt, 8 * groups * positions);
    if (cout === 8 * groups) return Float32Array.from(out);
    const y = new Float32Array(positions * cout);
    for (let pos = 0; pos < positions; pos++) {
      y.set(out.subarray(8 * groups * pos, 8 * groups * pos + cout), pos * cout);
    }
    return y;
  }

  // the memory grown to hold `bytes`
  function room(memory, bytes) {
    const more = Math.ceil((bytes - memory.buffer.byteLength) / 65536);
    if (more > 0) memory.grow(more);
  }

  // The same convolution in JavaScript (sums in double precision, stored as float32)
  function convolveHere(x, wl, bd, cin, cout, k, oh, ow, tapsOf) {
    const y = new Float32Array(oh * ow * cout), groupSize = k * k * cin * 8, taps = new Int32Array(2 * k * k);
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const count = 2 * tapsOf(oy, ox, taps, 0);
        const yb = (oy * ow + ox) * cout;
        for (let g = 0; g * 8 < cout; g++) {
          let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
          const gb = g * groupSize;
          for (let t = 0; t < count; t += 2) {
            const xb = taps[t], wb = gb + taps[t + 1];
            for (let ci = 0; ci < cin; ci++) {
              const v = x[xb + ci];
              if (v === 0) continue;
              const wi = wb + ci * 8;
              s0 += v * wl[wi]; s1 += v * wl[wi + 1]; s2 += v * wl[wi + 2]; s3 += v * wl[wi + 3];
              s4 += v * wl[wi + 4]; s5 += v * wl[wi + 5]; s6 += v * wl[wi + 6]; s7 += v * wl[wi + 7];
            }
          }
          const o = yb + g * 8, b = g * 8, n = cout - b;       // n < 8 only for a last, partial group
          y[o] = bd[b] + s0;
          if (n > 1) y[o + 1] = bd[b + 1] + s1;
          if (n > 2) y[o + 2] = bd[b + 2] + s2;
          if (n > 3) y[o + 3] = bd[b + 3] + s3;
          if (n > 4) y[o + 4] = bd[b + 4] + s4;
          if (n > 5) y[o + 5] = bd[b + 5] + s5;
          if (n > 6) y[o + 6] = bd[b + 6] + s6;
          if (n > 7) y[o + 7] = bd[b + 7] + s7;
        }
      }
    }
    return y;
  }

  // channel-last h×w×c → PyTorch's flattening order c×h×w
  function channelFirst(x, [h, w, c]) {
    const y = new Float32Array(x.length);
    for (let ci = 0; ci < c; ci++) for (let i = 0; i < h * w; i++) y[ci * h * w + i] = x[i * c + ci];
    return y;
  }

  // PyTorch's MaxPool2d(k) (stride k, no padding)
  function maxPool(x, [h, w, c], k) {
    const oh = Math.floor(h / k), ow = Math.floor(w / k), y = new Float32Array(oh * ow * c).fill(-Infinity);
    for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) {
      const yb = (oy * ow + ox) * c;
      for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) {
        const xb = ((oy * k + ky) * w + ox * k + kx) * c;
        for (let ci = 0; ci < c; ci++) if (x[xb + ci] > y[yb + ci]) y[yb + ci] = x[xb + ci];
      }
    }
    return { data: y, shape: [oh, ow, c] };
  }

  // PyTorch's Upsample(scale_factor=2) (nearest): each pixel becomes a 2×2 block
  function upsample2(x, [h, w, c]) {
    const y = new Float32Array(4 * x.length);
    for (let oy = 0; oy < 2 * h; oy++) for (let ox = 0; ox < 2 * w; ox++) {
      y.set(x.subarray(((oy >> 1) * w + (ox >> 1)) * c, ((oy >> 1) * w + (ox >> 1) + 1) * c), (oy * 2 * w + ox) * c);
    }
    return { data: y, shape: [2 * h, 2 * w, c] };
  }

  // A network: the layers in the file's metadata, run in order on float32 values.
  class Network {
    constructor({ tensors, metadata }) {
      this.tensors = tensors;
      this.metadata = metadata;
      this.layers = metadata.layers;
    }

    // x: the input in PyTorch's order (a vector, or one image c×h×w with shape [c, h, w]); returns the output in
    // PyTorch's order (for a one-channel image, row-major pixels) as a Float32Array.
    forward(input, inputShape) {
      let x = Float32Array.from(input), shape = [x.length];
      if (inputShape && inputShape.length === 3) {
        shape = [inputShape[1], inputShape[2], inputShape[0]];
        x = channelLast(x, inputShape);
      }
      for (const layer of this.layers) {
        const weight = this.tensors[layer.weight], bias = this.tensors[layer.bias];
        if (layer.op === "linear") { x = linear(x, weight, bias); shape = [x.length]; }
        else if (layer.op === "relu") { for (let i = 0; i < x.length; i++) if (x[i] < 0) x[i] = 0; }
        else if (layer.op === "leaky_relu") { for (let i = 0; i < x.length; i++) if (x[i] < 0) x[i] *= layer.slope; }
        else if (layer.op === "tanh") { for (let i = 0; i < x.length; i++) x[i] = Math.tanh(x[i]); }
        else if (layer.op === "upsample2") ({ data: x, shape } = upsample2(x, shape));
        else if (layer.op === "reshape") {
          x = channelLast(x, layer.shape);
          shape = [layer.shape[1], layer.shape[2], layer.shape[0]];
        }
        else if (layer.op === "flatten") { if (shape.length === 3) x = channelFirst(x, shape); shape = [x.length]; }
        else if (layer.op === "conv_transpose" || layer.op === "conv") {
          ({ data: x, shape } = convolve(x, shape, weight, bias, layer.stride, layer.padding, layer.op !== "conv"));
        }
        else if (layer.op === "max_pool") ({ data: x, shape } = maxPool(x, shape, layer.kernel));
        else if (layer.op === "sigmoid") { for (let i = 0; i < x.length; i++) x[i] = 1 / (1 + Math.exp(-x[i])); }
        else if (layer.op === "softmax") {
          let top = -Infinity, sum = 0;
          for (const v of x) top = Math.max(top, v);
          for (let i = 0; i < x.length; i++) sum += (x[i] = Math.exp(x[i] - top));
          for (let i = 0; i < x.length; i++) x[i] /= sum;
        }
        else throw new Error(`unknown layer ${layer.op}`);
      }
      return shape.length === 3 && shape[2] > 1 ? channelFirst(x, shape) : x;
    }
  }

  // Values in [0, 1] as 8-bit grey levels, rounded the way the server rounds (genmodels.imaging.to_pil: float32
  // x·255 + 0.5, truncated).
  function toGrey(x) {
    const grey = new Uint8ClampedArray(x.length);
    for (let i = 0; i < x.length; i++) {
      grey[i] = Math.floor(Math.fround(Math.fround(Math.min(Math.max(x[i], 0), 1) * 255) + 0.5));
    }
    return grey;
  }

  // The VAE's decoder (tab 1): the image at latent point z as 8-bit grey levels, row-major 28×28.
  class Decoder extends Network {
    decode(z) { return toGrey(this.forward(z)); }
  }

  async function fetchTensors(url) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return parseSafetensors(await response.arrayBuffer());
  }

  async function loadNetwork(url) { return new Network(await fetchTensors(url)); }
  async function loadDecoder(url) { return new Decoder(await fetchTensors(url)); }

  G.nn = { parseSafetensors, toSafetensors, float16ToFloat32, Network, Decoder, toGrey, fetchTensors, loadNetwork,
           loadDecoder, convolve, usesSimd: () => convKernel() !== null,
           simdBytes: () => (convKernel() ? kernel.exports.memory.buffer.byteLength : 0) };
  if (typeof module !== "undefined" && module.exports) module.exports = G.nn;
})(globalThis.Genmodels ??= { tabs: {} });
