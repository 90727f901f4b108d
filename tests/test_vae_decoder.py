"""The VAE decoder the browser runs: the exported file, and the plain-JS forward pass (under Node) against PyTorch."""
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch

import genmodels
from genmodels import latent
from genmodels.latent import GRID_N, slider_radius

ROOT = Path(__file__).resolve().parent.parent
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None,
                                reason="Node.js is not installed (.ci/run has it; apt-get install nodejs)")


def server_pixels(dataset: str, z: torch.Tensor) -> np.ndarray:
    """What /decode shows, as 8-bit grey levels (genmodels.imaging.to_pil's rounding)."""
    x = genmodels.load_model("vae", dataset).decode(z).clamp(0, 1)[:, 0].numpy()
    return (x * 255 + 0.5).astype(np.uint8)


def sliders_range_points(n: int = 1000) -> torch.Tensor:
    r = slider_radius()
    return (torch.rand(n, 2, generator=torch.Generator().manual_seed(0)) * 2 - 1) * r


@pytest.mark.parametrize("dataset", ["mnist", "fashion"])
def test_exported_decoder_records_its_source_and_decodes_like_the_vae(dataset):
    decoder = genmodels.load_model("vae-decoder", dataset)
    meta = decoder.metadata
    source = genmodels.entry("vae", dataset).path
    assert meta["source"] == source.name and meta["source_sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert meta["dtype"] == "float16" and meta["config"] == genmodels.load_model("vae", dataset).metadata["config"]
    assert [layer["op"] for layer in meta["layers"]][-4:] == ["conv_transpose", "relu", "conv", "sigmoid"]
    z = sliders_range_points(200)
    ours = (decoder.decode(z).clamp(0, 1)[:, 0].numpy() * 255 + 0.5).astype(np.uint8)
    assert np.abs(ours.astype(int) - server_pixels(dataset, z)).max() <= 1


@needs_node
@pytest.mark.parametrize("dataset", ["mnist", "fashion"])
def test_browser_decoder_gives_the_servers_pixels_within_one_grey_level(dataset, tmp_path):
    z = sliders_range_points(1000)
    (tmp_path / "points.json").write_text(json.dumps(z.tolist()))
    out = subprocess.run([NODE, str(ROOT / "tests" / "js" / "decode_points.js"),
                          str(genmodels.entry("vae-decoder", dataset).path), str(tmp_path / "points.json"),
                          str(tmp_path / "out.bin")], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    js = np.frombuffer((tmp_path / "out.bin").read_bytes(), np.uint8).reshape(1000, 28, 28).astype(int)
    diff = np.abs(js - server_pixels(dataset, z).astype(int))
    assert diff.max() <= 1 and (diff > 0).mean() < 0.02          # a few pixels a grey level apart, from float16 weights


@needs_node
def test_the_pages_manifold_marker_uses_the_grids_own_scale():
    r, values = slider_radius(), [-4.0, -2.5, -0.3, 0.0, 0.01, 1.7, 3.99, 4.0, 7.0]
    out = subprocess.run([NODE, str(ROOT / "tests" / "js" / "axis_positions.js"), str(r), str(GRID_N),
                          json.dumps(values)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    js = json.loads(out.stdout)
    assert js == pytest.approx([latent.axis_position(v, r, GRID_N) for v in values], abs=1e-4)
