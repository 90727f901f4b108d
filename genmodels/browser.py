"""Models as the page runs them (ui/static/runtime.js): a list of layers and their tensors, exported from a shipped
checkpoint. Batch norm is folded into the convolution before it and dropout dropped (the models run in eval mode),
so the page needs only convolutions, linear layers and pointwise functions."""
from __future__ import annotations

import hashlib
from pathlib import Path

import torch
from torch import nn

from .data import DATASETS
from .vae import VAE
from .weights import WEIGHTS_DIR

# the page's models: kind -> (registry kind, the modules run in order, the last function)
PAGE_MODELS = {
    "denoiser": ("denoiser", ("encoder", "decoder"), "sigmoid"),
    "superres": ("superres", ("encoder", "decoder"), "sigmoid"),
    "superres4": ("superres4", ("encoder", "decoder"), "sigmoid"),
    "classifier": ("classifier", ("body", "head"), "softmax"),
}
PAGE_TEMPLATE = "page-{kind}-{dataset}.safetensors"


def page_path(kind: str, dataset: str) -> Path:
    """The file the page loads for one model (python -m export.page_models writes it)."""
    return WEIGHTS_DIR / PAGE_TEMPLATE.format(kind=kind, dataset=dataset)


def page_files() -> list[Path]:
    """Every file python -m export.page_models writes."""
    return [page_path(k, d) for k in (*PAGE_MODELS, "timeline") for d in DATASETS]


def _folded(layer: nn.Conv2d | nn.Linear, bn: nn.BatchNorm1d | nn.BatchNorm2d) -> tuple[torch.Tensor, torch.Tensor]:
    """A convolution or linear layer then batch norm (eval mode) as one layer's weight and bias."""
    mean, var = bn.running_mean, bn.running_var
    assert mean is not None and var is not None, "batch norm without running statistics"
    scale = bn.weight / torch.sqrt(var + bn.eps)
    bias = layer.bias if layer.bias is not None else torch.zeros_like(mean)
    weight = layer.weight * scale.reshape(-1, *[1] * (layer.weight.dim() - 1))
    return weight, (bias - mean) * scale + bn.bias


def layer_list(modules: nn.Module, prefix: str, tensors: dict[str, torch.Tensor] | None = None) -> list[dict]:
    """The modules (nested Sequentials are walked) as operations the JS forward pass runs in order; with `tensors`,
    each layer's weight and bias are put there under the names the list gives (else the state dict's names)."""
    # the layers themselves: no containers, nor the parametrizations a spectral norm hangs on its layer (the layer's
    # .weight is the normalised weight, as the model uses it in eval mode)
    flat = [(name, m) for name, m in modules.named_modules(prefix=prefix)
            if not isinstance(m, (nn.Sequential, nn.ModuleDict, nn.ModuleList)) and ".parametrizations" not in name
            and not (name == prefix and list(m.children()))]
    layers: list[dict] = []
    for i, (name, m) in enumerate(flat):
        names = {"weight": f"{name}.weight", "bias": f"{name}.bias"}
        params: tuple[torch.Tensor, torch.Tensor | None] | None = None
        if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            params = (m.weight, m.bias)
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            continue                                           # folded into the layer before it
        if isinstance(m, (nn.Conv2d, nn.Linear)) and i + 1 < len(flat) and isinstance(flat[i + 1][1],
                                                                                      (nn.BatchNorm1d, nn.BatchNorm2d)):
            params = _folded(m, flat[i + 1][1])
        if isinstance(m, nn.Linear):
            layers.append({"op": "linear", **names})
        elif isinstance(m, nn.ConvTranspose2d):
            layers.append({"op": "conv_transpose", "stride": m.stride[0], "padding": m.padding[0], **names})
        elif isinstance(m, nn.Conv2d):
            layers.append({"op": "conv", "stride": m.stride[0], "padding": m.padding[0], **names})
        elif isinstance(m, nn.ReLU):
            layers.append({"op": "relu"})
        elif isinstance(m, nn.LeakyReLU):
            layers.append({"op": "leaky_relu", "slope": m.negative_slope})
        elif isinstance(m, nn.Tanh):
            layers.append({"op": "tanh"})
        elif isinstance(m, nn.Upsample) and m.mode == "nearest" and m.scale_factor in (2, 2.0):
            layers.append({"op": "upsample2"})
        elif isinstance(m, nn.MaxPool2d):
            layers.append({"op": "max_pool", "kernel": m.kernel_size})
        elif isinstance(m, nn.Unflatten):
            layers.append({"op": "reshape", "shape": list(m.unflattened_size)})
        elif isinstance(m, nn.Flatten):
            layers.append({"op": "flatten"})
        elif isinstance(m, nn.Dropout):
            continue                                           # nothing in eval mode
        else:
            raise TypeError(f"no browser version of {type(m).__name__}")
        if params is not None and tensors is not None:
            weight, bias = params
            if bias is None:
                raise TypeError(f"no browser version of {name}: a layer without a bias")
            tensors[names["weight"]] = weight.detach().float().contiguous()
            tensors[names["bias"]] = bias.detach().float().contiguous()
    return layers


def export(model: nn.Module, parts: tuple[str, ...], last: str) -> tuple[dict[str, torch.Tensor], list[dict]]:
    """A model's parts, run in order, then `last` ("sigmoid", "softmax"): float32 tensors and the layer list."""
    tensors: dict[str, torch.Tensor] = {}
    layers = [layer for part in parts for layer in layer_list(getattr(model, part), part, tensors)]
    return tensors, layers + [{"op": last}]


def provenance(source: Path, metadata: dict, command: str) -> dict:
    """What an exported file says about where it comes from."""
    return {"source": source.name, "source_sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
            "source_training_command": metadata.get("training_command"), "epochs": metadata.get("epochs"),
            "metrics": metadata.get("metrics"), "torch_version": metadata.get("torch_version"),
            "training_command": command}


def decoder_export(vae: VAE, about: dict) -> tuple[dict[str, torch.Tensor], dict]:
    """A VAE's decoder as the page's runtime loads it (float32 tensors; `layers` and `about` in the metadata):
    how a visitor's own VAE (genmodels.live) reaches the latent explorer."""
    tensors: dict[str, torch.Tensor] = {}
    layers = layer_list(vae.decoder, "decoder", tensors) + [{"op": "sigmoid"}]
    return tensors, {"kind": "vae-decoder", "config": vae.config_dict(), "dtype": "float32", "layers": layers, **about}
