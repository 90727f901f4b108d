"""Restoring images: a convolutional denoising autoencoder, a super-resolution autoencoder, and the classic
baselines they are measured against (3×3 median filter, bicubic upsampling)."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class DenoiserConfig:
    channels: int = 32     # conv width at 28×28 and 14×14; doubled at 7×7
    code: int = 8          # channels of the 7×7 bottleneck: 7·7·8 = 392 numbers, half the 784 pixels


class Denoiser(nn.Module):
    """28×28 → a 7×7×`code` bottleneck → 28×28. The narrow code keeps the shape and drops the noise."""

    def __init__(self, config: DenoiserConfig | None = None):
        super().__init__()
        self.config = c = config or DenoiserConfig()
        ch, ch2 = c.channels, 2 * c.channels
        self.encoder = nn.Sequential(
            nn.Conv2d(1, ch, 3, padding=1), nn.ReLU(),
            nn.Conv2d(ch, ch, 4, stride=2, padding=1), nn.ReLU(),          # 14×14
            nn.Conv2d(ch, ch2, 4, stride=2, padding=1), nn.ReLU(),         # 7×7
            nn.Conv2d(ch2, c.code, 3, padding=1),                          # the bottleneck
        )
        self.decoder = nn.Sequential(
            nn.Conv2d(c.code, ch2, 3, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(ch2, ch, 4, stride=2, padding=1), nn.ReLU(),   # 14×14
            nn.ConvTranspose2d(ch, ch, 4, stride=2, padding=1), nn.ReLU(),    # 28×28
            nn.Conv2d(ch, 1, 3, padding=1),
        )

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: N×1×28×28 noisy image in [0,1] → N×1×28×28 restored image in [0,1]."""
        return torch.sigmoid(self.logits(x))

    def config_dict(self) -> dict:
        return asdict(self.config)


@dataclass
class SuperResConfig:
    factor: int = 2        # 2: 14×14 → 28×28; 4: 7×7 → 28×28
    channels: int = 32


class SuperRes(nn.Module):
    """A small image (28/factor pixels a side) → encoder to 7×7 features → decoder up to 28×28."""

    def __init__(self, config: SuperResConfig | None = None):
        super().__init__()
        self.config = c = config or SuperResConfig()
        if c.factor not in (2, 4):
            raise ValueError(f"factor must be 2 or 4, got {c.factor}")
        ch, ch2 = c.channels, 2 * c.channels
        layers = [nn.Conv2d(1, ch, 3, padding=1), nn.ReLU()]
        if c.factor == 2:
            layers += [nn.Conv2d(ch, ch2, 4, stride=2, padding=1), nn.ReLU()]   # 14×14 → 7×7
        else:
            layers += [nn.Conv2d(ch, ch2, 3, padding=1), nn.ReLU()]
        layers += [nn.Conv2d(ch2, ch2, 3, padding=1), nn.ReLU()]
        self.encoder = nn.Sequential(*layers)
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(ch2, ch, 4, stride=2, padding=1), nn.ReLU(),   # 14×14
            nn.ConvTranspose2d(ch, ch, 4, stride=2, padding=1), nn.ReLU(),    # 28×28
            nn.Conv2d(ch, 1, 3, padding=1),
        )

    @property
    def factor(self) -> int:
        return self.config.factor

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: N×1×(28/factor)×(28/factor) in [0,1] → N×1×28×28 in [0,1]."""
        expected = 28 // self.factor
        if x.shape[-2:] != (expected, expected):
            raise ValueError(f"The ×{self.factor} model takes {expected}×{expected} images, got "
                             f"{tuple(x.shape[-2:])}.")
        return torch.sigmoid(self.logits(x))

    def config_dict(self) -> dict:
        return asdict(self.config)


def median_filter(x: torch.Tensor, size: int = 3) -> torch.Tensor:
    """The classic denoising baseline: each pixel becomes the median of its size×size neighbourhood
    (borders padded by reflection)."""
    pad = size // 2
    patches = F.unfold(F.pad(x, (pad,) * 4, mode="reflect"), size)      # N × size² × H·W
    return patches.median(dim=1).values.reshape(x.shape)


def bicubic_upscale(x: torch.Tensor, factor: int) -> torch.Tensor:
    """The classic super-resolution baseline: bicubic interpolation, clipped to [0,1]."""
    return F.interpolate(x, scale_factor=factor, mode="bicubic", align_corners=False).clamp(0, 1)


Scored = tuple[torch.Tensor, float, float]   # image 1×1×28×28, PSNR (dB), SSIM against the clean image


@torch.no_grad()
def compare_denoising(clean: torch.Tensor, denoiser: nn.Module, kind: str, level: float, seed: int | None = None
                      ) -> dict[str, Scored]:
    """Noise one clean image (1×1×28×28) and restore it two ways; each result scored against the clean one."""
    from . import noise
    from .metrics import psnr, ssim

    noisy = noise.add_noise(clean, kind, level, seed=seed)
    results = {"clean": clean, "noisy": noisy, "denoised": denoiser(noisy), "median": median_filter(noisy)}
    return {k: (v, psnr(v, clean).item(), ssim(v, clean).item()) for k, v in results.items()}


@torch.no_grad()
def compare_superres(clean: torch.Tensor, model: nn.Module) -> dict[str, Scored]:
    """Shrink one clean image by the model's factor, bring it back with bicubic and with the model, score both."""
    from . import noise
    from .metrics import psnr, ssim

    small = noise.downscale(clean, model.factor)
    blocky = F.interpolate(small, scale_factor=model.factor, mode="nearest")
    results = {"clean": clean, "small": blocky, "bicubic": bicubic_upscale(small, model.factor),
               "model": model(small)}
    return {k: (v, psnr(v, clean).item(), ssim(v, clean).item()) for k, v in results.items()}
