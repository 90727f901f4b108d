import math

import pytest
import torch

from genmodels import latent
from genmodels.vae import VAE, VAEConfig


def test_grid_layout_reads_like_a_plot():
    g = latent.grid_coordinates(3.0, 5)
    assert g.shape == (5, 5, 2)
    assert g[0, 0].tolist() == [-3.0, 3.0]      # top-left: smallest z1, largest z2
    assert g[4, 4].tolist() == [3.0, -3.0]


@pytest.mark.parametrize("row,col", [(0, 0), (3, 7), (14, 14), (7, 0)])
def test_cell_round_trip(row, col):
    z1, z2 = latent.cell_latent(row, col, 3.5, 15)
    assert latent.grid_cell(z1, z2, 3.5, 15) == (row, col)
    assert torch.allclose(latent.grid_coordinates(3.5, 15)[row, col], torch.tensor([z1, z2]), atol=1e-6)


def test_grid_cells_hold_equal_prior_mass():
    axis = latent.grid_axis(3.0, 9)
    normal = torch.distributions.Normal(0.0, 1.0)
    mass = normal.cdf(axis[1:]) - normal.cdf(axis[:-1])
    assert axis[0] == -3.0 and axis[-1] == 3.0 and axis[4].abs() < 1e-6
    assert torch.allclose(mass, mass.mean().expand_as(mass), rtol=1e-4)
    assert axis[5] - axis[4] < axis[8] - axis[7]          # finer near the origin
    for i, v in enumerate(axis.tolist()):
        assert latent.axis_position(v, 3.0, 9) == pytest.approx(i, abs=1e-4)


def test_grid_cell_clamps_outside_points():
    assert latent.grid_cell(100.0, -100.0, 3.0, 9) == (8, 8)


def test_interpolation_path_ends():
    a, b = torch.tensor([0.0, 1.0]), torch.tensor([2.0, -1.0])
    p = latent.interpolation_path(a, b, 5)
    assert p.shape == (5, 2) and torch.equal(p[0], a) and torch.equal(p[-1], b)
    assert torch.allclose(p[2], (a + b) / 2)


def test_posterior_ellipse_spans_two_sigma():
    xs, ys = latent.posterior_ellipse(torch.tensor([1.0, -1.0]), torch.log(torch.tensor([0.25, 1.0])), 2.0)
    assert max(xs) == pytest.approx(1.0 + 2 * 0.5) and min(ys) == pytest.approx(-1.0 - 2 * 1.0, abs=1e-3)


@pytest.mark.parametrize("bad,match", [((math.nan, 0), "z1 must be a number from -10 to 10, got nan"),
                                       ((0, math.inf), "z2 must be a number from -10 to 10, got inf"),
                                       ((1e9, 0), "z1 must be a number from -10 to 10"),
                                       (("x", 0), "z1 must be a number, got 'x'"), ((None, 0), "number")])
def test_check_latent_rejects_bad_values(bad, match):
    with pytest.raises(ValueError, match=match):
        latent.check_latent(*bad)


def test_decode_point_and_covering_radius():
    vae = VAE(VAEConfig(channels=4, hidden=8)).eval()
    assert latent.decode_point(vae, 0.5, -0.5).shape == (1, 28, 28)
    mu = torch.tensor([[0.1, -2.2], [1.0, 0.3]])
    assert latent.covering_radius(mu, quantile=1.0) == 2.5
