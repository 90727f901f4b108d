"""Live VAE training (genmodels.live): frames, determinism per seed, Stop, bad settings, the data it trains on."""
import pytest
import torch

from genmodels import live
from genmodels.data import held_out_images, training_images
from genmodels.vae import VAE


def run(steps: int, **kwargs) -> list:
    return list(live.train_vae("mnist", max_steps=steps, frame_seconds=0.0, **kwargs))


def test_frames_carry_the_step_losses_model_and_encodings():
    frames = run(5, seed=1)
    assert [f.step for f in frames] == [0, 1, 2, 3, 4, 5] and frames[-1].done and not frames[-2].done
    last = frames[-1]
    assert isinstance(last.model, VAE) and not last.model.training
    assert last.test_mu.shape == (len(held_out_images("mnist")[0]), 2) == (2000, 2)
    assert torch.isfinite(last.test_mu).all() and 0 <= last.knn <= 1 and "shipped MNIST subset" in last.source
    assert last.reconstruction > 100 and last.kl >= 0 and len(last.history["kl"]) == 5
    assert last.model.decode(torch.zeros(1, 2)).shape == (1, 1, 28, 28)
    # a frame's model is a copy: later training does not change it
    assert not torch.equal(frames[1].model.decoder[0].weight, frames[-1].model.decoder[0].weight)


def test_the_same_seed_and_settings_give_the_same_run():
    a, b, c = run(8, seed=3), run(8, seed=3), run(8, seed=4)
    assert a[-1].history["reconstruction"] == b[-1].history["reconstruction"]
    assert torch.equal(a[-1].test_mu, b[-1].test_mu)
    assert a[-1].history["reconstruction"] != c[-1].history["reconstruction"]
    assert run(8, seed=3, beta=5.0)[-1].history["kl"] != a[-1].history["kl"]


def test_stop_ends_the_run_with_a_last_frame():
    calls = []
    frames = list(live.train_vae("fashion", frame_seconds=0.0, stop=lambda: calls.append(1) or len(calls) >= 3))
    assert frames[-1].done and frames[-1].step == 3
    gen = live.train_vae("mnist", frame_seconds=0.0)
    next(gen), next(gen)
    gen.close()                                   # a consumer that goes away stops the training


@pytest.mark.parametrize("kwargs,message", [
    (dict(beta=0.01), "The KL weight β must be a number from 0.1 to 10"),
    (dict(beta=float("nan")), "The KL weight β must be a number"),
    (dict(lr=1.0), "The learning rate must be a number from 0.0001 to 0.01"),
    (dict(seed=-1), "The seed must be a whole number"),
    (dict(max_seconds=0), "The time limit"),
])
def test_bad_settings_are_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        next(live.train_vae("mnist", **kwargs))
    with pytest.raises(ValueError, match="Unknown dataset"):
        next(live.train_vae("cifar"))


def test_without_the_dataset_it_trains_on_the_shipped_subset(tmp_path):
    images, labels, source = training_images("fashion", tmp_path)          # an empty folder: no dataset there
    assert images.shape == (10_000, 1, 28, 28) and "shipped" in source
    assert torch.bincount(labels).tolist() == [1000] * 10
    assert 0 <= images.min() and images.max() <= 1
