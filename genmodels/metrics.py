"""Evaluation metrics shared by training scripts, benchmarks and tests."""
from __future__ import annotations

import torch

from .vae import VAE, negative_elbo


@torch.no_grad()
def encode_all(vae: VAE, images: torch.Tensor, batch: int = 2000) -> tuple[torch.Tensor, torch.Tensor]:
    """Posterior (μ, log σ²) for every image, batched."""
    parts = [vae.encode(images[i:i + batch]) for i in range(0, len(images), batch)]
    return torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts])


@torch.no_grad()
def vae_negative_elbo(vae: VAE, images: torch.Tensor, samples: int = 1, batch: int = 2000,
                      seed: int = 0) -> dict[str, float]:
    """Mean negative ELBO per image in nats (and its reconstruction and KL terms), z sampled `samples` times."""
    gen_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    total = {"neg_elbo": 0.0, "reconstruction": 0.0, "kl": 0.0}
    for i in range(0, len(images), batch):
        x = images[i:i + batch]
        mu, logvar = vae.encode(x)
        for _ in range(samples):
            logits = vae.decode_logits(VAE.reparameterize(mu, logvar))
            loss, rec, kl = negative_elbo(logits, x, mu, logvar)
            for k, v in zip(total, (loss, rec, kl)):
                total[k] += v.item() * len(x) / samples
    torch.random.set_rng_state(gen_state)
    return {k: v / len(images) for k, v in total.items()}


@torch.no_grad()
def knn_accuracy(train_z: torch.Tensor, train_y: torch.Tensor, test_z: torch.Tensor, test_y: torch.Tensor,
                 k: int = 5, batch: int = 1000) -> float:
    """Accuracy of a k-nearest-neighbour majority vote (Euclidean) of test points among train points."""
    correct = 0
    for i in range(0, len(test_z), batch):
        d = torch.cdist(test_z[i:i + batch], train_z)
        idx = d.topk(k, largest=False).indices
        votes = train_y[idx]
        pred = torch.mode(votes, dim=1).values
        correct += (pred == test_y[i:i + batch]).sum().item()
    return correct / len(test_z)
