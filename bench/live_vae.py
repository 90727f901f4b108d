"""Live VAE training on this CPU (genmodels.live.train_vae): python bench/live_vae.py --data-root ../shared/datasets

For each dataset, default settings, `--seconds` of training (default 60) on `--threads` (default 2) threads: at 15,
30, 45 and 60 s, the k-NN accuracy (k = 5) of the test set's encodings (10,000 test images; neighbours: the first
20,000 training images) and the test −ELBO in nats (one z sample per image); the time from the call to the first
frame; steps per second with frames every second, and with no frames but the last (what the live views cost).
Prints a Markdown table; writes bench/out/live_vae.json.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from genmodels import live  # noqa: E402
from genmodels.data import DATASETS, load_split  # noqa: E402
from genmodels.metrics import encode_all, knn_accuracy, vae_negative_elbo  # noqa: E402

MARKS = (15, 30, 45, 60)


def run(dataset: str, seconds: float, root: str, frame_seconds: float) -> dict:
    test_x, test_y = load_split(dataset, train=False, root=root, download=False)
    train_x, train_y = load_split(dataset, train=True, root=root, download=False)
    marks, kept, first = [m for m in MARKS if m <= seconds], [], None
    t0 = time.monotonic()
    for frame in live.train_vae(dataset, max_seconds=seconds, frame_seconds=frame_seconds, data_root=root):
        first = first if first is not None else time.monotonic() - t0
        while marks and (frame.seconds >= marks[0] or frame.done):
            kept.append((marks.pop(0), frame))         # measured after the run, so that training is not paused
        last = frame
    rows = []
    for mark, frame in kept:
        model = frame.model
        knn = knn_accuracy(encode_all(model, train_x[:20000])[0], train_y[:20000], encode_all(model, test_x)[0],
                           test_y, k=5)
        rows.append({"seconds": mark, "at": round(frame.seconds, 1), "step": frame.step, "knn5": round(knn, 3),
                     "test_neg_elbo": round(vae_negative_elbo(model, test_x)["neg_elbo"], 1)})
    return {"first_frame_s": round(first, 2), "steps_per_s": round(last.step / last.seconds, 1), "marks": rows}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-root", required=True)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    results = {}
    for dataset in DATASETS:
        results[dataset] = r = run(dataset, args.seconds, args.data_root, frame_seconds=1.0)
        r["steps_per_s_without_frames"] = run_plain(dataset, args.data_root)
        print(dataset, json.dumps(r), flush=True)
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "live_vae.json").write_text(json.dumps(results, indent=2))
    print("\n| dataset | first frame | steps/s (frames every 1 s / none) | " +
          " | ".join(f"{m} s: k-NN, −ELBO" for m in MARKS) + " |\n|---|---|---|" + "---|" * len(MARKS))
    for d, r in results.items():
        cells = " | ".join(f"{m['knn5']}, {m['test_neg_elbo']}" for m in r["marks"])
        print(f"| {d} | {r['first_frame_s']} s | {r['steps_per_s']} / {r['steps_per_s_without_frames']} | {cells} |")


def run_plain(dataset: str, root: str, seconds: float = 15) -> float:
    """Steps per second with no frame but the first and the last."""
    *_, last = live.train_vae(dataset, max_seconds=seconds, frame_seconds=1e9, data_root=root)
    return round(last.step / last.seconds, 1)


if __name__ == "__main__":
    main()
