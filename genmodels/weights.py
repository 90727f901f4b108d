"""Weights I/O: safetensors files with JSON metadata, and clear errors for a missing or damaged file. Which file
holds which model is the registry's business (genmodels/registry.py)."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import save_file

# GENMODELS_WEIGHTS points at another folder of checkpoints (e.g. freshly trained ones to try out).
WEIGHTS_DIR = Path(os.environ.get("GENMODELS_WEIGHTS") or Path(__file__).resolve().parent.parent / "weights")
EXTRA_PREFIX = "extra."  # tensors stored beside a model's state dict (e.g. the encoded test set)


class WeightsError(RuntimeError):
    """A checkpoint is missing, damaged or does not fit its model."""


def save_weights(path: str | Path, tensors: dict[str, torch.Tensor], metadata: dict[str, Any]) -> None:
    """Write tensors with metadata; every metadata value is stored JSON-encoded."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
    save_file(tensors, str(path), metadata={k: json.dumps(v) for k, v in metadata.items()})


def read_weights(path: str | Path, rebuild: str) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Read a safetensors file; any failure is a WeightsError naming the file and `rebuild`."""
    path = Path(path)
    if not path.exists():
        raise WeightsError(f"Weights file {path} is missing. Rebuild it with: {rebuild}")
    try:
        with safe_open(str(path), framework="pt") as f:
            raw = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}
        metadata = {k: json.loads(v) for k, v in raw.items()}
    except Exception as err:  # safetensors raises several types for truncated/garbled files
        raise WeightsError(f"Weights file {path} is damaged ({err}). Rebuild it with: {rebuild}") from err
    return tensors, metadata


def split_extras(tensors: dict[str, torch.Tensor]) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """Separate a checkpoint into (state dict, extras without their prefix)."""
    state = {k: v for k, v in tensors.items() if not k.startswith(EXTRA_PREFIX)}
    extras = {k[len(EXTRA_PREFIX):]: v for k, v in tensors.items() if k.startswith(EXTRA_PREFIX)}
    return state, extras
