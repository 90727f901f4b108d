"""Style transfer speed and quality: python bench/style.py [--size 256] [--configs pixels,multiscale] [--skip-memory]

1. Time to quality: the classic algorithm as the PyTorch tutorial writes it (below: shipped VGG16, content
   conv4_2, style conv1_1…conv5_1, Gram / (C·H·W), content weight 1, style weight 10, L-BFGS with the
   strong-Wolfe line search stepping a closure, 300 closure evaluations from the content image) against
   genmodels.style.stylize with the same layers and weights, streaming its previews, in the same process on
   the same images, once per engine setting in --configs (CONFIGS below: L-BFGS on the pixels, through a
   Laplacian pyramid, coarse-to-fine), each until it reaches the reference's final loss. All are scored with
   the reference's float32 loss; the ratio is reference time / engine time to reach the reference's final loss.
2. The engine with its default settings: time to the first preview, the cost of previews, the 30 s frame.
3. Peak RSS (a fresh process each) at 256 and 512 px.

Writes bench/out/style-reference-vs-engine-SIZE.png (the fastest setting), style-curves-SIZE.csv, style-30s.png.
"""
from __future__ import annotations

import argparse
import csv
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from genmodels import style  # noqa: E402
from genmodels.imaging import open_picture, to_pil  # noqa: E402

OUT = ROOT / "bench" / "out"
IMAGES = ROOT / "examples" / "style"
CONTENT, STYLE = IMAGES / "chelsea.jpg", IMAGES / "starry_night.jpg"
CONTENT_LAYERS, STYLE_LAYERS = ["conv4_2"], ["conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1"]
STYLE_WEIGHT, CONTENT_WEIGHT = 10.0, 1.0


# ---------------------------------------------------------------- the reference (the tutorial's algorithm)

def square(path: Path, size: int) -> torch.Tensor:
    """The tutorial's loader: resize to size×size, [0,1] RGB, 1×3×H×W."""
    img = open_picture(str(path)).resize((size, size), resample=style.Image.BILINEAR)
    return style.to_tensor(img, (size, size))


class ReferenceLoss:
    """Content and style losses as the tutorial defines them, on the shipped VGG16 (float32)."""

    def __init__(self, vgg, content: torch.Tensor, style_img: torch.Tensor):
        self.vgg = vgg
        self.layers = CONTENT_LAYERS + STYLE_LAYERS
        with torch.no_grad():
            fc = vgg(style.caffe(content), self.layers)
            fs = vgg(style.caffe(style_img), self.layers)
        self.content_target = {n: fc[n] for n in CONTENT_LAYERS}
        self.style_target = {n: self.gram(fs[n]) for n in STYLE_LAYERS}

    @staticmethod
    def gram(f: torch.Tensor) -> torch.Tensor:
        a, b, c, d = f.size()
        feats = f.view(a * b, c * d)
        return torch.mm(feats, feats.t()).div(a * b * c * d)

    def __call__(self, img: torch.Tensor) -> torch.Tensor:
        f = self.vgg(style.caffe(img), self.layers)
        c = sum(F.mse_loss(f[n], self.content_target[n]) for n in CONTENT_LAYERS)
        s = sum(F.mse_loss(self.gram(f[n]), self.style_target[n]) for n in STYLE_LAYERS)
        return CONTENT_WEIGHT * c + STYLE_WEIGHT * s


def run_reference(size: int, evals: int) -> tuple[torch.Tensor, list[tuple[float, float]], ReferenceLoss]:
    start = time.perf_counter()
    vgg = style.load_vgg("cpu")
    content, style_img = square(CONTENT, size), square(STYLE, size)
    loss_fn = ReferenceLoss(vgg, content, style_img)
    img = content.clone().requires_grad_(True)
    opt = torch.optim.LBFGS([img], line_search_fn="strong_wolfe")
    curve, run = [], [0]
    while run[0] <= evals:
        def closure():
            with torch.no_grad():
                img.clamp_(0, 1)
            opt.zero_grad()
            loss = loss_fn(img)
            loss.backward()
            run[0] += 1
            curve.append((time.perf_counter() - start, loss.item()))
            return loss
        opt.step(closure)
    with torch.no_grad():
        img.clamp_(0, 1)
    return img.detach(), curve, loss_fn


def true_loss(loss_fn: ReferenceLoss, pixels: torch.Tensor) -> float:
    with torch.no_grad():
        return loss_fn(pixels.clamp(0, 1)).item()


