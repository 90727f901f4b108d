"""bench/gpu_check.py, the GPU check, kept working where no GPU is: the same checks, small, on the CPU; and the
shipped samples standing in for a dataset, as the check's training runs use them on a bare GPU machine."""
import subprocess
import sys
from pathlib import Path

import torch

from genmodels.data import load_sample, load_split, write_sample_as_dataset
from genmodels.weights import read_weights

ROOT = Path(__file__).resolve().parent.parent


def test_the_gpu_check_runs_small_on_the_cpu_without_gradio():
    done = subprocess.run([sys.executable, "bench/gpu_check.py", "--device", "cpu", "--quick", "--skip-training"],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr          # the script asserts Gradio was not imported
    for row in ("model vae (mnist): encode 500", "model gan (mnist): realness of 500", "passes per second",
                "Stop → device idle", "loss after 50 passes", "started and stopped"):
        assert row in done.stdout, row
    assert "❌" not in done.stdout


def test_the_shipped_sample_stands_in_for_a_dataset_and_a_training_script_runs_on_it(tmp_path):
    write_sample_as_dataset("fashion", tmp_path)
    images, labels = load_split("fashion", train=True, root=tmp_path, download=False)
    sample, sample_labels, _ = load_sample("fashion")
    assert torch.equal(images, sample) and torch.equal(labels, sample_labels)
    write_sample_as_dataset("mnist", tmp_path)
    out = tmp_path / "sr.safetensors"
    done = subprocess.run([sys.executable, "-m", "train.superres", "--dataset", "mnist", "--data-root", str(tmp_path),
                           "--epochs", "1", "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    tensors, meta = read_weights(out, "rebuild")
    assert meta["kind"] == "superres" and meta["epochs"] == 1 and "psnr" in meta["metrics"]
