"""The denoising autoencoder: shapes, a few training steps, the shipped model against the median filter."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import genmodels
from genmodels import noise
from genmodels.data import load_sample
from genmodels.denoiser import Denoiser, DenoiserConfig, compare_denoising
from genmodels.metrics import psnr


def few_steps_reduce_the_loss(model, degrade) -> None:
    """30 Adam steps on 32 shipped digits lower the training loss by at least 30%."""
    x = load_sample("mnist")[0][:32]
    gen = torch.Generator().manual_seed(0)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(30):
        loss = F.binary_cross_entropy_with_logits(model.logits(degrade(x, gen)), x)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert np.mean(losses[-5:]) < 0.7 * np.mean(losses[:5])


def test_model_shapes_and_ranges():
    x = torch.rand(3, 1, 28, 28)
    assert Denoiser(DenoiserConfig(channels=8, code=4))(x).shape == (3, 1, 28, 28)
    deeper = Denoiser(DenoiserConfig(channels=8, code=4, depth=2))
    y = deeper(x)
    assert y.shape == (3, 1, 28, 28) and y.min() >= 0 and y.max() <= 1
    convs = [m for m in deeper.modules() if isinstance(m, torch.nn.Conv2d) and m.kernel_size == (3, 3)
             and m.in_channels == m.out_channels == 16]
    assert len(convs) == 4                   # two more 3×3 convolutions at 7×7 on each side of the code


def test_a_few_training_steps_reduce_the_loss():
    torch.manual_seed(0)                     # the model is built here, so its start does not depend on test order
    few_steps_reduce_the_loss(Denoiser(DenoiserConfig(channels=8, code=4)), noise.random_noise)


def test_shipped_denoiser_beats_the_noise_and_the_median_filter():
    x = load_sample("mnist")[0][:100]
    dae = genmodels.load_model("denoiser", "mnist")
    noisy = noise.add_noise(x, "gaussian", 0.5, seed=0)
    assert psnr(dae(noisy), x).mean() > psnr(noisy, x).mean() + 8
    r = compare_denoising(x[:1], dae, "gaussian", 0.5, seed=0)
    assert r["denoised"][1] > r["median"][1] > r["noisy"][1] and r["clean"][2] == pytest.approx(1.0)
