"""A small DCGAN for 28×28 images: an upsample-then-convolve generator (no checkerboard artefacts) and a
spectrally normalised discriminator, trained with the non-saturating loss."""
from __future__ import annotations

import math
import re
import threading
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from . import checks, gan_filter
from .device import on_model_device

DEFAULT_KEEP = 0.6   # the app's discriminator filter: show the 60% of draws the discriminator finds most real
DEFAULT_EPOCHS = 10  # train.gan's epochs when --epochs is not given
MIN_KEEP, MAX_TRUNCATION = 0.1, 2.0
MAX_SAMPLES = 100_000   # one sample() call (benchmarks draw 10,000; the tab's grid shows up to MAX_GRID)
MAX_GRID = 64
MAX_WALK = 64           # points on a walk between two latents
WALK_STEPS = (3, 16)    # the tab's walk between two seeds: fewest and most images
_CALIBRATING = threading.Lock()   # one filter calibration at a time


@dataclass
class GANConfig:
    latent_dim: int = 64
    channels: int = 48      # generator width at 14×14 (doubled at 7×7); the discriminator mirrors it


class Generator(nn.Module):
    def __init__(self, c: GANConfig):
        super().__init__()
        ch = c.channels
        self.project = nn.Sequential(nn.Linear(c.latent_dim, 2 * ch * 49), nn.BatchNorm1d(2 * ch * 49), nn.ReLU())
        self.body = nn.Sequential(
            nn.Unflatten(1, (2 * ch, 7, 7)),
            nn.Upsample(scale_factor=2), nn.Conv2d(2 * ch, ch, 3, padding=1), nn.BatchNorm2d(ch), nn.ReLU(),   # 14
            nn.Upsample(scale_factor=2), nn.Conv2d(ch, ch // 2, 3, padding=1), nn.BatchNorm2d(ch // 2), nn.ReLU(),
            nn.Conv2d(ch // 2, 1, 3, padding=1), nn.Tanh(),                                                  # 28
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """z: N×latent_dim → N×1×28×28 in [-1, 1]."""
        return self.body(self.project(z))


class Discriminator(nn.Module):
    def __init__(self, c: GANConfig):
        super().__init__()
        ch = c.channels
        self.body = nn.Sequential(
            spectral_norm(nn.Conv2d(1, ch, 4, stride=2, padding=1)), nn.LeakyReLU(0.2),            # 14
            spectral_norm(nn.Conv2d(ch, 2 * ch, 4, stride=2, padding=1)), nn.LeakyReLU(0.2),       # 7
            spectral_norm(nn.Conv2d(2 * ch, 2 * ch, 3, padding=1)), nn.LeakyReLU(0.2),
            nn.Flatten(), spectral_norm(nn.Linear(2 * ch * 49, 1)),
        )

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """x: N×1×28×28 in [-1, 1] → the N×(2·ch·49) features the last layer reads."""
        return self.body[:-1](x)

    def logits(self, features: torch.Tensor) -> torch.Tensor:
        """The last layer: `features` → N realness logits."""
        return self.body[-1](features).squeeze(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: N×1×28×28 in [-1, 1] → N realness logits."""
        return self.logits(self.features(x))


class GAN(nn.Module):
    """The generator (with an exponential moving average of its weights, used for sampling) and the
    discriminator. Images outside are in [0,1]; inside the networks, [-1,1]."""

    def __init__(self, config: GANConfig | None = None):
        super().__init__()
        self.config = c = config or GANConfig()
        self.generator = Generator(c)
        self.discriminator = Discriminator(c)
        self._filter: gan_filter.FilterCalibration | None = None   # made on first use, from these weights

    def load_state_dict(self, *args, **kwargs):
        self._filter = None
        return super().load_state_dict(*args, **kwargs)

    @property
    def latent_dim(self) -> int:
        return self.config.latent_dim

    def latents(self, n: int, seed: int, truncation: float = 1.0) -> torch.Tensor:
        """n latent vectors, deterministic per seed: truncation·N(0, I) (0 gives the mean latent, z = 0)."""
        seed = checks.seed(seed)
        truncation = checks.number(truncation, "The truncation", 0.0, MAX_TRUNCATION)
        gen = torch.Generator().manual_seed(seed)
        return truncation * torch.randn(n, self.latent_dim, generator=gen)

    @torch.no_grad()
    @on_model_device
    def generate(self, z: torch.Tensor) -> torch.Tensor:
        """z: N×latent_dim → N×1×28×28 images in [0,1]."""
        was_training = self.generator.training
        self.generator.eval()
        out = (self.generator(z.float()) + 1) / 2
        self.generator.train(was_training)
        return out.clamp(0, 1)

    def sample(self, n: int, seed: int = 0, truncation: float = 1.0, keep: float = 1.0) -> torch.Tensor:
        """n images, the same for the same (n, seed, truncation, keep).

        keep < 1 is discriminator rejection sampling (Azadi et al. 2019, with a hard cut) per kind of output: draw
        ⌈n / keep⌉ images and return the n that the discriminator rates most real *among draws of their own kind*
        (`gan_filter`), in the order they were drawn; so the filter cannot drop a class the discriminator dislikes."""
        n = checks.whole(n, "The number of samples", 1, MAX_SAMPLES)
        keep = checks.number(keep, "The discriminator filter (keep)", MIN_KEEP, 1.0)
        draws = math.ceil(n / keep - 1e-9)
        images = self.generate(self.latents(draws, seed, truncation))
        if draws == n:
            return images
        realness, features = self.judge(images)
        return images[gan_filter.keep_most_real(self.filter_calibration(), features, realness, n)]

    def filter_calibration(self) -> gan_filter.FilterCalibration:
        """The per-kind filter for these weights: the shipped one if it was made from them (set_shipped_filter),
        else computed once from a fixed calibration draw (≈2–4 s of CPU)."""
        with _CALIBRATING:
            if self._filter is None:
                self._filter = self.calibrate_filter()
        return self._filter

    def calibrate_filter(self) -> gan_filter.FilterCalibration:
        """The filter, computed from scratch (what export.gan_filter ships)."""
        realness, features = self.calibration_draw()
        return gan_filter.calibrate(features, realness)

    def set_shipped_filter(self, tensors: dict[str, torch.Tensor], made_from: str | None) -> bool:
        """Use a shipped calibration if `made_from` (its weights' fingerprint) is these weights'; whether it was."""
        if made_from != self.fingerprint():
            return False
        self._filter = gan_filter.from_tensors(tensors, 2 * self.config.channels * 49)   # Discriminator.features
        return True

    def fingerprint(self) -> str:
        return gan_filter.fingerprint(self.state_dict())

    def calibration_draw(self) -> tuple[torch.Tensor, torch.Tensor]:
        """`judge` of the filter's fixed calibration draw (CALIBRATION_DRAWS images, CALIBRATION_SEED)."""
        gen = torch.Generator().manual_seed(gan_filter.CALIBRATION_SEED)
        return self.judge(self.generate(torch.randn(gan_filter.CALIBRATION_DRAWS, self.latent_dim, generator=gen)))

    @torch.no_grad()
    @on_model_device
    def judge(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The discriminator's realness (as `realness`) and its penultimate features."""
        was_training = self.discriminator.training
        self.discriminator.eval()     # no power-iteration update of the spectral norms
        features = self.discriminator.features(images.float() * 2 - 1)
        realness = torch.sigmoid(self.discriminator.logits(features))
        self.discriminator.train(was_training)
        return realness, features

    def realness(self, images: torch.Tensor) -> torch.Tensor:
        """The discriminator's probability that each image (N×1×28×28 in [0,1]) is a real one."""
        return self.judge(images)[0]

    def config_dict(self) -> dict:
        return asdict(self.config)


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor, smooth: float = 0.9) -> torch.Tensor:
    """Binary cross-entropy with one-sided label smoothing (real target `smooth`, fake 0)."""
    return (F.binary_cross_entropy_with_logits(real_logits, torch.full_like(real_logits, smooth))
            + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))


def generator_loss(fake_logits: torch.Tensor, top_k: float = 1.0) -> torch.Tensor:
    """The non-saturating loss: -log D(G(z)) (strong gradients while D still wins). With top_k < 1, only that
    fraction of the batch, the fakes the discriminator finds most realistic, is used (Sinha et al. 2020,
    "Top-k training of GANs": the worst samples' gradients point away from the data)."""
    if top_k < 1.0:
        fake_logits = fake_logits.topk(max(1, round(top_k * len(fake_logits)))).values
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))


def slerp(a: torch.Tensor, b: torch.Tensor, steps: int) -> torch.Tensor:
    """Spherical interpolation a → b (latents of a Gaussian live near a sphere), `steps` points."""
    steps = checks.whole(steps, "The number of steps", 2, MAX_WALK)
    t = torch.linspace(0, 1, steps).unsqueeze(1)
    an, bn = a / a.norm(), b / b.norm()
    omega = torch.acos((an * bn).sum().clamp(-1 + 1e-7, 1 - 1e-7))
    so = torch.sin(omega)
    if so.abs() < 1e-6:
        return (1 - t) * a + t * b
    return (torch.sin((1 - t) * omega) / so) * a + (torch.sin(t * omega) / so) * b


def resumed_after(meta: dict, default_epochs: int = DEFAULT_EPOCHS) -> list[int]:
    """The epochs after which a checkpoint's training was resumed (`--resume`), read from its training commands
    (each run's `--epochs`, train.gan's default when absent); [] when they do not add up to its epochs."""
    commands = meta.get("previous_commands", []) + [meta.get("training_command", "")]
    runs = []
    for command in commands:
        m = re.search(r"--epochs[ =](\d+)", command)
        runs.append(int(m.group(1)) if m else default_epochs)
    if sum(runs) != meta.get("epochs"):
        return []
    return [sum(runs[:i]) for i in range(1, len(runs))]
