"""Export the models the page runs itself (tabs 1 and 3) from the shipped checkpoints: python -m train.page_models.

Trains nothing. For each dataset, reads weights/{denoiser,superres-x2,superres-x4,classifier}-<dataset>.safetensors
and writes weights/page-<kind>-<dataset>.safetensors: float32 tensors (the page's images then equal the server's
within a grey level, and its PSNR and SSIM agree to the digits shown; tests/test_denoiser_page.py), batch norm folded
into the convolutions, and in the metadata the layers in order (genmodels/browser.py) with the source file's SHA-256.
"""
from __future__ import annotations

import argparse

import genmodels
from genmodels.browser import PAGE_MODELS, export, page_path, provenance
from genmodels.data import DATASETS
from genmodels.weights import save_weights


def export_one(kind: str, dataset: str) -> str:
    registry_kind, parts, last = PAGE_MODELS[kind]
    model = genmodels.load_model(registry_kind, dataset, cached=False, device="cpu")
    tensors, layers = export(model, parts, last)
    meta = {"kind": f"page-{kind}", "dataset": dataset, "config": model.metadata["config"], "dtype": "float32",
            "layers": layers, **provenance(genmodels.entry(registry_kind, dataset).path, model.metadata,
                                           f"python -m train.page_models --kind {kind} --dataset {dataset}")}
    out = page_path(kind, dataset)
    save_weights(out, tensors, meta)
    return f"saved {out.name}: {len(layers)} layers, {sum(t.numel() for t in tensors.values()):,} parameters"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kind", choices=sorted(PAGE_MODELS), help="one model (default: all)")
    p.add_argument("--dataset", choices=sorted(DATASETS), help="one dataset (default: both)")
    args = p.parse_args()
    for kind in [args.kind] if args.kind else PAGE_MODELS:
        for dataset in [args.dataset] if args.dataset else DATASETS:
            print(export_one(kind, dataset))


if __name__ == "__main__":
    main()
