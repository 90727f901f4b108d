"""Engines for training the live VAE in the page, under Node: python bench/page_trainer.py [--steps 30]

Each engine runs the same training steps of genmodels.live's model (new_model(3), batches of 64 held-out MNIST
images, β warming up as in genmodels.live, ε drawn by a seeded generator) from the same weights, and is compared with
PyTorch's genmodels.vae.training_step on this machine (one thread, the tab's setting):
- plain JS: ui/static/core/vae_train.js (tests/js/vae_step.js), no dependency;
- TF.js wasm / cpu: bench/js/tfjs_vae_trainer.js, TensorFlow.js 4.22 (installed here under bench/out/node by npm,
  the versions pinned below; the page does not load it), gradients by hand with explicit transposes;
- the same plain JS and TF.js wasm in headless Chromium (Debian's chromium driven by Playwright, one page that loads
  the scripts from a local server, as the app's page would), the browser a visitor trains in.
For each: the median milliseconds of a step after the first, steps/s, the worst relative difference of a loss term
and of a weight tensor (in norm) from PyTorch after all the steps, and the bytes the page would load for it.
Prints a Markdown table; writes bench/out/page_trainer.json.

--run SECONDS: instead, a whole run as the page would train (bench/js/tfjs_vae_run.js: TF.js wasm under Node, the
shipped training subset, seeded shuffle and ε, β warming up as in genmodels.live) against genmodels.live.train_vae
on one thread for the same time; the map k-NN of each at 15 s marks: leave-one-out among the 2,000 held-out codes
(what the tab's status shows) and, with --data-root, the standard split (the 10,000 test codes among the first
20,000 training codes, bench/live_vae.py's measure). Writes bench/out/page_trainer_run.json.
"""
from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import torch
from safetensors.torch import save_file

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from genmodels import live  # noqa: E402
from genmodels.data import held_out_images  # noqa: E402
from genmodels.vae import training_step  # noqa: E402

OUT = ROOT / "bench" / "out"
NODE_DIR = OUT / "node"
TFJS = ["@tensorflow/tfjs-core@4.22.0", "@tensorflow/tfjs-backend-wasm@4.22.0", "@tensorflow/tfjs-backend-cpu@4.22.0"]
STATIC = ROOT / "ui" / "static"


def install_tfjs() -> Path:
    modules = NODE_DIR / "node_modules"
    if not (modules / "@tensorflow" / "tfjs-backend-wasm").exists():
        NODE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--prefix", str(NODE_DIR), "--no-audit", "--no-fund", *TFJS], check=True)
    return modules


def page_bytes(engine: str, modules: Path) -> int:
    """What the page would fetch for the engine (minified script and the SIMD WebAssembly)."""
    engine = engine.replace(" in Chromium", "")
    if engine == "plain JS":
        return (STATIC / "core" / "vae_train.js").stat().st_size
    wasm = modules / "@tensorflow" / "tfjs-backend-wasm" / "dist"
    files = [modules / "@tensorflow" / "tfjs-core" / "dist" / "tf-core.min.js"]
    files += [wasm / "tf-backend-wasm.min.js", wasm / "tfjs-backend-wasm-simd.wasm"] if engine == "TF.js wasm" else \
        [modules / "@tensorflow" / "tfjs-backend-cpu" / "dist" / "tf-backend-cpu.min.js"]
    return sum(f.stat().st_size for f in files)


IN_PAGE = """async (engine) => {
  const bytes = await (await fetch("in.safetensors")).arrayBuffer();
  const { tensors, metadata } = Genmodels.nn.parseSafetensors(bytes);
  let trainer;
  if (engine === "wasm") {
    tf.wasm.setWasmPaths(new URL(".", location.href).href);
    await tf.setBackend("wasm");
    await tf.ready();
    trainer = tfjsTrainer(tf, tensors);
  } else {
    const plain = new Genmodels.vaeTrain.Trainer(tensors);
    trainer = { step: (x, e, b) => plain.step(x, e, b), weights: () => Object.fromEntries(
      Object.entries(plain.params).map(([k, v]) => [k, Array.from(v)])) };
  }
  const terms = [], times = [];
  metadata.betas.forEach((beta, k) => {
    const started = performance.now();
    terms.push(trainer.step(tensors[`x.${k}`].data, tensors[`noise.${k}`].data, beta));
    times.push(performance.now() - started);
  });
  const later = times.slice(1).sort((a, b) => a - b);
  return { terms, weights: trainer.weights(), ms: later[Math.floor(later.length / 2)] };
}"""


