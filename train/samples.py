"""Build examples/<dataset>-test-sample.safetensors: the first N test images of each class, as uint8.

The app's galleries and the tests use these, so neither needs the dataset.
Run: python -m train.samples --dataset mnist|fashion [--per-class 50]
"""
from __future__ import annotations

import argparse
from pathlib import Path

import torch
from safetensors.torch import save_file

from genmodels.data import DATASETS, load_split, sample_path


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--dataset", choices=sorted(DATASETS), required=True)
    p.add_argument("--data-root", default="data")
    p.add_argument("--per-class", type=int, default=50)
    p.add_argument("--out", default=None, help="output file (default: the one the app reads in examples/)")
    args = p.parse_args()
    images, labels = load_split(args.dataset, train=False, root=args.data_root)
    chosen = torch.cat([torch.nonzero(labels == c).flatten()[:args.per_class] for c in range(10)]).sort().values
    out = Path(args.out) if args.out else sample_path(args.dataset)
    out.parent.mkdir(exist_ok=True)
    tensors = {"images": (images[chosen, 0] * 255).round().to(torch.uint8), "labels": labels[chosen].to(torch.uint8),
               "indices": chosen.to(torch.int32)}
    info = DATASETS[args.dataset]
    source = ("MNIST test set, Y. LeCun, C. Cortes, C. Burges (CC BY-SA 3.0)" if args.dataset == "mnist"
              else "Fashion-MNIST test set, Zalando Research (MIT)")
    save_file(tensors, str(out), metadata={"dataset": info.title, "source": source,
                                           "command": f"python -m train.samples --dataset {args.dataset}"})
    print(f"saved {out}: {len(chosen)} images")


if __name__ == "__main__":
    main()
