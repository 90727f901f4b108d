"""The super-resolution autoencoders (×2, ×4): shapes, a few training steps, the shipped ×2 model against bicubic."""
import pytest
import torch
from test_denoiser import few_steps_reduce_the_loss

import genmodels
from genmodels import noise
from genmodels.data import load_sample
from genmodels.metrics import psnr
from genmodels.superres import SuperRes, SuperResConfig, bicubic_upscale, kind_for


def test_model_shapes_and_ranges():
    x = torch.rand(3, 1, 28, 28)
    for factor in (2, 4):
        sr = SuperRes(SuperResConfig(factor=factor, channels=8))
        y = sr(noise.downscale(x, factor))
        assert y.shape == (3, 1, 28, 28) and 0 <= y.min() and y.max() <= 1
        with pytest.raises(ValueError, match=f"takes {28 // factor}×{28 // factor}"):
            sr(x)


def test_a_few_training_steps_reduce_the_loss():
    torch.manual_seed(0)
    few_steps_reduce_the_loss(SuperRes(SuperResConfig(factor=2, channels=8)), lambda x, g: noise.downscale(x, 2))


def test_shipped_x2_model_beats_bicubic():
    x = load_sample("mnist")[0][:100]
    sr = genmodels.load_model("superres", "mnist")
    small = noise.downscale(x, 2)
    assert psnr(sr(small), x).mean() > psnr(bicubic_upscale(small, 2), x).mean() + 2


def test_factor_names_the_model_kind():
    assert (kind_for(2), kind_for(4)) == ("superres", "superres4")
    with pytest.raises(ValueError, match="Unknown upscaling factor 3: choose 2 or 4"):
        kind_for(3)
