"""A VAE with a small (default 2-D) latent, and its ELBO: convolutional (the shipped models), or fully-connected
(channels=0: the lessons' first VAE, the one the app trains live)."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .blocks import down_to_7x7, up_from_7x7
from .device import on_model_device


@dataclass
class VAEConfig:
    latent_dim: int = 2
    channels: int = 32     # first conv width; doubled at 7×7. 0: no convolutions, pixels straight to the MLP
    hidden: int = 256      # fully-connected width between the conv stack and the latent
    mlp_layers: int = 1    # hidden fully-connected layers on each side of the latent


class VAE(nn.Module):
    """Encoder 28×28 → (μ, log σ²); decoder z → Bernoulli logits over 28×28 pixels."""

    def __init__(self, config: VAEConfig | None = None):
        super().__init__()
        self.config = c = config or VAEConfig()
        self.encoder = nn.Sequential(
            *_pixels_to_features(c), nn.Linear(_features(c), c.hidden), nn.ReLU(), *_more_hidden(c),
            nn.Linear(c.hidden, 2 * c.latent_dim),
        )
        self.decoder = decoder_layers(c)

    @on_model_device
    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x: N×1×28×28 in [0,1] → (μ, log σ²), each N×latent_dim."""
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        return mu, logvar

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    @on_model_device
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """z: N×latent_dim → N×1×28×28 pixel means in [0,1]."""
        return torch.sigmoid(self.decoder(z))

    @staticmethod
    def reparameterize(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        return mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mu, logvar = self.encode(x)
        return self.decode_logits(self.reparameterize(mu, logvar)), mu, logvar

    def config_dict(self) -> dict:
        return asdict(self.config)


def _more_hidden(c: VAEConfig) -> list[nn.Module]:
    return [m for _ in range(c.mlp_layers - 1) for m in (nn.Linear(c.hidden, c.hidden), nn.ReLU())]


def _features(c: VAEConfig) -> int:
    """Numbers between the pixels (or the convolutions) and the fully-connected layers."""
    return 2 * c.channels * 49 if c.channels else 28 * 28


def _pixels_to_features(c: VAEConfig) -> list[nn.Module]:
    return [*down_to_7x7(c.channels), nn.Flatten()] if c.channels else [nn.Flatten()]


def decoder_layers(c: VAEConfig) -> nn.Sequential:
    """z → 28×28 Bernoulli logits: fully-connected layers up to 64×7×7, then two transposed convolutions (or, with
    channels=0, fully-connected layers all the way to the 784 pixels)."""
    if not c.channels:
        return nn.Sequential(nn.Linear(c.latent_dim, c.hidden), nn.ReLU(), *_more_hidden(c),
                             nn.Linear(c.hidden, 28 * 28), nn.Unflatten(1, (1, 28, 28)))
    ch2 = 2 * c.channels
    return nn.Sequential(
        nn.Linear(c.latent_dim, c.hidden), nn.ReLU(), *_more_hidden(c),
        nn.Linear(c.hidden, ch2 * 49), nn.ReLU(), nn.Unflatten(1, (ch2, 7, 7)), *up_from_7x7(c.channels),
    )


class VAEDecoder(nn.Module):
    """The VAE's decoder alone, as exported for the browser (weights/vae-decoder-*.safetensors, float16)."""

    def __init__(self, config: VAEConfig | None = None):
        super().__init__()
        self.config = config or VAEConfig()
        self.decoder = decoder_layers(self.config)

    @on_model_device
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """z: N×latent_dim → N×1×28×28 pixel means in [0,1]."""
        return torch.sigmoid(self.decoder(z))

    def config_dict(self) -> dict:
        return asdict(self.config)


def negative_elbo(logits: torch.Tensor, x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor,
                  beta: float = 1.0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per-image mean of (BCE summed over pixels + β·KL(q(z|x) ‖ N(0, I))), and the two terms, in nats."""
    n = x.shape[0]
    rec = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / n
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / n
    return rec + beta * kl, rec, kl


def training_step(model: VAE, optimizer: torch.optim.Optimizer, x: torch.Tensor, beta: float = 1.0,
                  generator: torch.Generator | None = None) -> tuple[float, float, float]:
    """One gradient step on the β-weighted negative ELBO of the batch x; the loss and its two terms (nats per image).
    The one VAE training step: train/vae.py and genmodels.live both use it. z's noise comes from `generator`
    (default: torch's global one)."""
    mu, logvar = model.encode(x)
    noise = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
    logits = model.decode_logits(mu + noise * torch.exp(0.5 * logvar))
    loss, rec, kl = negative_elbo(logits, x, mu, logvar, beta=beta)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss.item(), rec.item(), kl.item()
