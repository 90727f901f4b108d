// Unit tests of the page trainer's pure parts (ui/static/core/vae_train.js): seeded weights and batches, the map's
// k-NN, and a few steps on TF.js's WebAssembly backend: node --test tests/js/unit/ (npm test).
const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("path");

const core = path.join(__dirname, "..", "..", "..", "ui", "static", "core");
require(path.join(core, "noise.js"));
const train = require(path.join(core, "vae_train.js"));

test("fresh weights depend on the seed only, within nn.Linear's ±1/√fan_in", () => {
  const a = train.initialWeights(7), b = train.initialWeights(7), c = train.initialWeights(8);
  for (const [name, [outputs, inputs]] of Object.entries(train.SHAPES)) {
    const w = a[`${name}.weight`];
    assert.deepEqual(w.shape, [outputs, inputs]);
    assert.deepEqual(w.data, b[`${name}.weight`].data);
    assert.notDeepEqual(w.data, c[`${name}.weight`].data);
    const bound = 1 / Math.sqrt(inputs), most = w.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    assert.ok(most <= bound && most > 0.9 * bound, `${name}: ${most} against ${bound}`);
  }
});

test("batches: a seeded shuffle of every image once an epoch, β warming up over 200 steps", () => {
  const count = 256, images = Uint8Array.from({ length: count * train.PIXELS }, (_, i) => Math.floor(i / 784) % 256);
  const batches = train.Batches(images, 3, 2.0), again = train.Batches(images, 3, 2.0), seen = new Set();
  const betas = [];
  for (let s = 0; s < count / train.BATCH; s++) {
    const { x, noise, beta } = batches.next(), other = again.next();
    assert.deepEqual(x, other.x);
    assert.deepEqual(noise, other.noise);
    assert.equal(noise.length, 2 * train.BATCH);
    for (let r = 0; r < train.BATCH; r++) seen.add(Math.round(x[r * train.PIXELS] * 255));
    betas.push(beta);
  }
  assert.equal(seen.size, count);                                 // each image once in the epoch
  assert.deepEqual(betas, [1, 2, 3, 4].map((s) => 2.0 * s / 200));
});

test("the map's k-NN: a 5-nearest-neighbour vote among the other codes", () => {
  // two tight clusters of 6 points, and one point of class 1 inside class 0's cluster
  const z = [], labels = [];
  for (let i = 0; i < 6; i++) { z.push(i * 0.01, 0); labels.push(0); }
  for (let i = 0; i < 6; i++) { z.push(10 + i * 0.01, 0); labels.push(1); }
  z.push(0.025, 0);
  labels.push(1);
  assert.equal(train.leaveOneOutKnn(Float32Array.from(z), labels), 12 / 13);
});

test("a model of another shape is refused by name", () => {
  const weights = train.initialWeights(0);
  weights["encoder.3.weight"] = { shape: [128, 256], data: new Float32Array(128 * 256) };
  assert.throws(() => train.Trainer({}, weights), /encoder\.3\.weight is 128×256, expected 256×256/);
});

test("steps on TF.js's WebAssembly backend lower the loss and keep the state_dict's shapes", async () => {
  const tf = require("@tensorflow/tfjs-core");
  const wasm = require("@tensorflow/tfjs-backend-wasm");
  wasm.setWasmPaths(path.join(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm")), path.sep));
  await tf.setBackend("wasm");
  const images = Uint8Array.from({ length: 64 * train.PIXELS }, (_, i) => ((i % 784) < 392 ? 255 : 0));
  const trainer = train.Trainer(tf, train.initialWeights(1)), batches = train.Batches(images, 1, 1);
  const resident = tf.memory().numTensors;                     // the weights, in the backend's memory
  const first = trainer.step(...Object.values(batches.next()));
  let last = first;
  for (let s = 0; s < 30; s++) last = trainer.step(...Object.values(batches.next()));
  assert.ok(last.reconstruction < 0.5 * first.reconstruction, `${first.reconstruction} → ${last.reconstruction}`);
  assert.equal(tf.memory().numTensors, resident);                // nothing left behind a step
  const state = trainer.stateDict();
  assert.deepEqual(Object.keys(state), train.LAYERS.flatMap((n) => [`${n}.weight`, `${n}.bias`]));
  assert.deepEqual(state["decoder.4.weight"].shape, [784, 256]);
  const held = tf.tensor2d(train.transposed(Float32Array.from(images.slice(0, 3 * 784), (v) => v / 255), 3, 784),
                           [784, 3]);
  assert.equal(trainer.encode(held, 3).length, 6);
  assert.equal(trainer.decode(new Float32Array(4), 2).length, 2 * 784);
  held.dispose();
  trainer.dispose();
  assert.equal(tf.memory().numTensors, resident - 12);
});

test("Adam in WebAssembly (core/adam.wat) updates the weights as the JavaScript Adam does", async () => {
  const tf = require("@tensorflow/tfjs-core");
  const wasm = require("@tensorflow/tfjs-backend-wasm");
  wasm.setWasmPaths(path.join(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm")), path.sep));
  await tf.setBackend("wasm");
  const G = globalThis.Genmodels, images = Uint8Array.from({ length: 128 * train.PIXELS }, (_, i) => (i * 31) % 256);
  const after = (module) => {
    G.adamWasm = module;
    const trainer = train.Trainer(tf, train.initialWeights(2)), batches = train.Batches(images, 2, 1);
    for (let s = 0; s < 3; s++) trainer.step(...Object.values(batches.next()));
    const state = trainer.stateDict();
    trainer.dispose();
    return state;
  };
  const simd = after(require(path.join(core, "adam_wasm.js"))), plain = after(undefined);
  for (const [name, { data }] of Object.entries(plain)) {
    let most = 0;
    for (let i = 0; i < data.length; i++) most = Math.max(most, Math.abs(data[i] - simd[name].data[i]));
    assert.ok(most < 1e-5, `${name}: ${most}`);                   // 1% of a step (lr): float32 rounding
    assert.ok(data.some((value, i) => value !== train.initialWeights(2)[name].data[i]));   // both trained
  }
});

test("the engine: WebGPU on a GPU adapter and says which, WebAssembly on a software one unless asked", () => {
  const gpu = { info: { vendor: "nvidia", architecture: "ampere", isFallbackAdapter: false } };
  const software = { info: { vendor: "google", architecture: "swiftshader", isFallbackAdapter: true } };
  assert.deepEqual(train.engineFor(gpu), { webgpu: true, name: "WebGPU on nvidia ampere" });
  assert.deepEqual(train.engineFor(gpu, "wasm"), { webgpu: false, why: "" });
  assert.deepEqual(train.engineFor(null), { webgpu: false, why: "" });
  assert.deepEqual(train.engineFor(software), { webgpu: false, why: "faster than this browser's software WebGPU" });
  assert.deepEqual(train.engineFor(software, "webgpu"),
                   { webgpu: true, name: "WebGPU on google swiftshader, a software fallback" });
  // an older browser: the flag on the adapter, no vendor named
  assert.deepEqual(train.engineFor({ isFallbackAdapter: false, info: { description: "Apple M2" } }),
                   { webgpu: true, name: "WebGPU on Apple M2" });
  assert.deepEqual(train.engineFor({ isFallbackAdapter: true }).webgpu, false);
});
