// Tab 6 in the page: Start trains the visitor's own VAE in their browser (page/train_worker.js, a Web Worker), and the
// page draws what the worker sends at least twice a second: the map of the 2,000 held-out codes, the decoder over the
// code plane, the reconstructions, the loss curves and the status line (#train-status, the server's words). Stop
// stops it at once, Download saves it as a safetensors file PyTorch loads, and Explore sends it to the server once
// (ui/train_tab.explore_page_model), for tabs 1 and 2. Where the page cannot train (no WebAssembly or no workers, or
// ?trainer=server in the address) the tab is the server's, as before (ui/train_tab.train). Gradio calls
// attach(element, props) (the views' gr.HTML), and start/stop/download/modelFile from the buttons' js= events.
(function (G) {
  "use strict";
  const CURVE_POINTS = 300, MAP_PX = 520, DOT = 3, PAD = 2, SIDE = 28;
  const COLOURS = ["#636EFA", "#EF553B", "#00CC96", "#AB63FA", "#FFA15A", "#19D3F3", "#FF6692", "#B6E880", "#FF97FF",
                   "#FECB52"];                           // plotly's qualitative palette, as the server's map

  const tab = G.page.tab("train", { draw, attached });      // (no server fallback: the status line says it all)
  const { state } = tab;
  Object.assign(state, { mode: null, worker: null, viewer: null, run: 0, frame: null, history: null, stopped: false,
                         failed: false, started: null, settings: null, engine: "", waiting: {}, viewing: false,
                         pendingView: null });
  Object.assign(state.stats, { frames: 0, firstStepMs: null, finished: null });

  // ---------------------------------------------------------------- which trainer

  function whyNotInPage() {
    if (typeof location !== "undefined" && new URLSearchParams(location.search).get("trainer") === "server") {
      return "?trainer=server in the address";
    }
    if (typeof WebAssembly !== "object") return "this browser has no WebAssembly";
    if (typeof Worker !== "function") return "this browser has no Web Workers";
    return null;
  }

  // the engine the address asks for (?engine=webgpu or ?engine=wasm; else the worker chooses)
  function engineAsked() {
    const asked = typeof location !== "undefined" ? new URLSearchParams(location.search).get("engine") : null;
    return ["webgpu", "wasm"].includes(asked) ? asked : "auto";
  }

  function attached() {
    const why = whyNotInPage();
    state.mode = why ? "server" : "page";
    document.body.classList.toggle("trains-in-page", !why);
    document.body.classList.toggle("trains-on-server", !!why);
    if (why) return;
    status(`Trains in your browser: your own model, on your computer (the server only sent the code and the images). ` +
           `Press **Start**.`);
  }

  function status(markdown) {
    const box = document.querySelector("#train-status .prose") || document.querySelector("#train-status");
    if (box) box.innerHTML = G.page.markdownHtml(markdown);
  }

  // the trainer's worker and the viewer's (page/train_worker.js, both): made at the first Start
  function worker() {
    if (!state.worker) {
      const make = () => {
        const w = new Worker(state.props.config.worker);
        w.onmessage = ({ data }) => receive(data);
        w.onerror = (event) => {
          event.preventDefault();
          status(`**The trainer stopped**: ${event.message || "the worker failed"}. Reload the page to try again.`);
        };
        return w;
      };
      state.worker = make();
      state.viewer = make();
    }
    return state.worker;
  }

  // the trainer's latest weights to the viewer, one frame at a time (a frame that waits is replaced by a newer one)
  function toViewer(weights) {
    state.pendingView = weights;
    if (state.viewing) return;
    const next = state.pendingView;
    state.pendingView = null;
    state.viewing = true;
    const transfer = Object.values(next.weights).map((t) => t.data.buffer);
    state.viewer.postMessage({ ...next, type: "view", config: state.props.config }, transfer);
  }

  // ---------------------------------------------------------------- the buttons

  // the settings as the library checks them (genmodels.live.check_settings), or a sentence saying what is wrong
  function checked(dataset, beta, seed, seconds) {
    const { config } = state.props;
    const number = Number(seed);
    if (!Number.isInteger(number) || number < 0 || number > config.maxSeed) {
      return `The seed must be a whole number from 0 to ${config.maxSeed.toLocaleString("en")}.`;
    }
    if (!config.betas.includes(Number(beta))) return `β must be one of ${config.betas.join(", ")}.`;
    if (!config.data[dataset]) return `Unknown dataset: ${dataset}.`;
    const limit = Math.min(Math.max(Number(seconds) || config.defaultSeconds, 1), config.maxSeconds);
    return { dataset, beta: Number(beta), seed: number, seconds: limit };
  }

  function start(dataset, beta, seed, seconds) {
    const settings = checked(dataset, beta, seed, seconds);
    if (typeof settings === "string") {
      status(`**${settings}**`);
      return;
    }
    state.run += 1;
    Object.assign(state, { settings, frame: null, stopped: false, failed: false, started: performance.now(),
                           pendingView: null, history: { step: [], reconstruction: [], kl: [] } });
    state.stats.firstStepMs = null;
    state.stats.finished = null;
    status("**Starting…** (loading the trainer and the training images into your browser)");
    setExplorable(false);
    try {
      worker().postMessage({ type: "start", run: state.run, config: state.props.config, engine: engineAsked(),
                             ...settings });
    } catch (err) {                                          // a page that may not start workers
      status(`**This page cannot train here** (${err.message}): open it with ?trainer=server to train on the server.`);
    }
  }

  function stop() {
    if (!state.worker || state.stopped || !state.settings || state.stats.finished) return;    // Done: nothing to stop
    state.stopped = true;
    state.stats.stopAt = performance.now();
    state.worker.postMessage({ type: "stop", run: state.run });
    status(stoppedLine());
  }

  function stoppedLine() {
    const f = state.frame;
    if (!f || !f.step) return "**Stopped** before the first step.";
    return `**Stopped** (${aboutRun(f)}). The views show where it got to; **download it**, or **explore it in tabs ` +
           "1 and 2** with the button above, or press Start again.";
  }

  function aboutRun(f) {
    const { settings } = state, title = state.props.config.data[settings.dataset].title;
    return `${title}, β = ${settings.beta}, seed ${settings.seed}: ${f.step.toLocaleString("en")} steps in ` +
           `${Math.round(f.seconds)} s, in your browser`;
  }

  // the model so far, as the bytes of a safetensors file (the worker saves it)
  function modelBytes() {
    if (!state.worker || !state.frame || !state.frame.step) {
      return Promise.reject(new Error("Train a VAE first: press Start and let it learn for a few seconds."));
    }
    return new Promise((resolve, reject) => {
      (state.waiting[state.run] ??= []).push({ resolve, reject });      // (answered in the order asked)
      state.worker.postMessage({ type: "model", run: state.run });
    });
  }

  async function download() {
    try {
      const { bytes } = await modelBytes(), { settings } = state;
      const link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([bytes], { type: "application/octet-stream" }));
      link.download = `vae-${settings.dataset}-beta${settings.beta}-seed${settings.seed}.safetensors`;
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
      state.stats.downloads = (state.stats.downloads || 0) + 1;
    } catch (err) {
      status(`**${err.message}**`);
    }
  }

  // for Explore: the model uploaded as a file (the server loads it once for tabs 1 and 2), as the hidden gr.File's
  // value, or null with the reason in the status
  async function modelFile() {
    try {
      const { bytes } = await modelBytes(), { settings } = state;
      return await G.page.uploadFile(bytes, `vae-${settings.dataset}-seed${settings.seed}.safetensors`);
    } catch (err) {
      status(`**${err.message}**`);
      return null;
    }
  }

  function setExplorable(on) {
    for (const id of ["train-explore-page", "train-download"]) {
      const button = document.querySelector(`#${id}`);
      if (button) button.disabled = !on;
    }
  }

  // ---------------------------------------------------------------- what the worker sends

  function receive(message) {
    if (message.type === "model" || (message.type === "error" && message.model)) {   // a Download's or Explore's
      const waiting = state.waiting[message.run]?.shift();
      if (waiting && message.type === "model") waiting.resolve(message);
      else if (waiting) waiting.reject(new Error(message.message));
      return;
    }
    if (message.type === "frame" || message.viewer) {       // the viewer is free: the latest weights waiting go
      state.viewing = false;
      if (state.pendingView) toViewer(state.pendingView);
    }
    if (message.run !== state.run) return;                  // an earlier run's last words
    if (message.type === "error") {
      if (!message.viewer) state.failed = true;              // (a frame on its way does not hide the reason)
      status(`**${message.viewer ? "Drawing the views failed" : "Training in your browser failed"}**: ` +
             message.message);
      return;
    }
    if (state.failed) return;
    if (message.type === "loading") {
      if (message.engine) state.engine = message.engine;
      if (!state.stopped) status(`**Starting…** (loading ${message.what} into your browser)`);
      return;
    }
    if (message.type === "weights") {
      const { history } = state;
      for (const key of Object.keys(history)) history[key].push(...message.history[key]);
      state.engine = state.stats.engine = message.engine;
      if (!state.stopped || message.done) toViewer(message);
      return;
    }
    if (state.stopped && !message.done) return;              // Stop: only the last frame is drawn
    state.frame = message;
    state.stats.frames += 1;
    if (message.step > 0 && state.stats.firstStepMs === null) {
      state.stats.firstStepMs = performance.now() - state.started;
    }
    if (message.step > 0) setExplorable(true);
    if (message.done) {
      state.stats.finished = { step: message.step, stopped: !!message.stopped, knn: message.knn,
                               stopMs: message.stopped ? performance.now() - state.stats.stopAt : null };
    }
    tab.show(message);
  }

  // ---------------------------------------------------------------- drawing

  function draw([f]) {
    const t0 = performance.now(), parts = [];
    const timed = (fn) => { const t = performance.now(); fn(); parts.push(Math.round(performance.now() - t)); };
    timed(() => drawMap(f));
    timed(() => drawImages(canvasOf("grid"), f.grid, state.props.config.gridAxis.length, 0));
    timed(() => drawImages(canvasOf("recon"), f.recon, f.recon.length / (2 * SIDE * SIDE), PAD));
    timed(drawCurves);
    timed(() => { if (!state.stopped || f.done) status(f.stopped ? stoppedLine() : statusLine(f)); });
    state.stats.parts = parts;                               // ms: map, grid, strip, curves, status
    tab.record([f.step, f.knn], performance.now() - t0);
  }

  function canvasOf(name) { return state.element.querySelector(`canvas.train-${name}`); }

  // the statuses' words, as ui/train_tab.status_line writes them
  function statusLine(f) {
    const { settings } = state, pace = f.step / Math.max(f.seconds, 1e-6);
    let line = `**${f.done ? "Done" : "Training"}**: step ${f.step.toLocaleString("en")} · ${Math.round(f.seconds)} ` +
               `of ${settings.seconds} s · ${Math.round(pace)} steps/s · in your browser (${state.engine}) · `;
    line += f.step ? `reconstruction ${f.reconstruction.toFixed(1)} + KL ${f.kl.toFixed(2)} nats · map k-NN ` +
                     `${Math.round(100 * f.knn)}%` : `untrained: map k-NN ${Math.round(100 * f.knn)}% · on ${f.source}`;
    if (f.done) line += ". **Download it**, or **explore it in tabs 1 and 2** with the buttons above.";
    return line;
  }

  // the held-out codes, coloured by class; the axes grow with the codes (as the server's map)
  function drawMap(f) {
    const canvas = canvasOf("map"), ctx = canvas.getContext("2d"), { mu } = f, n = mu.length / 2;
    const { labels } = f;
    const classes = state.props.config.data[state.settings.dataset].classes;
    const radius = Math.max(state.props.config.radius, Math.min(coveringRadius(mu), 50));
    canvas.width = canvas.height = MAP_PX;
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, MAP_PX, MAP_PX);
    const margin = 34, span = MAP_PX - 2 * margin, at = (v) => margin + (v + radius) / (2 * radius) * span;
    ctx.strokeStyle = "#ddd";
    ctx.fillStyle = "#555";
    ctx.font = "12px sans-serif";
    ctx.textAlign = "center";
    for (let tick = -Math.floor(radius); tick <= radius; tick += Math.max(1, Math.round(radius / 4))) {
      ctx.beginPath();
      ctx.moveTo(at(tick), margin);
      ctx.lineTo(at(tick), MAP_PX - margin);
      ctx.moveTo(margin, MAP_PX - at(tick));
      ctx.lineTo(MAP_PX - margin, MAP_PX - at(tick));
      ctx.stroke();
      ctx.fillText(String(tick), at(tick), MAP_PX - margin + 14);
      ctx.fillText(String(tick), margin - 14, MAP_PX - at(tick) + 4);
    }
    ctx.fillText(`${n.toLocaleString("en")} held-out test images encoded, step ${f.step.toLocaleString("en")}`,
                 MAP_PX / 2, 16);
    ctx.globalAlpha = 0.6;
    for (let c = 0; c < classes.length; c++) {                 // one path a class: ten fills, not 2,000
      ctx.beginPath();
      for (let i = 0; i < n; i++) {
        if (labels[i] === c) ctx.rect(at(mu[2 * i]) - 1, MAP_PX - at(mu[2 * i + 1]) - 1, DOT, DOT);
      }
      ctx.fillStyle = COLOURS[c % COLOURS.length];
      ctx.fill();
    }
    ctx.globalAlpha = 1;
    const legend = state.element.querySelector(".train-legend");
    if (legend.dataset.dataset !== state.settings.dataset) {
      legend.dataset.dataset = state.settings.dataset;
      legend.innerHTML = classes.map((name, c) => `<span><i style="background:${COLOURS[c]}"></i>${
        G.page.markdownHtml(name)}</span>`).join("");
    }
  }

  // genmodels.latent.covering_radius: the 99.9th percentile of |μ|, up to a multiple of 0.5
  function coveringRadius(mu) {
    const sorted = Float32Array.from(mu, Math.abs).sort(), q = 0.999 * (sorted.length - 1);
    const lo = Math.floor(q), hi = Math.min(lo + 1, sorted.length - 1);
    const value = sorted[lo] + (sorted[hi] - sorted[lo]) * (q - lo);
    return Math.ceil(value / 0.5) * 0.5;
  }

  // n × 784 images in [0, 1], `across` a row, `pad` white pixels between them (genmodels.imaging.grid_pil)
  function drawImages(canvas, images, across, pad) {
    const grid = G.imaging.gridRgba(images, SIDE, across, pad), ctx = canvas.getContext("2d");
    if (canvas.width !== grid.width || canvas.height !== grid.height) {
      canvas.width = grid.width;
      canvas.height = grid.height;
    }
    ctx.putImageData(new ImageData(grid.rgba, grid.width, grid.height), 0, 0);
  }

  // the two loss terms per step (means over runs of steps once there are many): reconstruction on the left axis in
  // blue, KL on the right in red (as ui.figures.training_curves_figure)
  function drawCurves() {
    const canvas = canvasOf("curves"), ctx = canvas.getContext("2d"), w = 900, h = 280;
    canvas.width = w;
    canvas.height = h;
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, w, h);
    const { history } = state, steps = history.step;
    if (!steps.length) return;
    const left = 54, right = w - 54, top = 12, bottom = h - 34, last = steps[steps.length - 1];
    ctx.font = "12px sans-serif";
    ctx.strokeStyle = "#ccc";
    ctx.strokeRect(left, top, right - left, bottom - top);
    ctx.fillStyle = "#555";
    ctx.textAlign = "center";
    ctx.fillText("step", (left + right) / 2, h - 6);
    ctx.fillText("0", left, bottom + 14);
    ctx.fillText(last.toLocaleString("en"), right, bottom + 14);
    [["reconstruction", "#1f77b4", left - 6, "right"], ["kl", "#d62728", right + 6, "left"]].forEach(
      ([term, colour, labelAt, align]) => {
        const [xs, ys] = binned(steps, history[term]), most = Math.max(...ys.filter(Number.isFinite), 1e-9);
        ctx.strokeStyle = colour;
        ctx.beginPath();
        xs.forEach((x, i) => {
          const px = left + (x / last) * (right - left), py = bottom - (ys[i] / most) * (bottom - top);
          if (i) ctx.lineTo(px, py); else ctx.moveTo(px, py);
        });
        ctx.stroke();
        ctx.fillStyle = colour;
        ctx.textAlign = align;
        ctx.fillText(most.toFixed(term === "kl" ? 1 : 0), labelAt, top + 10);
        ctx.fillText("0", labelAt, bottom);
      });
  }

  function binned(steps, values) {
    const size = Math.max(1, Math.ceil(values.length / CURVE_POINTS)), xs = [], ys = [];
    for (let i = 0; i < values.length; i += size) {
      const end = Math.min(i + size, values.length);
      let sx = 0, sy = 0;
      for (let j = i; j < end; j++) { sx += steps[j]; sy += values[j]; }
      xs.push(sx / (end - i));
      ys.push(sy / (end - i));
    }
    return [xs, ys];
  }

  Object.assign(tab, { start, stop, download, modelBytes, modelFile, whyNotInPage });
})(globalThis.Genmodels ??= { tabs: {} });
