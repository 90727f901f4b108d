"""The model registry: one row per model kind (its class and config, its weights file, the command that trains
it), and loading a shipped model from it with clear errors."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from . import checks, weights
from .classifier import Classifier, ClassifierConfig
from .data import DATASETS, canonical_dataset
from .denoiser import Denoiser, DenoiserConfig
from .device import default_device
from .gan import GAN, GANConfig
from .superres import SuperRes, SuperResConfig
from .vae import VAE, VAEConfig, VAEDecoder
from .vgg16 import VGG16Config, VGG16Features
from .weights import WeightsError, read_weights, split_extras


@dataclass(frozen=True)
class ModelSpec:
    kind: str
    model: type[nn.Module]
    config: type
    filename: str                               # "{dataset}" is filled in
    train: str                                  # the training module and its arguments; "{dataset}" is filled in
    datasets: tuple[str, ...] = tuple(DATASETS)
    file_kind: str = ""                         # the kind the file's metadata names, where it differs

    @property
    def train_module(self) -> str:
        return self.train.split()[0]

    def path(self, dataset: str) -> Path:
        return weights.WEIGHTS_DIR / self.filename.format(dataset=dataset)

    def train_command(self, dataset: str) -> str:
        return "python -m " + self.train.format(dataset=dataset)


MODELS: dict[str, ModelSpec] = {s.kind: s for s in (
    ModelSpec("vae", VAE, VAEConfig, "vae-{dataset}.safetensors", "train.vae --dataset {dataset}"),
    ModelSpec("vae-decoder", VAEDecoder, VAEConfig, "vae-decoder-{dataset}.safetensors",
              "export.vae_decoder --dataset {dataset}"),
    ModelSpec("classifier", Classifier, ClassifierConfig, "classifier-{dataset}.safetensors",
              "train.classifier --dataset {dataset}"),
    ModelSpec("denoiser", Denoiser, DenoiserConfig, "denoiser-{dataset}.safetensors",
              "train.denoiser --dataset {dataset}"),
    ModelSpec("superres", SuperRes, SuperResConfig, "superres-x2-{dataset}.safetensors",
              "train.superres --dataset {dataset}"),
    ModelSpec("superres4", SuperRes, SuperResConfig, "superres-x4-{dataset}.safetensors",
              "train.superres --dataset {dataset} --factor 4"),
    ModelSpec("gan", GAN, GANConfig, "gan-{dataset}.safetensors", "train.gan --dataset {dataset}"),
    ModelSpec("vgg16", VGG16Features, VGG16Config, "vgg16-imagenet-conv1_1-conv5_1.safetensors",
              "export.vgg16 --source ../shared/weights/vgg16-imagenet-features.safetensors",
              datasets=("imagenet",), file_kind="vgg16-features"),
)}


@dataclass(frozen=True)
class WeightsEntry:
    """One shipped file: a model kind trained on a dataset."""
    spec: ModelSpec
    dataset: str

    @property
    def kind(self) -> str:
        return self.spec.kind

    @property
    def path(self) -> Path:
        return self.spec.path(self.dataset)

    @property
    def train_module(self) -> str:
        return self.spec.train_module

    @property
    def train_command(self) -> str:
        return self.spec.train_command(self.dataset)


REGISTRY: dict[tuple[str, str], WeightsEntry] = {
    (s.kind, d): WeightsEntry(s, d) for s in MODELS.values() for d in s.datasets}


def entry(kind: str, dataset: str) -> WeightsEntry:
    """The file of `kind` for `dataset`; ValueError for an unknown kind or dataset."""
    spec = MODELS[checks.one_of(kind, "model kind", sorted(MODELS))]
    if dataset not in spec.datasets:
        dataset = checks.one_of(canonical_dataset(dataset), f"dataset for the {kind} model", spec.datasets)
    return REGISTRY[(kind, dataset)]


def load_weights(kind: str, dataset: str) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """The tensors and metadata of a shipped file; WeightsError naming it and its rebuild command."""
    e = entry(kind, dataset)
    tensors, metadata = read_weights(e.path, e.train_command)
    if metadata.get("kind") != (e.spec.file_kind or kind):
        raise WeightsError(f"Weights file {e.path} holds a {metadata.get('kind')!r} model, not {kind!r}. "
                           f"Rebuild it with: {e.train_command}")
    return tensors, metadata


def build_model(kind: str, config: dict | None = None) -> nn.Module:
    """A fresh, untrained model of `kind` from a config dict (as stored in checkpoint metadata)."""
    spec = MODELS[checks.one_of(kind, "model kind", sorted(MODELS))]
    return spec.model(spec.config(**(config or {})))


_cache: dict[tuple[str, str, str], nn.Module] = {}


def load_model(kind: str, dataset: str = "mnist", cached: bool = True, device: str | None = None) -> nn.Module:
    """The shipped model of `kind` for `dataset`, in eval mode on `device` (default: the CPU, or what
    genmodels.use_device chose), cached per process and device. Its methods take inputs on any device."""
    e = entry(kind, dataset)
    device = device or default_device()
    key = (e.kind, e.dataset, device)
    if cached and key in _cache:
        return _cache[key]
    tensors, metadata = load_weights(e.kind, e.dataset)
    state, _ = split_extras(tensors)
    try:
        model = build_model(kind, metadata.get("config"))
        model.load_state_dict(state)
    except (RuntimeError, TypeError) as err:
        raise WeightsError(
            f"Weights file {e.path} does not fit the {kind} model ({err}). Rebuild it with: {e.train_command}"
        ) from err
    model.to(device).eval().requires_grad_(False)
    model.metadata = metadata                   # type: ignore[assignment]  # a plain attribute, not a submodule
    if isinstance(model, GAN):
        _use_shipped_filter(model, e.dataset)
    if cached:
        _cache[key] = model
    return model


def load_extras(kind: str, dataset: str) -> dict[str, torch.Tensor]:
    """Tensors shipped beside a model in its checkpoint (e.g. the VAE's encoded test set)."""
    return split_extras(load_weights(kind, dataset)[0])[1]


def filter_path(dataset: str) -> Path:
    """The GAN's shipped discriminator-filter calibration (python -m export.gan_filter --dataset DATASET)."""
    return weights.WEIGHTS_DIR / f"gan-filter-{dataset}.safetensors"


def _use_shipped_filter(gan: GAN, dataset: str) -> None:
    """The shipped filter calibration, where there is one made from these weights (else the GAN computes it)."""
    path = filter_path(dataset)
    if path.exists():
        tensors, metadata = read_weights(path, f"python -m export.gan_filter --dataset {dataset}")
        gan.set_shipped_filter(tensors, metadata.get("gan_fingerprint"))
