"""Live VAE training on this CPU: python bench/live_vae.py --data-root ../shared/datasets [--seconds 60]

For each dataset, default settings (β = 1, seed 0), `--seconds` of training, two ways:
- "library": genmodels.live.train_vae on the whole torchvision training set, 2 threads, in the main thread, frames
  every 0.5 s (as the tab asks);
- "tab": the training tab's handler (ui.train_tab.train) in a worker thread as Gradio runs it: one PyTorch thread,
  the shipped 10,000-image subset (what a Space has), every frame drawn (map, grid, reconstructions, curves).
At 15, 30, 45 and 60 s: the k-NN accuracy (k = 5) of the 10,000 test images' encodings among the first 20,000
training images' encodings, and the test −ELBO in nats (one z sample per image), measured after the run on the
frames' models. Also: the time from the call to the first frame, and steps per second with frames and with none
(the library, 15 s each: what the live views cost). Prints a Markdown table; writes bench/out/live_vae.json.
"""
from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from genmodels import live  # noqa: E402
from genmodels.data import DATASETS, load_split  # noqa: E402
from genmodels.metrics import encode_all, knn_accuracy, vae_negative_elbo  # noqa: E402

MARKS = (15, 30, 45, 60)


def library_frames(dataset: str, seconds: float, root: str):
    """(seconds since the call, frame) for each frame of a library run."""
    t0 = time.monotonic()
    for frame in live.train_vae(dataset, max_seconds=seconds, frame_seconds=0.5, data_root=root):
        yield time.monotonic() - t0, frame


def tab_frames(dataset: str, seconds: float, root: str | None = None):
    """The same from the training tab's handler, run in a worker thread; each frame as the handler saw it."""
    from ui import train_tab

    seen, real = [], train_tab.frames
    t0 = time.monotonic()

    def recording(*args, **kwargs):
        for frame in real(*args, **kwargs):
            seen.append((time.monotonic() - t0, frame))
            yield frame

    train_tab.frames, train_tab.DATA_ROOT = recording, root          # None: the shipped subset, as on a Space
    train_tab.warm_up()                                                # as opening the tab does
    worker = threading.Thread(target=lambda: list(train_tab.train(dataset, 1.0, 0, seconds)))
    try:
        worker.start()
        worker.join()
    finally:
        train_tab.frames = real
    return seen


def measure(frames, test_x, test_y, train_x, train_y, seconds: float) -> dict:
    marks, kept, first = [m for m in MARKS if m <= seconds], [], None
    for at, frame in frames:
        first = at if first is None else first
        while marks and (frame.seconds >= marks[0] or frame.done):
            kept.append((marks.pop(0), frame))
        last = frame
    rows = []
    for mark, frame in kept:
        model = frame.model
        knn = knn_accuracy(encode_all(model, train_x)[0], train_y, encode_all(model, test_x)[0], test_y, k=5)
        rows.append({"seconds": mark, "at": round(frame.seconds, 1), "step": frame.step, "knn5": round(knn, 3),
                     "test_neg_elbo": round(vae_negative_elbo(model, test_x)["neg_elbo"], 1)})
    return {"first_frame_s": round(first, 2), "steps_per_s": round(last.step / last.seconds, 1), "marks": rows}


def run_plain(dataset: str, root: str, frame_seconds: float, seconds: float = 15) -> float:
    """Steps per second of the library with frames every frame_seconds (1e9: none but the first and the last)."""
    *_, last = live.train_vae(dataset, max_seconds=seconds, frame_seconds=frame_seconds, data_root=root)
    return round(last.step / last.seconds, 1)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-root", required=True)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--datasets", default=",".join(DATASETS))
    p.add_argument("--ways", default="library,tab")
    p.add_argument("--tab-data-root", default=None, help="the tab's GENMODELS_DATA_ROOT (default: none, the shipped "
                   "subset)")
    args = p.parse_args()
    torch.set_num_threads(2)
    results = {}
    for dataset in args.datasets.split(","):
        test_x, test_y = load_split(dataset, train=False, root=args.data_root, download=False)
        train_x, train_y = load_split(dataset, train=True, root=args.data_root, download=False)
        data = (test_x, test_y, train_x[:20000], train_y[:20000])
        for way in args.ways.split(","):
            frames = (library_frames(dataset, args.seconds, args.data_root) if way == "library"
                      else tab_frames(dataset, args.seconds, args.tab_data_root))
            results[f"{dataset} {way}"] = r = measure(frames, *data, args.seconds)
            torch.set_num_threads(2)
            print(dataset, way, json.dumps(r), flush=True)
        if "library" in args.ways:
            results[f"{dataset} library"]["steps_per_s_frames_vs_none"] = [
                run_plain(dataset, args.data_root, 0.5), run_plain(dataset, args.data_root, 1e9)]
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "live_vae.json").write_text(json.dumps(results, indent=2))
    print("\n| dataset, way | first frame | steps/s | " + " | ".join(f"{m} s: k-NN, −ELBO" for m in MARKS) +
          " |\n|---|---|---|" + "---|" * len(MARKS))
    for name, r in results.items():
        cells = " | ".join(f"{m['knn5']}, {m['test_neg_elbo']}" for m in r["marks"])
        print(f"| {name} | {r['first_frame_s']} s | {r['steps_per_s']} | {cells} |")
    for name, r in results.items():
        if "steps_per_s_frames_vs_none" in r:
            print(f"{name}: steps/s with frames every 0.5 s / none: {r['steps_per_s_frames_vs_none']}")


if __name__ == "__main__":
    main()
