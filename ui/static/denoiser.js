// Tab 3 in the page: noise, the denoising autoencoder, the 3×3 median filter, PSNR/SSIM, the scores and the summary,
// and super-resolution with its bicubic baseline, computed here on every slider move with no server request.
// The arithmetic mirrors genmodels (noise.py through noise.js, denoiser.py, superres.py, metrics.py); tests/js/restore.js
// runs it under Node against PyTorch. attach(element, props) runs once (the images' gr.HTML js_on_load); open() when
// the tab is first shown loads the models; show(settings) on every change. If the runtime cannot load, the images
// come from the server's /denoise and /superres (one request in flight, the latest settings win), and the note says so.
(function (root) {
  "use strict";
  const f32 = Math.fround;
  const SIDE = 28, PIXELS = 784;

  // ---- the library's arithmetic ------------------------------------------------------------------------------

  // genmodels.denoiser.median_filter: each pixel the median (5th of 9) of its 3×3 neighbourhood, reflected borders
  function medianFilter(x, h = SIDE, w = SIDE) {
    const out = new Float32Array(h * w), v = new Float32Array(9);
    const reflect = (i, n) => (i < 0 ? -i : i >= n ? 2 * n - 2 - i : i);
    for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) {
      let k = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) v[k++] = x[reflect(y + dy, h) * w + reflect(xx + dx, w)];
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
      for (let dy = 0; dy < factor; dy++) for (let dx = 0; dx < factor; dx++) sum = f32(sum + x[(y * factor + dy) * side + xx * factor + dx]);
      out[y * s + xx] = f32(sum / (factor * factor));
    }
    return out;
  }

  // the small image drawn at full size, each pixel a factor×factor block (nearest neighbour)
  function blocky(small, factor, side = SIDE) {
    const s = side / factor, out = new Float32Array(side * side);
    for (let y = 0; y < side; y++) for (let xx = 0; xx < side; xx++) out[y * side + xx] = small[Math.floor(y / factor) * s + Math.floor(xx / factor)];
    return out;
  }

  // genmodels.superres.bicubic_upscale: PyTorch's bicubic (A = −0.75, align_corners=False, borders clamped), clipped
  function bicubicWeights(t) {
    const A = -0.75, cc1 = (u) => ((A + 2) * u - (A + 3)) * u * u + 1, cc2 = (u) => ((A * u - 5 * A) * u + 8 * A) * u - 4 * A;
    return [cc2(t + 1), cc1(t), cc1(1 - t), cc2(2 - t)];
  }

  function bicubicUpscale(small, factor, side = SIDE) {
    const s = side / factor, out = new Float32Array(side * side), taps = [];
    for (let d = 0; d < side; d++) {
      const src = (d + 0.5) / factor - 0.5, base = Math.floor(src);
      taps.push({ w: bicubicWeights(src - base), at: [-1, 0, 1, 2].map((k) => Math.min(Math.max(base + k, 0), s - 1)) });
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
    for (const [name, image] of Object.entries(images)) out[name] = { image, psnr: psnr(image, clean), ssim: ssim(image, clean) };
    return out;
  }

  // genmodels.denoiser.compare_denoising
  function compareDenoising(clean, denoiser, kind, level, seed) {
    const noisy = root.GenmodelsNoise.addNoise(clean, kind, level, seed);
    return scored(clean, { clean, noisy, denoised: denoiser.forward(noisy, [1, SIDE, SIDE]), median: medianFilter(noisy) });
  }

  // genmodels.superres.compare_superres
  function compareSuperres(clean, model, factor) {
    const small = downscale(clean, factor), s = SIDE / factor;
    return scored(clean, { clean, small: blocky(small, factor), bicubic: bicubicUpscale(small, factor),
                           model: model.forward(small, [1, s, s]) });
  }

  // ---- the tab in the page ----------------------------------------------------------------------------------

  const state = {
    element: null, props: null, opened: false, models: {}, samples: {}, failed: null, current: null, shown: {},
    redrawSoon: () => {},
    stats: { draws: 0, log: [], serverCalls: 0, computeMs: [], openedAt: null, firstDrawAt: null, loadMs: {} },
  };

  function load(key, url, parse) {
    if (!state.models[key]) {
      const started = performance.now();
      state.models[key] = root.GenmodelsNN.fetchTensors(url).then((file) => {
        state.stats.loadMs[key] = performance.now() - started;
        state.models[key] = parse(file);
        redraw();
      }, (err) => { state.failed = `${key}: ${err.message}`; redraw(); });
    }
    return state.models[key] instanceof Promise ? null : state.models[key];
  }

  function network(kind, dataset) {
    return load(`${kind}-${dataset}`, state.props.models[kind][dataset], (file) => new root.GenmodelsNN.Network(file));
  }

  function sample(dataset) {
    return load(`sample-${dataset}`, state.props.samples[dataset], ({ tensors }) => tensors);
  }

  function figure(id) { return document.getElementById(id); }

  function paint(canvas, image, side) {
    const ctx = canvas.getContext("2d"), data = ctx.createImageData(side, side), grey = root.GenmodelsNN.toGrey(image);
    for (let i = 0; i < grey.length; i++) {
      data.data[4 * i] = data.data[4 * i + 1] = data.data[4 * i + 2] = grey[i];
      data.data[4 * i + 3] = 255;
    }
    canvas.width = canvas.height = side;
    ctx.putImageData(data, 0, 0);
  }

  function caption(title, scoredImage, reference) {
    return reference ? title : `${title}: ${scoredImage.psnr.toFixed(1)} dB, SSIM ${scoredImage.ssim.toFixed(2)}`;
  }

  function setFigures(block, results, titles) {
    for (const [name, title] of Object.entries(titles)) {
      const fig = block.querySelector(`[data-name="${name}"]`);
      if (!fig) continue;
      const r = results[name];
      fig.querySelector(".fig-label").textContent = r.caption || caption(title, r, name === "clean");
      if (r.image) paint(fig.querySelector("canvas"), r.image, SIDE);
      else if (r.url) root.GenmodelsNN.pictureInto(fig.querySelector("canvas"), r.url, SIDE, SIDE);   // 224 → 28 px
    }
  }

  function setNote(text) {
    for (const note of document.querySelectorAll(".restore-note")) note.textContent = text;
  }

  // ui.denoiser_tab.denoise's summary and scores table
  function showScores(rows, summary) {
    const block = figure("denoise-scores");
    if (!block) return;
    const html = root.GenmodelsNN.markdownHtml;
    block.querySelector(".summary").innerHTML = html(summary);
    block.querySelector("tbody").innerHTML = rows.map((r) => `<tr><td>${html(r[0])}</td><td>${r[1].toFixed(2)}</td>` +
      `<td>${r[2].toFixed(3)}</td></tr>`).join("");
  }

  function sourceOf(s) {
    if (s.picture) return { clean: Float32Array.from(s.picture), name: "your image as the models see it (28×28)" };
    const tensors = sample(s.dataset);
    if (!tensors) return null;
    const count = tensors.images.shape[0], i = Math.min(Math.max(Math.round(s.index), 0), count - 1);
    const clean = new Float32Array(PIXELS), raw = tensors.images.data;
    for (let p = 0; p < PIXELS; p++) clean[p] = f32(raw[i * PIXELS + p] / 255);
    const label = state.props.classes[s.dataset][tensors.labels.data[i]];
    return { clean, name: `test image #${tensors.indices.data[i]} (${label})` };
  }

  function render(s) {
    const source = sourceOf(s);
    const denoiser = network("denoiser", s.modelDataset), upscaler = network(s.factor === 4 ? "superres4" : "superres", s.modelDataset);
    if (!source || !denoiser || !upscaler) { setNote("Loading the models into your browser…"); return; }
    const t = performance.now();
    const d = compareDenoising(source.clean, denoiser, s.kind, s.level, s.seed);
    const titles = { ...state.props.denoiseTitles, clean: `Clean: ${source.name}` };
    setFigures(figure("denoise-images"), d, titles);
    // super-resolution depends on the image, the factor and the model only: not redone while the noise changes
    const srKey = [s.picture ? "" : `${s.dataset}:${s.index}`, s.factor, s.modelDataset].join("|");
    if (srKey !== state.srKey || s.picture !== state.srPicture) {
      const side = SIDE / s.factor;
      setFigures(figure("superres-images"), compareSuperres(source.clean, upscaler, s.factor),
                 { ...state.props.superresTitles, small: `Input ${side}×${side}`, clean: `Original: ${source.name}` });
      state.srKey = srKey;
      state.srPicture = s.picture;
    }
    const ms = performance.now() - t;
    const model = `Autoencoder (${state.props.titles[s.modelDataset]})`;
    showScores([["Noisy input", d.noisy.psnr, d.noisy.ssim], [model, d.denoised.psnr, d.denoised.ssim],
                ["Median 3×3", d.median.psnr, d.median.ssim]].map((r) => [r[0], round(r[1], 2), round(r[2], 3)]),
               summary({ noisy: d.noisy.psnr, denoised: d.denoised.psnr, median: d.median.psnr }, source.name));
    setNote(`Computed in your browser in ${ms.toFixed(0)} ms, no request to the server.`);
    record(s, "browser", ms);
  }

  state.redrawSoon = root.GenmodelsNN ? root.GenmodelsNN.perFrame(() => redraw()) : () => {};

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

  function record(s, source, ms) {
    const now = performance.now(), st = state.stats;
    st.draws += 1;
    if (st.firstDrawAt === null) st.firstDrawAt = now;
    st.log.push([now, s.level, source]);
    if (st.log.length > 5000) st.log.shift();
    if (ms !== undefined) { st.computeMs.push(ms); if (st.computeMs.length > 1000) st.computeMs.shift(); }
    state.shown = s;
  }

  // ---- the server's path, when the runtime cannot load -------------------------------------------------------

  function fromUpdate(update) {          // an image the server returned as gr.Image(value, label=…)
    const value = update && update.value !== undefined ? update.value : update;
    return { url: value && value.url, caption: update && update.label };
  }

  async function serverRender(s) {
    const image = s.upload || null;
    const d = await root.GenmodelsNN.callServer("denoise", [s.dataset, s.index, image, s.kind, s.level, s.seed, s.modelDataset]);
    const names = Object.keys(state.props.denoiseTitles);
    const results = {};
    names.forEach((name, i) => { results[name] = fromUpdate(d[i]); });
    setFigures(figure("denoise-images"), results, state.props.denoiseTitles);
    const table = d[names.length], summary = d[names.length + 1];
    const rows = (table && (table.value || table).data) || [];
    showScores(rows, typeof summary === "string" ? summary : (summary && summary.value) || "");
    const u = await root.GenmodelsNN.callServer("superres", [s.dataset, s.index, image, s.factor, s.modelDataset]);
    const sr = {};
    Object.keys(state.props.superresTitles).forEach((name, i) => { sr[name] = fromUpdate(u[i]); });
    setFigures(figure("superres-images"), sr, state.props.superresTitles);
    state.stats.serverCalls += 2;
    record(s, "server");
  }

  // one /denoise + /superres in flight, the latest settings win
  const fromServer = root.GenmodelsNN ? root.GenmodelsNN.latestOnly(async (s) => {
    try { await serverRender(s); }
    catch (err) { setNote(`The server's /denoise failed too: ${err.message}`); }
  }) : () => {};

  function redraw() {
    if (!state.current || !state.opened || !state.props) return;
    if (state.failed) {
      state.srKey = null;
      setNote(`The models could not load into your browser (${state.failed}), so the images come from the server ` +
              "and follow the sliders more slowly.");
      fromServer(state.current);
    } else {
      render(state.current);
    }
  }

  // Every change lands here (the tab's js events); drawing happens once per animation frame, for the latest settings.
  function show(settings) {
    const top = root.GenmodelsNoise.LEVEL_MAX[settings.kind] ?? 1;    // the kind just changed, the slider not yet
    state.current = { ...settings, level: Math.min(Math.max(Number(settings.level) || 0, 0), top),
                      seed: Math.min(Math.max(Math.round(Number(settings.seed) || 0), 0), 2 ** 31 - 1),
                      index: Number(settings.index), factor: Number(settings.factor) };
    state.redrawSoon();
  }

  function open() {
    if (state.opened) return;
    state.opened = true;
    state.stats.openedAt = performance.now();
    redraw();
  }

  function attach(element, props) {
    state.element = element;
    state.props = props;
    if (root.GenmodelsNN.serverForced()) state.failed = "?decoder=server in the address";
    if (root.GenmodelsDenoiserWaiting && !state.current) show(root.GenmodelsDenoiserWaiting);
    redraw();
  }

  const api = { medianFilter, psnr, ssim, downscale, blocky, bicubicUpscale, compareDenoising, compareSuperres,
                summary };
  root.GenmodelsDenoiser = { ...api, attach, open, show, state, stats: state.stats };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})(typeof window !== "undefined" ? window : globalThis);
