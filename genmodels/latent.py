"""Latent-space helpers for a 2-D VAE: the decoded manifold grid, walks between points, posterior ellipses."""
from __future__ import annotations

import math

import torch

from .vae import VAE


_NORMAL = torch.distributions.Normal(0.0, 1.0)


def grid_axis(radius: float, n: int) -> torch.Tensor:
    """n latent values from -radius to radius at evenly spaced prior probabilities: Φ⁻¹ of a linear
    ramp between Φ(-radius) and Φ(radius). Each cell then holds equal N(0, 1) mass, so the grid is finer
    near the origin, where the codes are (the manifold figure of Kingma & Welling, 2014)."""
    lo = _NORMAL.cdf(torch.tensor(-float(radius), dtype=torch.float64))
    p = torch.linspace(float(lo), float(1 - lo), n, dtype=torch.float64)
    axis = _NORMAL.icdf(p)
    axis[0], axis[-1] = -radius, radius
    return axis.float()


def axis_position(value: float, radius: float, n: int) -> float:
    """Fractional index (0 … n-1) of a latent value along grid_axis(radius, n); the inverse of indexing it."""
    lo = float(_NORMAL.cdf(torch.tensor(-float(radius), dtype=torch.float64)))
    p = float(_NORMAL.cdf(torch.tensor(float(value), dtype=torch.float64)))
    return min(max((p - lo) / (1 - 2 * lo), 0.0), 1.0) * (n - 1)


def grid_coordinates(radius: float, n: int) -> torch.Tensor:
    """n×n×2 latent points covering [-radius, radius]² on the equal-probability grid; row 0 is the top
    (largest z2), column 0 the left (smallest z1), so the grid reads like a plot."""
    axis = grid_axis(radius, n)
    z2, z1 = torch.meshgrid(axis.flip(0), axis, indexing="ij")
    return torch.stack([z1, z2], dim=-1)


@torch.no_grad()
def decode_grid(vae: VAE, radius: float, n: int) -> torch.Tensor:
    """(n·n)×1×28×28 decoded images over the grid, row-major from the top-left."""
    return vae.decode(grid_coordinates(radius, n).reshape(-1, 2))


def grid_cell(z1: float, z2: float, radius: float, n: int) -> tuple[int, int]:
    """(row, column) of the grid cell nearest to (z1, z2)."""
    col = round(axis_position(z1, radius, n))
    row = n - 1 - round(axis_position(z2, radius, n))
    return row, col


def cell_latent(row: int, col: int, radius: float, n: int) -> tuple[float, float]:
    """The latent point at a grid cell (inverse of grid_cell)."""
    axis = grid_axis(radius, n)
    return float(axis[col]), float(axis[n - 1 - row])


def interpolation_path(z_a: torch.Tensor, z_b: torch.Tensor, steps: int) -> torch.Tensor:
    """steps×D points on the straight line from z_a to z_b, both ends included."""
    t = torch.linspace(0, 1, steps).unsqueeze(1)
    return (1 - t) * z_a.reshape(1, -1) + t * z_b.reshape(1, -1)


def posterior_ellipse(mu: torch.Tensor, logvar: torch.Tensor, n_sigma: float = 2.0, points: int = 73
                      ) -> tuple[list[float], list[float]]:
    """Outline of the axis-aligned ±n_sigma ellipse of a diagonal Gaussian posterior in 2-D."""
    sigma = torch.exp(0.5 * logvar.reshape(-1))
    mu = mu.reshape(-1)
    xs, ys = [], []
    for i in range(points):
        a = 2 * math.pi * i / (points - 1)
        xs.append(float(mu[0] + n_sigma * sigma[0] * math.cos(a)))
        ys.append(float(mu[1] + n_sigma * sigma[1] * math.sin(a)))
    return xs, ys


Z_LIMIT = 10.0   # latent coordinates accepted from callers; the N(0, I) prior puts no mass out there


def check_latent(z1: float, z2: float) -> tuple[float, float]:
    """Validate a latent point given by a user or API client; raises ValueError with a clear message."""
    out = []
    for name, v in (("z1", z1), ("z2", z2)):
        try:
            f = float(v)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be a number, got {v!r}.") from None
        if not math.isfinite(f):
            raise ValueError(f"{name} must be a finite number, got {v!r}.")
        if abs(f) > Z_LIMIT:
            raise ValueError(f"{name}={f:g} is outside the latent range [-{Z_LIMIT:g}, {Z_LIMIT:g}].")
        out.append(f)
    return out[0], out[1]


@torch.no_grad()
def decode_point(vae: VAE, z1: float, z2: float) -> torch.Tensor:
    """1×28×28 image decoded from the latent point (z1, z2)."""
    z1, z2 = check_latent(z1, z2)
    return vae.decode(torch.tensor([[z1, z2]], dtype=torch.float32))[0]


@torch.no_grad()
def decode_path(vae: VAE, z_a: torch.Tensor, z_b: torch.Tensor, steps: int) -> torch.Tensor:
    """steps×1×28×28 images along the straight walk from z_a to z_b."""
    return vae.decode(interpolation_path(z_a, z_b, steps))


def covering_radius(mu: torch.Tensor, quantile: float = 0.999, step: float = 0.5) -> float:
    """Smallest multiple of `step` that contains the given quantile of |μ| on both axes."""
    q = torch.quantile(mu.abs().flatten(), quantile).item()
    return math.ceil(q / step) * step
