"""A 2-D VAE's latent space: the decoded manifold grid, encodings, walks between points, posterior ellipses, and
`LatentSpace`, everything tabs 1 and 2 show of one dataset's VAE (computed once per dataset)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from typing import cast

import torch
from PIL import Image

from . import checks
from .classifier import Classifier
from .data import DATASETS, canonical_dataset, load_sample
from .imaging import grid_pil
from .registry import load_extras, load_model
from .vae import VAE

GRID_N = 15          # manifold grid: GRID_N × GRID_N decoded images
GRID_SCALE = 2       # manifold image upscaling (nearest-neighbour)
DIGIT_SCALE = 10     # decoded image: 28 px → 280 px
WALK_STEPS = (3, 16)   # the tab's walk between two encodings: fewest and most images
MAX_WALK = 64        # points on a walk the library draws
Z_LIMIT = 10.0       # latent coordinates accepted from callers; the N(0, I) prior puts no mass out there


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
    steps = checks.whole(steps, "The number of steps", 2, MAX_WALK)
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


def check_latent(z1: float, z2: float) -> tuple[float, float]:
    """A latent point given by a user or API client; ValueError with a clear message otherwise."""
    return (checks.number(z1, "z1", -Z_LIMIT, Z_LIMIT), checks.number(z2, "z2", -Z_LIMIT, Z_LIMIT))


@torch.no_grad()
def decode_point(vae: VAE, z1: float, z2: float) -> torch.Tensor:
    """1×28×28 image decoded from the latent point (z1, z2)."""
    z1, z2 = check_latent(z1, z2)
    return vae.decode(torch.tensor([[z1, z2]], dtype=torch.float32))[0]


@torch.no_grad()
def decode_path(vae: VAE, z_a: torch.Tensor, z_b: torch.Tensor, steps: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The straight walk from z_a to z_b: steps×D points and the steps×1×28×28 images decoded along it."""
    path = interpolation_path(z_a, z_b, steps)
    return path, vae.decode(path)


@torch.no_grad()
def manifold_image(vae: VAE, radius: float) -> Image.Image:
    """The decoder over [-radius, radius]² on the equal-probability grid, as the tabs show it."""
    return grid_pil(decode_grid(vae, radius, GRID_N), nrow=GRID_N, scale=GRID_SCALE)


@dataclass
class Encoding:
    """An image and the VAE's posterior for it, q(z|x) = N(mu, exp(logvar))."""
    name: str
    image: torch.Tensor      # 1×28×28 in [0,1]
    mu: torch.Tensor         # 2
    logvar: torch.Tensor     # 2
    reconstruction: torch.Tensor   # 1×28×28: decoded from mu

    @property
    def sigma(self) -> torch.Tensor:
        return torch.exp(0.5 * self.logvar)


@torch.no_grad()
def encode(vae: VAE, image: torch.Tensor, name: str) -> Encoding:
    """Encode one image (any shape with 784 values in [0,1]) and decode its posterior mean."""
    x = image.reshape(1, 1, 28, 28).float()
    mu, logvar = vae.encode(x)
    return Encoding(name, x[0], mu[0], logvar[0], vae.decode(mu)[0])


def covering_radius(mu: torch.Tensor, quantile: float = 0.999, step: float = 0.5) -> float:
    """Smallest multiple of `step` that contains the given quantile of |μ| on both axes."""
    q = torch.quantile(mu.abs().flatten(), quantile).item()
    return math.ceil(q / step) * step


@dataclass
class LatentSpace:
    dataset: str
    vae: VAE
    classifier: Classifier
    radius: float                    # slider / grid half-range, covers the encoded test set
    test_mu: torch.Tensor            # 10,000 × 2 posterior means of the test set
    test_logvar: torch.Tensor
    test_labels: torch.Tensor
    sample_images: torch.Tensor      # the shipped test sample, N×1×28×28
    sample_labels: torch.Tensor
    sample_indices: torch.Tensor
    manifold: Image.Image | None = field(repr=False, default=None)      # the decoded grid, set once built

    @property
    def classes(self) -> tuple[str, ...]:
        return DATASETS[self.dataset].classes

    def clamp(self, z: torch.Tensor) -> tuple[float, float]:
        """A latent point moved inside the sliders' range and rounded to their step (0.01)."""
        z1, z2 = (round(float(v), 2) for v in z.reshape(-1).clamp(-self.radius, self.radius))
        return z1, z2

    def click_to_latent(self, x: int, y: int) -> tuple[float, float]:
        """Latent point of the manifold cell under pixel (x, y) of the manifold image."""
        cell = 28 * GRID_SCALE
        row = min(max(int(y // cell), 0), GRID_N - 1)
        col = min(max(int(x // cell), 0), GRID_N - 1)
        return cell_latent(row, col, self.radius, GRID_N)

    @torch.no_grad()
    def class_probabilities(self, image: torch.Tensor) -> dict[str, float]:
        p = self.classifier.predict_proba(image.reshape(1, 1, 28, 28))[0]
        return {name: float(v) for name, v in zip(self.classes, p, strict=False)}


def space_for(dataset: str, vae: VAE, held_out: tuple[torch.Tensor, torch.Tensor]) -> LatentSpace:
    """Tabs 1 and 2 for another VAE of `dataset` (one a visitor trained: genmodels.live): its map shows the
    held-out (images, labels) it was watched on; the sliders, the classifier and the gallery stay the shipped ones."""
    key = canonical_dataset(dataset)
    images, labels, indices = load_sample(key)
    with torch.no_grad():
        mu, logvar = vae.encode(held_out[0])
    space = LatentSpace(dataset=key, vae=vae, classifier=cast(Classifier, load_model("classifier", key)),
                        radius=slider_radius(), test_mu=mu, test_logvar=logvar, test_labels=held_out[1].long(),
                        sample_images=images, sample_labels=labels, sample_indices=indices)
    space.manifold = manifold_image(vae, space.radius)
    return space


@cache
def slider_radius() -> float:
    """One slider half-range for every dataset: the smallest that covers each encoded test set."""
    return max(covering_radius(load_extras("vae", d)["test_mu"]) for d in DATASETS)


@cache
def _space(key: str) -> LatentSpace:
    vae = cast(VAE, load_model("vae", key))
    extras = load_extras("vae", key)
    images, labels, indices = load_sample(key)
    space = LatentSpace(
        dataset=key, vae=vae, classifier=cast(Classifier, load_model("classifier", key)), radius=slider_radius(),
        test_mu=extras["test_mu"], test_logvar=extras["test_logvar"], test_labels=extras["test_labels"].long(),
        sample_images=images, sample_labels=labels, sample_indices=indices,
    )
    space.manifold = manifold_image(vae, space.radius)
    return space


def get_space(dataset: str) -> LatentSpace:
    """The dataset's latent space (any spelling canonical_dataset takes), built once."""
    return _space(canonical_dataset(dataset))
