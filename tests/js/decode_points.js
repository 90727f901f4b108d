// node tests/js/decode_points.js WEIGHTS POINTS_JSON OUT_BIN: decode each [z1, z2] with ui/static/core/nn.js and
// write the 8-bit images one after another (784 bytes each); prints the mean milliseconds per decode.
const fs = require("fs");
const path = require("path");
const { parseSafetensors, Decoder } = require(path.join(__dirname, "..", "..", "ui", "static", "core", "nn.js"));

const [weights, pointsFile, outFile] = process.argv.slice(2);
const bytes = fs.readFileSync(weights);
const decoder = new Decoder(parseSafetensors(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)));
const points = JSON.parse(fs.readFileSync(pointsFile, "utf8"));
const out = Buffer.alloc(points.length * 784);
const start = process.hrtime.bigint();
points.forEach((z, i) => out.set(decoder.decode(z), i * 784));
const ms = Number(process.hrtime.bigint() - start) / 1e6 / points.length;
fs.writeFileSync(outFile, out);
console.log(JSON.stringify({ decodes: points.length, ms_per_decode: ms }));