def run_engine(size: int, steps: int, loss_fn: ReferenceLoss, target: float, stop_at_target: bool = False,
               **kwargs) -> tuple[list, list[float], style.Frame]:
    """Stream the engine; the time spent scoring its frames with the reference loss is not counted (nor are
    frames of a coarse level, which cannot be scored at full size). Returns the curve, the gaps between previews,
    and the first frame at or below `target` (where the run stops if stop_at_target)."""
    content = open_picture(str(CONTENT)).resize((size, size), resample=style.Image.BILINEAR)
    painting = open_picture(str(STYLE)).resize((size, size), resample=style.Image.BILINEAR)
    gen = style.stylize(content, painting, size=size, steps=steps, content_layers=CONTENT_LAYERS,
                        style_layers=STYLE_LAYERS, content_weight=CONTENT_WEIGHT, style_weight=STYLE_WEIGHT,
                        tv_weight=0.0, **kwargs)
    engine_time, curve, preview_gaps, crossing = 0.0, [], [], None
    last = 0.0
    while True:
        t = time.perf_counter()
        try:
            frame = next(gen)
        except StopIteration:
            break
        engine_time += time.perf_counter() - t
        preview_gaps.append(engine_time - last)
        last = engine_time
        if frame.pixels.shape[-1] != size:
            continue
        curve.append((engine_time, true_loss(loss_fn, frame.pixels), frame.step))
        if crossing is None and curve[-1][1] <= target:
            crossing = frame
            if stop_at_target:
                gen.close()
                break
    return curve, preview_gaps, crossing or frame


def time_to(curve: list, target: float) -> float | None:
    return next((t for t, loss, *_ in curve if loss <= target), None)


# ---------------------------------------------------------------- defaults, previews, memory

def default_run(size: int, seconds: float, preview_seconds: float) -> dict:
    """The engine with default settings for `seconds`: first preview time, the frame nearest 30 s."""
    start = time.perf_counter()
    gen = style.stylize(str(CONTENT), str(STYLE), size=size, steps=10_000, preview_seconds=preview_seconds)
    first, n, frame30 = None, 0, None
    for frame in gen:
        now = time.perf_counter() - start
        first = first or now
        n += 1
        if now <= 30.5:
            frame30 = frame
        if now >= seconds:
            gen.close()
            break
    return {"first_preview_s": first, "frames": n, "steps": frame.step, "elapsed": now, "frame30": frame30}


def peak_rss(size: int, steps: int) -> float:
    """Peak resident memory (MiB) of a fresh process that runs `steps` steps at `size`."""
    code = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); from genmodels import style\n"
            f"for f in style.stylize({str(CONTENT)!r}, {str(STYLE)!r}, size={size}, steps={steps}): pass\n"
            "import resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1]) / 1024


CONFIGS = {            # engine settings compared against the reference (same layers and weights, TV 0)
    "pixels": {"multiscale": 0},                         # the engine as it was: L-BFGS on the pixels
    "multiscale": {"multiscale": 4},                     # L-BFGS through a 4-layer Laplacian pyramid (the default)
    "coarse": {"coarse_steps": (40, 60), "multiscale": 0},   # 40 passes at ¼ size, 60 at ½, then full size
    "coarse+multiscale": {"coarse_steps": (40, 60), "multiscale": 4},
}


def reference(size: int, evals: int, reuse: bool) -> tuple[list, int, float, float, ReferenceLoss, object]:
    """The reference's curve, final loss and time, its loss function and final picture. Each run is recorded in
    bench/out/style-reference-SIZE.json (+ .png); with reuse, that record stands in for a new run (at 512 px the
    reference takes ≈20 min on 2 cores)."""
    record, picture = OUT / f"style-reference-{size}.json", OUT / f"style-reference-{size}.png"
    if reuse and record.exists():
        saved = json.loads(record.read_text())
        loss_fn = ReferenceLoss(style.load_vgg("cpu"), square(CONTENT, size), square(STYLE, size))
        ref_pil = style.Image.open(picture).convert("RGB") if picture.exists() else None
        print(f"reference: recorded {saved['recorded']}", flush=True)
        return ([tuple(c) for c in saved["curve"]], saved["evaluations"], saved["final_loss"], saved["seconds"],
                loss_fn, ref_pil)
    ref_img, ref_curve, loss_fn = run_reference(size, evals)
    ref_final, ref_time, ref_pil = true_loss(loss_fn, ref_img), ref_curve[-1][0], to_pil(ref_img)
    ref_pil.save(picture)
    record.write_text(json.dumps({"recorded": time.strftime("%Y-%m-%d %H:%M"), "evaluations": len(ref_curve),
                                  "final_loss": ref_final, "seconds": ref_time, "threads": torch.get_num_threads(),
                                  "curve": ref_curve}))
    return ref_curve, len(ref_curve), ref_final, ref_time, loss_fn, ref_pil


