"""Evaluation metrics shared by training scripts, benchmarks and tests."""
from __future__ import annotations

import torch
import torch.nn.functional as F

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
            for k, v in zip(total, (loss, rec, kl), strict=False):
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
        correct += int((pred == test_y[i:i + batch]).sum().item())
    return correct / len(test_z)


def psnr(x: torch.Tensor, y: torch.Tensor, peak: float = 1.0) -> torch.Tensor:
    """Peak signal-to-noise ratio in dB per image (N×C×H×W → N); identical images give 100 dB, not ∞."""
    mse = (x - y).pow(2).flatten(1).mean(1).clamp_min(1e-10)
    return 10 * torch.log10(peak ** 2 / mse)


def _gaussian_window(size: int = 11, sigma: float = 1.5) -> torch.Tensor:
    g = torch.exp(-(torch.arange(size, dtype=torch.float32) - size // 2) ** 2 / (2 * sigma ** 2))
    g = g / g.sum()
    return (g[:, None] * g[None, :])[None, None]


def ssim(x: torch.Tensor, y: torch.Tensor, peak: float = 1.0) -> torch.Tensor:
    """Structural similarity per image (N×1×H×W → N), as Wang et al. (2004) define it: 11×11 Gaussian
    window (σ 1.5), K1 0.01, K2 0.03, averaged over the positions where the window fits (matches
    skimage's structural_similarity with gaussian_weights=True, use_sample_covariance=False)."""
    w = _gaussian_window().to(x)
    c1, c2 = (0.01 * peak) ** 2, (0.03 * peak) ** 2
    mu_x, mu_y = F.conv2d(x, w), F.conv2d(y, w)
    sxx = F.conv2d(x * x, w) - mu_x ** 2
    syy = F.conv2d(y * y, w) - mu_y ** 2
    sxy = F.conv2d(x * y, w) - mu_x * mu_y
    s = ((2 * mu_x * mu_y + c1) * (2 * sxy + c2)) / ((mu_x ** 2 + mu_y ** 2 + c1) * (sxx + syy + c2))
    return s.flatten(1).mean(1)


Scored = tuple[torch.Tensor, float, float]   # image 1×1×28×28, PSNR (dB), SSIM against the clean image


def score_against(clean: torch.Tensor, images: dict[str, torch.Tensor]) -> dict[str, Scored]:
    """Each image with its PSNR and SSIM against `clean` (what the restoration tabs caption)."""
    return {k: (v, psnr(v, clean).item(), ssim(v, clean).item()) for k, v in images.items()}


@torch.no_grad()
def restoration_scores(restore, inputs: torch.Tensor, clean: torch.Tensor, batch: int = 2000) -> dict[str, float]:
    """Mean PSNR (dB) and SSIM of restore(inputs) against the clean images, batched."""
    p, s = [], []
    for i in range(0, len(clean), batch):
        out = restore(inputs[i:i + batch])
        p.append(psnr(out, clean[i:i + batch]))
        s.append(ssim(out, clean[i:i + batch]))
    return {"psnr": torch.cat(p).mean().item(), "ssim": torch.cat(s).mean().item()}


def frechet_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (N×D each):
    ‖μa − μb‖² + Tr(Σa + Σb − 2 (Σa Σb)^½), computed in float64 via symmetric eigendecompositions."""
    a, b = a.double(), b.double()
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = torch.cov(a.T), torch.cov(b.T)
    vals, vecs = torch.linalg.eigh(cov_a)
    root_a = vecs @ torch.diag(vals.clamp_min(0).sqrt()) @ vecs.T
    cross = torch.linalg.eigvalsh(root_a @ cov_b @ root_a).clamp_min(0).sqrt().sum()   # Tr (Σa Σb)^½
    return ((mu_a - mu_b).pow(2).sum() + torch.trace(cov_a) + torch.trace(cov_b) - 2 * cross).item()


@torch.no_grad()
def classifier_features(classifier, images: torch.Tensor, batch: int = 1000) -> tuple[torch.Tensor, torch.Tensor]:
    """Penultimate-layer features and class probabilities of the evaluation classifier, batched."""
    feats, probs = [], []
    for i in range(0, len(images), batch):
        f = classifier.features(images[i:i + batch])
        feats.append(f)
        probs.append(torch.softmax(classifier.head(f), dim=1))
    return torch.cat(feats), torch.cat(probs)


def sample_quality(classifier, samples: torch.Tensor, reference_features: torch.Tensor) -> dict:
    """What the evaluation classifier thinks of generated samples: classifier FID against reference features,
    the share of each predicted class, and the mean top-class probability."""
    feats, probs = classifier_features(classifier, samples)
    shares = torch.bincount(probs.argmax(1), minlength=probs.shape[1]).float() / len(samples)
    return {"fid": frechet_distance(feats, reference_features), "class_shares": [round(v, 4) for v in shares.tolist()],
            "mean_top_probability": probs.max(1).values.mean().item()}
