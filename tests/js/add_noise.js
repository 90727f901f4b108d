// node tests/js/add_noise.js CASES_JSON IMAGES_BIN OUT_BIN: for each case {image, kind, level, seed}, the noisy copy of
// that 28×28 image (float32 row-major, from IMAGES_BIN) by ui/static/noise.js, written as float32; and the first
// draws of each stream for the seed of case 0 are checked by the test from the same output (see tests/test_noise.py).
const fs = require("fs");
const path = require("path");
const { addNoise, bits, normal } = require(path.join(__dirname, "..", "..", "ui", "static", "core", "noise.js"));

const [casesPath, imagesPath, outPath] = process.argv.slice(2);
const cases = JSON.parse(fs.readFileSync(casesPath, "utf8"));
const raw = fs.readFileSync(imagesPath);
const images = new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4);
const out = new Float32Array(cases.cases.length * 784);
cases.cases.forEach(({ image, kind, level, seed }, c) => {
  out.set(addNoise(images.subarray(image * 784, (image + 1) * 784), kind, level, seed), c * 784);
});
fs.writeFileSync(outPath, Buffer.from(out.buffer));
const { seed, n } = cases.streams;
const streams = { bits: Array.from(bits(seed, 3, n)), normal: Array.from(normal(seed, 0, n)) };
fs.writeFileSync(outPath + ".streams.json", JSON.stringify(streams));
