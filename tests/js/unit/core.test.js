// Unit tests of the page's pure core (ui/static/core/): node --test tests/js/unit/ (npm test).
const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("path");

const core = path.join(__dirname, "..", "..", "..", "ui", "static", "core");
const nn = require(path.join(core, "nn.js"));
const imaging = require(path.join(core, "imaging.js"));
const latent = require(path.join(core, "latent.js"));

// a safetensors file as Python's safetensors writes it: 8-byte header length, JSON header, the tensors' bytes
function safetensors(tensors, metadata) {
  const header = {}, chunks = [];
  let offset = 0;
  for (const [name, { dtype, shape, bytes }] of Object.entries(tensors)) {
    header[name] = { dtype, shape, data_offsets: [offset, offset + bytes.byteLength] };
    chunks.push(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    offset += bytes.byteLength;
  }
  if (metadata) header.__metadata__ = metadata;
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out.buffer;
}

test("float16 values decode as IEEE half precision", () => {
  assert.equal(nn.float16ToFloat32(0x3c00), 1);
  assert.equal(nn.float16ToFloat32(0xc000), -2);
  assert.equal(nn.float16ToFloat32(0x7bff), 65504);
  assert.equal(nn.float16ToFloat32(0x0001), 2 ** -24);              // the smallest subnormal
  assert.equal(nn.float16ToFloat32(0x7c00), Infinity);
  assert.ok(Number.isNaN(nn.float16ToFloat32(0x7e00)));
});

test("a safetensors file reads back its tensors, dtypes and JSON metadata", () => {
  const file = safetensors({
    w: { dtype: "F32", shape: [2, 2], bytes: new Float32Array([1, -2, 3.5, 4]) },
    h: { dtype: "F16", shape: [2], bytes: new Uint16Array([0x3c00, 0xbc00]) },
    u: { dtype: "U8", shape: [3], bytes: new Uint8Array([0, 128, 255]) },
    i: { dtype: "I32", shape: [1], bytes: new Int32Array([-7]) },
  }, { layers: JSON.stringify([{ op: "relu" }]), note: "plain text" });
  const { tensors, metadata } = nn.parseSafetensors(file);
  assert.deepEqual(Array.from(tensors.w.data), [1, -2, 3.5, 4]);
  assert.deepEqual(tensors.w.shape, [2, 2]);
  assert.deepEqual(Array.from(tensors.h.data), [1, -1]);
  assert.deepEqual(Array.from(tensors.u.data), [0, 128, 255]);
  assert.deepEqual(Array.from(tensors.i.data), [-7]);
  assert.deepEqual(metadata, { layers: [{ op: "relu" }], note: "plain text" });
});

test("a dtype the reader does not know is refused by name", () => {
  const file = safetensors({ d: { dtype: "F64", shape: [1], bytes: new Float64Array([1]) } });
  assert.throws(() => nn.parseSafetensors(file), /d: no reader for F64/);
});

test("a network runs its listed layers: linear, ReLU, softmax", () => {
  const net = new nn.Network({
    tensors: { w: { shape: [2, 3], data: new Float32Array([1, 0, -1, 0, 2, 0]) },
               b: { shape: [2], data: new Float32Array([0, 1]) } },
    metadata: { layers: [{ op: "linear", weight: "w", bias: "b" }, { op: "relu" }, { op: "softmax" }] },
  });
  const out = net.forward([1, 2, 3]);                            // linear: [1 - 3, 4 + 1] = [-2, 5]; relu: [0, 5]
  const e = Math.exp(-5);
  assert.ok(Math.abs(out[0] - e / (1 + e)) < 1e-7 && Math.abs(out[1] - 1 / (1 + e)) < 1e-7);
  assert.throws(() => new nn.Network({ tensors: {}, metadata: { layers: [{ op: "gelu" }] } }).forward([1]),
                /unknown layer gelu/);
});

test("grey levels round as the server rounds (x·255 + 0.5, truncated) and clip to [0, 1]", () => {
  assert.deepEqual(Array.from(nn.toGrey([0, 1, 0.5, -3, 7, 1 / 255, 0.0019, 0.00197])), [0, 255, 128, 0, 255, 1, 0, 1]);
});

test("a grid of images has white gaps, row-major cells, and picks the frame asked for", () => {
  // 2 frames of 3 images 2×2: frame 1's images are 10, 11, 12 everywhere
  const data = new Uint8Array(2 * 3 * 4);
  for (let n = 0; n < 3; n++) data.fill(10 + n, (3 + n) * 4, (3 + n + 1) * 4);
  const grid = imaging.gridPixels({ shape: [2, 3, 2, 2], data }, 1, 2, 1);   // 2 a row, 1-pixel gaps
  assert.equal(grid.width, 2 * 3 + 1);
  assert.equal(grid.height, 2 * 3 + 1);
  const at = (x, y) => grid.pixels[y * grid.width + x];
  assert.equal(at(0, 0), 255);
  assert.equal(at(1, 1), 10);
  assert.equal(at(4, 2), 11);
  assert.equal(at(1, 4), 12);
  assert.equal(at(4, 4), 255);                                   // no fourth image: white
});

test("grey levels become opaque RGBA", () => {
  assert.deepEqual(Array.from(imaging.greyToRgba(new Uint8Array([0, 200]))), [0, 0, 0, 255, 200, 200, 200, 255]);
});

test("axis positions run from 0 to n-1, the middle at 0 and clipped outside the radius", () => {
  assert.ok(Math.abs(latent.axisPosition(0, 3, 13) - 6) < 1e-6);
  assert.equal(latent.axisPosition(-3, 3, 13), 0);
  assert.ok(Math.abs(latent.axisPosition(3, 3, 13) - 12) < 1e-6);
  assert.equal(latent.axisPosition(50, 3, 13), 12);
  assert.ok(latent.axisPosition(1, 3, 13) > latent.axisPosition(0.5, 3, 13));
  assert.ok(Math.abs(latent.normalCdf(1.96) - 0.975) < 1e-4);
});

test("tensors written as a safetensors file read back the same, metadata as JSON, the data 8-byte aligned", () => {
  const tensors = { "a.weight": { shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6.5]) },
                    "a.bias": { shape: [2], data: new Float32Array([-1, 0.25]) } };
  const bytes = nn.toSafetensors(tensors, { dataset: "mnist", beta: 0.3, steps: 12 });
  const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal((8 + headerLength) % 8, 0);
  const back = nn.parseSafetensors(bytes.buffer);
  assert.deepEqual(back.metadata, { dataset: "mnist", beta: 0.3, steps: 12 });
  assert.deepEqual(Array.from(back.tensors["a.weight"].data), [1, 2, 3, 4, 5, 6.5]);
  assert.deepEqual(back.tensors["a.bias"].shape, [2]);
  assert.throws(() => nn.toSafetensors({ w: { shape: [2, 2], data: new Float32Array(3) } }),
                /w: 3 values for the shape 2×2/);
});

