"""Ship the GAN's discriminator filter with its weights: python -m export.gan_filter --dataset mnist|fashion.

Trains nothing. The per-kind filter (genmodels/gan_filter.py) is calibrated on a fixed draw of the shipped GAN:
deterministic, but 2–4 s of CPU that an app would otherwise spend at start-up, when its first visitors arrive.
This computes it once and writes weights/gan-filter-<dataset>.safetensors: the k-means centroids and each kind's
sorted realness (the random projection is made again from its seed), with the GAN's fingerprint (a SHA-256 of its
tensors), so a retrained GAN never uses a calibration made for other weights.
"""
from __future__ import annotations

import argparse
import hashlib

import torch

from genmodels import gan_filter
from genmodels.data import DATASETS
from genmodels.registry import entry, filter_path, load_model
from genmodels.weights import save_weights


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", choices=sorted(DATASETS), required=True)
    p.add_argument("--out", default=None)
    args = p.parse_args()
    gan = load_model("gan", args.dataset, cached=False, device="cpu")
    cal = gan.calibrate_filter()
    source = entry("gan", args.dataset).path
    meta = {
        "kind": "gan-filter", "dataset": args.dataset, "clusters": len(cal.realness),
        "calibration_draws": gan_filter.CALIBRATION_DRAWS, "calibration_seed": gan_filter.CALIBRATION_SEED,
        "projection_dims": gan_filter.PROJECTION_DIMS, "gan_fingerprint": gan.fingerprint(),
        "source": source.name, "source_sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
        "torch_version": torch.__version__,
        "training_command": f"python -m export.gan_filter --dataset {args.dataset}",
    }
    out = args.out or filter_path(args.dataset)
    save_weights(out, gan_filter.to_tensors(cal), meta)
    print(f"saved {out}: {len(cal.realness)} kinds, {sum(len(r) for r in cal.realness)} calibration draws")


if __name__ == "__main__":
    main()
