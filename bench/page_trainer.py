"""Tab 6's trainer in the page, measured: python bench/page_trainer.py [--phases engine,run,latency,memory,class]

- engine: the page's training step (ui/static/core/vae_train.js on TF.js's WebAssembly backend, vendored in
  ui/static/vendor/tfjs) from genmodels.live.new_model(3) on 30 batches of 64 held-out MNIST images, under Node and in
  headless Chromium (a bare page loading the vendored files), and on TF.js's WebGPU backend in Chromium on its
  software adapter (SwiftShader: no GPU here, so its correctness and its cost on a CPU, not a GPU's speed), against
  PyTorch's genmodels.vae.training_step on one thread in the same run: median ms a step after the first (WebGPU: done
  on the device and its loss read back), steps/s, the worst relative difference of a loss term and of a weight tensor
  (in norm) after all the steps, and the bytes the page loads for the engine. Then the page's
  other models (tabs 1 and 3) through its own runtime (core/nn.js) and through TF.js (bench/js/page_models_tfjs.js).
- run: the real app (python app.py) in headless Chromium; tab 6's Start for --seconds (60) on each --datasets: the
  page's steps/s, frames drawn a second, main-thread long tasks (over 50 ms), Gradio events and the server's CPU while
  it trains; at 15/30/45/60 s the page's model (what Download gives) and its map k-NN on the 2,000 held-out images
  and, with --data-root, on the standard split (the 10,000 test codes among the first 20,000 training codes, as
  bench/live_vae.py); then genmodels.live.train_vae on one thread for the same time, the same figures.
- latency: a fresh browser (nothing cached) at --rtt ms (150) round trips: Start to the first step drawn, the
  engine and the training images included.
- memory: --runs (20) runs started and stopped after 2 s: the page's JS heap and every Chromium process's memory,
  and the time from Stop to the worker's last frame drawn.
- class: --pages (6) pages of one browser pressing Start together: Gradio events and the server's CPU while they
  train, each page's steps/s.
Machine-dependent: name the CPU with the figures (BENCHMARKS.md, "Training in the page").
Writes bench/out/page_trainer.json.
"""
from __future__ import annotations

import argparse
import base64
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
STATIC = ROOT / "ui" / "static"
VENDOR = STATIC / "vendor" / "tfjs"
MARKS = (15, 30, 45, 60, 90, 120)
EVENTS = ("/gradio_api/queue/join", "/gradio_api/run/", "/gradio_api/call/")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
LONG_TASKS = """window.__longTasks = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) window.__longTasks.push([e.startTime, e.duration]);
}).observe({ type: "longtask", buffered: true });"""


# ---------------------------------------------------------------- the engine, step by step

IN_PAGE = """async (backend) => {
  const { tensors, metadata } = Genmodels.nn.parseSafetensors(await (await fetch("in.safetensors")).arrayBuffer());
  tf.wasm.setWasmPaths(new URL(".", location.href).href);
  if (!(await tf.setBackend(backend))) throw new Error(`no ${backend} backend here`);
  const trainer = Genmodels.vaeTrain.Trainer(tf, tensors), terms = [], times = [], calls = [];
  for (const [k, beta] of metadata.betas.entries()) {
    const started = performance.now();
    trainer.step(tensors[`x.${k}`].data, tensors[`noise.${k}`].data, beta);
    calls.push(performance.now() - started);          // (WebGPU: the step's operations dispatched)
    terms.push(...(await trainer.settle()));          // (WebGPU: the step done on the device, its loss read back)
    times.push(performance.now() - started);
  }
  const median = (a) => a.slice(1).sort((x, y) => x - y)[Math.floor((a.length - 1) / 2)], weights = {};
  for (const [name, t] of Object.entries(await trainer.stateDict())) weights[name] = Array.from(t.data);
  return { terms, weights, ms: median(times), call_ms: median(calls), first_ms: times[0] };
}"""
# Chromium's software WebGPU adapter (SwiftShader): the only WebGPU this machine has
SOFTWARE_WEBGPU = ["--enable-unsafe-webgpu", "--use-webgpu-adapter=swiftshader"]


