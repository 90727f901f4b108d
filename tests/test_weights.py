import shutil

import pytest
import torch

import genmodels
from genmodels import registry, weights
from genmodels.weights import WeightsError, read_weights, save_weights


def test_round_trip_with_metadata(tmp_path):
    path = tmp_path / "w.safetensors"
    tensors = {"a": torch.randn(3, 4), "b": torch.arange(5)}
    meta = {"kind": "vae", "epochs": 3, "metrics": {"x": 1.5}, "training_command": "python -m train.vae"}
    save_weights(path, tensors, meta)
    back, meta_back = read_weights(path, "rebuild")
    assert meta_back == meta
    assert torch.equal(back["a"], tensors["a"]) and torch.equal(back["b"], tensors["b"])


def test_every_registry_entry_is_shipped_with_provenance():
    for (kind, dataset), e in registry.REGISTRY.items():
        _, meta = read_weights(e.path, e.train_command)
        if kind == "vgg16":             # converted, not trained: test_vgg_features_are_shipped_with_provenance_and_load
            continue
        assert meta["kind"] == kind and meta["dataset"] == dataset
        for key in ("config", "epochs", "metrics", "training_command", "torch_version"):
            assert key in meta, (e.path, key)
        assert meta["training_command"].startswith(f"python -m {e.train_module} --dataset {dataset}")
        for earlier in meta.get("previous_commands", []):
            assert earlier.startswith(f"python -m {e.train_module} --dataset {dataset}")


@pytest.fixture
def weights_copy(tmp_path, monkeypatch):
    """A copy of weights/ that a test may damage; load_model reads from it."""
    shutil.copytree(weights.WEIGHTS_DIR, tmp_path / "w")
    monkeypatch.setattr(weights, "WEIGHTS_DIR", tmp_path / "w")
    return tmp_path / "w"


def test_damaged_file_names_file_and_command(weights_copy):
    path = weights_copy / "vae-mnist.safetensors"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(WeightsError) as err:
        genmodels.load_model("vae", "mnist", cached=False)
    assert str(path) in str(err.value) and "python -m train.vae --dataset mnist" in str(err.value)
    assert "damaged" in str(err.value)


def test_garbage_file(weights_copy):
    path = weights_copy / "classifier-fashion.safetensors"
    path.write_bytes(b"\x00garbage" * 100)
    with pytest.raises(WeightsError, match="python -m train.classifier --dataset fashion"):
        genmodels.load_model("classifier", "fashion", cached=False)


def test_missing_file(weights_copy):
    (weights_copy / "vae-fashion.safetensors").unlink()
    with pytest.raises(WeightsError, match="missing.*python -m train.vae --dataset fashion"):
        genmodels.load_model("vae", "fashion", cached=False)


def test_file_of_wrong_model(weights_copy):
    shutil.copy(weights_copy / "classifier-mnist.safetensors", weights_copy / "vae-mnist.safetensors")
    with pytest.raises(WeightsError, match="holds a 'classifier' model"):
        genmodels.load_model("vae", "mnist", cached=False)


def test_unknown_names():
    with pytest.raises(ValueError, match="Unknown model kind"):
        genmodels.load_model("diffusion", "mnist")
    with pytest.raises(ValueError, match="Unknown dataset 'cifar'"):
        genmodels.load_model("vae", "cifar")
    with pytest.raises(ValueError, match="Unknown dataset for the vgg16 model 'mnist'"):
        genmodels.load_model("vgg16", "mnist")
    assert genmodels.canonical_dataset("Fashion-MNIST") == "fashion"


def test_vgg_features_are_shipped_with_provenance_and_load():
    from genmodels.style import load_vgg
    from genmodels.vgg16 import VGG_LAYERS
    e = genmodels.entry("vgg16", "imagenet")
    tensors, meta = read_weights(e.path, e.train_command)
    assert meta["kind"] == "vgg16-features" and meta["license"] == "CC BY 4.0"
    assert meta["mean_rgb"] == [123.68, 116.779, 103.939] and len(meta["source_file_sha256"]) == 64
    assert len(tensors) == 2 * len(VGG_LAYERS)
    out = load_vgg("cpu")(torch.zeros(1, 3, 32, 32), ["conv1_1", "conv5_1"])
    assert out["conv1_1"].shape == (1, 64, 32, 32) and out["conv5_1"].shape == (1, 512, 2, 2)


def test_missing_vgg_file_names_the_rebuild_command(tmp_path, monkeypatch):
    from genmodels import style
    monkeypatch.setattr(weights, "WEIGHTS_DIR", tmp_path)
    monkeypatch.setattr(registry, "_cache", {})         # as in a fresh process: nothing loaded yet
    with pytest.raises(WeightsError, match="python -m export.vgg16 --source"):
        style.load_vgg("cpu")


def test_missing_x4_superres_names_its_factor(weights_copy):
    (weights_copy / "superres-x4-fashion.safetensors").unlink()
    with pytest.raises(WeightsError, match="python -m train.superres --dataset fashion --factor 4"):
        genmodels.load_model("superres4", "fashion", cached=False)
