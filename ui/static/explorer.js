// Tab 1 in the page: the decoded image and the manifold's marker follow the sliders with no server request.
// attach(element, props) runs once, from the digit component's js_on_load (props: decoders and classifiers
// {dataset: url}, classes, radius, grid_n, cell); show(dataset, z1, z2) runs on every slider move, opinion(dataset,
// z1, z2) when a slider is released (the classifier, in the page too). If a dataset's decoder cannot
// load, its images come from the server's /decode instead (one request in flight, the latest point wins).
// useOwn({dataset, url, about}) switches that dataset to the visitor's own VAE (trained in the training tab, its
// decoder at url), useOwn(null) back to the shipped one. (Its images come from the page only: the server's
// /decode answers with the shipped model.)
(function (root) {
  "use strict";
  const state = {
    element: null, props: null, decoders: {}, classifiers: {}, failed: {}, current: null, own: null,
    stats: { draws: 0, firstDrawAt: null, lastDrawAt: null, log: [], serverDecodes: 0, decodeMs: [], attachedAt: null,
             decoderLoadMs: {} },
  };

  // Φ, the standard normal CDF (Abramowitz & Stegun 7.1.26 for erf; error below 2e-7)
  function normalCdf(x) {
    const t = 1 / (1 + 0.3275911 * Math.abs(x) / Math.SQRT2);
    const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
    const erf = 1 - poly * Math.exp(-x * x / 2);
    return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
  }

  // genmodels.latent.axis_position: fractional index (0 … n-1) of a latent value on the equal-probability grid
  function axisPosition(value, radius, n) {
    const lo = normalCdf(-radius);
    return Math.min(Math.max((normalCdf(value) - lo) / (1 - 2 * lo), 0), 1) * (n - 1);
  }

  function setNote(text) {
    const note = state.element && state.element.querySelector(".decoder-note");
    if (note) note.textContent = text;
  }

  function paint(grey, z, source) {
    const canvas = state.element.querySelector("canvas.digit");
    const ctx = canvas.getContext("2d");
    const image = ctx.createImageData(28, 28);
    for (let i = 0; i < 784; i++) {
      image.data[4 * i] = image.data[4 * i + 1] = image.data[4 * i + 2] = grey[i];
      image.data[4 * i + 3] = 255;
    }
    ctx.putImageData(image, 0, 0);
    const now = performance.now();
    const s = state.stats;
    s.draws += 1;
    s.lastDrawAt = now;
    if (s.firstDrawAt === null) s.firstDrawAt = now;
    s.log.push([now, z[0], z[1], source]);
    if (s.log.length > 5000) s.log.shift();
    canvas.dataset.z = `${z[0]},${z[1]}`;
  }

  function redrawMarker() {
    if (state.current) drawMarker(state.current[1], state.current[2]);
  }

  // The marker: a canvas laid over the manifold's <img> (Gradio replaces the <img> when the dataset changes).
  function drawMarker(z1, z2) {
    const img = document.querySelector("#manifold img");
    if (!img) return;
    if (!img.dataset.markerBound) {
      img.dataset.markerBound = "1";
      img.addEventListener("load", redrawMarker);
      new ResizeObserver(redrawMarker).observe(img);
    }
    if (!img.complete || !img.naturalWidth) return;            // drawn on its load event
    const holder = img.parentElement;
    let overlay = holder.querySelector("canvas.manifold-marker");
    if (!overlay) {
      overlay = document.createElement("canvas");
      overlay.className = "manifold-marker";
      overlay.style.cssText = "position:absolute;pointer-events:none;";
      if (getComputedStyle(holder).position === "static") holder.style.position = "relative";
      holder.appendChild(overlay);
    }
    const box = img.getBoundingClientRect(), outer = holder.getBoundingClientRect();
    const key = [box.left - outer.left, box.top - outer.top, box.width, box.height, img.naturalWidth].join();
    if (overlay.dataset.key !== key) {           // resize only when the image moved: a resize clears the canvas
      overlay.dataset.key = key;
      // the image keeps its aspect ratio inside its box (object-fit: contain)
      const scale = Math.min(box.width / img.naturalWidth, box.height / img.naturalHeight);
      const w = img.naturalWidth * scale, h = img.naturalHeight * scale;
      overlay.style.left = `${box.left - outer.left + (box.width - w) / 2}px`;
      overlay.style.top = `${box.top - outer.top + (box.height - h) / 2}px`;
      overlay.style.width = `${w}px`;
      overlay.style.height = `${h}px`;
      overlay.width = Math.round(w * devicePixelRatio);
      overlay.height = Math.round(h * devicePixelRatio);
    }
    const { radius, grid_n: n, cell } = state.props;
    const k = overlay.width / img.naturalWidth;               // manifold pixels → overlay pixels
    const ctx = overlay.getContext("2d");
    ctx.clearRect(0, 0, overlay.width, overlay.height);
    const col = Math.round(axisPosition(z1, radius, n)), row = n - 1 - Math.round(axisPosition(z2, radius, n));
    ctx.strokeStyle = "rgb(230, 40, 40)";
    ctx.lineWidth = Math.max(2 * k, 1.5);
    ctx.strokeRect((col * cell + 1) * k, (row * cell + 1) * k, (cell - 2) * k, (cell - 2) * k);
    const x = (cell / 2 + axisPosition(z1, radius, n) * cell) * k;
    const y = (cell / 2 + (n - 1 - axisPosition(z2, radius, n)) * cell) * k;
    ctx.beginPath();
    ctx.arc(x, y, Math.max(5 * k, 4), 0, 2 * Math.PI);
    ctx.fillStyle = "rgb(230, 40, 40)";
    ctx.fill();
    ctx.strokeStyle = "white";
    ctx.lineWidth = Math.max(k, 1);
    ctx.stroke();
  }

  // The decoder a dataset's images come from: the shipped one's key is the dataset, the visitor's own VAE's its url.
  function keyOf(dataset) {
    return state.own && state.own.dataset === dataset ? `own:${state.own.url}` : dataset;
  }

  function useOwn(own) {
    state.own = own && own.url ? own : null;
    if (state.own) {
      state.props.decoders[keyOf(own.dataset)] = own.url;
      if (state.failed[own.dataset]) state.failed[keyOf(own.dataset)] = state.failed[own.dataset];
    }
    if (state.current) show(...state.current);
  }

  // /decode through Gradio's HTTP API, the PNG (280×280) drawn back at 28×28.
  async function serverDecode(dataset, z1, z2) {
    const file = (await root.GenmodelsNN.callServer("decode", [dataset, z1, z2]))[0];
    const ctx = await root.GenmodelsNN.pictureInto(document.createElement("canvas"), file.url, 28, 28);
    const rgba = ctx.getImageData(0, 0, 28, 28).data, grey = new Uint8ClampedArray(784);
    for (let i = 0; i < 784; i++) grey[i] = rgba[4 * i];
    state.stats.serverDecodes += 1;
    return grey;
  }

  // one /decode in flight, the latest point wins
  const fromServer = root.GenmodelsNN ? root.GenmodelsNN.latestOnly(async ([dataset, z1, z2]) => {
    try { paint(await serverDecode(dataset, z1, z2), [z1, z2], "server"); }
    catch (err) { setNote(`The server's /decode failed too: ${err.message}`); }
  }) : () => {};

  function loadDecoder(dataset) {
    const key = keyOf(dataset);
    if (state.decoders[key] || state.failed[key]) return;
    const started = performance.now();
    state.decoders[key] = root.GenmodelsNN.loadDecoder(state.props.decoders[key]).then(
      (decoder) => {
        state.stats.decoderLoadMs[key] = performance.now() - started;
        state.decoders[key] = decoder;
        if (state.current && keyOf(state.current[0]) === key) render(...state.current);
        return decoder;                       // for whoever awaits the loading (opinion)
      },
      (err) => {
        delete state.decoders[key];
        state.failed[key] = err.message;
        if (state.current && keyOf(state.current[0]) === key) render(...state.current);
      });
  }

  // Every slider move lands here; the drawing happens once per animation frame, for the latest point, so a burst of
  // moves costs one decode a frame.
  // A value typed outside the sliders' range (or not a number): the slider is set to the nearest edge, as its thumb
  // already shows, and the note says why; so the box, the thumb, the image and later events agree.
  function inside(name, value) {
    const r = state.props ? state.props.radius : Infinity, v = Number(value);
    const fixed = Number.isFinite(v) ? Math.min(Math.max(v, -r), r) : 0;
    if (fixed !== v) {
      const box = document.querySelector(`#${name} input[type=number]`);
      if (box) {
        box.value = String(fixed);
        box.dispatchEvent(new Event("input", { bubbles: true }));
        box.dispatchEvent(new Event("change", { bubbles: true }));
      }
      state.outside = { text: `${name}: the sliders go from ${-r} to ${r}; set to ${fixed}.`,
                        until: performance.now() + 5000 };
    }
    return fixed;
  }

  function show(dataset, z1, z2) {
    state.current = [dataset, inside("z1", z1), inside("z2", z2)];
    if (!state.frameRequested) {
      state.frameRequested = true;
      requestAnimationFrame(() => { state.frameRequested = false; render(...state.current); });
    }
  }

  function render(dataset, z1, z2) {
    drawMarker(z1, z2);
    const key = keyOf(dataset), decoder = state.decoders[key], whose = key === dataset ? "" : "your VAE, ";
    if (decoder && decoder.decode) {
      const t = performance.now();
      paint(decoder.decode([z1, z2]), [z1, z2], "browser");
      const ms = performance.now() - t;
      state.stats.decodeMs.push(ms);
      if (state.stats.decodeMs.length > 1000) state.stats.decodeMs.shift();
      const outside = state.outside && performance.now() < state.outside.until ? state.outside.text : null;
      setNote(outside ||
              `Decoded in your browser (${whose}${ms.toFixed(1)} ms for this image), no request to the server.`);
    } else if (state.failed[key] && key !== dataset) {
      setNote(`Your VAE's decoder could not load into your browser (${state.failed[key]}): press "Explore it in ` +
              "tabs 1 and 2\" again, or go back to the shipped model.");
    } else if (state.failed[key]) {
      setNote(`The browser decoder could not load (${state.failed[key]}), so each image comes from the ` +
              "server's /decode and follows the sliders more slowly.");
      fromServer([dataset, z1, z2]);
    } else {
      setNote("Loading the decoder into your browser…");
      loadDecoder(dataset);
    }
  }

  // The evaluation classifier's opinion of the image at (z1, z2), as gr.Label shows it (its three likeliest classes),
  // computed in the page (the classifier exported by train.page_models) when the slider is released: a promise for
  // the Label's value. If either model cannot load, the server's /classify answers instead.
  function loadClassifier(dataset) {
    if (!state.classifiers[dataset]) {
      state.classifiers[dataset] = root.GenmodelsNN.loadNetwork(state.props.classifiers[dataset]).then(
        (network) => (state.classifiers[dataset] = network));
    }
    return Promise.resolve(state.classifiers[dataset]);
  }

  async function opinion(dataset, z1, z2) {
    const r = state.props.radius, at = [Math.min(Math.max(Number(z1), -r), r), Math.min(Math.max(Number(z2), -r), r)];
    try {
      const key = keyOf(dataset);
      if (state.failed[key]) throw new Error(state.failed[key]);
      loadDecoder(dataset);                              // (already on its way, as a rule)
      const [decoder, classifier] = await Promise.all([state.decoders[key], loadClassifier(dataset)]);
      if (!decoder || !decoder.forward) throw new Error("no decoder");
      const p = classifier.forward(decoder.forward(at), [1, 28, 28]), classes = state.props.classes[dataset];
      const order = Array.from(p.keys()).sort((a, b) => p[b] - p[a]).slice(0, 3);
      state.stats.opinions = (state.stats.opinions || 0) + 1;
      return { label: classes[order[0]], confidences: order.map((i) => ({ label: classes[i], confidence: p[i] })) };
    } catch (err) {
      if (keyOf(dataset) !== dataset) return null;      // the visitor's own VAE: nothing to ask the server about
      state.stats.serverOpinions = (state.stats.serverOpinions || 0) + 1;
      return (await root.GenmodelsNN.callServer("classify", [dataset, ...at]))[0];
    }
  }

  function download() {
    const canvas = state.element.querySelector("canvas.digit");
    const big = document.createElement("canvas");
    big.width = big.height = 280;
    const ctx = big.getContext("2d");
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(canvas, 0, 0, 280, 280);
    const link = document.createElement("a");
    link.download = "decoded.png";
    link.href = big.toDataURL("image/png");
    link.click();
  }

  function attach(element, props) {
    state.stats.attachedAt = performance.now();
    state.element = element;
    state.props = props;
    if (new URLSearchParams(root.location.search).get("decoder") === "server") {     // to try (and measure) the fallback
      for (const dataset of Object.keys(props.decoders)) state.failed[dataset] = "?decoder=server in the address";
    }
    element.querySelector("button.download").addEventListener("click", download);
    if (!state.current) state.current = [props.dataset, props.z[0], props.z[1]];   // draw as soon as it loads
    loadDecoder(props.dataset);
    if (!state.failed[props.dataset]) loadClassifier(props.dataset).catch(() => {});
  }

  root.GenmodelsExplorer = { attach, show, opinion, useOwn, stats: state.stats, state, axisPosition };
  if (typeof module !== "undefined" && module.exports) module.exports = { axisPosition, normalCdf };
})(typeof window !== "undefined" ? window : globalThis);
