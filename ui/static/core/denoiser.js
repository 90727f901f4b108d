// Tab 3's arithmetic, as the library does it: the 3×3 median filter and the super-resolution baselines
// (genmodels/denoiser.py, superres.py, noise.py's downscale), PSNR and SSIM (metrics.py), the comparisons the tab shows
// and their verdict. Pure: tests/js/restore.js runs it under Node against PyTorch (tests/test_denoiser_page.py).
(function (G) {
  "use strict";
  const f32 = Math.fround;
  const SIDE = 28;

  // genmodels.denoiser.median_filter: each pixel the median (5th of 9) of its 3×3 neighbourhood, reflected borders
  function medianFilter(x, h = SIDE, w = SIDE) {
    const out = new Float32Array(h * w), v = new Float32Array(9);
    const reflect = (i, n) => (i < 0 ? -i : i >= n ? 2 * n - 2 - i : i);
    for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) {
      let k = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) v[k++] = x[reflect(y + dy, h) * w + reflect(xx + dx, w)];
      }
      v.sort();
      out[y * w + xx] = v[4];
    }
    return out;
  }

  // genmodels.metrics.psnr (peak 1; identical images 100 dB)
  function psnr(x, y) {
    let s = 0;
    for (let i = 0; i < x.length; i++) { const d = f32(x[i] - y[i]); s += d * d; }
    return 10 * Math.log10(1 / Math.max(s / x.length, 1e-10));
  }

  const WINDOW = (() => {                     // the 11×11 Gaussian window, σ 1.5, as float32 like the library's
    const g = new Float32Array(11);
    let total = 0;
    for (let i = 0; i < 11; i++) total += (g[i] = f32(Math.exp(-((i - 5) ** 2) / (2 * 1.5 ** 2))));
    for (let i = 0; i < 11; i++) g[i] = f32(g[i] / f32(total));
    const w = new Float32Array(121);
    for (let i = 0; i < 11; i++) for (let j = 0; j < 11; j++) w[i * 11 + j] = f32(g[i] * g[j]);
    return w;
  })();

  // genmodels.metrics.ssim: Wang et al., averaged over the positions where the 11×11 window fits
  function ssim(x, y, h = SIDE, w = SIDE) {
    const c1 = 0.01 ** 2, c2 = 0.03 ** 2, oh = h - 10, ow = w - 10;
    let total = 0;
    for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) {
      let mx = 0, my = 0, xx = 0, yy = 0, xy = 0;
      for (let i = 0; i < 11; i++) for (let j = 0; j < 11; j++) {
        const k = WINDOW[i * 11 + j], a = x[(oy + i) * w + ox + j], b = y[(oy + i) * w + ox + j];
        mx += k * a; my += k * b; xx += k * a * a; yy += k * b * b; xy += k * a * b;
      }
      const sxx = xx - mx * mx, syy = yy - my * my, sxy = xy - mx * my;
      total += ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2));
    }
    return total / (oh * ow);
  }

  // genmodels.noise.downscale: factor×factor averaging
  function downscale(x, factor, side = SIDE) {
    const s = side / factor, out = new Float32Array(s * s);
    for (let y = 0; y < s; y++) for (let xx = 0; xx < s; xx++) {
      let sum = 0;
      for (let dy = 0; dy < factor; dy++) {
        for (let dx = 0; dx < factor; dx++) sum = f32(sum + x[(y * factor + dy) * side + xx * factor + dx]);
      }
      out[y * s + xx] = f32(sum / (factor * factor));
    }
    return out;
  }

  // the small image drawn at full size, each pixel a factor×factor block (nearest neighbour)
  function blocky(small, factor, side = SIDE) {
    const s = side / factor, out = new Float32Array(side * side);
    for (let y = 0; y < side; y++) {
      const row = Math.floor(y / factor) * s;
      for (let xx = 0; xx < side; xx++) out[y * side + xx] = small[row + Math.floor(xx / factor)];
    }
    return out;
  }

  // genmodels.superres.bicubic_upscale: PyTorch's bicubic (A = −0.75, align_corners=False, borders clamped), clipped
  function bicubicWeights(t) {
    const A = -0.75;
    const cc1 = (u) => ((A + 2) * u - (A + 3)) * u * u + 1, cc2 = (u) => ((A * u - 5 * A) * u + 8 * A) * u - 4 * A;
    return [cc2(t + 1), cc1(t), cc1(1 - t), cc2(2 - t)];
  }

  function bicubicUpscale(small, factor, side = SIDE) {
    const s = side / factor, out = new Float32Array(side * side), taps = [];
    for (let d = 0; d < side; d++) {
      const src = (d + 0.5) / factor - 0.5, base = Math.floor(src);
      const at = [-1, 0, 1, 2].map((k) => Math.min(Math.max(base + k, 0), s - 1));
      taps.push({ w: bicubicWeights(src - base), at });
    }
    for (let y = 0; y < side; y++) for (let xx = 0; xx < side; xx++) {
      const ty = taps[y], tx = taps[xx];
      let v = 0;
      for (let i = 0; i < 4; i++) {
        let row = 0;
        for (let j = 0; j < 4; j++) row += tx.w[j] * small[ty.at[i] * s + tx.at[j]];
        v += ty.w[i] * row;
      }
      out[y * side + xx] = Math.min(Math.max(v, 0), 1);
    }
    return out;
  }

  function scored(clean, images) {
    const out = {};
    for (const [name, image] of Object.entries(images)) {
      out[name] = { image, psnr: psnr(image, clean), ssim: ssim(image, clean) };
    }
    return out;
  }

  // genmodels.denoiser.compare_denoising
  function compareDenoising(clean, denoiser, kind, level, seed) {
    const noisy = G.noise.addNoise(clean, kind, level, seed);
    const denoised = denoiser.forward(noisy, [1, SIDE, SIDE]);
    return scored(clean, { clean, noisy, denoised, median: medianFilter(noisy) });
  }

  // genmodels.superres.compare_superres
  function compareSuperres(clean, model, factor) {
    const small = downscale(clean, factor), s = SIDE / factor;
    return scored(clean, { clean, small: blocky(small, factor), bicubic: bicubicUpscale(small, factor),
                           model: model.forward(small, [1, s, s]) });
  }

  const round = (v, digits) => Math.round(v * 10 ** digits) / 10 ** digits;
  const signed = (v) => (v >= 0 ? "+" : "−") + Math.abs(v).toFixed(1);

  // the verdict from the three PSNRs, as genmodels.denoiser.summary words it
  function summary(psnr, name) {
    const gain = psnr.denoised - psnr.noisy, vsMedian = psnr.denoised - psnr.median;
    if (gain < 0) {
      return `At this little noise the input is already cleaner (${psnr.noisy.toFixed(1)} dB) than what the ` +
             `autoencoder returns (${psnr.denoised.toFixed(1)} dB) on ${name}: it learned to clean noisy images, and ` +
             "it redraws even a clean one from its code, a little blurred. Raise the noise level to see it help.";
    }
    return `The autoencoder gains **${signed(gain)} dB** over the noisy input and **${signed(vsMedian)} dB** over ` +
           `the median filter on ${name}.`;
  }

  G.denoiser = { medianFilter, psnr, ssim, downscale, blocky, bicubicUpscale, compareDenoising, compareSuperres,
                 summary, signed, round };
  if (typeof module !== "undefined" && module.exports) module.exports = G.denoiser;
})(globalThis.Genmodels ??= { tabs: {} });
