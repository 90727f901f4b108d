"""The denoising autoencoder, the classic baseline it is measured against (3×3 median filter), and the tab's
comparison of the two."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from . import noise
from .blocks import down_to_7x7, up_from_7x7
from .device import on_model_device
from .metrics import Scored, score_against


@dataclass
class DenoiserConfig:
    channels: int = 32     # conv width at 28×28 and 14×14; doubled at 7×7
    code: int = 8          # channels of the 7×7 bottleneck: 7·7·8 = 392 numbers, half the 784 pixels
    depth: int = 0         # extra 3×3 convolutions (+ReLU) at 7×7 on each side of the code


class Denoiser(nn.Module):
    """28×28 → a 7×7×`code` bottleneck → 28×28. The narrow code keeps the shape and drops the noise."""

    def __init__(self, config: DenoiserConfig | None = None):
        super().__init__()
        self.config = c = config or DenoiserConfig()
        ch, ch2 = c.channels, 2 * c.channels
        def deeper() -> list[nn.Module]:
            return [m for _ in range(c.depth) for m in (nn.Conv2d(ch2, ch2, 3, padding=1), nn.ReLU())]

        self.encoder = nn.Sequential(*down_to_7x7(ch), *deeper(), nn.Conv2d(ch2, c.code, 3, padding=1))  # bottleneck
        self.decoder = nn.Sequential(nn.Conv2d(c.code, ch2, 3, padding=1), nn.ReLU(), *deeper(), *up_from_7x7(ch))

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))

    @on_model_device
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: N×1×28×28 noisy image in [0,1] → N×1×28×28 restored image in [0,1]."""
        return torch.sigmoid(self.logits(x))

    def config_dict(self) -> dict:
        return asdict(self.config)


def median_filter(x: torch.Tensor, size: int = 3) -> torch.Tensor:
    """The classic denoising baseline: each pixel becomes the median of its size×size neighbourhood
    (borders padded by reflection)."""
    pad = size // 2
    patches = F.unfold(F.pad(x, (pad,) * 4, mode="reflect"), size)      # N × size² × H·W
    return patches.median(dim=1).values.reshape(x.shape)


@torch.no_grad()
def compare_denoising(clean: torch.Tensor, denoiser: nn.Module, kind: str, level: float, seed: int | None = None
                      ) -> dict[str, Scored]:
    """Noise one clean image (1×1×28×28) and restore it two ways; each result scored against the clean one."""
    noisy = noise.add_noise(clean, kind, level, seed=seed)
    return score_against(clean, {"clean": clean, "noisy": noisy, "denoised": denoiser(noisy),
                                 "median": median_filter(noisy)})


def signed(value: float) -> str:
    """+1.5 or −1.5 (a true minus sign), one decimal: as the page writes it (ui/static/denoiser.js)."""
    return f"{'+' if value >= 0 else '−'}{abs(value):.1f}"


def summary(psnr: dict[str, float], name: str) -> str:
    """The tab's one-sentence verdict from the PSNRs (dB) of the noisy, denoised and median images. When the input
    is already cleaner than what the autoencoder returns (almost no noise), it says so instead of a negative gain."""
    gain, vs_median = psnr["denoised"] - psnr["noisy"], psnr["denoised"] - psnr["median"]
    if gain < 0:
        return (f"At this little noise the input is already cleaner ({psnr['noisy']:.1f} dB) than what the "
                f"autoencoder returns ({psnr['denoised']:.1f} dB) on {name}: it learned to clean noisy images, and it "
                "redraws even a clean one from its code, a little blurred. Raise the noise level to see it help.")
    return (f"The autoencoder gains **{signed(gain)} dB** over the noisy input and **{signed(vs_median)} dB** over "
            f"the median filter on {name}.")
