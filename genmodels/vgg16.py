"""The ImageNet VGG16 convolutions (conv1_1 … conv5_1) that style transfer measures images with."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import torch
from torch import nn

# index of each convolution in torchvision's vgg16().features, and its output channels
VGG_LAYERS = {"conv1_1": 0, "conv1_2": 2, "conv2_1": 5, "conv2_2": 7, "conv3_1": 10, "conv3_2": 12,
              "conv3_3": 14, "conv4_1": 17, "conv4_2": 19, "conv4_3": 21, "conv5_1": 24}
WIDTHS = {"conv1": 64, "conv2": 128, "conv3": 256, "conv4": 512, "conv5": 512}
MEAN_RGB = (123.68, 116.779, 103.939)    # the weights' input: RGB 0..255 minus this (Caffe's convention)


@dataclass
class VGG16Config:
    last_layer: str = "conv5_1"     # the deepest convolution kept


class VGG16Features(nn.Module):
    """VGG16's convolutions up to `last_layer`; returns pre-ReLU outputs by layer name. `features` is indexed like
    torchvision's vgg16().features, so the shipped state dict loads as it is."""

    def __init__(self, config: VGG16Config | None = None):
        super().__init__()
        self.config = c = config or VGG16Config()
        last = VGG_LAYERS[c.last_layer]
        self.names = {i: name for name, i in VGG_LAYERS.items() if i <= last}
        layers: list[nn.Module] = []
        cin = 3
        for i in range(last + 1):
            if i in self.names:
                cout = WIDTHS[self.names[i][:5]]
                layers.append(nn.Conv2d(cin, cout, 3, padding=1))
                cin = cout
            elif i - 1 in self.names:
                layers.append(nn.ReLU(inplace=False))
            else:
                layers.append(nn.MaxPool2d(2))
        self.features = nn.ModuleList(layers)

    def forward(self, x: torch.Tensor, wanted: Sequence[str]) -> dict[str, torch.Tensor]:
        """x: N×3×H×W in the Caffe convention → {layer name: N×C×h×w} for the layers in `wanted`."""
        deepest = max(VGG_LAYERS[n] for n in wanted)
        out = {}
        for i, layer in enumerate(self.features[:deepest + 1]):
            x = layer(x)
            if i in self.names and self.names[i] in wanted:
                out[self.names[i]] = x
        return out

    def config_dict(self) -> dict:
        return asdict(self.config)
