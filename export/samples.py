"""Build examples/<dataset>-test-sample.safetensors: the first N test images of each class, as uint8; with
--split train, examples/<dataset>-train-subset.safetensors: the first 1,000 training images of each class; with
--split test-subset, examples/<dataset>-test-subset.safetensors: the first 200 test images of each class.

The app's galleries and the tests use the test sample, so neither needs the dataset; live training (genmodels.live)
uses the training subset where the torchvision dataset is not there (a laptop without it, a Space), and shows the
test subset's encodings on its map.
Run: python -m export.samples --dataset mnist|fashion [--per-class 50]
     python -m export.samples --dataset mnist|fashion --split train        (1,000 a class: 10,000 images, 7.9 MB)
     python -m export.samples --dataset mnist|fashion --split test-subset  (200 a class: 2,000 images, 1.6 MB)
"""
from __future__ import annotations

import argparse
from pathlib import Path

import torch
from safetensors.torch import save_file

from genmodels.data import DATASETS, load_split, sample_path, test_subset_path, train_subset_path


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--dataset", choices=sorted(DATASETS), required=True)
    p.add_argument("--data-root", default="data")
    p.add_argument("--split", choices=["test", "train", "test-subset"], default="test")
    p.add_argument("--per-class", type=int, default=None,
                   help="images of each class (default: 50 test, 1,000 train, 200 test-subset)")
    p.add_argument("--out", default=None, help="output file (default: the one the app reads in examples/)")
    args = p.parse_args()
    train = args.split == "train"
    per_class = args.per_class or {"train": 1000, "test": 50, "test-subset": 200}[args.split]
    images, labels = load_split(args.dataset, train=train, root=args.data_root)
    chosen = torch.cat([torch.nonzero(labels == c).flatten()[:per_class] for c in range(10)]).sort().values
    default = {"train": train_subset_path, "test": sample_path, "test-subset": test_subset_path}[args.split]
    out = Path(args.out) if args.out else default(args.dataset)
    out.parent.mkdir(exist_ok=True)
    tensors = {"images": (images[chosen, 0] * 255).round().to(torch.uint8), "labels": labels[chosen].to(torch.uint8),
               "indices": chosen.to(torch.int32)}
    info = DATASETS[args.dataset]
    source = ("MNIST {} set, Y. LeCun, C. Cortes, C. Burges (CC BY-SA 3.0)" if args.dataset == "mnist"
              else "Fashion-MNIST {} set, Zalando Research (MIT)").format(args.split.split("-")[0])
    command = f"python -m export.samples --dataset {args.dataset}"
    command += "" if args.split == "test" else f" --split {args.split}"
    save_file(tensors, str(out), metadata={"dataset": info.title, "source": source, "command": command})
    print(f"saved {out}: {len(chosen)} images")


if __name__ == "__main__":
    main()
