// node tests/js/vae_step.js IN_SAFETENSORS OUT_JSON [MODEL_SAFETENSORS]: steps of ui/static/core/vae_train.js's
// Trainer from the weights, batches and ε in IN (tensors "<state_dict name>", "x.<k>", "noise.<k>"; metadata: betas,
// a list, one per step; about, what a saved model says of itself). Writes the loss terms of each step, the weights
// after the last one (as plain arrays) and the milliseconds per step; with MODEL, the model as the page's Download
// button would save it (ui/static/core/nn.js's toSafetensors).
const fs = require("fs");
const path = require("path");
const core = path.join(__dirname, "..", "..", "ui", "static", "core");
const { parseSafetensors, toSafetensors } = require(path.join(core, "nn.js"));
const { Trainer, LAYERS } = require(path.join(core, "vae_train.js"));

const [inPath, outPath, modelPath] = process.argv.slice(2);
const bytes = fs.readFileSync(inPath);
const { tensors, metadata } = parseSafetensors(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
const trainer = new Trainer(tensors);
const terms = [];
const started = process.hrtime.bigint();
metadata.betas.forEach((beta, k) => {
  terms.push(trainer.step(tensors[`x.${k}`].data, tensors[`noise.${k}`].data, beta));
});
const ms = Number(process.hrtime.bigint() - started) / 1e6 / metadata.betas.length;
const weights = {};
for (const layer of LAYERS) {
  for (const part of ["weight", "bias"]) weights[`${layer}.${part}`] = Array.from(trainer.params[`${layer}.${part}`]);
}
fs.writeFileSync(outPath, JSON.stringify({ terms, weights, ms }));
if (modelPath) fs.writeFileSync(modelPath, toSafetensors(trainer.stateDict(), metadata.about || {}));
