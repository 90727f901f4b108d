"""Weights I/O: one registry of checkpoint files, safetensors with JSON metadata, clear errors."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from .data import canonical_dataset

# GENMODELS_WEIGHTS points at another folder of checkpoints (e.g. freshly trained ones to try out).
WEIGHTS_DIR = Path(os.environ.get("GENMODELS_WEIGHTS") or Path(__file__).resolve().parent.parent / "weights")
EXTRA_PREFIX = "extra."  # tensors stored beside a model's state dict (e.g. the encoded test set)


class WeightsError(RuntimeError):
    """A checkpoint is missing, damaged or does not fit its model."""


@dataclass(frozen=True)
class WeightsEntry:
    kind: str
    dataset: str
    filename: str
    train_module: str
    train_args: str = ""    # beyond --dataset, e.g. "--factor 4"

    @property
    def path(self) -> Path:
        return WEIGHTS_DIR / self.filename

    @property
    def train_command(self) -> str:
        extra = f" {self.train_args}" if self.train_args else ""
        return f"python -m {self.train_module} --dataset {self.dataset}{extra}"


def _entries() -> dict[tuple[str, str], WeightsEntry]:
    table = {
        "vae": ("vae-{d}.safetensors", "train.vae", ""),
        "classifier": ("classifier-{d}.safetensors", "train.classifier", ""),
        "denoiser": ("denoiser-{d}.safetensors", "train.denoise", ""),
        "superres": ("superres-x2-{d}.safetensors", "train.superres", ""),
        "superres4": ("superres-x4-{d}.safetensors", "train.superres", "--factor 4"),
        "gan": ("gan-{d}.safetensors", "train.gan", ""),
    }
    return {
        (kind, d): WeightsEntry(kind, d, name.format(d=d), module, args)
        for kind, (name, module, args) in table.items()
        for d in ("mnist", "fashion")
    }


REGISTRY: dict[tuple[str, str], WeightsEntry] = _entries()


@dataclass(frozen=True)
class FixedWeights:
    """A checkpoint that is converted, not trained: the ImageNet VGG16 convolutions style transfer uses."""
    filename: str
    train_command: str

    @property
    def path(self) -> Path:
        return WEIGHTS_DIR / self.filename


VGG_ENTRY = FixedWeights("vgg16-imagenet-conv1_1-conv5_1.safetensors",
                         "python -m train.vgg16 --source ../shared/weights/vgg16-imagenet-features.safetensors")


def entry(kind: str, dataset: str) -> WeightsEntry:
    key = (kind, canonical_dataset(dataset))
    if key not in REGISTRY:
        kinds = sorted({k for k, _ in REGISTRY})
        raise ValueError(f"Unknown model kind {kind!r}: choose one of {kinds}.")
    return REGISTRY[key]


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


def load_weights(kind: str, dataset: str) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    e = entry(kind, dataset)
    tensors, metadata = read_weights(e.path, e.train_command)
    if metadata.get("kind") != kind:
        raise WeightsError(
            f"Weights file {e.path} holds a {metadata.get('kind')!r} model, not {kind!r}. "
            f"Rebuild it with: {e.train_command}"
        )
    return tensors, metadata


def split_extras(tensors: dict[str, torch.Tensor]) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """Separate a checkpoint into (state dict, extras without their prefix)."""
    state = {k: v for k, v in tensors.items() if not k.startswith(EXTRA_PREFIX)}
    extras = {k[len(EXTRA_PREFIX):]: v for k, v in tensors.items() if k.startswith(EXTRA_PREFIX)}
    return state, extras
