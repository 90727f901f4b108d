"""Denoising and super-resolution quality on the full test sets: python bench/denoiser_quality.py --data-root DIR

Mean PSNR (dB, peak 1) and SSIM over the 10,000 test images, fixed noise seed, for the noisy input, a 3×3
median filter and the shipped denoiser; the cross-dataset rows (a model on the other dataset's images);
super-resolution vs bicubic. Prints Markdown tables, checks the issue's MNIST targets, and writes an example
strip to bench/out/denoise-examples.png.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import genmodels  # noqa: E402
from genmodels import noise  # noqa: E402
from genmodels.data import DATASETS, load_split  # noqa: E402
from genmodels.denoiser import median_filter  # noqa: E402
from genmodels.imaging import grid_pil  # noqa: E402
from genmodels.metrics import restoration_scores  # noqa: E402
from genmodels.superres import bicubic_upscale  # noqa: E402

SETTINGS = [("gaussian", 0.3), ("gaussian", 0.5), ("salt_pepper", 0.1), ("salt_pepper", 0.2), ("lesson", 1.0),
            ("mask", 0.25)]
SEED = 2024


def fmt(s: dict) -> str:
    return f"{s['psnr']:.2f} / {s['ssim']:.3f}"


def denoise_table(images: dict, results: dict) -> list[str]:
    lines = ["| images | noise | noisy input | 3×3 median | MNIST denoiser | Fashion denoiser |",
             "|---|---|---|---|---|---|"]
    for d in images:
        for kind, level in SETTINGS:
            r = results[(d, kind, level)]
            lines.append(f"| {DATASETS[d].title} | {kind} {level} | {fmt(r['noisy'])} | {fmt(r['median'])} | "
                         f"{fmt(r['mnist'])} | {fmt(r['fashion'])} |")
    return lines


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data-root", default="data")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--limit", type=int, default=None, help="first N test images only (a quick look)")
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    images = {d: load_split(d, train=False, root=args.data_root)[0][:args.limit] for d in ("mnist", "fashion")}
    denoisers = {d: genmodels.load_model("denoiser", d) for d in images}
    results = {}
    for d, x in images.items():
        for kind, level in SETTINGS:
            noisy = noise.add_noise(x, kind, level, seed=SEED)
            r = {"noisy": restoration_scores(lambda n: n, noisy, x),
                 "median": restoration_scores(median_filter, noisy, x)}
            for m, model in denoisers.items():
                r[m] = restoration_scores(model, noisy, x)
            results[(d, kind, level)] = r
            print(f"{d} {kind} {level}: " + ", ".join(f"{k} {fmt(v)}" for k, v in r.items()), flush=True)

    sr_lines = ["| images | factor | bicubic | MNIST autoencoder | Fashion autoencoder |", "|---|---|---|---|---|"]
    sr = {}
    for d, x in images.items():
        for factor, kind in ((2, "superres"), (4, "superres4")):
            small = noise.downscale(x, factor)
            row = {"bicubic": restoration_scores(lambda s, f=factor: bicubic_upscale(s, f), small, x)}
            for m in images:
                row[m] = restoration_scores(genmodels.load_model(kind, m), small, x)
            sr[(d, factor)] = row
            sr_lines.append(f"| {DATASETS[d].title} | ×{factor} | {fmt(row['bicubic'])} | {fmt(row['mnist'])} | "
                            f"{fmt(row['fashion'])} |")

    print("\nDenoising, PSNR (dB) / SSIM, mean over the test set, noise seed", SEED)
    print("\n".join(denoise_table(images, results)))
    print("\nSuper-resolution (input made by block averaging), PSNR (dB) / SSIM")
    print("\n".join(sr_lines))

    m = lambda kind, level, col: results[("mnist", kind, level)][col]["psnr"]  # noqa: E731
    checks = {
        "MNIST gaussian 0.5 ≥ 20 dB": m("gaussian", 0.5, "mnist") >= 20,
        "MNIST gaussian 0.5 ≥ median + 6 dB": m("gaussian", 0.5, "mnist") >= m("gaussian", 0.5, "median") + 6,
        "MNIST salt & pepper 0.2 ≥ 22 dB": m("salt_pepper", 0.2, "mnist") >= 22,
        "MNIST ×2 super-resolution ≥ bicubic + 3 dB":
            sr[("mnist", 2)]["mnist"]["psnr"] >= sr[("mnist", 2)]["bicubic"]["psnr"] + 3,
    }
    print()
    for name, ok in checks.items():
        print(("PASS " if ok else "FAIL ") + name)

    # an example strip: for four images, clean / noisy / median / denoiser, Gaussian σ 0.5, both datasets
    rows = []
    for d, x in images.items():
        x4 = x[:4]
        noisy = noise.add_noise(x4, "gaussian", 0.5, seed=SEED)
        with torch.no_grad():
            rows += [x4, noisy, median_filter(noisy), denoisers[d](noisy)]
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    grid_pil(torch.cat(rows), nrow=4, scale=3, padding=2).save(out / "denoise-examples.png")
    print(f"\nwrote {out / 'denoise-examples.png'} (columns: 4 images; rows per dataset: clean, noisy, median, "
          "denoiser)")


if __name__ == "__main__":
    main()
