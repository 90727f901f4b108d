// The page's link to Gradio and the server: a named endpoint called through Gradio's HTTP API (the tabs' fallback
// when a model cannot load), a file uploaded for an event, a picture the server sent drawn into a canvas, the
// server's captions as HTML, and the run counter the long-run tabs' Start and Stop share (ui/runs.py).
(function (G) {
  "use strict";

  // A named endpoint through Gradio's HTTP API (the pages' fallback when a model cannot load): POST the inputs, read
  // the outputs from the event stream.
  async function callServer(name, data) {
    const base = (window.gradio_config && window.gradio_config.root) || "";
    const call = await fetch(`${base}/gradio_api/call/${name}`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ data }),
    });
    const { event_id: id } = await call.json();
    const stream = await (await fetch(`${base}/gradio_api/call/${name}/${id}`)).text();
    const lines = stream.split("\n");
    const done = lines.find((line, i) => lines[i - 1] === "event: complete" && line.startsWith("data:"));
    if (!done) {
      const error = lines.find((line, i) => lines[i - 1] === "event: error" && line.startsWith("data:"));
      throw new Error(error ? JSON.parse(error.slice(5)) || "the server refused" : stream.slice(0, 200));
    }
    return JSON.parse(done.slice(5));
  }

  // Bytes uploaded as a file through Gradio's upload route, as the value of a (hidden) gr.File an event then sends:
  // the server keeps the path in the session, not the bytes (Gradio keeps each session's last inputs)
  async function uploadFile(bytes, name) {
    const base = (window.gradio_config && window.gradio_config.root) || "", form = new FormData();
    form.append("files", new Blob([bytes], { type: "application/octet-stream" }), name);
    const answer = await fetch(`${base}/gradio_api/upload`, { method: "POST", body: form });
    if (!answer.ok) throw new Error(`the upload was refused: ${(await answer.text()).slice(0, 200)}`);
    const [path] = await answer.json();
    return { path, orig_name: name, size: bytes.byteLength, mime_type: "application/octet-stream",
             meta: { _type: "gradio.FileData" } };
  }

  // A picture the server sent (its URL), drawn into the canvas at width×height, one sample per block (the server
  // draws each model pixel as a block, nearest-neighbour)
  async function pictureInto(canvas, url, width, height) {
    const picture = new Image();
    picture.src = url;
    await picture.decode();
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext("2d");
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(picture, 0, 0, width, height);
    return ctx;
  }

  // The little Markdown the server's captions use (bold, paragraphs) as HTML, everything else escaped
  function markdownHtml(text) {
    const entities = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };
    const escaped = String(text).replace(/[&<>"]/g, (c) => entities[c]);
    return escaped.replace(/\*\*(.+?)\*\*/g, "<strong>$1</strong>").replace(/\n\n/g, "<br><br>");
  }


  // Each Start (style transfer, training) is a new run; Stop names the run it stops, so a Stop that arrives after the
  // next Start cannot stop that one (ui/runs.py: NEXT_RUN_JS, THIS_RUN_JS).
  let run = 0;
  const nextRun = () => (run += 1);
  const thisRun = () => run;

  // a pause in an event chain (after Stop: time for a frame already on its way to land)
  const pause = (ms) => new Promise((done) => setTimeout(done, ms));
  // plots drawn while their tab was hidden fit the page again (plotly resizes on the window's resize event)
  const refit = () => { window.dispatchEvent(new Event("resize")); };

  G.page = { ...G.page, callServer, uploadFile, pictureInto, markdownHtml, nextRun, thisRun, pause, refit };
})(globalThis.Genmodels ??= { tabs: {} });
