// Tab 6's trainer and its viewer, two Web Workers running this file (the page's main thread only draws): the
// trainer runs core/vae_train.js on TensorFlow.js (ui/static/vendor/tfjs, served by the app; its WebGPU backend where
// the browser has a GPU, else its WebAssembly backend) on the dataset's shipped training subset, and every FRAME_MS
// hands the weights so far to the page; the viewer (WebAssembly), on the machine's other core, turns those weights
// into the views (the 2,000 shipped held-out images' codes and their k-NN, the decoder over the grid, the
// reconstructions), so that drawing them costs the training nothing. Both fetch their images once and keep them for
// the next run. The page (tabs/train.js) sends the trainer {type: "start", run, config, dataset, beta, seed, seconds,
// engine}, {type: "stop", run} and {type: "model", run}, and the viewer {type: "view", …the trainer's frame}; they
// answer {type: "loading"|"weights"|"model"|"error", run, …} and {type: "frame", run, …}. The trainer trains in
// slices of about SLICE_MS and reads its messages between them, so a Stop lands within one slice.
/* global tf */
"use strict";
const FRAME_MS = 450, SLICE_MS = 40;     // a frame a little more often than twice a second, a Stop within 40 ms
const MOST_STEPS = 256;                  // the most steps a slice queues (WebGPU)
const G = () => self.Genmodels;
let ready = null;                        // the engine's start (scripts, the backend), once
const data = {};                         // per dataset and part ("train", "test"): its images, fetched once
let current = null;                      // the run training now: {run, stop, trainer, about(), finished}

// The engine, started once per worker: TF.js's WebGPU backend where this browser has a GPU adapter that is not a
// software fallback, or where the page asks for WebGPU (?engine=webgpu); else its WebAssembly backend (the viewer
// always). Returns {backend, name: what the status line says}.
function engine(config, asked) {
  if (!ready) {
    ready = (async () => {
      importScripts(...config.scripts);
      const gpu = asked === "wasm" || !self.navigator?.gpu ? null
        : await self.navigator.gpu.requestAdapter({ powerPreference: "high-performance" }).catch(() => null);
      const choice = G().vaeTrain.engineFor(gpu, asked);
      if (choice.webgpu) {
        importScripts(config.webgpu);
        if (await tf.setBackend("webgpu").catch(() => false)) return { backend: "webgpu", name: choice.name };
        choice.why = "WebGPU did not start here";
      }
      tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);   // threads need a cross-origin-isolated page: not vendored
      tf.wasm.setWasmPaths(config.wasm);
      if (!(await tf.setBackend("wasm"))) throw new Error("TensorFlow.js's WebAssembly backend did not start");
      const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"), why = choice.why ? `; ${choice.why}` : "";
      return { backend: "wasm", name: (simd ? "WebAssembly SIMD" : "WebAssembly") + why };
    })();
  }
  return ready;
}

