"""A small counter-based random generator that JavaScript reproduces bit for bit (ui/static/noise.js).

torch's generator cannot be reproduced in a web page, so every seeded draw the page must repeat (the denoising tab's
noise) comes from here. Draw i of stream s under seed k is a pure function of (k, s, i): a 32-bit integer hash
(lowbias32, by Chris Wellons: two xor-shift-multiply rounds) of the counter mixed with a key made from the seed and
the stream. No state, so the page can compute any pixel's noise in any order.

- ``bits``: uint32 values (in int64 tensors);
- ``uniform``: the top 24 bits / 2²⁴, in [0, 1), exact in float32;
- ``normal``: Irwin–Hall, the sum of 12 uniforms minus 6 (mean 0, variance 1, tails cut at ±6), summed as integers so
  that float32 rounding happens once, the same way in both languages.
"""
from __future__ import annotations

import torch

MASK = 0xFFFFFFFF
GOLDEN = 0x9E3779B9          # 2³² / φ: spreads consecutive seeds and streams over the key space
UNIFORM_BITS = 24
IRWIN_HALL = 12


def lowbias32(x: torch.Tensor) -> torch.Tensor:
    """The hash, on uint32 values held in an int64 tensor (products wrap; the low 32 bits are kept)."""
    x = x & MASK
    x = x ^ (x >> 16)
    x = (x * 0x7FEB352D) & MASK
    x = x ^ (x >> 15)
    x = (x * 0x846CA68B) & MASK
    return x ^ (x >> 16)


def key(seed: int, stream: int) -> int:
    """The key of one (seed, stream): seeds are 0 … 2³¹ − 1, streams small whole numbers."""
    mixed = torch.tensor((seed ^ ((stream * GOLDEN) & MASK)) & MASK, dtype=torch.int64)
    return int(lowbias32(mixed))


def bits(seed: int, stream: int, n: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """Draws 0 … n−1 of a stream as uint32 values in an int64 tensor."""
    counter = torch.arange(n, dtype=torch.int64, device=device)
    return lowbias32(lowbias32(counter) ^ key(seed, stream))


def uniform(seed: int, stream: int, n: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """n float32 values in [0, 1), multiples of 2⁻²⁴."""
    return (bits(seed, stream, n, device) >> (32 - UNIFORM_BITS)).to(torch.float32) / 2 ** UNIFORM_BITS


def normal(seed: int, stream: int, n: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """n float32 values, approximately N(0, 1): value j is the sum of uniforms 12j … 12j+11, minus 6."""
    top = bits(seed, stream, n * IRWIN_HALL, device) >> (32 - UNIFORM_BITS)
    total = top.reshape(n, IRWIN_HALL).sum(1) - (IRWIN_HALL // 2) * 2 ** UNIFORM_BITS
    return total.to(torch.float32) / 2 ** UNIFORM_BITS
