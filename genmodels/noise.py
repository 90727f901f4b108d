"""The noise models (and the downscaling) that the denoising tab, its training, tests and benchmarks share.

Every function takes x: N×1×H×W in [0,1] and returns the same shape, clipped to [0,1]; a seed makes it
deterministic (the same in the page: genmodels.rng). Kinds and what `level` means:

- ``gaussian``: x + level·N(0, 1), i.e. level is the standard deviation σ.
- ``salt_pepper``: a `level` fraction of the pixels, chosen at random, set to 0 or 1 (half each).
- ``lesson``: the course's recipe, x + level·N(0.5, 0.3) — noise with mean 0.5·level, so it also
  brightens the image (level 1 is the course's setting).
- ``mask``: 4×4 blocks on the 7×7 block grid of a 28×28 image erased to 0; level is the erased area
  fraction (rounded to whole blocks).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from . import checks, rng

KINDS = ("gaussian", "salt_pepper", "lesson", "mask")
# The range each kind's level takes in the tab (and in blind training).
LEVEL_MAX = {"gaussian": 1.0, "salt_pepper": 0.5, "lesson": 1.0, "mask": 0.5}
KIND_TITLES = {"gaussian": "Gaussian (σ)", "salt_pepper": "Salt & pepper (fraction of pixels)",
               "lesson": "The course's noise (x + level·N(0.5, 0.3))", "mask": "Erased blocks (area fraction)"}
MASK_BLOCK = 4


def check(kind: str, level: float) -> tuple[str, float]:
    """A noise kind and a level in its range; ValueError with a readable message otherwise."""
    kind = checks.one_of(kind, "noise kind", KINDS)
    return kind, checks.number(level, f"The {kind} noise level", 0.0, LEVEL_MAX[kind])


# the streams of genmodels.rng each seeded draw comes from (ui/static/noise.js uses the same numbers)
STREAMS = {"normal": 0, "hit": 1, "salt": 2, "blocks": 3}


class SeededDraws:
    """The draws of one seed, from genmodels.rng: the page reproduces them bit for bit (ui/static/noise.js).
    Draw i of a tensor is its i-th element in row-major order, whatever the batch."""

    def __init__(self, seed: int, device: torch.device):
        self.seed, self.device = seed, device

    def normal(self, shape: torch.Size) -> torch.Tensor:
        return rng.normal(self.seed, STREAMS["normal"], shape.numel(), self.device).reshape(shape)

    def uniform(self, shape: torch.Size, stream: str) -> torch.Tensor:
        return rng.uniform(self.seed, STREAMS[stream], shape.numel(), self.device).reshape(shape)

    def keys(self, shape: torch.Size) -> torch.Tensor:
        """Sort keys (32 bits: ties are rare, and broken by position in both languages)."""
        return rng.bits(self.seed, STREAMS["blocks"], shape.numel(), self.device).reshape(shape)


class TorchDraws:
    """torch's own generator: blind training's noise, where nothing has to be reproduced outside PyTorch."""

    def __init__(self, gen: torch.Generator | None, device: torch.device):
        self.gen, self.device = gen, device

    def normal(self, shape: torch.Size) -> torch.Tensor:
        return torch.randn(shape, generator=self.gen, device=self.device)

    def uniform(self, shape: torch.Size, stream: str) -> torch.Tensor:
        return torch.rand(shape, generator=self.gen, device=self.device)

    def keys(self, shape: torch.Size) -> torch.Tensor:
        return torch.rand(shape, generator=self.gen, device=self.device)


def _apply(x: torch.Tensor, kind: str, level: torch.Tensor, draw: SeededDraws | TorchDraws) -> torch.Tensor:
    """Noise of one kind with a per-image level (N×1×1×1 tensor)."""
    if kind == "gaussian":
        return (x + level * draw.normal(x.shape)).clamp(0, 1)
    if kind == "lesson":
        noise = 0.5 + 0.3 * draw.normal(x.shape)
        return (x + level * noise).clamp(0, 1)
    if kind == "salt_pepper":
        hit = draw.uniform(x.shape, "hit") < level
        salt = draw.uniform(x.shape, "salt") < 0.5
        return torch.where(hit, salt.to(x.dtype), x)
    if kind == "mask":
        n, _, h, w = x.shape
        gh, gw = -(-h // MASK_BLOCK), -(-w // MASK_BLOCK)
        # rank random keys per image; the `round(level·blocks)` lowest are erased: exactly that many blocks
        keys = draw.keys(torch.Size((n, gh * gw)))
        ranks = keys.argsort(dim=1, stable=True).argsort(dim=1, stable=True)
        erase = ranks < (level.reshape(n, 1) * gh * gw).round()
        block_mask = erase.reshape(n, 1, gh, gw).to(x.dtype)
        pixel_mask = F.interpolate(block_mask, scale_factor=MASK_BLOCK, mode="nearest")[:, :, :h, :w]
        return x * (1 - pixel_mask)
    raise AssertionError(f"no noise of kind {kind!r}")     # kinds are checked before they get here


def add_noise(x: torch.Tensor, kind: str, level: float, seed: int | None = None) -> torch.Tensor:
    """Noisy copy of x (N×1×H×W in [0,1]); level 0 returns x unchanged; the same seed gives the same noise, here,
    in /denoise and in the page (genmodels.rng). No seed: a fresh one from torch's global generator."""
    kind, level = check(kind, level)
    seed = int(torch.randint(checks.MAX_SEED + 1, ()).item()) if seed is None else checks.seed(seed)
    if level == 0:
        return x.clone()
    lv = torch.full((x.shape[0], 1, 1, 1), level, dtype=x.dtype, device=x.device)
    return _apply(x, kind, lv, SeededDraws(seed, x.device))


def random_noise(x: torch.Tensor, gen: torch.Generator | None = None, clean_share: float = 0.05) -> torch.Tensor:
    """Blind-training noise: each image gets a random kind and a random level over the tab's range
    (a few stay clean so the model also learns to leave clean images alone)."""
    n = x.shape[0]
    kind_of = torch.randint(len(KINDS), (n,), generator=gen, device=x.device)
    u = torch.rand((n, 1, 1, 1), generator=gen, device=x.device)
    clean = torch.rand((n,), generator=gen, device=x.device) < clean_share
    out, draws = x.clone(), TorchDraws(gen, x.device)
    for i, kind in enumerate(KINDS):
        sel = (kind_of == i) & ~clean
        if sel.any():
            out[sel] = _apply(x[sel], kind, u[sel] * LEVEL_MAX[kind], draws)
    return out


def downscale(x: torch.Tensor, factor: int) -> torch.Tensor:
    """The low-resolution image super-resolution starts from: factor×factor averaging (average pooling)."""
    checks.one_of(factor, "downscaling factor", (2, 4))
    return F.avg_pool2d(x, factor)

