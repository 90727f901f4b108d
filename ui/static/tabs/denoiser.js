// Tab 3 in the page: noise, the denoising autoencoder, the 3×3 median filter, PSNR/SSIM, the scores and the summary,
// and super-resolution with its bicubic baseline, computed here (core/denoiser.js, core/noise.js) on every change of
// the settings with no server request. Settings: show(dataset, index, picture, kind, level, seed, modelDataset,
// factor, upload). If a model cannot load, the images come from the server's /denoise and /superres.
(function (G) {
  "use strict";
  const f32 = Math.fround;
  const SIDE = 28, PIXELS = 784;

  const tab = G.page.tab("denoiser", { lazy: true, note: ".restore-note", draw, settle });
  const { state } = tab;

  // the settings (the tab's inputs, in ui.denoiser_tab's order) as the page uses them: the level inside its kind's
  // range (the kind may have just changed, its slider not yet), a whole seed
  function settle(dataset, index, picture, kind, level, seed, modelDataset, factor, upload) {
    const top = G.noise.LEVEL_MAX[kind] ?? 1;
    return { dataset, picture, kind, modelDataset, upload, level: Math.min(Math.max(Number(level) || 0, 0), top),
             seed: Math.min(Math.max(Math.round(Number(seed) || 0), 0), 2 ** 31 - 1), index: Number(index),
             factor: Number(factor) };
  }

  function network(kind, dataset) {
    return tab.model(`${kind}-${dataset}`, state.props.models[kind][dataset], (file) => new G.nn.Network(file));
  }

  function sample(dataset) {
    return tab.model(`sample-${dataset}`, state.props.samples[dataset], ({ tensors }) => tensors);
  }

  function figure(id) { return document.getElementById(id); }

  function paint(canvas, image, side) {
    const ctx = canvas.getContext("2d"), data = ctx.createImageData(side, side);
    G.imaging.greyToRgba(G.nn.toGrey(image), data.data);
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
      else if (r.url) G.page.pictureInto(fig.querySelector("canvas"), r.url, SIDE, SIDE);   // 224 → 28 px
    }
  }

  // ui.denoiser_tab.denoise's summary and scores table
  function showScores(rows, summary) {
    const block = figure("denoise-scores");
    if (!block) return;
    const html = G.page.markdownHtml;
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
    const { compareDenoising, compareSuperres, summary, round } = G.denoiser;
    const source = sourceOf(s);
    const denoiser = network("denoiser", s.modelDataset);
    const upscaler = network(s.factor === 4 ? "superres4" : "superres", s.modelDataset);
    if (!source || !denoiser || !upscaler) { tab.note("Loading the models into your browser…"); return; }
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
    tab.note(`Computed in your browser in ${ms.toFixed(0)} ms, no request to the server.`);
    tab.record([s.level, "browser"], ms);
  }

  // ---- the server's path, when a model cannot load -----------------------------------------------------------

  function fromUpdate(update) {          // an image the server returned as gr.Image(value, label=…)
    const value = update && update.value !== undefined ? update.value : update;
    return { url: value && value.url, caption: update && update.label };
  }

  const fromServer = tab.fromServer(async (s) => {
    const image = s.upload || null;
    const d = await G.page.callServer("denoise", [s.dataset, s.index, image, s.kind, s.level, s.seed, s.modelDataset]);
    const names = Object.keys(state.props.denoiseTitles);
    const results = {};
    names.forEach((name, i) => { results[name] = fromUpdate(d[i]); });
    setFigures(figure("denoise-images"), results, state.props.denoiseTitles);
    const table = d[names.length], summary = d[names.length + 1];
    const rows = (table && (table.value || table).data) || [];
    showScores(rows, typeof summary === "string" ? summary : (summary && summary.value) || "");
    const u = await G.page.callServer("superres", [s.dataset, s.index, image, s.factor, s.modelDataset]);
    const sr = {};
    Object.keys(state.props.superresTitles).forEach((name, i) => { sr[name] = fromUpdate(u[i]); });
    setFigures(figure("superres-images"), sr, state.props.superresTitles);
    state.stats.serverCalls += 2;
    tab.record([s.level, "server"]);
  }, "/denoise");

  function draw(s) {
    const failed = tab.failure();
    if (failed) {
      state.srKey = null;
      tab.note(`The models could not load into your browser (${failed}), so the images come from the server ` +
               "and follow the sliders more slowly.");
      fromServer(s);
    } else {
      render(s);
    }
  }
})(globalThis.Genmodels ??= { tabs: {} });
