"""The convolution stacks the 28×28 autoencoders share (VAE, denoiser, super-resolution): down to 7×7 and back."""
from __future__ import annotations

from torch import nn


def down_to_7x7(ch: int) -> list[nn.Module]:
    """1×28×28 → 2ch×7×7: a 3×3 convolution, then two stride-2 4×4 convolutions, each with a ReLU."""
    return [nn.Conv2d(1, ch, 3, padding=1), nn.ReLU(),
            nn.Conv2d(ch, ch, 4, stride=2, padding=1), nn.ReLU(),          # 14×14
            nn.Conv2d(ch, 2 * ch, 4, stride=2, padding=1), nn.ReLU()]      # 7×7


def up_from_7x7(ch: int) -> list[nn.Module]:
    """2ch×7×7 → 1×28×28 logits: two stride-2 transposed convolutions with ReLUs, then a 3×3 convolution."""
    return [nn.ConvTranspose2d(2 * ch, ch, 4, stride=2, padding=1), nn.ReLU(),   # 14×14
            nn.ConvTranspose2d(ch, ch, 4, stride=2, padding=1), nn.ReLU(),       # 28×28
            nn.Conv2d(ch, 1, 3, padding=1)]
