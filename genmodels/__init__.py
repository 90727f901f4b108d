"""genmodels: small generative models to play with (plain PyTorch, no UI code)."""
from __future__ import annotations

import torch
from torch import nn

from .classifier import Classifier, ClassifierConfig
from .data import DATASETS, canonical_dataset
from .gan import GAN, GANConfig
from .restore import Denoiser, DenoiserConfig, SuperRes, SuperResConfig
from .vae import VAE, VAEConfig
from .weights import WeightsError, entry, load_weights, split_extras

MODELS: dict[str, tuple[type[nn.Module], type]] = {
    "vae": (VAE, VAEConfig),
    "classifier": (Classifier, ClassifierConfig),
    "denoiser": (Denoiser, DenoiserConfig),
    "superres": (SuperRes, SuperResConfig),
    "superres4": (SuperRes, SuperResConfig),
    "gan": (GAN, GANConfig),
}

_cache: dict[tuple[str, str], nn.Module] = {}


def build_model(kind: str, config: dict | None = None) -> nn.Module:
    """A fresh, untrained model of `kind` from a config dict (as stored in checkpoint metadata)."""
    if kind not in MODELS:
        raise ValueError(f"Unknown model kind {kind!r}: choose one of {sorted(MODELS)}.")
    model_cls, config_cls = MODELS[kind]
    return model_cls(config_cls(**(config or {})))


def load_model(kind: str, dataset: str = "mnist", cached: bool = True) -> nn.Module:
    """The shipped model of `kind` for `dataset`, in eval mode on the CPU (cached per process)."""
    key = (kind, canonical_dataset(dataset))
    if cached and key in _cache:
        return _cache[key]
    tensors, metadata = load_weights(*key)
    state, _ = split_extras(tensors)
    e = entry(*key)
    try:
        model = build_model(kind, metadata.get("config"))
        model.load_state_dict(state)
    except (RuntimeError, TypeError) as err:
        raise WeightsError(
            f"Weights file {e.path} does not fit the {kind} model ({err}). Rebuild it with: {e.train_command}"
        ) from err
    model.eval().requires_grad_(False)
    model.metadata = metadata
    if cached:
        _cache[key] = model
    return model


def load_extras(kind: str, dataset: str) -> dict[str, torch.Tensor]:
    """Tensors shipped beside a model in its checkpoint (e.g. the VAE's encoded test set)."""
    tensors, _ = load_weights(kind, canonical_dataset(dataset))
    return split_extras(tensors)[1]


__all__ = ["DATASETS", "GAN", "VAE", "Classifier", "Denoiser", "SuperRes", "WeightsError", "build_model", "canonical_dataset",
           "load_extras", "load_model"]
