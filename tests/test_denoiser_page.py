"""Tab 3 in the page: ui/static/core/denoiser.js (with noise.js and nn.js) under Node against the library, which
/denoise and /superres run: 1,000 random settings each, images within a grey level, scores to the digits shown."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import genmodels
from genmodels import noise, superres
from genmodels.browser import PAGE_MODELS, page_path
from genmodels.data import DATASETS, load_sample
from genmodels.denoiser import compare_denoising

ROOT = Path(__file__).resolve().parent.parent
needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed (.ci/run has it)")
CASES = 1000


def grey(x: torch.Tensor) -> np.ndarray:
    """8-bit grey levels as the server shows them (genmodels.imaging.to_pil)."""
    return (x.clamp(0, 1).flatten().numpy() * 255 + 0.5).astype(np.uint8).astype(int)


def run_page(cases: list[dict], images: torch.Tensor, tmp_path: Path) -> list[dict]:
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    (tmp_path / "images.bin").write_bytes(images.numpy().astype(np.float32).tobytes())
    out = subprocess.run(["node", str(ROOT / "tests" / "js" / "restore.js"), str(tmp_path / "cases.json"),
                          str(tmp_path / "images.bin"), str(tmp_path / "out.json")], capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr
    return json.loads((tmp_path / "out.json").read_text())["cases"]


def compare(page: dict, server: dict, names: tuple[str, ...], tally: dict) -> None:
    """Images within one grey level; PSNR to 2 decimals and SSIM to 3 (the scores table) in all but rare cases
    where the value sits on a rounding edge (counted), and always within 0.006 dB / 0.0006."""
    for name in names:
        image, p, s = server[name]
        diff = np.abs(np.array(page[name]["grey"]) - grey(image))
        assert diff.max() <= 1, name
        tally["pixels"] += diff.size
        tally["off"] += int((diff > 0).sum())
        assert abs(page[name]["psnr"] - p) < 0.006 and abs(page[name]["ssim"] - s) < 6e-4, (name, page[name], p, s)
        tally["scores"] += 2
        tally["shown_differ"] += ((round(page[name]["psnr"], 2) != round(p, 2))
                                  + (round(page[name]["ssim"], 3) != round(s, 3)))


def random_cases(kinds: bool) -> tuple[torch.Tensor, list[dict]]:
    images = torch.cat([load_sample(d)[0] for d in DATASETS])
    g = torch.Generator().manual_seed(1)
    cases = []
    for _ in range(CASES):
        case = {"image": int(torch.randint(len(images), (), generator=g)),
                "dataset": list(DATASETS)[int(torch.randint(2, (), generator=g))]}
        if kinds:
            kind = noise.KINDS[int(torch.randint(4, (), generator=g))]
            case.update(kind=kind, level=round(float(torch.rand((), generator=g)) * noise.LEVEL_MAX[kind], 2),
                        seed=int(torch.randint(2 ** 31, (), generator=g)))
            case["model"] = str(page_path("denoiser", case["dataset"]))
        else:
            case["factor"] = (2, 4)[int(torch.randint(2, (), generator=g))]
            case["model"] = str(page_path("superres" if case["factor"] == 2 else "superres4", case["dataset"]))
        cases.append(case)
    return images, cases


def check_tally(tally: dict) -> None:
    assert tally["off"] / tally["pixels"] < 0.002, tally              # a pixel in 500 a grey level apart at most
    assert tally["shown_differ"] / tally["scores"] < 0.002, tally     # values on a rounding edge


def server_view(case: dict, images: torch.Tensor) -> tuple[dict, tuple[str, ...]]:
    """What /denoise (a case with a noise kind) or /superres shows for a case, and the images to compare."""
    clean = images[case["image"]:case["image"] + 1]
    if "kind" in case:
        model = genmodels.load_model("denoiser", case["dataset"])
        names = ("noisy", "denoised", "median")
        return compare_denoising(clean, model, case["kind"], case["level"], case["seed"]), names
    model = genmodels.load_model(superres.kind_for(case["factor"]), case["dataset"])
    return superres.compare_superres(clean, model), ("small", "bicubic", "model")


@needs_node
@pytest.mark.parametrize("denoising", [True, False], ids=["denoising", "superres"])
def test_the_pages_restorations_equal_the_servers(denoising, tmp_path):
    images, cases = random_cases(kinds=denoising)
    page = run_page(cases, images, tmp_path)
    tally = dict(pixels=0, off=0, scores=0, shown_differ=0)
    for case, result in zip(cases, page, strict=False):
        server, names = server_view(case, images)
        if denoising:
            assert result["noisy"]["grey"] == grey(server["noisy"][0]).tolist(), case    # seeded noise: exact
        compare(result, server, names, tally)
    check_tally(tally)


@pytest.mark.parametrize("kind", PAGE_MODELS)
def test_page_files_record_their_source_and_run_like_the_model(kind):
    """Each exported file names its checkpoint (SHA-256) and command; its layers, run here by PyTorch's functional
    ops, give the model's output (batch norm folded, dropout gone)."""
    import hashlib

    from safetensors import safe_open
    for dataset in DATASETS:
        registry_kind = PAGE_MODELS[kind][0]
        with safe_open(str(page_path(kind, dataset)), "pt") as f:
            meta = {k: json.loads(v) for k, v in f.metadata().items()}
            tensors = {k: f.get_tensor(k) for k in f.keys()}
        source = genmodels.entry(registry_kind, dataset).path
        assert meta["source_sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
        assert meta["training_command"] == f"python -m export.page_models --kind {kind} --dataset {dataset}"
        model = genmodels.load_model(registry_kind, dataset)
        side = 28 // getattr(model, "factor", 1)
        x = torch.nn.functional.avg_pool2d(load_sample(dataset)[0][:8], 28 // side)
        expected = model.predict_proba(x) if kind == "classifier" else model(x)
        assert torch.allclose(run_layers(meta["layers"], tensors, x), expected, atol=1e-5)


def run_layers(layers: list[dict], tensors: dict, x: torch.Tensor) -> torch.Tensor:
    F = torch.nn.functional
    for layer in layers:
        w, b = tensors.get(layer.get("weight")), tensors.get(layer.get("bias"))
        op = layer["op"]
        if op == "conv":
            x = F.conv2d(x, w, b, stride=layer["stride"], padding=layer["padding"])
        elif op == "conv_transpose":
            x = F.conv_transpose2d(x, w, b, stride=layer["stride"], padding=layer["padding"])
        elif op == "linear":
            x = F.linear(x, w, b)
        elif op == "relu":
            x = x.relu()
        elif op == "max_pool":
            x = F.max_pool2d(x, layer["kernel"])
        elif op == "flatten":
            x = x.flatten(1)
        elif op == "sigmoid":
            x = x.sigmoid()
        elif op == "softmax":
            x = x.softmax(1)
        else:
            raise AssertionError(op)
    return x


def test_every_page_file_is_what_its_command_makes(tmp_path):
    """python -m export.page_models reproduces each shipped page file: the same tensors and metadata."""
    from safetensors import safe_open

    from genmodels.browser import page_files
    out = subprocess.run([sys.executable, "-m", "export.page_models", "--out-dir", str(tmp_path)], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    for shipped in page_files():
        with safe_open(str(shipped), "pt") as a, safe_open(str(tmp_path / shipped.name), "pt") as b:
            assert a.metadata() == b.metadata() and sorted(a.keys()) == sorted(b.keys()), shipped.name
            # equal to the last bit or two: batch-norm folding rounds by the CPU's vector width (an AVX-512 machine
            # and an AVX2 one differ by 1 ulp in the classifier's folded weights; measured 7e-7 at most)
            assert all(torch.allclose(a.get_tensor(k).float(), b.get_tensor(k).float(), rtol=1e-6, atol=1e-6)
                       for k in a.keys()), shipped.name


@needs_node
def test_the_pages_summary_words_the_same_verdict_as_the_server(tmp_path):
    """genmodels.denoiser.summary and the page's summary() on the same PSNRs: the same sentence, gains and losses."""
    from genmodels.denoiser import summary
    rng = np.random.default_rng(0)
    cases = [{"noisy": float(n), "denoised": float(d), "median": float(m)}
             for n, d, m in rng.uniform(5, 45, (200, 3))] + [{"noisy": 42.2, "denoised": 33.0, "median": 40.0},
                                                            {"noisy": 100.0, "denoised": 35.0, "median": 100.0}]
    script = ("const d = require(process.argv[1]); const cases = JSON.parse(process.argv[2]);"
              "console.log(JSON.stringify(cases.map((c) => d.summary(c, 'test image #3 (7)'))));")
    page_code = ROOT / "ui" / "static" / "core" / "denoiser.js"
    out = subprocess.run(["node", "-e", script, str(page_code), json.dumps(cases)], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    page = json.loads(out.stdout)
    assert page == [summary(c, "test image #3 (7)") for c in cases]
    assert sum(p.startswith("At this little noise") for p in page) >= 50          # both verdicts were compared
