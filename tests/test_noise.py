"""The noise models and the restoration baselines and metrics."""
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch

from genmodels import noise
from genmodels.data import load_sample
from genmodels.denoiser import median_filter
from genmodels.metrics import psnr, ssim
from genmodels.superres import bicubic_upscale

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def digits():
    return load_sample("mnist")[0][:64]


@pytest.mark.parametrize("kind", noise.KINDS)
def test_shape_range_determinism_and_identity(digits, kind):
    level = noise.LEVEL_MAX[kind] / 2
    a = noise.add_noise(digits, kind, level, seed=3)
    assert a.shape == digits.shape and a.dtype == digits.dtype
    assert a.min() >= 0 and a.max() <= 1
    assert torch.equal(a, noise.add_noise(digits, kind, level, seed=3))
    assert not torch.equal(a, noise.add_noise(digits, kind, level, seed=4))
    assert not torch.equal(a, digits)
    assert torch.equal(noise.add_noise(digits, kind, 0.0, seed=3), digits)


def test_gaussian_energy_matches_sigma():
    grey = torch.full((32, 1, 28, 28), 0.5)                    # mid-grey: clipping is rare at σ 0.1
    d = noise.add_noise(grey, "gaussian", 0.1, seed=0) - grey
    assert d.std().item() == pytest.approx(0.1, rel=0.03)
    assert abs(d.mean().item()) < 0.005


def test_salt_pepper_hits_the_given_fraction_half_each(digits):
    grey = torch.full((64, 1, 28, 28), 0.5)
    out = noise.add_noise(grey, "salt_pepper", 0.2, seed=0)
    hit = out != 0.5
    assert hit.float().mean().item() == pytest.approx(0.2, abs=0.01)
    assert (out[hit] == 1).float().mean().item() == pytest.approx(0.5, abs=0.03)


def test_lesson_noise_is_the_course_recipe():
    black = torch.zeros(64, 1, 28, 28)
    d = noise.add_noise(black, "lesson", 1.0, seed=0)           # x + N(0.5, 0.3), clipped
    assert d.mean().item() == pytest.approx(0.5, abs=0.01)
    assert d.std().item() == pytest.approx(0.275, abs=0.01)     # N(0.5, 0.3) clipped to [0,1]: 4.8% each side
    assert d.mean().item() > noise.add_noise(black, "lesson", 0.5, seed=0).mean().item()


def test_mask_erases_whole_blocks_of_the_given_area():
    white = torch.ones(16, 1, 28, 28)
    out = noise.add_noise(white, "mask", 0.25, seed=0)
    erased = (out == 0).float().mean(dim=(1, 2, 3))
    assert torch.allclose(erased, torch.full((16,), round(0.25 * 49) / 49))
    blocks = out.reshape(16, 7, 4, 7, 4)                       # every 4×4 block all kept or all erased
    assert torch.all(blocks.amin(dim=(2, 4)) == blocks.amax(dim=(2, 4)))


@pytest.mark.parametrize("kind,level,message", [
    ("poisson", 0.1, "Unknown noise kind"),
    ("gaussian", -0.1, "gaussian noise level must be a number from 0 to 1,"),
    ("salt_pepper", 0.9, "salt_pepper noise level must be a number from 0 to 0.5"),
    ("gaussian", float("nan"), "gaussian noise level must be a number from 0 to 1, got nan"),
    ("gaussian", "lots", "must be a number"),
])
def test_bad_kind_or_level_is_a_clear_error(digits, kind, level, message):
    with pytest.raises(ValueError, match=message):
        noise.add_noise(digits, kind, level)


def test_random_noise_mixes_kinds_and_keeps_range(digits):
    gen = torch.Generator().manual_seed(0)
    out = noise.random_noise(digits, gen)
    assert out.shape == digits.shape and 0 <= out.min() and out.max() <= 1
    changed = (out != digits).flatten(1).any(1)
    assert 0.8 < changed.float().mean() < 1.0 or changed.all()
    again = noise.random_noise(digits, torch.Generator().manual_seed(0))
    assert torch.equal(out, again)


def test_downscale_is_block_average_and_bicubic_inverts_it_roughly(digits):
    small = noise.downscale(digits, 2)
    assert small.shape == (64, 1, 14, 14)
    assert torch.allclose(small[:, :, 3, 5], digits[:, :, 6:8, 10:12].mean(dim=(2, 3)))
    assert noise.downscale(digits, 4).shape == (64, 1, 7, 7)
    up = bicubic_upscale(small, 2)
    assert up.shape == digits.shape and 0 <= up.min() and up.max() <= 1
    assert psnr(up, digits).mean() > 15
    with pytest.raises(ValueError, match="2 or 4"):
        noise.downscale(digits, 3)


