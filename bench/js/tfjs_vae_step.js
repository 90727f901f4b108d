// node bench/js/tfjs_vae_step.js IN OUT [wasm|cpu] (NODE_PATH: where bench/page_trainer.py installed TF.js): the
// TF.js trainer (bench/js/tfjs_vae_trainer.js) on the steps in IN. Same files in and out as tests/js/vae_step.js: the
// loss terms of each step, the weights after the last one, the median milliseconds of a step after the first.
const fs = require("fs");
const path = require("path");
const tf = require("@tensorflow/tfjs-core");
require("@tensorflow/tfjs-backend-cpu");
const wasm = require("@tensorflow/tfjs-backend-wasm");
const { parseSafetensors } = require(path.join(__dirname, "..", "..", "ui", "static", "core", "nn.js"));
const { tfjsTrainer } = require(path.join(__dirname, "tfjs_vae_trainer.js"));

async function main() {
  const [inPath, outPath, backend = "wasm"] = process.argv.slice(2);
  wasm.setWasmPaths(path.join(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm")), path.sep));
  await tf.setBackend(backend);
  await tf.ready();
  const b = fs.readFileSync(inPath);
  const { tensors, metadata } = parseSafetensors(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
  const trainer = tfjsTrainer(tf, tensors);
  const terms = [], times = [];
  metadata.betas.forEach((beta, k) => {
    const started = process.hrtime.bigint();
    terms.push(trainer.step(tensors[`x.${k}`].data, tensors[`noise.${k}`].data, beta));
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  });
  const later = times.slice(1).sort((a, c) => a - c);
  const ms = later.length ? later[Math.floor(later.length / 2)] : times[0];     // the median after the first
  fs.writeFileSync(outPath, JSON.stringify({ terms, weights: trainer.weights(), ms, backend: tf.getBackend() }));
}
main().catch((e) => { console.error(e); process.exit(1); });
