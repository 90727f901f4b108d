"""The DCGAN: shapes, determinism, truncation, the discriminator filter, a training step, the shipped timeline."""
import math

import pytest
import torch

import genmodels
from genmodels import gan_filter
from genmodels.gan import GAN, GANConfig, discriminator_loss, generator_loss, resumed_after, slerp


@pytest.fixture(scope="module")
def tiny():
    torch.manual_seed(0)
    return GAN(GANConfig(latent_dim=8, channels=8))


def test_shapes_and_ranges(tiny):
    imgs = tiny.sample(5, seed=0)
    assert imgs.shape == (5, 1, 28, 28) and imgs.min() >= 0 and imgs.max() <= 1
    assert tiny.generate(torch.randn(3, tiny.latent_dim)).shape == (3, 1, 28, 28)
    r = tiny.realness(imgs)
    assert r.shape == (5,) and (r > 0).all() and (r < 1).all()


def test_same_seed_same_images_and_truncation_zero_is_the_mean_image(tiny):
    assert torch.equal(tiny.sample(4, seed=7), tiny.sample(4, seed=7))
    assert not torch.equal(tiny.sample(4, seed=7), tiny.sample(4, seed=8))
    mean = tiny.sample(6, seed=3, truncation=0.0)
    assert torch.equal(mean, mean[:1].expand_as(mean))
    assert torch.allclose(mean[0], tiny.generate(torch.zeros(1, tiny.latent_dim))[0], atol=1e-5)


def test_discriminator_filter_keeps_the_draws_most_real_for_their_kind(tiny):
    kept = tiny.sample(6, seed=5, keep=0.5)
    draws = tiny.generate(tiny.latents(12, seed=5))
    realness, features = tiny.judge(draws)
    assert torch.allclose(realness, tiny.realness(draws))
    chosen = torch.tensor([int((draws - k).abs().flatten(1).sum(1).argmin()) for k in kept])
    assert chosen.tolist() == sorted(chosen.tolist()) and len(set(chosen.tolist())) == 6      # draw order, no repeats
    percentile = gan_filter.percentile_within_kind(tiny.filter_calibration(), features, realness)
    rejected = torch.ones(12, dtype=torch.bool)
    rejected[chosen] = False
    assert percentile[chosen].min() >= percentile[rejected].max()
    assert torch.equal(kept, tiny.sample(6, seed=5, keep=0.5))                                   # still per seed
    assert torch.equal(tiny.sample(6, seed=5, keep=1.0), tiny.generate(tiny.latents(6, seed=5)))  # 1 = no filter
    for bad in (0.0, -0.5, 1.5, float("nan")):
        with pytest.raises(ValueError, match="keep"):
            tiny.sample(2, seed=0, keep=bad)
    for n, seed, truncation, message in ((0, 0, 1.0, "number of samples"), (2.5, 0, 1.0, "number of samples"),
                                         (2, -1, 1.0, "seed"), (2, 1.5, 1.0, "seed"), (2, 0, 3.0, "truncation")):
        with pytest.raises(ValueError, match=message):
            tiny.sample(n, seed=seed, truncation=truncation)


def test_discriminator_filter_raises_the_shipped_mnist_gans_quality():
    gan, clf = genmodels.load_model("gan", "mnist"), genmodels.load_model("classifier", "mnist")
    raw, kept = gan.sample(1000, seed=1), gan.sample(1000, seed=1, keep=0.6)
    assert gan.realness(kept).mean() > gan.realness(raw).mean() + 0.02
    top_raw, top_kept = (clf.predict_proba(x).max(1).values.mean() for x in (raw, kept))
    assert top_kept > top_raw + 0.01
    assert len(set(clf.predict_proba(kept).argmax(1).tolist())) == 10                       # no class filtered out


