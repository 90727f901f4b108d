// Tab 4's training timeline in the page: dragging Epoch shows that epoch's fixed-noise grid, moves the curves' epoch
// marker and writes its caption with no server request. The grids come from weights/page-timeline-<dataset>.safetensors
// (python -m train.page_models), drawn as genmodels.imaging.grid_pil draws them (8 a row, 2 px white gaps, ×2).
// attach(element, props) runs once (js_on_load); open() when the tab is first shown; show(dataset, epoch) on each move.
// If a timeline cannot load, the page asks the server (its /timeline, one request in flight, the latest epoch wins).
(function (root) {
  "use strict";
  const NROW = 8, PAD = 2, SIDE = 28;
  const state = {
    element: null, props: null, opened: false, timelines: {}, failed: {}, current: null,
    stats: { draws: 0, log: [], serverCalls: 0, loadMs: {}, openedAt: null, firstDrawAt: null },
  };

  // genmodels.imaging.grid_pil(images, nrow=8, padding=2, pad_value=1): row-major cells with white gaps
  function gridPixels(grids, epoch) {
    const [, count, h, w] = grids.shape, rows = Math.ceil(count / NROW);
    const width = NROW * (w + PAD) + PAD, height = rows * (h + PAD) + PAD, out = new Uint8ClampedArray(width * height).fill(255);
    const base = (epoch - 1) * count * h * w;
    for (let n = 0; n < count; n++) {
      const top = Math.floor(n / NROW) * (h + PAD) + PAD, left = (n % NROW) * (w + PAD) + PAD;
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[(top + y) * width + left + x] = grids.data[base + (n * h + y) * w + x];
    }
    return { pixels: out, width, height };
  }

  function paint(grid) {
    const canvas = state.element.querySelector("canvas.epoch-grid");
    const ctx = canvas.getContext("2d"), image = ctx.createImageData(grid.width, grid.height);
    for (let i = 0; i < grid.pixels.length; i++) {
      image.data[4 * i] = image.data[4 * i + 1] = image.data[4 * i + 2] = grid.pixels[i];
      image.data[4 * i + 3] = 255;
    }
    canvas.width = grid.width;
    canvas.height = grid.height;
    ctx.putImageData(image, 0, 0);
  }

  // the caption is the server's Markdown (ui.gan_tab.epoch_caption)
  function setCaption(markdown) {
    const box = document.getElementById("epoch-caption");
    if (box) box.innerHTML = root.GenmodelsNN.markdownHtml(markdown);
  }

  // The curves' epoch marker: the figure's last shape (the dashed line ui.gan_tab.timeline_view adds), moved with
  // plotly's own relayout.
  function moveMarker(step) {
    const plot = document.querySelector("#gan-curves .js-plotly-plot");
    if (!plot || !root.Plotly || !plot.layout || !plot.layout.shapes || !plot.layout.shapes.length) return;
    const k = plot.layout.shapes.length - 1;
    if (plot.layout.shapes[k].x0 === step) return;
    root.Plotly.relayout(plot, { [`shapes[${k}].x0`]: step, [`shapes[${k}].x1`]: step });
  }

  function setNote(text) {
    const note = state.element && state.element.querySelector(".timeline-note");
    if (note) note.textContent = text;
  }

  function record(epoch, source) {
    const now = performance.now();
    state.stats.draws += 1;
    if (state.stats.firstDrawAt === null) state.stats.firstDrawAt = now;
    state.stats.log.push([now, epoch, source]);
    if (state.stats.log.length > 5000) state.stats.log.shift();
    state.element.querySelector("canvas.epoch-grid").dataset.epoch = String(epoch);
  }

  function load(dataset) {
    if (state.timelines[dataset] || state.failed[dataset]) return;
    const started = performance.now();
    state.timelines[dataset] = root.GenmodelsNN.fetchTensors(state.props.timelines[dataset]).then((file) => {
      state.stats.loadMs[dataset] = performance.now() - started;
      state.timelines[dataset] = { grids: file.tensors.grids, steps: file.metadata.steps };
      redraw();
    }, (err) => { delete state.timelines[dataset]; state.failed[dataset] = err.message; redraw(); });
  }

  // one /timeline request in flight, the latest epoch wins
  const fromServer = root.GenmodelsNN ? root.GenmodelsNN.latestOnly(async ([dataset, epoch]) => {
    try {
      const [image, , caption] = await root.GenmodelsNN.callServer("timeline", [dataset, epoch]);
      const canvas = state.element.querySelector("canvas.epoch-grid");
      const side = NROW * (SIDE + PAD) + PAD;                // 8×8 cells; the server draws them at twice the size
      await root.GenmodelsNN.pictureInto(canvas, image.url, side, side);
      setCaption(typeof caption === "string" ? caption : (caption && caption.value) || "");
      state.stats.serverCalls += 1;
      record(epoch, "server");
    } catch (err) { setNote(`The server's timeline failed too: ${err.message}`); }
  }) : () => {};

  function redraw() {
    if (!state.current || !state.opened || !state.props) return;
    const [dataset, wanted] = state.current;
    const captions = state.props.captions[dataset], epoch = Math.min(Math.max(Math.round(wanted), 1), captions.length);
    const timeline = state.timelines[dataset];
    if (timeline && timeline.grids) {
      paint(gridPixels(timeline.grids, epoch));
      setCaption(captions[epoch - 1]);
      moveMarker(timeline.steps[epoch - 1]);
      setNote("Drawn in your browser from the recorded grids: no request to the server.");
      record(epoch, "browser");
    } else if (state.failed[dataset]) {
      setNote(`The timeline could not load into your browser (${state.failed[dataset]}), so each epoch comes from ` +
              "the server and follows the slider more slowly.");
      fromServer([dataset, epoch]);
    } else {
      setNote("Loading the timeline into your browser…");
      load(dataset);
    }
  }

  const redrawSoon = root.GenmodelsNN ? root.GenmodelsNN.perFrame(() => redraw()) : () => {};

  function show(dataset, epoch) {
    state.current = [dataset, Number(epoch)];
    redrawSoon();
  }

  // the tab opened: its timeline loads now (not with the page)
  function open() {
    if (!state.opened) {
      state.opened = true;
      state.stats.openedAt = performance.now();
      redraw();
    }
  }

  function attach(element, props) {
    state.element = element;
    state.props = props;
    if (root.GenmodelsNN.serverForced()) {
      for (const dataset of Object.keys(props.timelines)) state.failed[dataset] = "?decoder=server in the address";
    }
    if (root.GenmodelsGanWaiting && !state.current) state.current = root.GenmodelsGanWaiting;
    redraw();
  }

  root.GenmodelsGan = { attach, open, show, state, stats: state.stats };
  if (typeof module !== "undefined" && module.exports) module.exports = { gridPixels };
})(typeof window !== "undefined" ? window : globalThis);