def in_chromium(work: Path, modules: Path, engine: str) -> dict:
    """The steps in a headless Chromium page served from a local folder (the scripts as the page would load them)."""
    from playwright.sync_api import sync_playwright
    serve = work / "serve"
    serve.mkdir(exist_ok=True)
    wasm = modules / "@tensorflow" / "tfjs-backend-wasm" / "dist"
    for f in [modules / "@tensorflow" / "tfjs-core" / "dist" / "tf-core.min.js", wasm / "tf-backend-wasm.min.js",
              *wasm.glob("*.wasm"), STATIC / "core" / "nn.js", STATIC / "core" / "vae_train.js",
              ROOT / "bench" / "js" / "tfjs_vae_trainer.js", work / "in.safetensors"]:
        shutil.copy(f, serve / f.name)
    scripts = "".join(f'<script src="{n}"></script>' for n in ("tf-core.min.js", "tf-backend-wasm.min.js", "nn.js",
                                                              "vae_train.js", "tfjs_vae_trainer.js"))
    (serve / "index.html").write_text(f"<!doctype html><html><head>{scripts}</head><body></body></html>")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(serve))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=shutil.which("chromium"),
                                         args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/index.html")
            got = page.evaluate(IN_PAGE, engine)
            browser.close()
    finally:
        server.shutdown()
    return got


def knn_figures(model, dataset: str, standard: tuple | None) -> dict:
    """The map k-NN as the tab shows it, and on the standard split where the dataset is at hand."""
    from genmodels.metrics import encode_all, knn_accuracy
    held_x, held_y = held_out_images(dataset)
    out = {"knn_held_out": round(live.leave_one_out_knn(encode_all(model, held_x)[0], held_y), 3)}
    if standard is not None:
        (test_x, test_y), (train_x, train_y) = standard
        out["knn_standard"] = round(knn_accuracy(encode_all(model, train_x)[0], train_y, encode_all(model, test_x)[0],
                                                 test_y, k=5), 3)
    return out


