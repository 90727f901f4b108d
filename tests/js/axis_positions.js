// node tests/js/axis_positions.js RADIUS N VALUES_JSON: ui/static/core/latent.js's axisPosition for each value, as
// JSON.
const path = require("path");
const { axisPosition } = require(path.join(__dirname, "..", "..", "ui", "static", "core", "latent.js"));
const [radius, n, values] = [Number(process.argv[2]), Number(process.argv[3]), JSON.parse(process.argv[4])];
console.log(JSON.stringify(values.map((v) => axisPosition(v, radius, n))));