def chromium(pw, extra: tuple = ()):
    return pw.chromium.launch(executable_path=shutil.which("chromium"), args=[*ARGS, *extra])


def steps_in_chromium(work: Path, backend: str = "wasm") -> dict:
    """The steps in a bare headless Chromium page loading the vendored files from a local server (WebGPU: on its
    software adapter)."""
    from playwright.sync_api import sync_playwright
    serve = work / "serve"
    serve.mkdir(exist_ok=True)
    for f in [*VENDOR.glob("*.js"), *VENDOR.glob("*.wasm"), *(STATIC / "core").glob("*.js"), work / "in.safetensors"]:
        shutil.copy(f, serve / f.name)
    names = ("tf-core.min.js", "tf-backend-wasm.min.js", "tf-backend-webgpu.min.js", "nn.js", "noise.js",
             "adam_wasm.js", "vae_train.js")
    (serve / "index.html").write_text("<!doctype html><html><head>" + "".join(f'<script src="{n}"></script>'
                                                                              for n in names) + "</head></html>")
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass
    handler = functools.partial(Quiet, directory=str(serve))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as pw:
            browser = chromium(pw, SOFTWARE_WEBGPU if backend == "webgpu" else ())
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/index.html")
            got = page.evaluate(IN_PAGE, backend)
            got["adapter"] = page.evaluate("""async () => { const a = await navigator.gpu?.requestAdapter();
                return a ? { ...Object.fromEntries(['vendor', 'architecture', 'isFallbackAdapter']
                                                   .map((k) => [k, a.info[k]])) } : null; }""")
            browser.close()
    finally:
        server.shutdown()
    return got


def engine(steps: int = 30) -> list[dict]:
    images = held_out_images("mnist")[0]
    batches = [images[(k * live.BATCH_SIZE) % 1936:][:live.BATCH_SIZE] for k in range(steps)]
    draws = torch.Generator().manual_seed(11)
    noises = [torch.randn(live.BATCH_SIZE, 2, generator=draws) for _ in batches]
    betas = [min(1.0, (k + 1) / live.WARMUP_STEPS) for k in range(steps)]
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
    rows = [{"engine": "PyTorch, one thread", "ms": round(torch_ms, 2), "steps_per_s": round(1000 / torch_ms, 1)}]
    ours = sum(f.stat().st_size for f in (VENDOR / "tf-core.min.js", STATIC / "core" / "vae_train.js"))
    bundles = {"wasm": ours + sum(f.stat().st_size for f in (VENDOR / "tf-backend-wasm.min.js",
                                                             VENDOR / "tfjs-backend-wasm-simd.wasm",
                                                             STATIC / "core" / "adam_wasm.js")),
               "webgpu": ours + (VENDOR / "tf-backend-webgpu.min.js").stat().st_size}
    for name in ("page trainer, Node", "page trainer, headless Chromium",
                 "page trainer, headless Chromium, WebGPU (SwiftShader: software)"):
        backend = "webgpu" if "WebGPU" in name else "wasm"
        if name.endswith("Node"):
            out = work / "out.json"
            subprocess.run(["node", str(ROOT / "tests" / "js" / "vae_step.js"), str(work / "in.safetensors"), str(out)],
                           check=True)
            got = json.loads(out.read_text())
        else:
            got = steps_in_chromium(work, backend)
        loss_rel = max(abs(g[key] - r) / abs(r) for g, ref in zip(got["terms"], reference, strict=True)
                       for key, r in zip(("loss", "reconstruction", "kl"), ref, strict=True))
        weights_rel = max(float(torch.linalg.norm(torch.tensor(got["weights"][n]).reshape(w.shape) - w)
                                / torch.linalg.norm(w)) for n, w in model.state_dict().items())
        rows.append({"engine": name, "ms": round(got["ms"], 2), "steps_per_s": round(1000 / got["ms"], 1),
                     "loss_rel": loss_rel, "weights_rel": weights_rel, "page_bytes": bundles[backend],
                     **({"first_step_ms": round(got["first_ms"]), "dispatch_ms": round(got["call_ms"], 2),
                         "adapter": got["adapter"]} if backend == "webgpu" else {})})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def other_models() -> list[dict]:
    """One engine for the page? The page's other models (tabs 1 and 3) through nn.js and through TF.js's wasm."""
    out = Path(tempfile.mkdtemp()) / "models.json"
    subprocess.run(["node", str(ROOT / "bench" / "js" / "page_models_tfjs.js"), str(out)], check=True)
    rows = json.loads(out.read_text())
    for row in rows:
        print(json.dumps(row), flush=True)
    return rows


