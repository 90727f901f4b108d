"""The super-resolution autoencoder (×2 and ×4), the classic baseline it is measured against (bicubic), and the
tab's comparison of the two."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from . import checks, noise
from .blocks import up_from_7x7
from .device import on_model_device
from .metrics import Scored, score_against

FACTORS = {2: "superres", 4: "superres4"}    # upscaling factor -> the registry's model kind

@dataclass
class SuperResConfig:
    factor: int = 2        # 2: 14×14 → 28×28; 4: 7×7 → 28×28
    channels: int = 32


class SuperRes(nn.Module):
    """A small image (28/factor pixels a side) → encoder to 7×7 features → decoder up to 28×28."""

    def __init__(self, config: SuperResConfig | None = None):
        super().__init__()
        self.config = c = config or SuperResConfig()
        checks.one_of(c.factor, "upscaling factor", tuple(FACTORS))
        ch, ch2 = c.channels, 2 * c.channels
        layers = [nn.Conv2d(1, ch, 3, padding=1), nn.ReLU()]
        if c.factor == 2:
            layers += [nn.Conv2d(ch, ch2, 4, stride=2, padding=1), nn.ReLU()]   # 14×14 → 7×7
        else:
            layers += [nn.Conv2d(ch, ch2, 3, padding=1), nn.ReLU()]
        layers += [nn.Conv2d(ch2, ch2, 3, padding=1), nn.ReLU()]
        self.encoder = nn.Sequential(*layers)
        self.decoder = nn.Sequential(*up_from_7x7(ch))

    @property
    def factor(self) -> int:
        return self.config.factor

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))

    @on_model_device
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: N×1×(28/factor)×(28/factor) in [0,1] → N×1×28×28 in [0,1]."""
        expected = 28 // self.factor
        if x.shape[-2:] != (expected, expected):
            raise ValueError(f"The ×{self.factor} model takes {expected}×{expected} images, got "
                             f"{tuple(x.shape[-2:])}.")
        return torch.sigmoid(self.logits(x))

    def config_dict(self) -> dict:
        return asdict(self.config)


def bicubic_upscale(x: torch.Tensor, factor: int) -> torch.Tensor:
    """The classic super-resolution baseline: bicubic interpolation, clipped to [0,1]."""
    return F.interpolate(x, scale_factor=factor, mode="bicubic", align_corners=False).clamp(0, 1)


@torch.no_grad()
def compare_superres(clean: torch.Tensor, model: SuperRes) -> dict[str, Scored]:
    """Shrink one clean image by the model's factor, bring it back with bicubic and with the model, score both."""
    small = noise.downscale(clean, model.factor)
    blocky = F.interpolate(small, scale_factor=model.factor, mode="nearest")
    return score_against(clean, {"clean": clean, "small": blocky, "bicubic": bicubic_upscale(small, model.factor),
                                 "model": model(small)})


def kind_for(factor) -> str:
    """The registry kind of the ×`factor` model; ValueError for a factor other than 2 or 4."""
    return FACTORS[checks.one_of(factor, "upscaling factor", tuple(FACTORS))]
