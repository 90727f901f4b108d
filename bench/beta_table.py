"""What β does to the live VAE, as a learner sees it in tab 6: python bench/beta_table.py [--seconds 20,60]
[--dataset mnist] [--betas 0.1,0.3,1,3,10]

For each KL weight β the tab offers, one default run (seed 0, the shipped 10,000-image subset a Space trains on, one
PyTorch thread, frames every 0.5 s: the tab's settings) and, at each mark in --seconds, what the tab shows:
- spread: the radius holding 95% of the 2,000 held-out codes (the map's extent; N(0, I) would give 2.45);
- empty: the share of the tab's 15×15 decoded grid (±4, equal-probability spacing) with no held-out code in its
  cell: places the decoder was never trained to draw, the "holes";
- clear: the share of the grid's 225 images the evaluation classifier names with ≥ 90% confidence (a plausible
  digit or garment rather than a smear between classes);
- the two loss terms of the status line (nats per image, means since the previous frame) and its map k-NN.
Prints a Markdown table for BENCHMARKS.md; writes bench/out/beta_table.json.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import genmodels  # noqa: E402
from genmodels import live  # noqa: E402
from genmodels.latent import GRID_N, decode_grid, grid_cell, slider_radius  # noqa: E402


def spread(mu: torch.Tensor) -> float:
    return float(mu.norm(dim=1).quantile(0.95))


def empty_cells(mu: torch.Tensor, radius: float) -> float:
    inside = mu[(mu.abs() <= radius).all(dim=1)]
    cells = {grid_cell(float(z1), float(z2), radius, GRID_N) for z1, z2 in inside.tolist()}
    return 1 - len(cells) / GRID_N ** 2


@torch.no_grad()
def clear_cells(model, classifier, radius: float) -> float:
    p = classifier.predict_proba(decode_grid(model, radius, GRID_N))
    return float((p.max(dim=1).values >= 0.9).float().mean())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", default="20,60")
    p.add_argument("--dataset", default="mnist")
    p.add_argument("--betas", default="0.1,0.3,1,3,10")
    args = p.parse_args()
    marks = [float(s) for s in args.seconds.split(",")]
    torch.set_num_threads(1)                       # as the tab trains (ui.train_tab.CPU_THREADS)
    radius, classifier = slider_radius(), genmodels.load_model("classifier", args.dataset)
    rows = []
    for beta in (float(b) for b in args.betas.split(",")):
        todo = list(marks)
        for frame in live.train_vae(args.dataset, beta=beta, seed=0, max_seconds=max(marks), frame_seconds=0.5):
            while todo and (frame.seconds >= todo[0] or frame.done):
                rows.append({"beta": beta, "seconds": todo.pop(0), "step": frame.step,
                             "spread": round(spread(frame.test_mu), 2),
                             "empty": round(empty_cells(frame.test_mu, radius), 3),
                             "clear": round(clear_cells(frame.model, classifier, radius), 3),
                             "reconstruction": round(frame.reconstruction, 1), "kl": round(frame.kl, 2),
                             "knn": round(frame.knn, 3)})
                print(json.dumps(rows[-1]), flush=True)
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "beta_table.json").write_text(json.dumps(rows, indent=1))
    print("\n| β | at | steps | 95% of codes within | grid cells with no code | grid images clear (≥ 90%) | "
          "reconstruction | KL | map k-NN |\n|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['beta']:g} | {r['seconds']:.0f} s | {r['step']:,} | {r['spread']:.1f} | {r['empty']:.0%} | "
              f"{r['clear']:.0%} | {r['reconstruction']:.1f} | {r['kl']:.2f} | {r['knn']:.0%} |")


if __name__ == "__main__":
    main()