# ---------------------------------------------------------------- the app, as visitors use it

def start_app(**env):
    """python app.py on a free port (the tests' way); the process and its address."""
    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import start_app as start
    return start(Path(tempfile.mkdtemp()), **env)


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds a process has used (/proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def chromium_mib() -> float:
    """The resident memory of every Chromium process on the machine, MiB."""
    total = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if "Name:\tchrom" in text:
            total += int(next((line.split()[1] for line in text.splitlines() if line.startswith("VmRSS")), 0))
    return total / 1024


def open_tab(page, url: str, dataset: str = "mnist", seconds: int = 60) -> list[str]:
    """The app's page on tab 6 with the settings, its first views all in; the Gradio events it sends from now on."""
    events: list[str] = []
    page.on("request", lambda r: events.append(r.url) if any(e in r.url for e in EVENTS) else None)
    page.goto(url)
    page.get_by_role("tab", name="Train a VAE").click()
    page.wait_for_function("() => Genmodels.tabs.train.state.mode === 'page'")
    page.get_by_role("radio", name={"mnist": "MNIST", "fashion": "Fashion-MNIST"}[dataset], exact=True).check()
    page.locator("#train-seconds input[type=number]").fill(str(seconds))
    page.locator("#train-seconds input[type=number]").press("Enter")
    settled = -1
    while settled != len(events):
        settled = len(events)
        page.wait_for_timeout(2000)
    events.clear()
    return events


MODEL_BASE64 = """async () => {
  const { bytes } = await Genmodels.tabs.train.modelBytes();
  const url = await new Promise((resolve) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.readAsDataURL(new Blob([bytes]));
  });
  return url.slice(url.indexOf(",") + 1);
}"""


def page_model(page):
    """The page's model as Download gives it."""
    return live.load_trained(base64.b64decode(page.evaluate(MODEL_BASE64)))


def knn_figures(model, dataset: str, standard: tuple | None) -> dict:
    from genmodels.metrics import encode_all, knn_accuracy
    held_x, held_y = held_out_images(dataset)
    out = {"knn_held_out": round(live.leave_one_out_knn(encode_all(model, held_x)[0], held_y), 3)}
    if standard is not None:
        (test_x, test_y), (train_x, train_y) = standard
        out["knn_standard"] = round(knn_accuracy(encode_all(model, train_x)[0], train_y, encode_all(model, test_x)[0],
                                                 test_y, k=5), 3)
    return out


def standard_split(dataset: str, data_root: str | None):
    if not data_root:
        return None
    from genmodels.data import load_split
    test = load_split(dataset, train=False, root=data_root, download=False)
    train_x, train_y = load_split(dataset, train=True, root=data_root, download=False)
    return test, (train_x[:20000], train_y[:20000])


def whole_run(url: str, pid: int, dataset: str, seconds: int, data_root: str | None) -> dict:
    from playwright.sync_api import sync_playwright
    marks = [m for m in MARKS if m <= seconds]
    standard = standard_split(dataset, data_root)
    snapshots = []
    with sync_playwright() as pw:
        browser = chromium(pw)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.add_init_script(LONG_TASKS)
        events = open_tab(page, url, dataset, seconds)
        cpu0 = cpu_seconds(pid)
        page.evaluate("() => { window.__longTasks.length = 0; }")
        page.get_by_role("button", name="Start").click()
        started = time.monotonic()
        page.wait_for_function("() => Genmodels.tabs.train.state.frame?.step > 0", timeout=60_000)
        reading = []                    # when the bench itself reads the model (a 2.9 MB string through the CDP)
        for mark in marks:
            page.wait_for_timeout(max(0, int(1000 * (started + mark - time.monotonic())) - 300))
            if mark == seconds:
                page.wait_for_function("() => Genmodels.tabs.train.stats.finished", timeout=60_000)
            before = page.evaluate("performance.now()")
            model, about = page_model(page)
            reading.append((before, page.evaluate("performance.now()")))
            snapshots.append((mark, about["steps"], model))
        cpu = cpu_seconds(pid) - cpu0
        stats = page.evaluate("""() => { const t = Genmodels.tabs.train, f = t.state.frame;
            return { step: f.step, seconds: f.seconds, viewMs: f.viewMs, draws: t.stats.draws, knn: f.knn,
                     drawMs: t.stats.ms.slice().sort((a, b) => a - b)[Math.floor(t.stats.ms.length / 2)],
                     longTasks: window.__longTasks.slice(), engine: t.state.engine }; }""")
        # long tasks [start, duration] of the page itself: not those of the bench's own reads of the model
        stats["longTasks"] = [d for start, d in stats["longTasks"]
                              if not any(a - 50 <= start <= b + 50 for a, b in reading)]
        browser.close()
    rows = []
    for mark, steps, model in snapshots:
        rows.append({"way": f"page ({stats['engine']}), Chromium", "seconds": mark, "step": steps,
                     **knn_figures(model, dataset, standard)})
        print(json.dumps(rows[-1]), flush=True)
    page_row = {"dataset": dataset, "steps_per_s": round(stats["step"] / stats["seconds"], 1),
                "frames_per_s": round(stats["draws"] / stats["seconds"], 2), "draw_ms_median": stats["drawMs"],
                "viewer_ms_a_frame": round(stats["viewMs"]),
                "long_tasks": len(stats["longTasks"]), "longest_task_ms": max(stats["longTasks"], default=0),
                "events": len(events), "server_cpu_s": round(cpu, 2)}
    print(json.dumps(page_row), flush=True)
    torch.set_num_threads(1)
    todo = list(marks)
    for frame in live.train_vae(dataset, seed=0, max_seconds=max(marks), frame_seconds=0.5):
        while todo and (frame.seconds >= todo[0] or frame.done):
            rows.append({"way": "server library (one thread)", "seconds": todo.pop(0), "step": frame.step,
                         **knn_figures(frame.model, dataset, standard)})
            print(json.dumps(rows[-1]), flush=True)
        if frame.done:
            page_row["server_steps_per_s"] = round(frame.step / frame.seconds, 1)
    return {"page": page_row, "rows": rows}


def latency(url: str, rtt: float) -> dict:
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = chromium(pw)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": rtt, "downloadThroughput": -1,
                                                      "uploadThroughput": -1})
        open_tab(page, url)
        page.get_by_role("button", name="Start").click()
        page.wait_for_function("() => Genmodels.tabs.train.stats.firstStepMs !== null", timeout=60_000)
        first = page.evaluate("() => Genmodels.tabs.train.stats.firstStepMs")
        browser.close()
    row = {"rtt_ms": rtt, "first_step_ms": round(first)}
    print(json.dumps(row), flush=True)
    return row


