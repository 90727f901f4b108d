// Tab 6's trainer, in a Web Worker (the page's main thread only draws): core/vae_train.js on TensorFlow.js's
// WebAssembly backend (ui/static/vendor/tfjs, served by the app), on the dataset's shipped training subset, its map
// drawn from the 2,000 shipped held-out images (both fetched once, kept for the next run). The page (tabs/train.js)
// sends {type: "start", run, config, dataset, beta, seed, seconds}, {type: "stop", run} and {type: "model", run}; the
// worker answers with {type: "loading"|"frame"|"model"|"error", run, …}. A frame carries the step, the seconds, the
// loss terms since the last frame, every step's terms since then, the held-out codes, the map's k-NN, the decoder's
// grid and the reconstructions; the worker trains in slices of SLICE_MS and reads its messages between them, so a
// Stop lands within one slice.
/* global tf */
"use strict";
const FRAME_MS = 500, SLICE_MS = 40;       // twice a second, as the server's frames
const G = () => self.Genmodels;
let ready = null;                    // the engine's start (scripts, WebAssembly), once
const data = {};                     // per dataset: {images, heldOut, heldOutT, labels}
let current = null;                  // the run training now: {run, stop, trainer, about}

function engine(config) {
  if (!ready) {
    ready = (async () => {
      importScripts(...config.scripts);
      tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);   // threads need a cross-origin-isolated page: not vendored
      tf.wasm.setWasmPaths(config.wasm);
      if (!(await tf.setBackend("wasm"))) throw new Error("TensorFlow.js's WebAssembly backend did not start");
      return { backend: "WebAssembly", simd: await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT") };
    })();
  }
  return ready;
}

async function read(url) {
  const response = await fetch(url, { cache: "force-cache" });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${response.statusText}`);
  return G().nn.parseSafetensors(await response.arrayBuffer());
}

async function dataset(config, name) {
  if (!data[name]) {
    data[name] = (async () => {
      const [train, test] = await Promise.all([read(config.data[name].train), read(config.data[name].test)]);
      const { PIXELS, transposed } = G().vaeTrain;
      const heldOut = Float32Array.from(test.tensors.images.data, (v) => v / 255), n = test.tensors.labels.data.length;
      return { name, images: train.tensors.images.data, source: config.data[name].source, n, heldOut,
               heldOutT: tf.tensor2d(transposed(heldOut, n, PIXELS), [PIXELS, n]),
               labels: Array.from(test.tensors.labels.data) };
    })();
    data[name].catch(() => { delete data[name]; });
  }
  return data[name];
}

// the views of the model so far: the held-out codes and their k-NN, the decoder over the grid, the reconstructions
function views(trainer, set, config) {
  const mu = trainer.encode(set.heldOutT, set.n), axis = config.gridAxis, n = axis.length;
  const grid = new Float32Array(n * n * 2);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      grid[2 * (r * n + c)] = axis[c];
      grid[2 * (r * n + c) + 1] = axis[n - 1 - r];                  // row 0 is the top (largest z2)
    }
  }
  // one held-out image of each class (top row) and its reconstruction from μ (bottom), as the server's strip
  const shown = config.data[set.name].reconstructed, pixels = G().vaeTrain.PIXELS;
  const recMu = new Float32Array(shown.length * 2);
  const recon = new Float32Array(2 * shown.length * pixels);
  shown.forEach((i, k) => {
    recMu[2 * k] = mu[2 * i];
    recMu[2 * k + 1] = mu[2 * i + 1];
    recon.set(set.heldOut.subarray(i * pixels, (i + 1) * pixels), k * pixels);
  });
  recon.set(trainer.decode(recMu, shown.length), shown.length * pixels);
  return { mu, knn: G().vaeTrain.leaveOneOutKnn(mu, set.labels), grid: trainer.decode(grid, n * n), recon,
           labels: Uint8Array.from(set.labels) };
}

function post(message) {
  const transfer = ["mu", "grid", "recon", "labels"].filter((k) => message[k]).map((k) => message[k].buffer);
  self.postMessage(message, transfer);
}

// a pause that lets the worker read its messages (a Stop) before it trains on
const breathe = () => new Promise((done) => {
  const channel = new MessageChannel();
  channel.port1.onmessage = () => done();
  channel.port2.postMessage(null);
});

async function train({ run, config, dataset: name, beta, seed, seconds }) {
  const me = { run, stop: false, trainer: null, about: null };
  current = me;
  post({ type: "loading", run, what: "the engine" });
  const how = await engine(config);
  post({ type: "loading", run, what: "the training images", backend: how.backend, simd: how.simd });
  const set = await dataset(config, name);
  if (me.stop) return post({ type: "frame", run, done: true, stopped: true, step: 0, seconds: 0 });
  const V = G().vaeTrain;
  me.trainer = V.Trainer(tf, V.initialWeights(seed));
  const batches = V.Batches(set.images, seed, beta);
  const started = performance.now(), since = { step: [], reconstruction: [], kl: [] };
  let step = 0, lastFrame = -Infinity, viewsMs = 0;
  const frame = (done) => {
    const drawn = performance.now();
    const terms = since.reconstruction.length;
    const mean = (k) => (terms ? since[k].reduce((a, b) => a + b, 0) / terms : NaN);
    const elapsed = (performance.now() - started) / 1000;
    me.about = { dataset: name, beta, seed, steps: step, seconds: Math.round(elapsed * 10) / 10 };
    post({ type: "frame", run, step, seconds: elapsed, reconstruction: mean("reconstruction"), kl: mean("kl"),
           history: { step: since.step.splice(0), reconstruction: since.reconstruction.splice(0),
                      kl: since.kl.splice(0) },
           done, stopped: done && me.stop, source: set.source, backend: how.backend, viewsMs,
           ...views(me.trainer, set, config) });
    lastFrame = performance.now();
    viewsMs += lastFrame - drawn;
  };
  frame(false);
  while (!me.stop) {
    const sliceEnd = performance.now() + SLICE_MS;
    while (performance.now() < sliceEnd && (performance.now() - started) / 1000 < seconds) {
      const { x, noise, beta: b } = batches.next();
      const terms = me.trainer.step(x, noise, b);
      step += 1;
      since.step.push(step);
      since.reconstruction.push(terms.reconstruction);
      since.kl.push(terms.kl);
    }
    if ((performance.now() - started) / 1000 >= seconds) break;
    if (performance.now() - lastFrame >= FRAME_MS) frame(false);
    await breathe();
  }
  frame(true);
}

function sendModel({ run }) {
  if (!current || current.run !== run || !current.trainer) {
    return post({ type: "error", run, message: "There is no model yet: press Start and let it train." });
  }
  const bytes = G().nn.toSafetensors(current.trainer.stateDict(), current.about);
  self.postMessage({ type: "model", run, bytes, about: current.about }, [bytes.buffer]);
}

self.onmessage = ({ data: message }) => {
  if (message.type === "start") {
    if (current) current.stop = true;
    train(message).catch((err) => post({ type: "error", run: message.run, message: err.message }));
  } else if (message.type === "stop") {
    if (current && current.run <= message.run) current.stop = true;
  } else if (message.type === "model") {
    sendModel(message);
  }
};