def whole_run(seconds: float, dataset: str, data_root: str | None, modules: Path) -> None:
    from genmodels.data import load_split, train_subset_path
    marks = [s for s in (15, 30, 45, 60, 90, 120) if s <= seconds] or [seconds]
    standard = None
    if data_root:
        test_x, test_y = load_split(dataset, train=False, root=data_root, download=False)
        train_x, train_y = load_split(dataset, train=True, root=data_root, download=False)
        standard = ((test_x, test_y), (train_x[:20000], train_y[:20000]))
    work = Path(tempfile.mkdtemp())
    save_file({k: v.contiguous() for k, v in live.new_model(0).state_dict().items()}, str(work / "init.safetensors"))
    env = {**os.environ, "NODE_PATH": str(modules)}
    subprocess.run(["node", str(ROOT / "bench" / "js" / "tfjs_vae_run.js"), str(train_subset_path(dataset)),
                    str(work / "init.safetensors"), str(work / "run.json"), ",".join(map(str, marks)), "0"],
                   check=True, env=env)
    page = json.loads((work / "run.json").read_text())
    rows = []
    for record in page["records"]:
        model = live.new_model(0)
        model.load_state_dict({k: torch.tensor(record["weights"][k]).reshape(w.shape)
                               for k, w in model.state_dict().items()})
        rows.append({"way": "page (TF.js wasm, Node)", "seconds": record["seconds"], "step": record["step"],
                     **knn_figures(model.eval(), dataset, standard)})
        print(json.dumps(rows[-1]), flush=True)
    torch.set_num_threads(1)
    todo = list(marks)
    for frame in live.train_vae(dataset, seed=0, max_seconds=max(marks), frame_seconds=0.5):
        while todo and (frame.seconds >= todo[0] or frame.done):
            rows.append({"way": "server library (one thread)", "seconds": todo.pop(0), "step": frame.step,
                         **knn_figures(frame.model, dataset, standard)})
            print(json.dumps(rows[-1]), flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "page_trainer_run.json").write_text(json.dumps({"page_steps_per_s": page["steps_per_s"], "rows": rows},
                                                          indent=1))
    print(f"\npage: {page['steps_per_s']:.1f} steps/s\n| way | at | steps | map k-NN (2,000 held out) | "
          "k-NN, standard split |\n|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['way']} | {r['seconds']} s | {r['step']:,} | {r['knn_held_out']:.3f} | "
              f"{r.get('knn_standard', float('nan')):.3f} |")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--run", type=float, default=None, help="a whole run of this many seconds instead")
    p.add_argument("--dataset", default="mnist")
    p.add_argument("--data-root", default=None)
    args = p.parse_args()
    modules = install_tfjs()
    if args.run:
        whole_run(args.run, args.dataset, args.data_root, modules)
        return
    images = held_out_images("mnist")[0]
    batches = [images[(k * live.BATCH_SIZE) % 1936:][:live.BATCH_SIZE] for k in range(args.steps)]
    draws = torch.Generator().manual_seed(11)
    noises = [torch.randn(live.BATCH_SIZE, 2, generator=draws) for _ in batches]
    betas = [min(1.0, (k + 1) / live.WARMUP_STEPS) for k in range(args.steps)]
    work = Path(tempfile.mkdtemp())
    tensors = {k: v.contiguous() for k, v in live.new_model(3).state_dict().items()}
    for k, (x, noise) in enumerate(zip(batches, noises, strict=True)):
        tensors[f"x.{k}"], tensors[f"noise.{k}"] = x.reshape(len(x), -1).contiguous(), noise.contiguous()
    save_file(tensors, str(work / "in.safetensors"), metadata={"betas": json.dumps(betas)})

    torch.set_num_threads(1)
    model = live.new_model(3)
    optimizer = torch.optim.Adam(model.parameters(), lr=live.DEFAULT_LR)
    generator = torch.Generator().manual_seed(11)
    reference, times = [], []
    for x, beta in zip(batches, betas, strict=True):
        started = time.perf_counter()
        reference.append(training_step(model, optimizer, x, beta, generator=generator))
        times.append(1000 * (time.perf_counter() - started))
    torch_ms = sorted(times[1:])[len(times[1:]) // 2]
    rows = [{"engine": "PyTorch, one thread", "ms": round(torch_ms, 2), "steps_per_s": round(1000 / torch_ms, 1),
             "loss_rel": 0.0, "weights_rel": 0.0, "page_bytes": None}]
    engines = {"plain JS": ["node", str(ROOT / "tests" / "js" / "vae_step.js")],
               "TF.js wasm": ["node", str(ROOT / "bench" / "js" / "tfjs_vae_step.js"), "wasm"],
               "TF.js cpu": ["node", str(ROOT / "bench" / "js" / "tfjs_vae_step.js"), "cpu"]}
    engines.update({"plain JS in Chromium": "plain", "TF.js wasm in Chromium": "wasm"})
    for name, command in engines.items():
        if isinstance(command, str):
            got = in_chromium(work, modules, command)
        else:
            out = work / "out.json"
            env = {**os.environ, "NODE_PATH": str(modules)}
            subprocess.run([*command[:2], str(work / "in.safetensors"), str(out), *command[2:]], check=True, env=env)
            got = json.loads(out.read_text())
        loss_rel = max(abs(g[key] - r) / abs(r) for g, ref in zip(got["terms"], reference, strict=True)
                       for key, r in zip(("loss", "reconstruction", "kl"), ref, strict=True))
        weights_rel = max(float(torch.linalg.norm(torch.tensor(got["weights"][n]).reshape(w.shape) - w)
                                / torch.linalg.norm(w)) for n, w in model.state_dict().items())
        rows.append({"engine": name, "ms": round(got["ms"], 2), "steps_per_s": round(1000 / got["ms"], 1),
                     "loss_rel": loss_rel, "weights_rel": weights_rel, "page_bytes": page_bytes(name, modules)})
        print(json.dumps(rows[-1]), flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "page_trainer.json").write_text(json.dumps(rows, indent=1))
    print(f"\n{args.steps} steps of 64 images. | engine | ms a step | steps/s | worst loss term vs PyTorch | "
          "worst weight tensor vs PyTorch | page bytes |\n|---|---|---|---|---|---|")
    for r in rows:
        size = "" if r["page_bytes"] is None else f"{r['page_bytes']:,}"
        print(f"| {r['engine']} | {r['ms']:.1f} | {r['steps_per_s']:.1f} | {r['loss_rel']:.1e} | "
              f"{r['weights_rel']:.1e} | {size} |")


if __name__ == "__main__":
    main()
