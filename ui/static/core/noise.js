// genmodels/rng.py and genmodels/noise.py's add_noise in JavaScript, bit for bit: the denoising tab's noise for a
// seed is the same in the page, in /denoise and in the library (tests/test_noise.py runs this under Node).
// Every float32 step of PyTorch is rounded here with Math.fround, so the two agree exactly, not just closely.
(function (G) {
  "use strict";
  const GOLDEN = 0x9e3779b9, UNIFORM_BITS = 24, IRWIN_HALL = 12, SCALE = 2 ** UNIFORM_BITS;
  const STREAMS = { normal: 0, hit: 1, salt: 2, blocks: 3 };
  const LEVEL_MAX = { gaussian: 1.0, salt_pepper: 0.5, lesson: 1.0, mask: 0.5 };
  const MASK_BLOCK = 4;
  const f32 = Math.fround;

  function lowbias32(x) {
    x >>>= 0;
    x = (x ^ (x >>> 16)) >>> 0;
    x = Math.imul(x, 0x7feb352d) >>> 0;
    x = (x ^ (x >>> 15)) >>> 0;
    x = Math.imul(x, 0x846ca68b) >>> 0;
    return (x ^ (x >>> 16)) >>> 0;
  }

  function key(seed, stream) {
    return lowbias32((seed ^ Math.imul(stream, GOLDEN)) >>> 0);
  }

  function bits(seed, stream, n) {
    const k = key(seed, stream), out = new Uint32Array(n);
    for (let i = 0; i < n; i++) out[i] = lowbias32((lowbias32(i) ^ k) >>> 0);
    return out;
  }

  function uniform(seed, stream, n) {
    const b = bits(seed, stream, n), out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = (b[i] >>> (32 - UNIFORM_BITS)) / SCALE;
    return out;
  }

  function normal(seed, stream, n) {
    const b = bits(seed, stream, n * IRWIN_HALL), out = new Float32Array(n);
    for (let j = 0; j < n; j++) {
      let total = 0;
      for (let q = 0; q < IRWIN_HALL; q++) total += b[j * IRWIN_HALL + q] >>> (32 - UNIFORM_BITS);
      out[j] = f32(total - (IRWIN_HALL / 2) * SCALE) / SCALE;     // one float32 rounding, then an exact scaling
    }
    return out;
  }

  // PyTorch's round: half to even
  function roundHalfEven(x) {
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  }

  const clamp01 = (v) => (v < 0 ? 0 : v > 1 ? 1 : v);

  // x: a Float32Array of n images h×w, row-major (float32 values in [0, 1]); returns the noisy copy.
  function addNoise(x, kind, level, seed, h = 28, w = 28) {
    if (!(kind in LEVEL_MAX)) throw new Error(`Unknown noise kind ${kind}`);
    if (!(level >= 0 && level <= LEVEL_MAX[kind])) {
      throw new Error(`The ${kind} noise level must be 0 to ${LEVEL_MAX[kind]}`);
    }
    const out = Float32Array.from(x), count = x.length, lv = f32(level);
    if (lv === 0) return out;
    if (kind === "gaussian" || kind === "lesson") {
      const n = normal(seed, STREAMS.normal, count), c03 = f32(0.3);
      for (let i = 0; i < count; i++) {
        const noise = kind === "gaussian" ? n[i] : f32(0.5 + f32(c03 * n[i]));
        out[i] = clamp01(f32(x[i] + f32(lv * noise)));
      }
    } else if (kind === "salt_pepper") {
      const hit = uniform(seed, STREAMS.hit, count), salt = uniform(seed, STREAMS.salt, count);
      for (let i = 0; i < count; i++) if (hit[i] < lv) out[i] = salt[i] < 0.5 ? 1 : 0;
    } else {
      const gh = Math.ceil(h / MASK_BLOCK), gw = Math.ceil(w / MASK_BLOCK), blocks = gh * gw, images = count / (h * w);
      const keys = bits(seed, STREAMS.blocks, images * blocks);
      const erased = roundHalfEven(f32(lv * blocks));
      for (let m = 0; m < images; m++) {
        // the `erased` lowest keys (ties by position, as a stable sort) are erased
        const order = Array.from({ length: blocks }, (_, b) => b);
        order.sort((a, b) => keys[m * blocks + a] - keys[m * blocks + b] || a - b);
        for (let r = 0; r < erased; r++) {
          const b = order[r], by = Math.floor(b / gw) * MASK_BLOCK, bx = (b % gw) * MASK_BLOCK;
          for (let y = by; y < Math.min(by + MASK_BLOCK, h); y++) {
            for (let xx = bx; xx < Math.min(bx + MASK_BLOCK, w); xx++) out[m * h * w + y * w + xx] = 0;
          }
        }
      }
    }
    return out;
  }

  const api = { lowbias32, bits, uniform, normal, addNoise, LEVEL_MAX, STREAMS };
  G.noise = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})(globalThis.Genmodels ??= { tabs: {} });
