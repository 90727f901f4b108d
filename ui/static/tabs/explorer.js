// Tab 1 in the page: the decoded image and the manifold's marker follow the sliders with no server request.
// props: decoders and classifiers {dataset: url}, classes, radius, grid_n, cell. Settings: show(dataset, z1, z2) on
// every slider move; opinion(dataset, z1, z2) when a slider is released (the classifier, in the page too). If a
// dataset's decoder cannot load, its images come from the server's /decode instead.
// useOwn({dataset, url, about}) switches that dataset to the visitor's own VAE (trained in the training tab, its
// decoder at url), useOwn(null) back to the shipped one. (Its images come from the page only: the server's
// /decode answers with the shipped model.)
(function (G) {
  "use strict";

  const tab = G.page.tab("explorer", { note: "#digit .decoder-note", draw: render, settle, attached });
  const { state } = tab;
  state.own = null;
  Object.assign(tab.stats, { serverDecodes: 0, opinions: 0, serverOpinions: 0 });

  function paint(grey, z, source, ms) {
    const canvas = state.element.querySelector("canvas.digit");
    const ctx = canvas.getContext("2d");
    const image = ctx.createImageData(28, 28);
    G.imaging.greyToRgba(grey, image.data);
    ctx.putImageData(image, 0, 0);
    tab.record([z[0], z[1], source], ms);
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
    const { axisPosition } = G.latent;
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

  function decoder(dataset) {
    const key = keyOf(dataset);
    return tab.loading(key, state.props.decoders[key], (file) => new G.nn.Decoder(file));
  }

  function useOwn(own) {
    state.own = own && own.url ? own : null;
    if (state.own) state.props.decoders[keyOf(own.dataset)] = own.url;
    if (state.current) tab.show(...state.current);
  }

  // one /decode in flight, the latest point wins: the PNG (280×280) drawn back at 28×28
  const fromServer = tab.fromServer(async ([dataset, z1, z2]) => {
    const file = (await G.page.callServer("decode", [dataset, z1, z2]))[0];
    const ctx = await G.page.pictureInto(document.createElement("canvas"), file.url, 28, 28);
    const rgba = ctx.getImageData(0, 0, 28, 28).data, grey = new Uint8ClampedArray(784);
    for (let i = 0; i < 784; i++) grey[i] = rgba[4 * i];
    state.stats.serverDecodes += 1;
    paint(grey, [z1, z2], "server");
  }, "/decode");

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

  function settle(dataset, z1, z2) {
    return [dataset, inside("z1", z1), inside("z2", z2)];
  }

  function render([dataset, z1, z2]) {
    drawMarker(z1, z2);
    const key = keyOf(dataset), whose = key === dataset ? "" : "your VAE, ", failed = tab.failure(key);
    const model = failed ? null : state.models[key];
    if (model) {
      const t = performance.now(), grey = model.decode([z1, z2]), ms = performance.now() - t;
      paint(grey, [z1, z2], "browser", ms);
      const outside = state.outside && performance.now() < state.outside.until ? state.outside.text : null;
      tab.note(outside ||
               `Decoded in your browser (${whose}${ms.toFixed(1)} ms for this image), no request to the server.`);
    } else if (failed && key !== dataset) {
      tab.note(`Your VAE's decoder could not load into your browser (${failed}): press "Explore it in ` +
               "tabs 1 and 2\" again, or go back to the shipped model.");
    } else if (failed) {
      tab.note(`The browser decoder could not load (${failed}), so each image comes from the server's /decode ` +
               "and follows the sliders more slowly.");
      fromServer([dataset, z1, z2]);
    } else {
      tab.note("Loading the decoder into your browser…");
      decoder(dataset);
    }
  }

  // The evaluation classifier's opinion of the image at (z1, z2), as gr.Label shows it (its three likeliest classes),
  // computed in the page (the classifier exported by train.page_models) when the slider is released: a promise for
  // the Label's value. If either model cannot load, the server's /classify answers instead.
  function classifier(dataset) {
    return tab.loading(`classifier-${dataset}`, state.props.classifiers[dataset], (file) => new G.nn.Network(file));
  }

  async function opinion(dataset, z1, z2) {
    const r = state.props.radius, at = [Math.min(Math.max(Number(z1), -r), r), Math.min(Math.max(Number(z2), -r), r)];
    const key = keyOf(dataset);
    try {
      const failed = tab.failure(key) || tab.failure(`classifier-${dataset}`);
      if (failed) throw new Error(failed);
      const [decode, classify] = await Promise.all([decoder(dataset), classifier(dataset)]);
      const p = classify.forward(decode.forward(at), [1, 28, 28]), classes = state.props.classes[dataset];
      const order = Array.from(p.keys()).sort((a, b) => p[b] - p[a]).slice(0, 3);
      state.stats.opinions += 1;
      return { label: classes[order[0]], confidences: order.map((i) => ({ label: classes[i], confidence: p[i] })) };
    } catch {
      if (key !== dataset) return null;            // the visitor's own VAE: nothing to ask the server about
      state.stats.serverOpinions += 1;
      return (await G.page.callServer("classify", [dataset, ...at]))[0];
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

  function attached(element, props) {
    element.querySelector("button.download").addEventListener("click", download);
    if (!state.current) state.current = [props.dataset, props.z[0], props.z[1]];   // draw as soon as it loads
    if (!tab.failure(props.dataset)) {
      decoder(props.dataset);
      classifier(props.dataset);
    }
  }

  Object.assign(tab, { opinion, useOwn });
})(globalThis.Genmodels ??= { tabs: {} });
