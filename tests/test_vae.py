import math

import pytest
import torch

import genmodels
from genmodels.data import load_sample
from genmodels.metrics import knn_accuracy, vae_negative_elbo
from genmodels.vae import VAE, VAEConfig, negative_elbo


@pytest.mark.parametrize("mlp_layers", [1, 3])
def test_shapes_and_ranges(mlp_layers):
    vae = VAE(VAEConfig(channels=8, hidden=32, mlp_layers=mlp_layers)).eval()
    assert sum(isinstance(m, torch.nn.Linear) for m in vae.decoder) == mlp_layers + 1
    x = torch.rand(5, 1, 28, 28)
    mu, logvar = vae.encode(x)
    assert mu.shape == (5, 2) and logvar.shape == (5, 2)
    out = vae.decode(torch.randn(5, 2) * 3)
    assert out.shape == (5, 1, 28, 28)
    assert out.min() >= 0 and out.max() <= 1


def test_elbo_finite_and_decreasing_on_tiny_batch():
    torch.manual_seed(0)
    vae = VAE(VAEConfig(channels=8, hidden=32))
    x = torch.zeros(16, 1, 28, 28)          # structured synthetic images: an 8×8 square, anywhere
    for i, (r, c) in enumerate(torch.randint(0, 20, (16, 2)).tolist()):
        x[i, 0, r:r + 8, c:c + 8] = 1.0
    opt = torch.optim.Adam(vae.parameters(), lr=3e-3)
    losses = []
    for _ in range(40):
        logits, mu, logvar = vae(x)
        loss, rec, kl = negative_elbo(logits, x, mu, logvar)
        assert math.isfinite(loss.item()) and kl.item() >= 0
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert sum(losses[-5:]) / 5 < 0.5 * sum(losses[:5]) / 5


def test_kl_matches_closed_form():
    mu, logvar = torch.tensor([[1.0, -2.0]]), torch.tensor([[0.5, -1.0]])
    _, _, kl = negative_elbo(torch.zeros(1, 1, 28, 28), torch.zeros(1, 1, 28, 28), mu, logvar)
    expected = sum(0.5 * (math.exp(lv) + m * m - 1 - lv) for m, lv in zip([1.0, -2.0], [0.5, -1.0], strict=False))
    assert kl.item() == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("dataset,max_nats,min_knn", [("mnist", 150, 0.8), ("fashion", 275, 0.6)])
def test_shipped_vae_is_trained(dataset, max_nats, min_knn):
    """The shipped model really models the data: low -ELBO on the shipped test images, and clusters classes."""
    vae = genmodels.load_model("vae", dataset=dataset)
    assert not vae.training and next(vae.parameters()).device.type == "cpu"
    meta = vae.metadata
    assert meta["dataset"] == dataset and meta["epochs"] > 0 and "training_command" in meta
    images, labels, _ = load_sample(dataset)
    assert vae_negative_elbo(vae, images)["neg_elbo"] < max_nats
    mu, _ = vae.encode(images)
    extras = genmodels.load_extras("vae", dataset)
    assert extras["test_mu"].shape == (10_000, 2)
    assert knn_accuracy(extras["test_mu"], extras["test_labels"].long(), mu, labels) > min_knn


def test_public_api_round_trip():
    vae = genmodels.load_model("vae", dataset="mnist")
    images, _, _ = load_sample("mnist")
    mu, logvar = vae.encode(images[:4])
    x_hat = vae.decode(mu)
    assert x_hat.shape == (4, 1, 28, 28) and 0 <= x_hat.min() and x_hat.max() <= 1
    assert ((x_hat - images[:4]) ** 2).mean() < 0.06   # reconstructions resemble their inputs
