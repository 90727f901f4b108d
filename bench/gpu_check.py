"""Everything GPU-side in one command, for a machine with a CUDA GPU: python bench/gpu_check.py
(bench/gpu_check.sh is the same for a bare machine). Under 5 minutes on an H100/H200-class GPU.

It drives genmodels directly and imports neither Gradio nor plotly (a bare GPU machine has torch, torchvision,
safetensors, numpy, pillow and tqdm, and no dataset). It prints one Markdown table, ready for BENCHMARKS.md:
- each model's inference on the GPU against the CPU (largest difference, both times);
- style transfer: 512 px / 300 passes including previews, passes/s at 256/512/1024 px, the first preview's latency,
  peak GPU memory, Stop → the GPU idle, the loss after 50 passes on the GPU against the CPU, and GPU memory over
  started-and-stopped runs;
- a short run of each train/ script on the GPU (one epoch on the shipped 500-image samples).
Exit status 1 if any check misses its target. `--device cpu --quick` runs the same checks small, on the CPU (the
tests do), to keep the script working where no GPU is.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import genmodels  # noqa: E402
from genmodels import style  # noqa: E402
from genmodels.data import load_sample, write_sample_as_dataset  # noqa: E402
from genmodels.imaging import open_picture  # noqa: E402

PHOTO, PAINTING = ROOT / "examples/style/chelsea.jpg", ROOT / "examples/style/starry_night.jpg"
PREVIEW_SECONDS = 0.5            # as the style tab
MODEL_TOLERANCE = 2e-3           # pixels in [0,1] (an 8-bit level is 3.9e-3); probabilities likewise
LOSS_TOLERANCE = 0.02            # GPU against CPU, after 50 passes
TRAIN_SCRIPTS = [                # (module, arguments) run on the samples, one epoch each
    ("train.classifier", "--dataset fashion"), ("train.vae", "--dataset mnist --mlp-layers 3"),
    ("train.denoiser", "--dataset fashion"), ("train.superres", "--dataset mnist --factor 4"),
    ("train.gan", "--dataset fashion"), ("export.samples", "--dataset mnist"),
    ("export.vae_decoder", "--dataset mnist"),
]


@dataclass
class Row:
    check: str
    figure: str
    target: str = ""
    ok: bool | None = None          # None: reported, no target


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def timed(fn, device: str, repeats: int) -> tuple[object, float]:
    """fn()'s result and its median time in ms (after one warm-up call)."""
    out = fn()
    times = []
    for _ in range(repeats):
        sync(device)
        t = time.perf_counter()
        out = fn()
        sync(device)
        times.append(1000 * (time.perf_counter() - t))
    return out, statistics.median(times)


def largest_difference(a, b) -> float:
    if isinstance(a, tuple):
        return max(largest_difference(x, y) for x, y in zip(a, b, strict=False))
    return float((a.float().cpu() - b.float().cpu()).abs().max())


def model_rows(device: str, repeats: int) -> list[Row]:
    """Each model's inference, the same inputs on the CPU and on `device` (times: median of `repeats`)."""
    digits, _, _ = load_sample("mnist")
    clothes, _, _ = load_sample("fashion")
    z2 = torch.randn(256, 2, generator=torch.Generator().manual_seed(0))
    calls = {
        "vae (mnist): encode 500": ("vae", "mnist", lambda m: m.encode(digits)),
        "vae (fashion): decode 256": ("vae", "fashion", lambda m: m.decode(z2)),
        "vae-decoder (mnist): decode 256": ("vae-decoder", "mnist", lambda m: m.decode(z2)),
        "classifier (fashion): 500": ("classifier", "fashion", lambda m: m.predict_proba(clothes)),
        "denoiser (mnist): 500": ("denoiser", "mnist", lambda m: m(digits)),
        "superres ×2 (fashion): 500": ("superres", "fashion", lambda m: m(clothes[:, :, ::2, ::2])),
        "superres ×4 (mnist): 500": ("superres4", "mnist", lambda m: m(digits[:, :, ::4, ::4])),
        "gan (fashion): 64 samples": ("gan", "fashion", lambda m: m.sample(64, seed=3)),
        "gan (mnist): realness of 500": ("gan", "mnist", lambda m: m.realness(digits)),
    }
    rows = []
    for name, (kind, dataset, call) in calls.items():
        def run_on(where: str, c=call, k=kind, d=dataset):
            return lambda: c(genmodels.load_model(k, d, device=where))

        cpu_out, cpu_ms = timed(run_on("cpu"), "cpu", repeats)
        dev_out, dev_ms = timed(run_on(device), device, repeats)
        diff = largest_difference(cpu_out, dev_out)
        rows.append(Row(f"model {name}", f"max diff {diff:.1e}; CPU {cpu_ms:.1f} ms, {device} {dev_ms:.1f} ms",
                        f"≤ {MODEL_TOLERANCE:g}", diff <= MODEL_TOLERANCE))
    return rows