def blobs(sizes: list[int], seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Well-separated Gaussian blobs in 32 dimensions and each point's blob."""
    gen = torch.Generator().manual_seed(seed)
    centres = 20 * torch.randn(len(sizes), 32, generator=gen)
    labels = torch.cat([torch.full((n,), i) for i, n in enumerate(sizes)])
    return centres[labels] + torch.randn(len(labels), 32, generator=gen), labels


def test_kmeans_finds_separated_blobs_deterministically():
    x, labels = blobs([50, 80, 120])
    centroids = gan_filter.kmeans(x, 3, seed=1)
    nearest = torch.cdist(x, centroids).argmin(1)
    for blob in range(3):           # each blob lands whole in one cluster, and each cluster holds one blob
        assert len(set(nearest[labels == blob].tolist())) == 1
    assert len(set(nearest.tolist())) == 3
    assert torch.equal(centroids, gan_filter.kmeans(x, 3, seed=1))


def test_the_filter_keeps_every_kind_even_one_the_discriminator_dislikes():
    x, kinds = blobs([400, 400, 400, 400])
    realness = torch.rand(len(x), generator=torch.Generator().manual_seed(2))
    realness = torch.where(kinds == 3, realness / 2, 0.5 + realness / 2)   # kind 3 always looks less real
    cal = gan_filter.calibrate(x, realness, k=4)
    new_x, new_kinds = blobs([100, 100, 100, 100])
    new_realness = torch.rand(400, generator=torch.Generator().manual_seed(3))
    new_realness = torch.where(new_kinds == 3, new_realness / 2, 0.5 + new_realness / 2)
    assert (new_kinds[new_realness.topk(240).indices] == 3).sum() == 0      # a plain cut drops kind 3 entirely
    kept = gan_filter.keep_most_real(cal, new_x, new_realness, 240)
    shares = torch.bincount(new_kinds[kept], minlength=4) / 240
    assert shares.min() > 0.2 and shares.max() < 0.3                        # per kind: each keeps about 60%
    for kind in range(4):                       # and within a kind, the kept ones are its most real
        mine = new_kinds == kind
        kept_mask = torch.zeros(400, dtype=torch.bool)
        kept_mask[kept] = True
        assert new_realness[mine & kept_mask].min() >= new_realness[mine & ~kept_mask].max()


def test_one_training_step_updates_both_networks(tiny):
    gan = GAN(GANConfig(latent_dim=8, channels=8))
    G, D = gan.generator, gan.discriminator
    g0 = [p.detach().clone() for p in G.parameters()]
    d0 = [p.detach().clone() for p in D.parameters()]
    opt_g, opt_d = torch.optim.Adam(G.parameters(), 1e-3), torch.optim.Adam(D.parameters(), 1e-3)
    real = torch.rand(8, 1, 28, 28) * 2 - 1
    fake = G(torch.randn(8, 8))
    d_loss = discriminator_loss(D(real), D(fake.detach()))
    opt_d.zero_grad()
    d_loss.backward()
    opt_d.step()
    g_loss = generator_loss(D(fake))
    opt_g.zero_grad()
    g_loss.backward()
    opt_g.step()
    assert math.isfinite(d_loss.item()) and math.isfinite(g_loss.item())
    assert any(not torch.equal(a, b) for a, b in zip(g0, G.parameters(), strict=False))
    assert any(not torch.equal(a, b) for a, b in zip(d0, D.parameters(), strict=False))


def test_top_k_generator_loss_uses_only_the_most_realistic_fakes():
    logits = torch.tensor([3.0, -2.0, 1.0, -5.0])
    best_half = torch.nn.functional.binary_cross_entropy_with_logits(torch.tensor([3.0, 1.0]), torch.ones(2))
    assert generator_loss(logits, top_k=0.5).item() == pytest.approx(best_half.item())
    assert generator_loss(logits, top_k=0.5) < generator_loss(logits)      # the worst fakes are left out


def test_slerp_ends_at_both_points():
    a, b = torch.randn(16), torch.randn(16)
    path = slerp(a, b, 5)
    assert path.shape == (5, 16)
    assert torch.allclose(path[0], a, atol=1e-5) and torch.allclose(path[-1], b, atol=1e-5)


@pytest.mark.parametrize("dataset", ["mnist", "fashion"])
def test_shipped_gan_and_its_timeline_load(dataset):
    gan = genmodels.load_model("gan", dataset)
    meta = gan.metadata
    grids = genmodels.load_extras("gan", dataset)["timeline_grids"]
    epochs = len(meta["timeline"])
    assert epochs == meta["epochs"] and grids.shape == (epochs, 64, 28, 28) and grids.dtype == torch.uint8
    assert len(meta["curves"]["step"]) == len(meta["curves"]["g_loss"]) == len(meta["curves"]["d_real"]) > 10
    same_scorer = [t for t in meta["timeline"] if t.get("scored_by") == meta["timeline"][-1].get("scored_by")]
    assert len(same_scorer) >= 2 and same_scorer[-1]["fid"] < same_scorer[0]["fid"]       # it learnt
    # the last grid is the shipped generator on the fixed noise
    last = gan.generate(gan.latents(64, meta["fixed_noise_seed"]))
    assert (last[:, 0] * 255 - grids[-1].float()).abs().max() <= 1


def test_resume_points_are_read_from_the_training_commands():
    meta = {"epochs": 34, "training_command": "python -m train.gan --epochs 10 --resume b.safetensors",
            "previous_commands": ["python -m train.gan --epochs 8", "python -m train.gan --epochs=16 --resume a"]}
    assert resumed_after(meta) == [8, 24]
    assert resumed_after({"epochs": 10, "training_command": "python -m train.gan --dataset mnist"}) == []
    assert resumed_after({**meta, "epochs": 33}) == []                  # commands that do not add up: no lines
    assert resumed_after(genmodels.load_model("gan", "mnist").metadata) == [8, 24]
    assert resumed_after(genmodels.load_model("gan", "fashion").metadata) == [8, 14, 17]


def test_shipped_mnist_gan_makes_digits_the_classifier_recognises():
    gan = genmodels.load_model("gan", "mnist")
    probs = genmodels.load_model("classifier", "mnist").predict_proba(gan.sample(200, seed=0))
    assert probs.max(1).values.mean() > 0.8
    assert len(set(probs.argmax(1).tolist())) == 10                     # no mode collapse




@pytest.mark.parametrize("dataset", ["mnist", "fashion"])
def test_the_shipped_filter_is_the_calibration_of_the_shipped_weights(dataset):
    """export.gan_filter ships the filter, so the app does not calibrate it at start-up; it equals a fresh one."""
    import genmodels

    gan = genmodels.load_model("gan", dataset, cached=False)
    shipped = gan._filter
    assert shipped is not None                                  # loaded with the weights, nothing computed
    fresh = gan.calibrate_filter()
    # the same up to float rounding: a CPU with AVX-512 sums in another order than the AVX2 one that made the file
    # (1.9e-6 apart here), and the kinds keep the same members
    assert torch.equal(shipped.projection, fresh.projection)
    assert torch.allclose(shipped.centroids, fresh.centroids, atol=1e-5)
    assert [len(r) for r in shipped.realness] == [len(r) for r in fresh.realness]
    assert all(torch.allclose(a, b, atol=1e-5) for a, b in zip(shipped.realness, fresh.realness, strict=False))


def test_a_shipped_filter_made_for_other_weights_is_not_used():
    import genmodels
    from genmodels import gan_filter

    shipped = genmodels.load_model("gan", "mnist", cached=False)
    other = GAN(GANConfig(**shipped.metadata["config"]))                    # same shape, other (random) weights
    tensors = gan_filter.to_tensors(shipped._filter)
    assert not other.set_shipped_filter(tensors, shipped.fingerprint()) and other._filter is None
    assert shipped.set_shipped_filter(tensors, shipped.fingerprint())