test("images in [0, 1] become one grid's RGBA, white gaps, grey rounded as the server rounds", () => {
  const images = Float32Array.from([0, 0.5, 1, 0.2, 1, 1, 1, 1]);           // two 2×2 images
  const { rgba, width, height } = imaging.gridRgba(images, 2, 2, 1);
  assert.deepEqual([width, height], [7, 4]);
  const grey = (x, y) => rgba[4 * (y * width + x)];
  assert.deepEqual([grey(1, 1), grey(2, 1), grey(1, 2), grey(2, 2)], [0, 128, 255, 51]);
  assert.deepEqual([grey(0, 0), grey(3, 1), grey(6, 3)], [255, 255, 255]);   // the gaps
  assert.equal(rgba[4 * (1 * width + 1) + 3], 255);                          // opaque
});

test("convolutions in WebAssembly with SIMD equal the JavaScript ones, every shape the page's models use", () => {
  assert.equal(nn.usesSimd(), true);                              // Node 20 has WebAssembly SIMD, as browsers do
  let seed = 1;
  const random = (n) => Float32Array.from({ length: n }, () => {
    seed = (seed * 16807) % 2147483647;
    const u = seed / 2147483647 - 0.5;
    return u < -0.25 ? 0 : u;                                     // a quarter zeros, as after a ReLU
  });
  for (const [h, cin, cout, k, stride, padding, transposed] of [
    [28, 1, 48, 3, 1, 1, false], [28, 48, 48, 3, 2, 1, false], [7, 16, 48, 3, 2, 1, true], [14, 48, 1, 3, 1, 1, false],
    [14, 12, 12, 3, 1, 1, false], [7, 24, 40, 4, 2, 1, true], [5, 3, 17, 5, 1, 2, false]]) {
    const weight = { shape: transposed ? [cin, cout, k, k] : [cout, cin, k, k], data: random(cin * cout * k * k) };
    const bias = { data: random(cout) }, x = random(h * h * cin);
    const simd = nn.convolve(x, [h, h, cin], weight, bias, stride, padding, transposed);
    const plain = nn.convolve(x, [h, h, cin], weight, bias, stride, padding, transposed, true);
    assert.deepEqual(simd.shape, plain.shape);
    let worst = 0;
    for (let i = 0; i < plain.data.length; i++) worst = Math.max(worst, Math.abs(simd.data[i] - plain.data[i]));
    assert.ok(worst < 1e-5, `${[h, cin, cout, k, stride, padding, transposed]}: ${worst}`);
    assert.ok(plain.data.some((v) => v !== 0));
  }
});

test("the convolutions' WebAssembly memory stays bounded however many models pass through it", () => {
  const layer = () => ({ shape: [48, 48, 3, 3],
                         data: Float32Array.from({ length: 48 * 48 * 9 }, () => Math.random()) });
  const bias = { data: new Float32Array(48) }, x = Float32Array.from({ length: 4 * 4 * 48 }, () => Math.random());
  const first = layer(), before = nn.convolve(x, [4, 4, 48], first, bias, 1, 1, false).data;
  for (let i = 0; i < 500; i++) nn.convolve(x, [4, 4, 48], layer(), bias, 1, 1, false);     // 500 × 83 KB of weights
  assert.ok(nn.simdBytes() < 40 * 2 ** 20, `${nn.simdBytes()} bytes`);
  assert.deepEqual(nn.convolve(x, [4, 4, 48], first, bias, 1, 1, false).data, before);   // the first, copied again
});
