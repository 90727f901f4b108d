"""Where the models run: model methods that take tensors on any device, and the device loaded models go to."""
from __future__ import annotations

import functools
from collections.abc import Callable

import torch
from torch import nn
from torch.utils._pytree import tree_map_only

_default = "cpu"


def default_device() -> str:
    """Where load_model puts a model when no device is given: the CPU unless use_device said otherwise."""
    return _default


def checked(device: str) -> str:
    """A device this machine has ("cpu", "cuda", "cuda:1"), or ValueError saying why not."""
    try:
        torch.empty(0, device=device)      # an unknown or absent device fails here, not in the first event
    except (RuntimeError, AssertionError) as err:
        raise ValueError(f"Device {device!r} is not available here ({err}).") from None
    return device


def use_device(device: str) -> None:
    """Load models onto `device` from now on; the app calls it once at start-up."""
    global _default
    _default = checked(device)


def model_device(model: nn.Module) -> torch.device:
    return next(model.parameters()).device


def on_model_device(method: Callable) -> Callable:
    """A model method whose first argument, a tensor on any device, is moved to the model's device; the tensors it
    returns come back to the argument's device. The app keeps its images on the CPU wherever the models run."""
    @functools.wraps(method)
    def call(self: nn.Module, x: torch.Tensor, *args, **kwargs):
        out = method(self, x.to(model_device(self)), *args, **kwargs)
        return tree_map_only(torch.Tensor, lambda t: t.to(x.device), out)
    return call