def pictures(size: int):
    return open_picture(str(PHOTO), max_side=2 * size), open_picture(str(PAINTING), max_side=2 * size)


def run_style(size: int, steps: int, device: str, **kwargs) -> tuple[list[style.Frame], float, float | None]:
    """All frames of one run, its wall time (s) and the first frame's latency (s)."""
    photo, painting = pictures(size)
    sync(device)
    t = time.perf_counter()
    frames, first = [], None
    for frame in style.stylize(photo, painting, size=size, steps=steps, device=device, **kwargs):
        first = first if first is not None else time.perf_counter() - t
        frames.append(frame)
    sync(device)
    return frames, time.perf_counter() - t, first


def stop_seconds(size: int, device: str) -> float:
    """Close a long run after its second frame, as Stop does: seconds until the device has nothing left to do."""
    photo, painting = pictures(size)
    gen = style.stylize(photo, painting, size=size, steps=style.MAX_STEPS, device=device,
                        preview_seconds=PREVIEW_SECONDS)
    next(gen), next(gen)
    t = time.perf_counter()
    gen.close()
    sync(device)
    return time.perf_counter() - t


def memory_mib(device: str) -> float:
    if device.startswith("cuda"):
        return torch.cuda.memory_allocated() / 2 ** 20
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


def style_rows(device: str, quick: bool) -> list[Row]:
    big, sizes, main_steps = (96, (48, 64, 96), 20) if quick else (512, (256, 512, 1024), 300)
    rows = []
    run_style(sizes[0], 5, device)                                     # warm-up: cuDNN's algorithm search
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    frames, seconds, first = run_style(big, main_steps, device, preview_seconds=PREVIEW_SECONDS)
    peak = torch.cuda.max_memory_allocated() / 2 ** 20 if device.startswith("cuda") else None
    rows.append(Row(f"style {big} px, {main_steps} passes, previews every {PREVIEW_SECONDS} s",
                    f"{seconds:.2f} s ({len(frames)} frames, final loss {frames[-1].losses['total']:.4g})",
                    "≤ 3 s" if not quick else "", seconds <= 3 if not quick else None))
    rows.append(Row("style: first preview after the call", f"{first:.2f} s", "≤ 1 s" if not quick else "",
                    first <= 1 if not quick else None))
    if peak is not None:
        rows.append(Row(f"style {big} px: peak GPU memory", f"{peak:.0f} MiB"))
    for size in sizes:
        n = 10 if quick else 60
        _, secs, _ = run_style(size, n, device, preview_seconds=1e9)
        rows.append(Row(f"style {size} px: passes per second", f"{n / secs:.1f}"))
    stop = stop_seconds(sizes[-1], device)
    rows.append(Row(f"style {sizes[-1]} px: Stop → device idle", f"{stop:.3f} s", "≤ 1 s", stop <= 1))
    rows.append(loss_row(device, quick))
    rows.append(memory_row(device, quick))
    return rows


