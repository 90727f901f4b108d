// node bench/js/tfjs_vae_run.js DATA INIT OUT_JSON SECONDS_MARKS SEED [BETA] (NODE_PATH: TF.js, as
// bench/page_trainer.py installs it): a live-VAE run as the page would train it, with the TF.js wasm trainer
// (bench/js/tfjs_vae_trainer.js): the shipped training subset (DATA, uint8 images), the initial weights INIT
// (genmodels.live.new_model(seed)), batches of 64 in a seeded shuffle each epoch, β warming up over the first 200
// steps as in genmodels.live, ε from the page's counter-based generator (core/noise.js). At each mark (seconds,
// comma-separated) it records the step and the weights; OUT gets them as JSON, with the steps per second.
const fs = require("fs");
const path = require("path");
const tf = require("@tensorflow/tfjs-core");
const wasm = require("@tensorflow/tfjs-backend-wasm");
const core = path.join(__dirname, "..", "..", "ui", "static", "core");
const { parseSafetensors } = require(path.join(core, "nn.js"));
const { normal, uniform } = require(path.join(core, "noise.js"));
const { tfjsTrainer } = require(path.join(__dirname, "tfjs_vae_trainer.js"));

const BATCH = 64, WARMUP_STEPS = 200, PIXELS = 784;
const SHUFFLE_STREAM = 1 << 20, NOISE_STREAM = 1 << 21;       // the generator's streams, apart from the noise tab's

function read(file) {
  const b = fs.readFileSync(file);
  return parseSafetensors(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

// a seeded Fisher-Yates shuffle of 0 … n-1
function permutation(seed, epoch, n) {
  const u = uniform(seed, SHUFFLE_STREAM + epoch, n), order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u[i] * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

async function main() {
  const [dataPath, initPath, outPath, marksText, seedText, betaText = "1"] = process.argv.slice(2);
  wasm.setWasmPaths(path.join(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm")), path.sep));
  await tf.setBackend("wasm");
  await tf.ready();
  const images = read(dataPath).tensors.images.data, count = images.length / PIXELS;
  const trainer = tfjsTrainer(tf, read(initPath).tensors);
  const marks = marksText.split(",").map(Number), seed = Number(seedText), beta = Number(betaText);
  const x = new Float32Array(BATCH * PIXELS), records = [];
  const started = process.hrtime.bigint(), seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  let step = 0;
  for (let epoch = 0; marks.length; epoch++) {
    const order = permutation(seed, epoch, count);
    for (let b = 0; b + BATCH <= count && marks.length; b += BATCH) {
      for (let r = 0; r < BATCH; r++) {
        const from = order[b + r] * PIXELS;
        for (let p = 0; p < PIXELS; p++) x[r * PIXELS + p] = images[from + p] / 255;
      }
      trainer.step(x, normal(seed, NOISE_STREAM + step, BATCH * 2), beta * Math.min(1, (step + 1) / WARMUP_STEPS));
      step += 1;
      if (seconds() >= marks[0]) records.push({ seconds: marks.shift(), step, weights: trainer.weights() });
    }
  }
  fs.writeFileSync(outPath, JSON.stringify({ records, steps_per_s: step / seconds() }));
}
main().catch((e) => { console.error(e); process.exit(1); });
