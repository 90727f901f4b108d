"""genmodels: small generative models to play with (plain PyTorch, no UI code)."""
from __future__ import annotations

from .classifier import Classifier
from .data import DATASETS, canonical_dataset
from .denoiser import Denoiser
from .device import use_device
from .gan import GAN
from .registry import MODELS, build_model, entry, load_extras, load_model
from .superres import SuperRes
from .vae import VAE
from .weights import WeightsError

__all__ = ["DATASETS", "GAN", "MODELS", "VAE", "Classifier", "Denoiser", "SuperRes", "WeightsError", "build_model",
           "canonical_dataset", "entry", "load_extras", "load_model", "use_device"]