def loss_row(device: str, quick: bool) -> Row:
    """The same 50 passes on the CPU and on the device, both scored by the float32 loss on the CPU."""
    size = 48 if quick else 256
    photo, painting = pictures(size)
    finals = {}
    for where in ("cpu", device):
        frames, _, _ = run_style(size, 50, where, preview_seconds=1e9)
        finals[where] = frames[-1].image
    wh = finals["cpu"].size
    to = lambda img: style.to_tensor(img, wh)                          # noqa: E731
    loss = style.StyleLoss(style.load_vgg("cpu"), to(photo.resize(wh)),
                           style.to_tensor(painting, style.working_size(*painting.size, size)), tv_weight=10.0)
    with torch.no_grad():
        cpu, dev = (float(loss.terms(to(finals[w]))["total"]) for w in ("cpu", device))
    gap = abs(dev - cpu) / cpu
    return Row(f"style {size} px: loss after 50 passes, {device} against CPU",
               f"{dev:.4g} vs {cpu:.4g} ({100 * gap:.2f}%)", f"≤ {100 * LOSS_TOLERANCE:g}%", gap <= LOSS_TOLERANCE)


def memory_row(device: str, quick: bool) -> Row:
    """Runs started and stopped after their first frame, sizes mixed: memory after the first four against the end."""
    runs, sizes = (6, (48, 64)) if quick else (50, (256, 512))
    after = []
    for i in range(runs):
        photo, painting = pictures(sizes[i % 2])
        gen = style.stylize(photo, painting, size=sizes[i % 2], steps=style.MAX_STEPS, device=device,
                            preview_seconds=PREVIEW_SECONDS)
        next(gen)
        gen.close()
        sync(device)
        after.append(memory_mib(device))
    growth = after[-1] - after[3]
    what = "GPU memory allocated" if device.startswith("cuda") else "resident memory"
    return Row(f"{runs} style runs started and stopped ({sizes[0]}/{sizes[1]} px): {what}",
               f"{after[3]:.0f} MiB after 4 → {after[-1]:.0f} MiB after {runs}", "growth ≤ 32 MiB", growth <= 32)


def training_rows(device: str) -> list[Row]:
    """One epoch of each train/ script on the shipped samples (the datasets do not travel to a GPU machine)."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for dataset in ("mnist", "fashion"):
            write_sample_as_dataset(dataset, tmp)
        env = None if device.startswith("cuda") else dict(os.environ, CUDA_VISIBLE_DEVICES="")   # the scripts' own pick
        for module, extra in TRAIN_SCRIPTS:
            args = [sys.executable, "-m", module, *extra.split(), "--out", f"{tmp}/{module}.safetensors"]
            if module not in ("export.vae_decoder",):
                args += ["--data-root", tmp]
            if module not in ("export.samples", "export.vae_decoder"):
                args += ["--epochs", "1"]
            t = time.perf_counter()
            done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
            seconds = time.perf_counter() - t
            said = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
            last = next((line for line in reversed(said) if line.startswith("saved")), said[-1] if said else "")
            rows.append(Row(f"train: python -m {module} {extra}", f"{seconds:.1f} s; {last[:100]}", "runs",
                            done.returncode == 0))
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default="cuda")
    p.add_argument("--quick", action="store_true", help="small sizes and few passes (for a CPU)")
    p.add_argument("--skip-training", action="store_true")
    args = p.parse_args()
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        sys.exit("No CUDA GPU here: run it on a GPU machine, or with --device cpu --quick to try it.")
    start = time.perf_counter()
    name = (torch.cuda.get_device_name(0) if args.device.startswith("cuda")
            else f"CPU ({torch.get_num_threads()} threads)")
    rows = [Row("device", f"{name}; torch {torch.__version__}; style precision "
                f"{style.default_precision(args.device)}")]
    rows += model_rows(args.device, 1 if args.quick else 5)
    rows += style_rows(args.device, args.quick)
    if not args.skip_training:
        rows += training_rows(args.device)
    rows.append(Row("the whole check", f"{time.perf_counter() - start:.0f} s", "< 5 min" if not args.quick else ""))
    print("| check | figure | target | |\n|---|---|---|---|")
    for r in rows:
        print(f"| {r.check} | {r.figure} | {r.target} | {'' if r.ok is None else '✅' if r.ok else '❌'} |")
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "gpu_check.json").write_text(json.dumps([r.__dict__ for r in rows], indent=1))
    assert "gradio" not in sys.modules and "plotly" not in sys.modules, "the check must run without Gradio"
    sys.exit(1 if any(r.ok is False for r in rows) else 0)


if __name__ == "__main__":
    main()
