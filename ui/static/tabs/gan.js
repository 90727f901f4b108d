// Tab 4's training timeline in the page: dragging Epoch shows that epoch's fixed-noise grid, moves the curves' epoch
// marker and writes its caption with no server request. The grids come from weights/page-timeline-<dataset>.safetensors
// (python -m train.page_models), drawn as genmodels.imaging.grid_pil draws them (core/imaging.js). Settings:
// show(dataset, epoch). If a timeline cannot load, the page asks the server (its /timeline).
(function (G) {
  "use strict";
  const NROW = 8, PAD = 2, SIDE = 28;

  const tab = G.page.tab("gan", {
    lazy: true, note: "#epoch-view .timeline-note", draw,
    settle: (dataset, epoch) => [dataset, Number(epoch)],
  });
  const { state } = tab;
  state.timelines = state.models;                         // the timelines by dataset

  function canvas() { return state.element.querySelector("canvas.epoch-grid"); }

  function paint(grid) {
    const target = canvas(), ctx = target.getContext("2d"), image = ctx.createImageData(grid.width, grid.height);
    G.imaging.greyToRgba(grid.pixels, image.data);
    target.width = grid.width;
    target.height = grid.height;
    ctx.putImageData(image, 0, 0);
  }

  // the caption is the server's Markdown (ui.gan_tab.epoch_caption)
  function setCaption(markdown) {
    const box = document.getElementById("epoch-caption");
    if (box) box.innerHTML = G.page.markdownHtml(markdown);
  }

  // The curves' epoch marker: the figure's last shape (the dashed line ui.gan_tab.timeline_view adds), moved with
  // plotly's own relayout.
  function moveMarker(step) {
    const plot = document.querySelector("#gan-curves .js-plotly-plot");
    if (!plot || !window.Plotly || !plot.layout || !plot.layout.shapes || !plot.layout.shapes.length) return;
    const k = plot.layout.shapes.length - 1;
    if (plot.layout.shapes[k].x0 === step) return;
    window.Plotly.relayout(plot, { [`shapes[${k}].x0`]: step, [`shapes[${k}].x1`]: step });
  }

  function record(epoch, source) {
    tab.record([epoch, source]);
    canvas().dataset.epoch = String(epoch);
  }

  const fromServer = tab.fromServer(async ([dataset, epoch]) => {
    const [image, , caption] = await G.page.callServer("timeline", [dataset, epoch]);
    const side = NROW * (SIDE + PAD) + PAD;                // 8×8 cells; the server draws them at twice the size
    await G.page.pictureInto(canvas(), image.url, side, side);
    setCaption(typeof caption === "string" ? caption : (caption && caption.value) || "");
    state.stats.serverCalls += 1;
    record(epoch, "server");
  }, "timeline");

  function draw([dataset, wanted]) {
    const captions = state.props.captions[dataset], epoch = Math.min(Math.max(Math.round(wanted), 1), captions.length);
    const timeline = tab.model(dataset, state.props.timelines[dataset],
                               (file) => ({ grids: file.tensors.grids, steps: file.metadata.steps }));
    const failed = tab.failure(dataset);
    if (timeline) {
      paint(G.imaging.gridPixels(timeline.grids, epoch - 1, NROW, PAD));
      setCaption(captions[epoch - 1]);
      moveMarker(timeline.steps[epoch - 1]);
      tab.note("Drawn in your browser from the recorded grids: no request to the server.");
      record(epoch, "browser");
    } else if (failed) {
      tab.note(`The timeline could not load into your browser (${failed}), so each epoch comes from the server ` +
               "and follows the slider more slowly.");
      fromServer([dataset, epoch]);
    } else {
      tab.note("Loading the timeline into your browser…");
    }
  }
})(globalThis.Genmodels ??= { tabs: {} });
