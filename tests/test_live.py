"""Live VAE training (genmodels.live): frames, determinism per seed, Stop, bad settings, the data it trains on."""
import re

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


def _saved(state: dict, metadata: dict | None = None) -> bytes:
    from safetensors.torch import save
    return save({k: v.contiguous() for k, v in state.items()}, metadata=metadata)


def test_a_model_trained_in_the_page_loads_from_its_file_or_base64_text():
    import base64
    import json
    model = live.new_model(4)
    about = {"dataset": "fashion", "beta": 0.3, "seed": 4, "steps": 120, "seconds": 2.5}
    data = _saved(model.state_dict(), {k: json.dumps(v) for k, v in about.items()})
    for sent in (data, base64.b64encode(data).decode()):
        loaded, meta = live.load_trained(sent)
        assert meta == about and not loaded.training
        for name, value in model.state_dict().items():
            assert torch.equal(loaded.state_dict()[name], value), name


@pytest.mark.parametrize("change, message", [
    (lambda s: {**s, "encoder.3.weight": torch.zeros(128, 256)},
     "not this tab's VAE: size mismatch for encoder.3.weight"),
    (lambda s: {k: v for k, v in s.items() if k != "decoder.0.bias"}, 'Missing key(s) in state_dict: "decoder.0.bias"'),
    (lambda s: {**s, "extra": torch.zeros(1)}, 'Unexpected key(s) in state_dict: "extra"'),
    (lambda s: {**s, "decoder.4.bias": torch.full((784,), float("nan"))}, "values that are not finite"),
])
def test_a_file_that_is_not_the_tabs_vae_is_refused_with_a_sentence(change, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        live.load_trained(_saved(change(live.new_model(0).state_dict())))


@pytest.mark.parametrize("sent, message", [
    ("", "No model file was sent"), (b"", "No model file was sent"), ("%%%", "not base64 text"),
    (b"\x08" + b"\x00" * 7 + b"{not json", "not a safetensors file"),
    ("QUFB" * (3 * 2 ** 19), "too large: at most 4.0 MB"),
    (b"\x00" * (live.MODEL_BYTES + 1), "too large"),
])
def test_garbage_sent_as_a_model_gets_a_clear_message(sent, message):
    with pytest.raises(ValueError, match=message):
        live.load_trained(sent)
