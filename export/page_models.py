"""Export what the page runs itself (tabs 1, 3 and 4) from the shipped checkpoints: python -m export.page_models.

Trains nothing. For each dataset, reads weights/{denoiser,superres-x2,superres-x4,classifier}-<dataset>.safetensors
and writes weights/page-<kind>-<dataset>.safetensors: float32 tensors (the page's images then equal the server's
within a grey level, and its PSNR and SSIM agree to the digits shown; tests/test_denoiser_page.py), batch norm folded
into the convolutions, and in the metadata the layers in order (genmodels/browser.py) with the source file's SHA-256.
And weights/page-timeline-<dataset>.safetensors: the GAN's per-epoch fixed-noise grids (uint8) for tab 4's timeline.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import torch

import genmodels
from genmodels.browser import PAGE_MODELS, export, page_path, provenance
from genmodels.data import DATASETS
from genmodels.weights import save_weights


def export_one(kind: str, dataset: str, out_dir: Path | None = None) -> str:
    registry_kind, parts, last = PAGE_MODELS[kind]
    model = genmodels.load_model(registry_kind, dataset, cached=False, device="cpu")
    tensors, layers = export(model, parts, last)
    meta = {"kind": f"page-{kind}", "dataset": dataset, "config": model.metadata["config"], "dtype": "float32",
            "layers": layers, **provenance(genmodels.entry(registry_kind, dataset).path, model.metadata,
                                           f"python -m export.page_models --kind {kind} --dataset {dataset}")}
    out = _out(kind, dataset, out_dir)
    save_weights(out, tensors, meta)
    return f"saved {out.name}: {len(layers)} layers, {sum(t.numel() for t in tensors.values()):,} parameters"


def _out(kind: str, dataset: str, out_dir: Path | None) -> Path:
    return page_path(kind, dataset) if out_dir is None else Path(out_dir) / page_path(kind, dataset).name


def export_timeline(dataset: str, out_dir: Path | None = None) -> str:
    """The GAN's training timeline for tab 4: the fixed-noise grid after each epoch (uint8), from its checkpoint."""
    gan = genmodels.load_model("gan", dataset, cached=False, device="cpu")
    grids = genmodels.load_extras("gan", dataset)["timeline_grids"]
    meta = {"kind": "page-timeline", "dataset": dataset, "steps": [t["step"] for t in gan.metadata["timeline"]],
            **provenance(genmodels.entry("gan", dataset).path, gan.metadata,
                         f"python -m export.page_models --kind timeline --dataset {dataset}")}
    out = _out("timeline", dataset, out_dir)
    save_weights(out, {"grids": grids.to(torch.uint8).contiguous()}, meta)
    return f"saved {out.name}: {grids.shape[0]} epochs of {grids.shape[1]} images"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kind", choices=sorted(PAGE_MODELS) + ["timeline"], help="one file (default: all)")
    p.add_argument("--dataset", choices=sorted(DATASETS), help="one dataset (default: both)")
    p.add_argument("--out-dir", type=Path, default=None, help="write there instead of weights/ (to compare)")
    args = p.parse_args()
    for kind in [args.kind] if args.kind else [*PAGE_MODELS, "timeline"]:
        for dataset in [args.dataset] if args.dataset else DATASETS:
            print(export_timeline(dataset, args.out_dir) if kind == "timeline"
                  else export_one(kind, dataset, args.out_dir))


if __name__ == "__main__":
    main()
