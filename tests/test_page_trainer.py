"""The live VAE's training step in the page (ui/static/core/vae_train.js on TF.js's WebAssembly backend under Node,
and on its WebGPU backend in Chromium) against PyTorch's (genmodels.vae.training_step): the same weights, batches and
ε give the same loss terms and the same weights after Adam, within 1e-4 relative."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from genmodels import live
from genmodels.data import held_out_images
from genmodels.vae import training_step

ROOT = Path(__file__).resolve().parent.parent
needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed (.ci/run has it)")


def run_page_steps(tmp_path: Path, state: dict, batches: list, noises: list, betas: list) -> dict:
    tensors = {name: t.contiguous() for name, t in state.items()}
    for k, (x, noise) in enumerate(zip(batches, noises, strict=True)):
        tensors[f"x.{k}"], tensors[f"noise.{k}"] = x.reshape(len(x), -1).contiguous(), noise.contiguous()
    save_file(tensors, str(tmp_path / "in.safetensors"), metadata={"betas": json.dumps(betas)})
    out = subprocess.run(["node", str(ROOT / "tests" / "js" / "vae_step.js"), str(tmp_path / "in.safetensors"),
                          str(tmp_path / "out.json")], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads((tmp_path / "out.json").read_text())


def three_steps(seed: int = 3):
    """A fresh live model, three held-out MNIST batches, their ε and β (the warm-up's first, then larger ones)."""
    model = live.new_model(seed=seed)
    images = held_out_images("mnist")[0]
    batches = [images[k * live.BATCH_SIZE:(k + 1) * live.BATCH_SIZE] for k in range(3)]
    draws = torch.Generator().manual_seed(11)
    noises = [torch.randn(live.BATCH_SIZE, 2, generator=draws) for _ in batches]
    return model, batches, noises, [0.005, 0.5, 1.0]


def assert_steps_equal_pytorchs(page: dict, model, batches: list, betas: list) -> None:
    """The page's loss terms and weights after the steps equal genmodels.vae.training_step's from the same start."""
    optimizer = torch.optim.Adam(model.parameters(), lr=live.DEFAULT_LR)
    generator = torch.Generator().manual_seed(11)      # training_step draws the same ε from it
    for k, (x, beta) in enumerate(zip(batches, betas, strict=True)):
        loss, rec, kl = training_step(model, optimizer, x, beta, generator=generator)
        got = page["terms"][k]
        assert got["loss"] == pytest.approx(loss, rel=1e-4)
        assert got["reconstruction"] == pytest.approx(rec, rel=1e-4)
        assert got["kl"] == pytest.approx(kl, rel=1e-4)
    for name, weight in model.state_dict().items():
        mine = torch.tensor(page["weights"][name]).reshape(weight.shape)       # both after three steps
        # within 1e-4 of each tensor, relative; and no weight more than 5% of a step (lr) away: where a gradient is
        # as small as Adam's ε (pixels a batch hardly ever inks), its step depends on float32 rounding in both (the
        # order each engine sums a product in: 1.9% of a step at worst here)
        assert torch.linalg.norm(mine - weight) <= 1e-4 * torch.linalg.norm(weight), name
        assert (mine - weight).abs().max() <= 0.05 * live.DEFAULT_LR, (name, (mine - weight).abs().max())


@needs_node
def test_three_page_steps_equal_pytorchs_loss_terms_and_weights(tmp_path):
    model, batches, noises, betas = three_steps()
    page = run_page_steps(tmp_path, {k: v.clone() for k, v in model.state_dict().items()}, batches, noises, betas)
    assert_steps_equal_pytorchs(page, model, batches, betas)


WEBGPU_STEPS = """async ([scripts, file]) => {
  for (const src of scripts) {
    await new Promise((done, fail) => document.head.append(Object.assign(document.createElement("script"),
                                                           { src, onload: done, onerror: fail })));
  }
  if (!(await tf.setBackend("webgpu"))) throw new Error("no WebGPU backend");
  const bytes = Uint8Array.from(atob(file), (c) => c.charCodeAt(0));
  const { tensors, metadata } = Genmodels.nn.parseSafetensors(bytes.buffer);
  const trainer = Genmodels.vaeTrain.Trainer(tf, tensors);
  metadata.betas.forEach((beta, k) => trainer.step(tensors[`x.${k}`].data, tensors[`noise.${k}`].data, beta));
  const terms = await trainer.settle(), weights = {};
  for (const [name, t] of Object.entries(await trainer.stateDict())) weights[name] = Array.from(t.data);
  return { terms, weights, backend: tf.getBackend() };
}"""


def test_three_page_steps_on_webgpu_equal_pytorchs(webgpu_browser, app_client, tmp_path):
    """The trainer's WebGPU path (weights on the GPU, Adam as TF.js operations, the loss read once the steps are done)
    against PyTorch, as the WebAssembly path is: on Chromium's software WebGPU adapter (SwiftShader), the GPU this
    machine and CI have. A real GPU runs the same operations."""
    import base64

    from ui import train_tab
    model, batches, noises, betas = three_steps()
    tensors = {name: t.contiguous() for name, t in model.state_dict().items()}
    for k, (x, noise) in enumerate(zip(batches, noises, strict=True)):
        tensors[f"x.{k}"], tensors[f"noise.{k}"] = x.reshape(len(x), -1).contiguous(), noise.contiguous()
    save_file(tensors, str(tmp_path / "in.safetensors"), metadata={"betas": json.dumps(betas)})
    config, (_, port) = train_tab.page_config(), app_client
    scripts = [u for u in config["scripts"] if "backend-wasm" not in u] + [config["webgpu"]]
    page = webgpu_browser.new_page()
    try:
        page.goto(f"http://127.0.0.1:{port}{config['webgpu']}")        # any page of the app's origin will do
        assert page.evaluate("async () => !!(await navigator.gpu?.requestAdapter())"), "no WebGPU adapter"
        got = page.evaluate(WEBGPU_STEPS, [scripts, base64.b64encode((tmp_path / "in.safetensors").read_bytes())
                                           .decode()])
    finally:
        page.close()
    assert got["backend"] == "webgpu"
    assert_steps_equal_pytorchs(got, model, batches, betas)


@needs_node
def test_a_model_of_another_shape_is_refused_by_name(tmp_path):
    state = live.new_model(seed=0).state_dict()
    state["encoder.3.weight"] = torch.zeros(128, 256)
    save_file({k: v.contiguous() for k, v in state.items()}, str(tmp_path / "in.safetensors"),
              metadata={"betas": "[]"})
    out = subprocess.run(["node", str(ROOT / "tests" / "js" / "vae_step.js"), str(tmp_path / "in.safetensors"),
                          str(tmp_path / "out.json")], capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "encoder.3.weight is 128×256, expected 256×256" in out.stderr


@needs_node
def test_a_model_trained_in_the_page_downloads_as_a_file_pytorch_loads_strictly(tmp_path):
    """What the page's Download button saves (toSafetensors of the trainer's state_dict): the PyTorch model's keys,
    so genmodels.live.new_model(seed) loads it with strict=True, the weights as trained, and its metadata."""
    from genmodels.weights import read_weights
    model = live.new_model(seed=5)
    x = held_out_images("fashion")[0][:live.BATCH_SIZE].reshape(live.BATCH_SIZE, -1).contiguous()
    about = {"dataset": "fashion", "beta": 1.0, "seed": 5, "steps": 2, "seconds": 0.4}
    tensors = {**{k: v.contiguous() for k, v in model.state_dict().items()}, "x.0": x, "x.1": x.flip(0).contiguous(),
               "noise.0": torch.randn(live.BATCH_SIZE, 2), "noise.1": torch.randn(live.BATCH_SIZE, 2)}
    save_file(tensors, str(tmp_path / "in.safetensors"),
              metadata={"betas": "[0.005, 0.01]", "about": json.dumps(about)})
    out = subprocess.run(["node", str(ROOT / "tests" / "js" / "vae_step.js"), str(tmp_path / "in.safetensors"),
                          str(tmp_path / "out.json"), str(tmp_path / "mine.safetensors")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    trained = json.loads((tmp_path / "out.json").read_text())["weights"]
    weights, meta = read_weights(tmp_path / "mine.safetensors", "")
    assert meta == about
    mine = live.new_model(seed=0)
    mine.load_state_dict(weights, strict=True)
    for name, value in mine.state_dict().items():
        assert torch.equal(value, torch.tensor(trained[name]).reshape(value.shape)), name
    assert not torch.equal(mine.state_dict()["decoder.4.bias"], model.state_dict()["decoder.4.bias"])   # it trained
    # the README's three lines load it as they are written (the file name aside)
    import re
    import textwrap
    block = next(b for b in re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
                 if "load_file(" in b)
    assert len(block.strip().splitlines()) == 3
    namespace: dict = {}
    exec(textwrap.dedent(re.sub(r'"vae-[^"]+\.safetensors"', repr(str(tmp_path / "mine.safetensors")), block)),
         namespace)
    for name, value in mine.state_dict().items():
        assert torch.equal(namespace["model"].state_dict()[name], value), name
    assert not namespace["model"].training


def test_the_vendored_tfjs_is_what_npm_installs_and_what_the_page_loads():
    """ui/static/vendor/tfjs holds exactly the files python -m export.tfjs copies from node_modules (the versions in
    package-lock.json), and the page's trainer loads those files, from the app (never a CDN)."""
    from export import tfjs
    from ui import train_tab
    missing = [str(p) for p in tfjs.sources().values() if not p.exists()]
    if missing:
        pytest.skip(f"npm ci has not run here (.ci/run runs it): {missing[0]}")
    for name, source in tfjs.sources().items():
        assert (tfjs.VENDOR / name).read_bytes() == source.read_bytes(), name
    lock = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    for package, version in tfjs.versions().items():
        assert lock[f"node_modules/{package}"]["version"] == version
    assert {p.name for p in tfjs.VENDOR.iterdir()} == {*tfjs.sources(), "README.md"}
    config = train_tab.page_config()
    assert all(url.startswith("/gradio_api/file=") for url in [config["worker"], config["wasm"], config["webgpu"],
                                                               *config["scripts"]])
    assert [Path(url.split("=", 1)[1]).name for url in config["scripts"][:2]] == ["tf-core.min.js",
                                                                                  "tf-backend-wasm.min.js"]


@needs_node
def test_the_pages_map_knn_equals_the_librarys(tmp_path):
    """The status line's map k-NN (leaveOneOutKnn in the page) equals genmodels.live.leave_one_out_knn on the same
    codes: a spread of codes, some classes mixed."""
    gen = torch.Generator().manual_seed(2)
    labels = torch.randint(0, 10, (500,), generator=gen)
    z = torch.randn(500, 2, generator=gen) + 1.5 * torch.stack([labels % 4, labels // 4], 1).float()
    script = (f"require({json.dumps(str(ROOT / 'ui/static/core/noise.js'))});"
              f"const t = require({json.dumps(str(ROOT / 'ui/static/core/vae_train.js'))});"
              f"console.log(t.leaveOneOutKnn(Float32Array.from({json.dumps(z.flatten().tolist())}), "
              f"{json.dumps(labels.tolist())}));")
    (tmp_path / "knn.js").write_text(script)
    out = subprocess.run(["node", str(tmp_path / "knn.js")], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert float(out.stdout) == pytest.approx(live.leave_one_out_knn(z, labels), abs=1e-6)     # (torch: float32)


def test_the_shipped_webassembly_modules_are_what_their_sources_assemble_to():
    """ui/static/core/adam_wasm.js and conv_wasm.js are python -m export.wasm's output from core/adam.wat and
    conv.wat (wabt, pinned by npm)."""
    from export import wasm
    if not (ROOT / "node_modules" / "wabt").exists():
        pytest.skip("npm ci has not run here (.ci/run runs it)")
    for name in wasm.MODULES:
        assert wasm.target(name).read_text() == wasm.assembled(name), name