def test_median_filter_removes_isolated_specks():
    img = torch.zeros(1, 1, 9, 9)
    img[0, 0, 4, 4] = 1.0                                      # one salt pixel on black: gone
    assert median_filter(img).abs().max() == 0
    bar = torch.zeros(1, 1, 9, 9)
    bar[0, 0, :, 3:6] = 1.0                                    # a 3-wide bar survives
    assert torch.equal(median_filter(bar), bar)


def test_psnr_and_ssim(digits):
    assert torch.all(psnr(digits, digits) == 100) and torch.allclose(ssim(digits, digits), torch.ones(64))
    light, heavy = (noise.add_noise(digits, "gaussian", s, seed=0) for s in (0.1, 0.5))
    assert torch.all(psnr(light, digits) > psnr(heavy, digits))
    assert torch.all(ssim(light, digits) > ssim(heavy, digits))
    # σ 0.1 noise without clipping would be exactly 20 dB; clipping at 0 (the black background) removes some
    assert 20 < psnr(light, digits).mean() < 24
    # reference value from skimage.metrics.structural_similarity(a, b, data_range=1, gaussian_weights=True,
    # sigma=1.5, use_sample_covariance=False) on these two synthetic images: 0.7082572256
    i = torch.arange(28.0)
    a = 0.5 + 0.5 * torch.sin(i[:, None] / 3) * torch.cos(i[None, :] / 4)
    b = (a ** 2 + 0.1 * torch.cos(i[None, :])).clamp(0, 1)
    assert ssim(a[None, None], b[None, None]).item() == pytest.approx(0.7082572256, abs=1e-6)


def test_seeded_draws_are_uniform_and_normal_and_streams_independent():
    from genmodels import rng
    u = rng.uniform(5, 1, 200_000)
    assert u.dtype == torch.float32 and 0 <= u.min() and u.max() < 1
    assert u.mean().item() == pytest.approx(0.5, abs=0.003) and u.var().item() == pytest.approx(1 / 12, rel=0.01)
    assert torch.histc(u, 10, 0, 1).div(len(u)).sub(0.1).abs().max() < 0.003        # flat over ten bins
    n = rng.normal(5, 0, 100_000)
    assert n.mean().abs() < 0.01 and n.std().item() == pytest.approx(1, abs=0.01) and n.abs().max() <= 6
    assert (n.abs() > 2).float().mean().item() == pytest.approx(0.0455, abs=0.003)     # the tails of N(0, 1)
    other = rng.uniform(5, 2, 200_000)
    assert abs(torch.corrcoef(torch.stack([u, other]))[0, 1]) < 0.01
    assert abs(torch.corrcoef(torch.stack([u, rng.uniform(6, 1, 200_000)]))[0, 1]) < 0.01   # neighbouring seeds


def test_no_seed_draws_a_fresh_one():
    x = torch.full((1, 1, 28, 28), 0.5)
    assert not torch.equal(noise.add_noise(x, "gaussian", 0.3), noise.add_noise(x, "gaussian", 0.3))


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed (.ci/run has it)")
def test_the_pages_noise_is_the_librarys_bit_for_bit(tmp_path):
    """1,000 random (test image, kind, level, seed) settings through ui/static/noise.js under Node."""
    from genmodels import rng
    images = torch.cat([load_sample(d)[0] for d in ("mnist", "fashion")])
    g = torch.Generator().manual_seed(0)
    cases = []
    for _ in range(1000):
        kind = noise.KINDS[int(torch.randint(4, (), generator=g))]
        level = round(float(torch.rand((), generator=g)) * noise.LEVEL_MAX[kind], 2)   # the slider's steps
        cases.append({"image": int(torch.randint(len(images), (), generator=g)), "kind": kind, "level": level,
                      "seed": int(torch.randint(2 ** 31, (), generator=g))})
    cases[:4] = [{**cases[i], "seed": s} for i, s in enumerate((0, 1, 2 ** 31 - 1, 12345))]
    (tmp_path / "cases.json").write_text(json.dumps({"cases": cases, "streams": {"seed": 2 ** 31 - 1, "n": 5000}}))
    (tmp_path / "images.bin").write_bytes(images.numpy().astype(np.float32).tobytes())
    out = subprocess.run(["node", str(ROOT / "tests" / "js" / "add_noise.js"), str(tmp_path / "cases.json"),
                          str(tmp_path / "images.bin"), str(tmp_path / "out.bin")], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    js = torch.from_numpy(np.frombuffer((tmp_path / "out.bin").read_bytes(), np.float32).copy()).reshape(-1, 784)
    for c, case in enumerate(cases):
        ours = noise.add_noise(images[case["image"]:case["image"] + 1], case["kind"], case["level"], case["seed"])
        assert torch.equal(js[c], ours.flatten()), case
    streams = json.loads((tmp_path / "out.bin.streams.json").read_text())
    assert streams["bits"] == rng.bits(2 ** 31 - 1, 3, 5000).tolist()
    assert torch.equal(torch.tensor(streams["normal"], dtype=torch.float32), rng.normal(2 ** 31 - 1, 0, 5000))