def time_to_quality(size: int, evals: int, configs: list[str], reuse: bool = False) -> None:
    """The reference, then each engine setting until it reaches the reference's final loss; prints the table."""
    ref_curve, ref_evals, ref_final, ref_time, loss_fn, ref_pil = reference(size, evals, reuse)
    print(f"reference: {ref_evals} evaluations, {ref_time:.1f} s, final loss {ref_final:.4g}", flush=True)
    runs = {}
    for name in configs:
        curve, gaps, frame = run_engine(size, 2 * evals, loss_fn, ref_final, stop_at_target=True,
                                        **CONFIGS[name])
        t_eng = time_to(curve, ref_final)
        runs[name] = {"curve": curve, "frame": frame, "t": t_eng}
        print(f"engine, {name} {CONFIGS[name]}: reaches {ref_final:.4g} at "
              f"{'never' if t_eng is None else f'{t_eng:.1f} s'} (ratio {ref_time / t_eng if t_eng else 0:.2f}, "
              f"{frame.step} passes); preview gaps median {statistics.median(gaps[1:-1] or gaps):.2f} s", flush=True)
    best = min(runs, key=lambda n: runs[n]["t"] or float("inf"))

    # pictures side by side: reference final, the fastest engine setting when it first reached the reference's loss
    if ref_pil is not None:
        side = style.Image.new("RGB", (2 * size + 8, size), "white")
        side.paste(ref_pil, (0, 0))
        side.paste(runs[best]["frame"].image.resize(ref_pil.size), (size + 8, 0))
        side.save(OUT / f"style-reference-vs-engine-{size}.png")
    with open(OUT / f"style-curves-{size}.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["who", "seconds", "loss"])
        w.writerows([("reference", round(t, 3), loss) for t, loss in ref_curve])
        for name, run in runs.items():
            w.writerows([(name, round(t, 3), loss) for t, loss, _ in run["curve"]])
    times = [t for t in (5, 10, 20, 30, 45, 60, 90, 120, 180, 240, 300, 450, 600, 900) if t < ref_time]
    print(f"\nloss at fixed times (s): {times}")
    for who, curve in [("reference", ref_curve)] + [(n, r["curve"]) for n, r in runs.items()]:
        at = [min((v for s, v, *_ in curve if s <= t), default=None) for t in times]
        print(f"  {who}: " + " | ".join("—" if v is None else f"{v:.3g}" for v in at))


def defaults(size: int) -> None:
    """The engine as the library's defaults run it: first preview, the 30 s frame, what previews cost."""
    run = default_run(size, 32, 1.0)
    print(f"\ndefaults at {size} px: first preview {run['first_preview_s']:.2f} s; {run['steps']} passes in "
          f"{run['elapsed']:.1f} s")
    run["frame30"].image.save(OUT / "style-30s.png")
    n, seconds = 120, {}                 # what previews cost: the same passes with previews every second and none
    for every in (1.0, 1e9):
        t = time.perf_counter()
        for _ in style.stylize(str(CONTENT), str(STYLE), size=size, steps=n, preview_seconds=every):
            pass
        seconds[every] = time.perf_counter() - t
    print(f"previews cost: {n} passes take {seconds[1.0]:.1f} s with previews every second, {seconds[1e9]:.1f} s "
          f"without: {100 * (seconds[1.0] / seconds[1e9] - 1):+.1f}%")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--evals", type=int, default=300, help="the reference's closure evaluations")
    p.add_argument("--configs", default="pixels,multiscale,coarse+multiscale",
                   help=f"engine settings to time, comma-separated, from {', '.join(CONFIGS)}")
    p.add_argument("--reuse-reference", action="store_true",
                   help="take the reference from bench/out/style-reference-SIZE.json (a previous run) if it is there")
    p.add_argument("--skip-time-to-quality", action="store_true")
    p.add_argument("--skip-memory", action="store_true")
    p.add_argument("--skip-defaults", action="store_true")
    args = p.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, engine precision "
          f"{style.default_precision('cpu')}", flush=True)
    if not args.skip_time_to_quality:
        time_to_quality(args.size, args.evals, args.configs.split(","), args.reuse_reference)
    if not args.skip_defaults:
        defaults(args.size)
    if not args.skip_memory:
        for size in (256, 512):
            print(f"peak RSS, {size} px, 30 passes: {peak_rss(size, 30):.0f} MiB", flush=True)


if __name__ == "__main__":
    main()