def memory(url: str, runs: int) -> dict:
    from playwright.sync_api import sync_playwright
    heap, rss, stops = [], [], []
    with sync_playwright() as pw:
        browser = chromium(pw)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        open_tab(page, url)
        for run in range(runs):
            page.get_by_role("button", name="Start").click()
            page.wait_for_function(f"() => Genmodels.tabs.train.state.run === {run + 1} && "
                                   "Genmodels.tabs.train.state.frame?.step > 0", timeout=60_000)
            page.wait_for_timeout(2000)
            page.get_by_role("button", name="Stop").click()
            page.wait_for_function("() => Genmodels.tabs.train.stats.finished", timeout=10_000)
            stops.append(round(page.evaluate("() => Genmodels.tabs.train.stats.finished.stopMs")))
            cdp.send("HeapProfiler.collectGarbage")
            page.wait_for_timeout(300)
            metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
            heap.append(round(metrics["JSHeapUsedSize"] / 2**20, 1))
            rss.append(round(chromium_mib()))
        browser.close()
    row = {"runs": runs, "page_heap_mib": heap, "chromium_mib": rss, "stop_to_last_frame_ms": stops}
    print(json.dumps(row), flush=True)
    return row


def a_class(url: str, pid: int, pages: int, seconds: int = 30) -> dict:
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = chromium(pw)
        tabs, events = [], []
        for _ in range(pages):
            page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            events.append(open_tab(page, url, seconds=seconds))
            tabs.append(page)
        idle0, t0 = cpu_seconds(pid), time.monotonic()
        time.sleep(10)
        idle = (cpu_seconds(pid) - idle0) / (time.monotonic() - t0)
        cpu0, t0 = cpu_seconds(pid), time.monotonic()
        for page in tabs:
            page.get_by_role("button", name="Start").click()
        for page in tabs:
            page.wait_for_function("() => Genmodels.tabs.train.stats.finished", timeout=4 * seconds * 1000)
        busy = (cpu_seconds(pid) - cpu0) / (time.monotonic() - t0)
        paces = [page.evaluate("() => { const f = Genmodels.tabs.train.state.frame; return f.step / f.seconds; }")
                 for page in tabs]
        browser.close()
    row = {"pages": pages, "events": sum(len(e) for e in events), "server_cpu_idle": round(idle, 3),
           "server_cpu_training": round(busy, 3), "steps_per_s_each": [round(p, 1) for p in paces]}
    print(json.dumps(row), flush=True)
    return row


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--phases", default="engine,run,latency,memory,class")
    p.add_argument("--datasets", default="mnist,fashion")
    p.add_argument("--seconds", type=int, default=60)
    p.add_argument("--data-root", default=None)
    p.add_argument("--rtt", type=float, default=150)
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--pages", type=int, default=6)
    args = p.parse_args()
    phases = args.phases.split(",")
    OUT.mkdir(parents=True, exist_ok=True)
    results: dict = {}
    if "engine" in phases:
        results["engine"] = engine()
        results["other_models"] = other_models()
    if set(phases) - {"engine"}:
        proc, url = start_app()
        try:
            if "run" in phases:
                results["run"] = [whole_run(url, proc.pid, d, args.seconds, args.data_root)
                                  for d in args.datasets.split(",")]
            if "latency" in phases:
                results["latency"] = latency(url, args.rtt)
            if "memory" in phases:
                results["memory"] = memory(url, args.runs)
            if "class" in phases:
                results["class"] = a_class(url, proc.pid, args.pages)
        finally:
            proc.kill()
            proc.wait()
    (OUT / "page_trainer.json").write_text(json.dumps(results, indent=1))
    for name, rows in (("engine", results.get("engine", [])),):
        if rows:
            print(f"\n{name}: | engine | ms a step | steps/s | loss terms vs PyTorch | weights vs PyTorch | bytes |")
            for r in rows:
                print(f"| {r['engine']} | {r['ms']:.1f} | {r['steps_per_s']:.1f} | {r.get('loss_rel', 0):.1e} | "
                      f"{r.get('weights_rel', 0):.1e} | {r.get('page_bytes') or ''} |")
    for run in results.get("run", []):
        print(f"\n{run['page']}\n| way | at | steps | map k-NN (2,000 held out) | k-NN, standard split |")
        for r in run["rows"]:
            print(f"| {r['way']} | {r['seconds']} s | {r['step']:,} | {r['knn_held_out']:.3f} | "
                  f"{r.get('knn_standard', float('nan')):.3f} |")


if __name__ == "__main__":
    main()
