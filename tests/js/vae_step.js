// node tests/js/vae_step.js IN_SAFETENSORS OUT_JSON [MODEL_SAFETENSORS]: steps of ui/static/core/vae_train.js's
// Trainer on TF.js's WebAssembly backend (the page's engine; from node_modules, the versions the page vendors) from the
// weights, batches and ε in IN (tensors "<state_dict name>", "x.<k>", "noise.<k>"; metadata: betas, a list, one per
// step; about, what a saved model says of itself). Writes the loss terms of each step, the weights after the last one
// (as plain arrays) and the median milliseconds of a step after the first; with MODEL, the model as the page's
// Download button saves it (ui/static/core/nn.js's toSafetensors).
const fs = require("fs");
const path = require("path");
const tf = require("@tensorflow/tfjs-core");
const wasm = require("@tensorflow/tfjs-backend-wasm");
const core = path.join(__dirname, "..", "..", "ui", "static", "core");
const { parseSafetensors, toSafetensors } = require(path.join(core, "nn.js"));
require(path.join(core, "noise.js"));
require(path.join(core, "adam_wasm.js"));               // Adam in WebAssembly with SIMD, as the page runs it
const { Trainer } = require(path.join(core, "vae_train.js"));

async function main() {
  const [inPath, outPath, modelPath] = process.argv.slice(2);
  wasm.setWasmPaths(path.join(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm")), path.sep));
  await tf.setBackend("wasm");
  const bytes = fs.readFileSync(inPath);
  const { tensors, metadata } = parseSafetensors(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  const trainer = Trainer(tf, tensors);
  const terms = [], times = [];
  metadata.betas.forEach((beta, k) => {
    const started = process.hrtime.bigint();
    terms.push(trainer.step(tensors[`x.${k}`].data, tensors[`noise.${k}`].data, beta));
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  });
  const later = times.slice(1).sort((a, b) => a - b);
  const weights = {};
  for (const [name, t] of Object.entries(trainer.stateDict())) weights[name] = Array.from(t.data);
  fs.writeFileSync(outPath, JSON.stringify({ terms, weights, ms: later[Math.floor(later.length / 2)] ?? times[0] }));
  if (modelPath) fs.writeFileSync(modelPath, toSafetensors(trainer.stateDict(), metadata.about || {}));
}
main().catch((e) => { console.error(e.message); process.exit(1); });