async function read(url) {
  const response = await fetch(url, { cache: "force-cache" });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${response.statusText}`);
  return G().nn.parseSafetensors(await response.arrayBuffer());
}

// the dataset's training images (uint8, n × 784) or its held-out ones, feature-major for encoding and as they are
function images(config, name, part) {
  const key = `${name}.${part}`;
  if (!data[key]) {
    data[key] = (async () => {
      const file = await read(config.data[name][part]);
      if (part === "train") return file.tensors.images.data;
      const { PIXELS, transposed } = G().vaeTrain, n = file.tensors.labels.data.length;
      const heldOut = Float32Array.from(file.tensors.images.data, (v) => v / 255);
      return { n, heldOut, heldOutT: tf.tensor2d(transposed(heldOut, n, PIXELS), [PIXELS, n]),
               labels: Uint8Array.from(file.tensors.labels.data) };
    })();
    data[key].catch(() => { delete data[key]; });
  }
  return data[key];
}

function post(message, parts) {
  const transfer = parts.filter((k) => message[k]).map((k) => message[k].buffer);
  self.postMessage(message, transfer);
}

// ---------------------------------------------------------------- the trainer

// a pause that lets the worker read its messages (a Stop) before it trains on
const breathe = () => new Promise((done) => {
  const channel = new MessageChannel();
  channel.port1.onmessage = () => done();
  channel.port2.postMessage(null);
});

async function train({ run, config, dataset: name, beta, seed, seconds, engine: asked }) {
  const me = { run, stop: false, trainer: null, about: () => null, finished: false };
  if (current && current.finished) current.trainer.dispose();      // (one still training disposes of itself)
  current = me;
  self.postMessage({ type: "loading", run, what: "the engine" });
  const how = await engine(config, asked);
  self.postMessage({ type: "loading", run, what: "the training images", engine: how.name });
  const training = await images(config, name, "train");
  if (me.stop || current !== me) return;
  const V = G().vaeTrain;
  me.trainer = V.Trainer(tf, V.initialWeights(seed));
  const batches = V.Batches(training, seed, beta);
  const started = performance.now(), since = { step: [], reconstruction: [], kl: [] };
  let step = 0, ended = null;
  const elapsed = () => (ended ?? performance.now() - started) / 1000;
  // what the model says of itself, as its weights are now (the steps queued so far: a read waits for them)
  me.about = () => ({ dataset: name, beta, seed, steps: step, seconds: Math.round(elapsed() * 10) / 10 });
  const frame = async (done) => {
    const terms = since.reconstruction.length;
    const mean = (k) => (terms ? since[k].reduce((a, b) => a + b, 0) / terms : NaN);
    const message = { type: "weights", run, step, seconds: elapsed(), reconstruction: mean("reconstruction"),
                      kl: mean("kl"), history: { step: since.step.splice(0), kl: since.kl.splice(0),
                                                 reconstruction: since.reconstruction.splice(0) },
                      done, stopped: done && me.stop, dataset: name, source: config.data[name].source,
                      engine: how.name };
    const weights = await me.trainer.stateDict();
    self.postMessage({ ...message, weights }, Object.values(weights).map((t) => t.data.buffer));
  };
  await frame(false);
  let lastFrame = performance.now(), most = 4;
  while (!me.stop && elapsed() < seconds) {
    const sliceStart = performance.now();
    for (let k = 0; k < most && performance.now() - sliceStart < SLICE_MS && elapsed() < seconds; k++) {
      const { x, noise, beta: b } = batches.next();
      me.trainer.step(x, noise, b);
      step += 1;
      since.step.push(step);
    }
    for (const terms of await me.trainer.settle()) {
      since.reconstruction.push(terms.reconstruction);
      since.kl.push(terms.kl);
    }
    // WebGPU queues the steps and does them at settle(): as many a slice as the device does in about SLICE_MS
    const took = performance.now() - sliceStart;
    most = took > 2 * SLICE_MS ? Math.max(1, most >> 1) : took < SLICE_MS ? Math.min(2 * most, MOST_STEPS) : most;
    if (performance.now() - lastFrame >= FRAME_MS && elapsed() < seconds) {
      await frame(false);
      lastFrame = performance.now();
    }
    await breathe();
  }
  ended = performance.now() - started;
  me.finished = true;
  if (current === me) await frame(true);
  else me.trainer.dispose();
}

async function sendModel({ run }) {
  const me = current;                    // (a Start while the weights are read makes another run current)
  if (!me || me.run !== run || !me.trainer) {
    return self.postMessage({ type: "error", run, model: true,
                              message: "There is no model yet: press Start and let it train." });
  }
  const about = me.about(), weights = me.trainer.stateDict();      // both as of now
  const bytes = G().nn.toSafetensors(await weights, about);
  post({ type: "model", run, bytes, about }, ["bytes"]);
}

// ---------------------------------------------------------------- the viewer

// the views of the weights: the held-out codes and their k-NN, the decoder over the grid, and one held-out image of
// each class (top row) above its reconstruction from μ (bottom), as the server's views
async function view(frame) {
  const started = performance.now(), { config } = frame;
  await engine(config, "wasm");
  const set = await images(config, frame.dataset, "test"), V = G().vaeTrain, model = V.Trainer(tf, frame.weights);
  try {
    const mu = model.encode(set.heldOutT, set.n), axis = config.gridAxis, n = axis.length;
    const grid = new Float32Array(n * n * 2);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) {
        grid[2 * (r * n + c)] = axis[c];
        grid[2 * (r * n + c) + 1] = axis[n - 1 - r];                 // row 0 is the top (largest z2)
      }
    }
    const shown = config.data[frame.dataset].reconstructed, recMu = new Float32Array(shown.length * 2);
    const recon = new Float32Array(2 * shown.length * V.PIXELS);
    shown.forEach((i, k) => {
      recMu.set(mu.subarray(2 * i, 2 * i + 2), 2 * k);
      recon.set(set.heldOut.subarray(i * V.PIXELS, (i + 1) * V.PIXELS), k * V.PIXELS);
    });
    recon.set(model.decode(recMu, shown.length), shown.length * V.PIXELS);
    const message = { ...frame, type: "frame", weights: undefined, config: undefined, mu, recon,
                      knn: V.leaveOneOutKnn(mu, set.labels), grid: model.decode(grid, n * n),
                      labels: Uint8Array.from(set.labels), viewMs: performance.now() - started };
    post(message, ["mu", "grid", "recon", "labels"]);
  } finally {
    model.dispose();
  }
}

self.onmessage = ({ data: message }) => {
  const failed = (err) => self.postMessage({ type: "error", run: message.run, message: err.message,
                                             viewer: message.type === "view", model: message.type === "model" });
  if (message.type === "start") {
    if (current) current.stop = true;
    train(message).catch(failed);
  } else if (message.type === "stop") {
    if (current && current.run <= message.run) current.stop = true;
  } else if (message.type === "model") {
    sendModel(message).catch(failed);
  } else if (message.type === "view") {
    view(message).catch(failed);
  }
};
