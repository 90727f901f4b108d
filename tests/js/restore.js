// node tests/js/restore.js CASES_JSON IMAGES_BIN OUT_JSON: tab 3's page arithmetic (ui/static/core/denoiser.js
// with noise.js and nn.js) on each case. A case is {image, kind, level, seed, model} (denoising) or {image, factor,
// model} (super-resolution); `model` is a page weights file. Writes, per case, each image as 8-bit grey levels (the
// page's rounding) and its PSNR and SSIM against the clean image; and the time per case.
const fs = require("fs");
const path = require("path");
const core = path.join(__dirname, "..", "..", "ui", "static", "core");
const { parseSafetensors, Network, toGrey } = require(path.join(core, "nn.js"));
require(path.join(core, "noise.js"));                         // the denoiser's noise, as the page loads it before
const { compareDenoising, compareSuperres } = require(path.join(core, "denoiser.js"));

const [casesPath, imagesPath, outPath] = process.argv.slice(2);
const cases = JSON.parse(fs.readFileSync(casesPath, "utf8"));
const raw = fs.readFileSync(imagesPath);
const images = new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4);
const networks = {};
function network(file) {
  if (!networks[file]) {
    const b = fs.readFileSync(file);
    networks[file] = new Network(parseSafetensors(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)));
  }
  return networks[file];
}
const started = process.hrtime.bigint();
const out = cases.map((c) => {
  const clean = images.slice(c.image * 784, (c.image + 1) * 784);
  const r = c.factor ? compareSuperres(clean, network(c.model), c.factor)
                     : compareDenoising(clean, network(c.model), c.kind, c.level, c.seed);
  const result = {};
  for (const [name, v] of Object.entries(r)) {
    result[name] = { grey: Array.from(toGrey(v.image)), psnr: v.psnr, ssim: v.ssim };
  }
  return result;
});
const ms = Number(process.hrtime.bigint() - started) / 1e6 / cases.length;
fs.writeFileSync(outPath, JSON.stringify({ cases: out, msPerCase: ms }));
