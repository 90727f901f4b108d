"""Where the app runs: devices, ZeroGPU's decorator off ZeroGPU, a shared CPU Space's limits."""
import importlib

import gradio as gr
import pytest
import torch

from ui import hosting


def test_off_zero_gpu_the_gpu_decorator_leaves_the_function_as_it_is(monkeypatch):
    def task(x):
        return x
    assert hosting.spaces is not None                     # requirements.txt installs it
    assert hosting.gpu(duration=lambda *a: 30)(task) is task
    monkeypatch.setattr(hosting, "spaces", None)          # and where it is not installed
    assert hosting.gpu(duration=lambda *a: 30)(task) is task


def test_under_zero_gpu_the_small_models_stay_on_the_cpu_and_style_transfer_goes_to_the_gpu(monkeypatch):
    monkeypatch.setattr(hosting.spaces.config.Config, "zero_gpu", True)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)      # what ZeroGPU's patched torch says
    try:
        importlib.reload(hosting)
        assert (hosting.ZERO_GPU, hosting.MODEL_DEVICE, hosting.STYLE_DEVICE) == (True, "cpu", "cuda")
    finally:
        monkeypatch.undo()
        importlib.reload(hosting)
    assert (hosting.ZERO_GPU, hosting.MODEL_DEVICE) == (False, "cuda" if torch.cuda.is_available() else "cpu")


@pytest.mark.parametrize("on_space,gpu,env,seconds", [
    (False, False, None, None),              # a laptop: no limit
    (True, False, None, 120),                # a CPU Space: the shared default
    (True, True, None, None),                # a GPU Space: runs take seconds
    (False, False, "45", 45),                # anywhere, the environment decides
    (True, False, "none", None),
    (True, False, "0", None),
])
def test_a_style_runs_time_limit_is_on_where_the_cpu_is_shared(monkeypatch, on_space, gpu, env, seconds):
    monkeypatch.setattr(hosting, "ON_SPACE", on_space)
    monkeypatch.setattr(hosting, "GPU", gpu)
    if env is None:
        monkeypatch.delenv("GENMODELS_STYLE_SECONDS", raising=False)
    else:
        monkeypatch.setenv("GENMODELS_STYLE_SECONDS", env)
    assert hosting.style_seconds() == seconds


@pytest.mark.parametrize("value", ["-5", "soon", "inf"])
def test_a_bad_limit_in_the_environment_is_a_clear_error(monkeypatch, value):
    monkeypatch.setenv("GENMODELS_STYLE_QUEUE", value)
    with pytest.raises(ValueError, match="GENMODELS_STYLE_QUEUE must be a positive number, 0 or 'none'"):
        hosting.style_queue()


def test_zero_gpus_own_errors_are_told_apart():
    assert hosting.zero_gpu_error(gr.Error("You have exceeded your free ZeroGPU quota", title="ZeroGPU quota exceeded"))
    assert hosting.zero_gpu_error(gr.Error("GPU task aborted", title="ZeroGPU worker error"))
    assert not hosting.zero_gpu_error(gr.Error("Choose a photo and a painting first"))


def test_models_load_onto_the_device_asked_for_and_an_absent_one_is_a_clear_error():
    import genmodels
    from genmodels import device
    vae = genmodels.load_model("vae", "mnist", device="cpu")
    assert device.model_device(vae).type == "cpu" and genmodels.load_model("vae", "mnist") is vae
    with pytest.raises(ValueError, match="Device 'nonsense' is not available here"):
        genmodels.use_device("nonsense")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="Device 'cuda' is not available here"):
            genmodels.use_device("cuda")
    assert device.default_device() == "cpu"
