// node bench/js/page_models_tfjs.js OUT_JSON (bench/page_trainer.py runs it): would the page's other models run
// faster on the trainer's engine? Each of tab 3's models (weights/page-*-mnist.safetensors, the files the page loads)
// and tab 1's decoder and classifier, one image as the page runs them: through ui/static/core/nn.js (the page's own
// runtime, its convolutions in WebAssembly with SIMD) and through the same layers on TensorFlow.js's WebAssembly
// backend (channel-last convolutions, PyTorch's weights re-laid once). Writes the median ms of each and the largest
// difference.
const fs = require("fs");
const path = require("path");
const tf = require("@tensorflow/tfjs-core");
const wasm = require("@tensorflow/tfjs-backend-wasm");
const nn = require(path.join(__dirname, "..", "..", "ui", "static", "core", "nn.js"));

const WEIGHTS = path.join(__dirname, "..", "..", "weights");
const MODELS = { "page-denoiser-mnist": [1, 28, 28], "page-superres-mnist": [1, 14, 14],
                 "page-superres4-mnist": [1, 7, 7], "page-classifier-mnist": [1, 28, 28], "vae-decoder-mnist": null };

// nn.js's Network.forward, layer for layer, on TF.js (NHWC)
function onTfjs({ tensors, metadata }) {
  const W = {};
  for (const layer of metadata.layers) {
    const w = tensors[layer.weight];
    if (!w) continue;
    W[layer.weight] = layer.op === "linear" ? tf.transpose(tf.tensor2d(w.data, w.shape))          // in × out
      : tf.transpose(tf.tensor4d(w.data, w.shape), [2, 3, 1, 0]);    // k × k × in × out (transposed: k × k × out × in)
    W[layer.bias] = tf.tensor1d(tensors[layer.bias].data);
  }
  return (input, shape) => tf.tidy(() => {
    let x = shape ? tf.expandDims(tf.transpose(tf.tensor3d(input, shape), [1, 2, 0]), 0)
      : tf.tensor2d(input, [1, input.length]);
    for (const layer of metadata.layers) {
      const w = W[layer.weight], b = W[layer.bias], p = layer.padding;
      if (layer.op === "linear") x = tf.add(tf.matMul(tf.reshape(x, [1, -1]), w), b);
      else if (layer.op === "relu") x = tf.relu(x);
      else if (layer.op === "leaky_relu") x = tf.leakyRelu(x, layer.slope);
      else if (layer.op === "tanh") x = tf.tanh(x);
      else if (layer.op === "sigmoid") x = tf.sigmoid(x);
      else if (layer.op === "softmax") x = tf.softmax(tf.reshape(x, [1, -1]));
      else if (layer.op === "max_pool") x = tf.maxPool(x, layer.kernel, layer.kernel, "valid");
      else if (layer.op === "flatten") x = tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [1, -1]);
      else if (layer.op === "reshape") x = tf.transpose(tf.reshape(x, [1, ...layer.shape]), [0, 2, 3, 1]);
      else if (layer.op === "conv") x = tf.add(tf.conv2d(x, w, layer.stride, [[0, 0], [p, p], [p, p], [0, 0]]), b);
      else if (layer.op === "conv_transpose") {
        const [, h, wd] = x.shape, k = w.shape[0], s = layer.stride;
        const full = [1, (h - 1) * s + k, (wd - 1) * s + k, w.shape[2]];
        x = tf.conv2dTranspose(x, w, full, s, "valid");
        x = tf.add(tf.slice(x, [0, p, p, 0], [1, full[1] - 2 * p, full[2] - 2 * p, full[3]]), b);
      } else throw new Error(`no TF.js mapping for ${layer.op}`);
    }
    return x.rank === 4 ? tf.transpose(x, [0, 3, 1, 2]).dataSync() : x.dataSync();
  });
}

function median(fn) {
  for (let i = 0; i < 10; i++) fn();
  const times = [];
  for (let i = 0; i < 60; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[30];
}

async function main() {
  wasm.setWasmPaths(path.join(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm")), path.sep));
  await tf.setBackend("wasm");
  const rows = [];
  for (const [name, shape] of Object.entries(MODELS)) {
    const bytes = fs.readFileSync(path.join(WEIGHTS, `${name}.safetensors`));
    const file = nn.parseSafetensors(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    const own = new nn.Network(file), fast = onTfjs(file);
    const x = shape ? Float32Array.from({ length: shape[1] * shape[2] }, (_, i) => (i * 7919 % 256) / 255)
      : Float32Array.from([0.7, -1.2]);
    const a = own.forward(x, shape), b = fast(x, shape);
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
    rows.push({ model: name, nn_js_ms: median(() => own.forward(x, shape)),
                tfjs_wasm_ms: median(() => fast(x, shape)), largest_difference: diff });
  }
  fs.writeFileSync(process.argv[2], JSON.stringify(rows));
}
main().catch((e) => { console.error(e); process.exit(1); });
