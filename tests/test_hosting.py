"""Where the app runs: devices, ZeroGPU's decorator off ZeroGPU, a shared CPU Space's limits."""
import importlib

import gradio as gr
import pytest
import torch
from conftest import start_app

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
        assert (hosting.ZERO_GPU, hosting.MODEL_DEVICE, hosting.LONG_RUN_DEVICE) == (True, "cpu", "cuda")
    finally:
        monkeypatch.undo()
        importlib.reload(hosting)
    assert (hosting.ZERO_GPU, hosting.MODEL_DEVICE) == (False, "cuda" if torch.cuda.is_available() else "cpu")


@pytest.mark.parametrize("on_space,gpu,env,seconds", [
    (False, False, None, None),              # a laptop: no limit
    (True, False, None, 120),                # a CPU Space: the shared default
    (True, True, None, 60),                  # a dedicated GPU Space: runs take seconds, and still have a limit
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
    assert hosting.long_run_seconds() == seconds


@pytest.mark.parametrize("value", ["-5", "soon", "inf"])
def test_a_bad_limit_in_the_environment_is_a_clear_error(monkeypatch, value):
    monkeypatch.setenv("GENMODELS_STYLE_QUEUE", value)
    with pytest.raises(ValueError, match="GENMODELS_STYLE_QUEUE must be a positive number, 0 or 'none'"):
        hosting.long_run_queue()


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


def test_an_upload_over_the_limit_is_refused_before_it_is_stored_and_old_uploads_are_swept(tmp_path):
    import os
    import time
    from pathlib import Path

    import httpx

    cache = tmp_path / "cache"
    proc, url = start_app(cache, GENMODELS_MAX_UPLOAD_MB="1", GENMODELS_UPLOAD_KEEP_SECONDS="2")
    try:
        big = httpx.post(url + "/gradio_api/upload", files={"files": ("big.jpg", b"\xff" * (2 * 2 ** 20 + 1))})
        assert big.status_code == 413 and "maximum allowed size of 1048576 bytes" in big.text
        assert not [p for p in cache.rglob("*") if p.is_file() and p.stat().st_size > 2 ** 20]   # nothing kept
        small = httpx.post(url + "/gradio_api/upload", files={"files": ("small.png", b"\x89PNG" + b"\0" * 1000)})
        stored = small.json()[0]
        assert small.status_code == 200 and cache in Path(stored).parents
        assert os.path.exists(stored)
        deadline = time.time() + 15
        while os.path.exists(stored) and time.time() < deadline:      # older than 2 s: swept
            time.sleep(0.5)
        assert not os.path.exists(stored)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_upload_limits_come_from_the_environment(monkeypatch):
    assert hosting.max_upload() == hosting.MAX_UPLOAD_MB * 2 ** 20
    assert hosting.cache_sweep() == (hosting.UPLOAD_SWEEP_SECONDS, hosting.UPLOAD_KEEP_SECONDS)
    monkeypatch.setenv("GENMODELS_MAX_UPLOAD_MB", "none")
    monkeypatch.setenv("GENMODELS_UPLOAD_KEEP_SECONDS", "off")
    assert hosting.max_upload() is None and hosting.cache_sweep() is None
    monkeypatch.setenv("GENMODELS_UPLOAD_KEEP_SECONDS", "60")
    assert hosting.cache_sweep() == (30, 60)
