"""The discriminator filter, one kind at a time.

A plain cut (keep the draws the discriminator rates most real) can drop a whole class: a discriminator may simply
like trousers more than dresses. So the filter first learns the generator's own kinds of output, with no labels
and no classifier: k-means on the discriminator's penultimate features of a fixed calibration draw (first cut to
PROJECTION_DIMS by a fixed random projection, which keeps their distances nearly the same and makes this cheap).
A new image is then scored by where its realness falls *among the calibration images of its own kind* (a
percentile), and the cut keeps the highest percentiles. Every kind loses about the same share, so the filter keeps the
generator's mix and only drops each kind's worst draws.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import torch

CLUSTERS = 20              # kinds of output the filter keeps in proportion (BENCHMARKS: 5, 10, 20, 40 tried)
CALIBRATION_DRAWS = 2000   # generator draws that calibrate it (the same every time: a fixed seed)
CALIBRATION_SEED = 2024
PROJECTION_DIMS = 64
KMEANS_ITERATIONS = 30


@dataclass
class FilterCalibration:
    projection: torch.Tensor       # features × PROJECTION_DIMS
    centroids: torch.Tensor        # CLUSTERS × PROJECTION_DIMS
    realness: list[torch.Tensor]   # per cluster: the calibration draws' realness, sorted


def kmeans(x: torch.Tensor, k: int, seed: int, iterations: int = KMEANS_ITERATIONS) -> torch.Tensor:
    """k centroids of the rows of x: k-means++ seeding (deterministic per seed), then Lloyd's iterations."""
    gen = torch.Generator().manual_seed(seed)
    centroids = x[torch.randint(len(x), (1,), generator=gen)]
    for _ in range(1, k):
        d2 = torch.cdist(x, centroids).min(1).values ** 2
        centroids = torch.cat([centroids, x[torch.multinomial(d2 / d2.sum(), 1, generator=gen)]])
    for _ in range(iterations):
        nearest = torch.cdist(x, centroids).argmin(1)
        for j in range(k):
            members = x[nearest == j]
            if len(members):
                centroids[j] = members.mean(0)
    return centroids


def random_projection(features: int) -> torch.Tensor:
    """The fixed random projection features → PROJECTION_DIMS (the same for the same feature count)."""
    gen = torch.Generator().manual_seed(CALIBRATION_SEED)
    return torch.randn(features, PROJECTION_DIMS, generator=gen) / PROJECTION_DIMS ** 0.5


def calibrate(features: torch.Tensor, realness: torch.Tensor, k: int = CLUSTERS) -> FilterCalibration:
    """The filter for a generator, from a calibration draw's discriminator features and realness scores."""
    projection = random_projection(features.shape[1])
    points = features @ projection
    centroids = kmeans(points, k, CALIBRATION_SEED)
    nearest = torch.cdist(points, centroids).argmin(1)
    return FilterCalibration(projection, centroids, [realness[nearest == j].sort().values for j in range(k)])


def percentile_within_kind(cal: FilterCalibration, features: torch.Tensor, realness: torch.Tensor) -> torch.Tensor:
    """Each image's realness as a fraction of the calibration images of its own kind that it beats (0–1)."""
    nearest = torch.cdist(features @ cal.projection, cal.centroids).argmin(1)
    out = torch.empty_like(realness)
    for j, reference in enumerate(cal.realness):
        mine = nearest == j
        if mine.any():
            out[mine] = torch.searchsorted(reference, realness[mine]).float() / max(len(reference), 1)
    return out


def keep_most_real(cal: FilterCalibration, features: torch.Tensor, realness: torch.Tensor, n: int) -> torch.Tensor:
    """Indices (in draw order) of the n draws with the highest percentile within their kind; realness breaks ties."""
    score = percentile_within_kind(cal, features, realness) + 1e-4 * realness
    return score.topk(n).indices.sort().values


# ---------------------------------------------------------------- shipped with the weights

def fingerprint(state: dict[str, torch.Tensor]) -> str:
    """SHA-256 of a model's tensors (names and values): which weights a shipped calibration belongs to."""
    h = hashlib.sha256()
    for name in sorted(state):
        h.update(name.encode())
        h.update(state[name].detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def to_tensors(cal: FilterCalibration) -> dict[str, torch.Tensor]:
    """The calibration as tensors to save (the projection is made again from its seed)."""
    return {"centroids": cal.centroids, "realness": torch.cat(cal.realness),
            "kind_sizes": torch.tensor([len(r) for r in cal.realness])}


def from_tensors(tensors: dict[str, torch.Tensor], features: int) -> FilterCalibration:
    """The calibration saved by to_tensors, for a discriminator with `features` penultimate features."""
    sizes = tensors["kind_sizes"].tolist()
    return FilterCalibration(random_projection(features), tensors["centroids"].float(),
                             list(tensors["realness"].float().split(sizes)))
