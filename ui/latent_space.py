"""What tabs 1 and 2 show of a dataset's 2-D VAE, computed once per dataset and cached."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import torch
from PIL import Image, ImageDraw

import genmodels
from genmodels import latent
from genmodels.data import DATASETS, canonical_dataset, load_sample
from genmodels.imaging import grid_pil

GRID_N = 15          # manifold grid: GRID_N × GRID_N decoded images
GRID_SCALE = 2       # manifold image upscaling (nearest-neighbour)
DIGIT_SCALE = 10     # decoded image: 28 px → 280 px


@dataclass
class LatentSpace:
    dataset: str
    vae: genmodels.VAE
    classifier: genmodels.Classifier
    radius: float                    # slider / grid half-range, covers the encoded test set
    test_mu: torch.Tensor            # 10,000 × 2 posterior means of the test set
    test_logvar: torch.Tensor
    test_labels: torch.Tensor
    sample_images: torch.Tensor      # the shipped test sample, N×1×28×28
    sample_labels: torch.Tensor
    sample_indices: torch.Tensor
    manifold: Image.Image = field(repr=False, default=None)

    @property
    def classes(self) -> tuple[str, ...]:
        return DATASETS[self.dataset].classes

    def manifold_with_marker(self, z1: float, z2: float) -> Image.Image:
        """The manifold grid with the current point (red dot) and its nearest cell (red frame) marked."""
        img = self.manifold.convert("RGB")
        draw = ImageDraw.Draw(img)
        cell = 28 * GRID_SCALE
        row, col = latent.grid_cell(z1, z2, self.radius, GRID_N)
        draw.rectangle([col * cell, row * cell, (col + 1) * cell - 1, (row + 1) * cell - 1],
                       outline=(230, 40, 40), width=2)
        # exact position, on the grid's own (equal-probability) scale
        x = cell / 2 + latent.axis_position(z1, self.radius, GRID_N) * cell
        y = cell / 2 + (GRID_N - 1 - latent.axis_position(z2, self.radius, GRID_N)) * cell
        r = 5
        draw.ellipse([x - r, y - r, x + r, y + r], fill=(230, 40, 40), outline=(255, 255, 255))
        return img

    def click_to_latent(self, x: int, y: int) -> tuple[float, float]:
        """Latent point of the manifold cell under pixel (x, y) of the manifold image."""
        cell = 28 * GRID_SCALE
        row = min(max(int(y // cell), 0), GRID_N - 1)
        col = min(max(int(x // cell), 0), GRID_N - 1)
        return latent.cell_latent(row, col, self.radius, GRID_N)

    @torch.no_grad()
    def class_probabilities(self, image: torch.Tensor) -> dict[str, float]:
        p = self.classifier.predict_proba(image.reshape(1, 1, 28, 28))[0]
        return {name: float(v) for name, v in zip(self.classes, p)}


@lru_cache(maxsize=None)
def slider_radius() -> float:
    """One slider half-range for every dataset: the smallest that covers each encoded test set."""
    return max(latent.covering_radius(genmodels.load_extras("vae", d)["test_mu"]) for d in DATASETS)


@lru_cache(maxsize=None)
def get_space(dataset: str) -> LatentSpace:
    key = canonical_dataset(dataset)
    vae = genmodels.load_model("vae", key)
    extras = genmodels.load_extras("vae", key)
    images, labels, indices = load_sample(key)
    space = LatentSpace(
        dataset=key, vae=vae, classifier=genmodels.load_model("classifier", key),
        radius=slider_radius(),
        test_mu=extras["test_mu"], test_logvar=extras["test_logvar"], test_labels=extras["test_labels"].long(),
        sample_images=images, sample_labels=labels, sample_indices=indices,
    )
    space.manifold = grid_pil(latent.decode_grid(vae, space.radius, GRID_N), nrow=GRID_N, scale=GRID_SCALE)
    return space
