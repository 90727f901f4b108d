"""The training tab (ui/train_tab.py): a run streamed through the launched app, Stop, bad settings, one line with
style runs, and the hand-over of the visitor's VAE to tabs 1 and 2 (their session only)."""
import json
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import numpy as np
import pytest
import torch
from PIL import Image

from genmodels import live
from genmodels.data import held_out_images
from genmodels.latent import get_space
from ui import explorer_tab, latent_map_tab, latent_views, train_tab


def trained(steps: int = 60, dataset: str = "mnist") -> dict:
    """What the tab keeps of a run: its last frame's model."""
    *_, frame = live.train_vae(dataset, max_steps=steps, frame_seconds=1e9)
    return {"model": frame.model, "dataset": dataset, "about": f"{steps} steps"}


def points(values) -> int:
    """How many values a plotly JSON array holds (a list, or a typed array: base64 bytes and a dtype)."""
    if isinstance(values, dict):
        import base64
        return len(base64.b64decode(values["bdata"])) // np.dtype(values["dtype"]).itemsize
    return len(values)


def pixels(path) -> np.ndarray:
    return np.asarray(Image.open(path)).astype(int)


def test_a_run_streams_the_map_grid_reconstructions_curves_and_status(app_client):
    client, _ = app_client
    job = client.submit("mnist", 1.0, 0, 10, api_name="/train")
    frames = list(job)
    assert len(frames) >= 10                                  # two a second (FRAME_SECONDS)
    first, last = frames[0], frames[-1]
    assert first[4].startswith("**Training**: step 0 ") and last[4].startswith("**Done**")
    figure = json.loads(last[0]["plot"])
    assert [t["name"] for t in figure["data"]] == [str(d) for d in range(10)]
    assert sum(points(t["x"]) for t in figure["data"]) == len(held_out_images("mnist")[0]) == 2000
    assert Image.open(last[1]).size == (15 * 56, 15 * 56)       # the 15×15 grid, 2× nearest-neighbour
    curves = json.loads(last[3]["plot"])
    assert [t["name"] for t in curves["data"]] == ["reconstruction", "KL"]
    assert points(curves["data"][0]["y"]) > 10
    assert float(last[4].split("reconstruction ")[1].split()[0]) < 200       # it learned (untrained: ~540 nats)


def test_stop_ends_a_run_before_its_next_step(monkeypatch):
    request = SimpleNamespace(session_hash="stopper")
    run = train_tab.train("fashion", 1.0, 0, 60, run_number=1, request=request)
    frames = [next(run), next(run)]
    train_tab.RUNS.stop("stopper", 1)
    assert list(run) == [] and "Training" in frames[-1]["status"]
    never = list(train_tab.train("fashion", 1.0, 0, 60, run_number=1, request=request))
    assert never == [{"status": gr.skip()}]                   # never starts, and changes nothing
    assert train_tab.stopped(None) == "**Stopped** before the first step."
    assert torch.get_num_threads() >= 1


@pytest.mark.parametrize("args,message", [
    (("mnist", 50, 0, 10), "not in the list of choices"),
    (("mnist", 1.0, -1, 10), "less than minimum value 0"),
    (("mnist", 1.0, 0, 5), "less than minimum value 10"),
    (("cifar", 1.0, 0, 10), "not in the list of choices"),
])
def test_bad_settings_get_a_clear_message_and_the_app_keeps_serving(app_client, args, message):
    client, _ = app_client
    with pytest.raises(Exception, match=message):
        client.predict(*args, api_name="/train")
    assert client.predict("mnist", 0.0, 0.0, api_name="/decode")


def test_the_library_checks_reach_the_visitor_as_one_message():
    with pytest.raises(gr.Error, match="The KL weight β must be a number from 0.1 to 10"):
        next(train_tab.train("mnist", 0.01, 0, 10))
    with pytest.raises(gr.Error, match="The seed must be a whole number"):
        next(train_tab.train("mnist", 1.0, 0.5, 10))
    with pytest.raises(gr.Error, match="Train a VAE first"):
        train_tab.explore(None, 0.0, 0.0)


def test_explore_shows_the_visitors_vae_in_tabs_1_and_2_and_back_restores_the_shipped_one(tmp_path, monkeypatch):
    monkeypatch.setattr(train_tab, "OWN_DIR", tmp_path)
    mine = trained()
    shown = train_tab.explore(mine, 0.5, -0.5)
    own = shown["own"]
    # the page's file: a random name (nothing a visitor could guess), kept by the session and rewritten in place
    name = Path(own.decoder_file).name
    assert Path(own.decoder_file).parent == tmp_path and len(name) == 32 + len(".safetensors")
    assert train_tab.explore(mine, 0.5, -0.5, own)["own"].decoder_file == own.decoder_file
    assert train_tab.explore(mine, 0.5, -0.5)["own"].decoder_file != own.decoder_file
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".safetensors"] * 2        # no part left behind
    assert own.space.vae is mine["model"] and shown["tabs"].selected == "explorer"
    assert shown["own_page"] == {"dataset": "mnist", "about": "60 steps"}
    assert "your own VAE" in shown["own_note"]["value"] and shown["shipped_btn"]["visible"]
    assert "by your VAE" in shown["plot"].layout.title.text
    assert len(own.space.test_mu) == 2000
    # tab 1's server side (/decode, the manifold) and tab 2's (encode a drawing) use it, in this session only
    mine_decoded = np.asarray(explorer_tab.decode("mnist", 0.5, -0.5, own))
    assert np.any(mine_decoded != np.asarray(explorer_tab.decode("mnist", 0.5, -0.5)))
    assert latent_views.manifold("mnist", own).tobytes() != get_space("mnist").manifold.tobytes()
    assert latent_views.manifold("fashion", own).tobytes() == get_space("fashion").manifold.tobytes()
    assert "by your VAE" in latent_map_tab.refresh_map("mnist", 0.0, 0.0, None, None, own).layout.title.text
    assert "by your VAE" not in latent_map_tab.refresh_map("mnist", 0.0, 0.0, None, None).layout.title.text
    # the page's decoder file: the runtime's layer list, the same images as the model
    from genmodels.weights import read_weights
    tensors, meta = read_weights(own.decoder_file, "")
    assert meta["layers"][-1] == {"op": "sigmoid"} and meta["about"] == "60 steps"
    z = torch.tensor([[0.5, -0.5]])
    h = z
    for layer in meta["layers"][:-1]:
        if layer["op"] == "linear":
            h = h @ tensors[layer["weight"]].T + tensors[layer["bias"]]
        elif layer["op"] == "relu":
            h = h.clamp(min=0)
    assert torch.allclose(torch.sigmoid(h).reshape(1, 1, 28, 28), mine["model"].decode(z), atol=1e-6)
    back = latent_views.back_to_shipped("mnist", 0.5, -0.5)
    assert back["own"] is None and back["own_page"] is None and not back["own_note"]["visible"]


def test_own_decoder_files_are_swept_on_a_timer(tmp_path, monkeypatch):
    import os
    import time

    monkeypatch.setattr(train_tab, "OWN_DIR", tmp_path)
    old, new = tmp_path / "old.safetensors", tmp_path / "new.safetensors"
    old.write_bytes(b"x")
    new.write_bytes(b"x")
    os.utime(old, (time.time() - 2 * train_tab.OWN_KEEP_SECONDS,) * 2)
    assert train_tab.sweep_own_files() == 1 and [p.name for p in tmp_path.iterdir()] == ["new.safetensors"]
    thread = train_tab.start_sweeping()
    assert thread.is_alive() and thread.daemon and train_tab.start_sweeping() is thread     # one per server


def test_scripts_opening_sessions_keep_no_more_own_files_than_the_models_kept(tmp_path, monkeypatch):
    """Explore needs no training run now (a page's model is sent): each new session's decoder file pushes out the
    oldest beyond hosting.kept_models(), so a script opening sessions cannot fill the disk."""
    monkeypatch.setattr(train_tab, "OWN_DIR", tmp_path)
    monkeypatch.setattr(train_tab.hosting, "kept_models", lambda: 3)
    model = live.new_model(0)
    written = [train_tab.own_decoder_file(model, {"dataset": "mnist", "about": str(k)}) for k in range(5)]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(Path(p).name for p in written[-3:])
    again = train_tab.own_decoder_file(model, {"dataset": "mnist", "about": "again"}, written[-1])   # its session's
    assert again == written[-1] and len(list(tmp_path.iterdir())) == 3


def test_the_hand_over_through_the_app_is_for_that_session_only(app_client):
    from gradio_client import Client

    client, port = app_client
    mine, other = Client(f"http://127.0.0.1:{port}/", verbose=False), Client(f"http://127.0.0.1:{port}/", verbose=False)
    shipped = pixels(mine.predict("mnist", 0.5, 0.5, api_name="/decode"))
    mine.submit("mnist", 1.0, 0, 10, api_name="/train").result()
    mine.predict(0.5, 0.5, api_name="/explore")
    assert np.abs(pixels(mine.predict("mnist", 0.5, 0.5, api_name="/decode")) - shipped).mean() > 1
    assert np.array_equal(pixels(other.predict("mnist", 0.5, 0.5, api_name="/decode")), shipped)


def test_under_zero_gpu_a_run_asks_for_its_time_and_crosses_the_process_boundary(monkeypatch):
    import pickle

    settings = train_tab.run_settings(1.0, 0, 60)
    assert train_tab.gpu_seconds("mnist", settings) == 60 + train_tab.GPU_START_SECONDS
    monkeypatch.setattr(train_tab.hosting, "ZERO_GPU", True)
    assert train_tab.max_seconds() + train_tab.GPU_START_SECONDS == train_tab.hosting.ZERO_GPU_SECONDS[1]
    assert train_tab.run_settings(1.0, 0, 600)["max_seconds"] == train_tab.max_seconds()
    frame = next(train_tab.frames("mnist", {**settings, "max_seconds": 5}))
    again = pickle.loads(pickle.dumps(frame))
    assert torch.equal(again.test_mu, frame.test_mu) and again.model.config == frame.model.config


def test_on_a_shared_cpu_a_run_is_bounded_like_a_style_run(monkeypatch):
    monkeypatch.setattr(train_tab.hosting, "ON_SPACE", True)
    monkeypatch.setattr(train_tab.hosting, "GPU", False)
    monkeypatch.delenv("GENMODELS_STYLE_SECONDS", raising=False)
    assert train_tab.max_seconds() == train_tab.hosting.LONG_RUN_SECONDS_ON_SHARED_CPU
    assert train_tab.run_settings(1.0, 0, 600)["max_seconds"] == train_tab.hosting.LONG_RUN_SECONDS_ON_SHARED_CPU
    assert "stops after 120 s" in train_tab.host_note() and "take turns" in train_tab.host_note()


def test_trained_on_the_server_start_watch_stop_and_explore_your_own_vae(page):
    """The server's trainer (?trainer=server, as where the page cannot train): Start, frames stream, Stop; Explore;
    tab 1 decodes their VAE in the page; Back."""
    page.goto(page.app_url + "?trainer=server")
    page.wait_for_function("() => window.Genmodels?.tabs.explorer.stats.draws > 0", timeout=60_000)
    canvas = "() => Array.from(document.querySelector('canvas.digit').getContext('2d').getImageData(0, 0, 28, 28).data)"
    shipped = page.evaluate(canvas)
    page.get_by_role("tab", name="Train a VAE").click()
    page.get_by_role("button", name="Start").click()
    page.wait_for_selector("#train-status strong:text-is('Training')", timeout=60_000)
    page.wait_for_function("() => /step [1-9][\\d,]* /.test(document.querySelector('#train-status').textContent)",
                           timeout=30_000)
    page.wait_for_timeout(3000)
    assert page.locator("#train-map .js-plotly-plot").count() == 1 and page.locator("#train-grid img").count() == 1
    page.get_by_role("button", name="Stop").click()
    page.wait_for_selector("#train-status strong:text-is('Stopped')", timeout=30_000)
    page.wait_for_timeout(1500)          # a frame already on its way may land; then the status says Stopped again
    steps = page.locator("#train-status").inner_text()
    page.wait_for_timeout(1500)
    assert page.locator("#train-status").inner_text() == steps and steps.startswith("Stopped")   # no frame after
    page.get_by_role("button", name="Explore it in tabs 1 and 2").click()
    page.get_by_text("You are exploring your own VAE").first.wait_for(timeout=30_000)
    page.wait_for_function("() => /your VAE/.test(document.querySelector('#digit .decoder-note').textContent)",
                           timeout=30_000)
    assert page.evaluate(canvas) != shipped
    page.get_by_role("button", name="Back to the shipped model").first.click()
    page.wait_for_function("() => !/your VAE/.test(document.querySelector('#digit .decoder-note').textContent)",
                           timeout=30_000)
    page.wait_for_timeout(500)
    assert page.evaluate(canvas) == shipped
    assert page.locator(".toast-body").count() == 0


def test_the_beta_text_says_what_a_short_run_shows_at_either_end():
    """BETA_TEXT against two short runs (BENCHMARKS.md, "What β does": the 20- and 60-s table): at small β the codes
    spread wider, reconstructions are better and the KL is higher than at large β, where the codes stay in a tight
    blob; and it no longer promises the patchy map with holes a learner did not see."""
    text = " ".join(train_tab.BETA_TEXT.split())
    assert "Small β (0.1–0.3)" in text and "Large β (3–10)" in text
    assert "spread out wide" in text and "reconstructions are sharpest" in text and "the KL is high" in text
    assert "tidy round blob" in text and "blurrier reconstructions" in text
    assert "patchy" not in text and "nonsense" not in text and "holes" not in text
    last = {beta: list(live.train_vae("mnist", beta=beta, seed=0, max_steps=600, frame_seconds=60))[-1]
            for beta in (0.1, 10.0)}
    spread = {beta: float(f.test_mu.norm(dim=1).quantile(0.95)) for beta, f in last.items()}
    assert spread[0.1] > 1.5 * spread[10.0] and spread[10.0] < 3.0          # wide, against a blob near N(0, I)
    assert last[0.1].kl > 2 * last[10.0].kl                                   # the codes carry more
    assert last[0.1].reconstruction < last[10.0].reconstruction - 5           # sharper reconstructions


GRADIO_EVENTS = ("/gradio_api/queue/join", "/gradio_api/run/", "/gradio_api/call/", "/gradio_api/api/")


def test_in_your_browser_start_watch_stop_download_and_explore_your_own_vae(page, tmp_path):
    """The page trains the visitor's VAE itself: Start, the steps grow and the views are drawn with no Gradio event,
    Stop takes effect at once, Download gives a file PyTorch loads strictly, Explore sends it once to tabs 1 and 2."""
    events = []
    page.on("request", lambda r: events.append(r.url) if any(e in r.url for e in GRADIO_EVENTS) else None)
    page.goto(page.app_url)
    page.wait_for_function("() => window.Genmodels?.tabs.explorer.stats.draws > 0", timeout=60_000)
    page.get_by_role("tab", name="Train a VAE").click()
    page.wait_for_function("() => Genmodels.tabs.train.state.mode === 'page'")
    page.get_by_role("radio", name="Fashion-MNIST").check()
    before = -1
    while before != len(events):             # the page's first views (tabs 1-5) are all in
        before = len(events)
        page.wait_for_timeout(2000)
    page.get_by_role("button", name="Start").click()
    page.wait_for_function("() => /step [1-9][\\d,]* .*in your browser/.test(document.querySelector('#train-status')"
                           ".textContent)", timeout=60_000)
    step = "() => Genmodels.tabs.train.state.frame.step"
    first = page.evaluate(step)
    assert "in your browser (WebAssembly SIMD)" in page.locator("#train-status").inner_text()   # no GPU here
    page.wait_for_timeout(2500)
    assert page.evaluate(step) > first + 20                              # it trains on
    assert page.evaluate("() => Genmodels.tabs.train.stats.draws") >= 4      # drawn at least twice a second
    inked = page.evaluate("""() => { const c = document.querySelector('canvas.train-map');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] !== d[i + 1] || d[i + 1] !== d[i + 2]) n++; return n; }""")
    assert inked > 1000                                                  # coloured codes on the map
    assert events[before:] == []                                         # no Gradio event while it trains
    page.get_by_role("button", name="Stop").click()
    page.wait_for_selector("#train-status strong:text-is('Stopped')", timeout=5000)     # says so (at once: bench)
    page.wait_for_function("() => Genmodels.tabs.train.stats.finished?.stopped", timeout=5000)  # the worker too
    stopped = page.evaluate(step)
    page.wait_for_timeout(1500)
    assert page.evaluate(step) == stopped and f"{stopped:,} steps" in page.locator("#train-status").inner_text()
    # Download and Explore asked at once: each gets the model (answered in the order asked)
    sizes = page.evaluate("""() => Promise.race([
        Promise.all([1, 2, 3].map(() => Genmodels.tabs.train.modelBytes()))
          .then((all) => all.map((m) => m.bytes.byteLength)),
        new Promise((_, fail) => setTimeout(() => fail(new Error("a request was never answered")), 10000))])""")
    assert len(sizes) == 3 and len(set(sizes)) == 1 and sizes[0] > 2_000_000
    assert "Fashion-MNIST" in page.locator("#train-status").inner_text()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download model").click()
    path = tmp_path / "mine.safetensors"
    download.value.save_as(path)
    assert download.value.suggested_filename == "vae-fashion-beta1-seed0.safetensors"
    model, about = live.load_trained(path.read_bytes())       # new_model(seed).load_state_dict(…, strict=True)
    assert about["dataset"] == "fashion" and about["seed"] == 0 and about["steps"] == stopped
    assert 20 < live.leave_one_out_knn(*_codes(model, "fashion")) * 100 <= 100          # it learned something
    assert events[before:] == []
    page.get_by_role("button", name="Explore it in tabs 1 and 2").click()
    page.get_by_text("You are exploring your own VAE").first.wait_for(timeout=30_000)
    page.wait_for_function("() => /your VAE/.test(document.querySelector('#digit .decoder-note').textContent)",
                           timeout=30_000)
    assert page.get_by_text(f"Fashion-MNIST, β = 1, seed 0: {stopped:,} steps").first.is_visible()
    assert page.locator(".toast-body").count() == 0


def test_where_the_browser_has_webgpu_the_page_trains_on_it_and_says_so(webgpu_browser, app_client, tmp_path):
    """With a WebGPU adapter the trainer runs on the GPU and the status line names it; a software adapter
    (SwiftShader, here) is passed over for WebAssembly, and says why, unless the address asks for WebGPU, as here."""
    _, port = app_client
    page = webgpu_browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"http://127.0.0.1:{port}/?engine=webgpu")
        page.wait_for_function("() => window.Genmodels?.tabs.explorer.stats.draws > 0", timeout=60_000)
        page.get_by_role("tab", name="Train a VAE").click()
        page.wait_for_function("() => Genmodels.tabs.train.state.mode === 'page'")
        page.get_by_role("button", name="Start").click()
        page.wait_for_function("() => Genmodels.tabs.train.state.frame?.step >= 2", timeout=90_000)
        line = page.locator("#train-status").inner_text()
        assert "in your browser (WebGPU on google swiftshader, a software fallback)" in line, line
        with page.expect_download() as early:                 # while it trains: the next step frees the weights
            page.get_by_role("button", name="Download model").click()      # the read waits on (it reads a clone)
        early.value.save_as(tmp_path / "early.safetensors")
        assert live.load_trained((tmp_path / "early.safetensors").read_bytes())[1]["steps"] >= 2
        page.get_by_role("button", name="Stop").click()
        page.wait_for_function("() => Genmodels.tabs.train.stats.finished?.stopped", timeout=30_000)
        stopped = page.evaluate("() => Genmodels.tabs.train.state.frame.step")
        with page.expect_download() as download:
            page.get_by_role("button", name="Download model").click()
        download.value.save_as(tmp_path / "mine.safetensors")
        model, about = live.load_trained((tmp_path / "mine.safetensors").read_bytes())
        assert about["steps"] == stopped >= 2
        page.goto(f"http://127.0.0.1:{port}/")              # asked for nothing: the software GPU is passed over
        page.wait_for_function("() => window.Genmodels?.tabs.explorer.stats.draws > 0", timeout=60_000)
        page.get_by_role("tab", name="Train a VAE").click()
        page.wait_for_function("() => Genmodels.tabs.train.state.mode === 'page'")
        page.get_by_role("button", name="Start").click()
        page.wait_for_function("() => Genmodels.tabs.train.state.frame?.step > 0", timeout=60_000)
        assert ("in your browser (WebAssembly SIMD; faster than this browser's software WebGPU)"
                in page.locator("#train-status").inner_text())
        page.get_by_role("button", name="Stop").click()
    finally:
        page.close()


def _codes(model, dataset: str):
    from genmodels.metrics import encode_all
    images, labels = held_out_images(dataset)
    return encode_all(model, images)[0], labels


def test_a_script_sending_garbage_as_a_page_model_gets_one_clear_message():
    with pytest.raises(ValueError, match="not a safetensors file"):
        train_tab.explore_page_model("AAAA" * 100, 0.0, 0.0)
    assert train_tab.explore_page_model("", 0.0, 0.0) == {}              # the page already said why
    from safetensors.torch import save
    state = {k: v.contiguous() for k, v in live.new_model(1).state_dict().items()}
    for meta, message in (({"dataset": "cifar"}, "Unknown dataset 'cifar'"),
                          ({"dataset": "mnist", "beta": "<b>1</b>", "seed": 0, "steps": 3}, "β must be a number"),
                          ({"dataset": "mnist", "beta": 1, "seed": 0, "steps": 3, "seconds": -1}, "training time")):
        data = save(state, metadata={k: json.dumps(v) for k, v in meta.items()})
        with pytest.raises(ValueError, match=message):               # what a file says of itself is checked too
            train_tab.explore_page_model(data, 0.0, 0.0)
    early = {"dataset": "mnist", "beta": 1, "seed": 0, "steps": 40, "seconds": 0.4}     # Explore in the first second
    shown = train_tab.explore_page_model(save(state, metadata={k: json.dumps(v) for k, v in early.items()}), 0.0, 0.0)
    assert "MNIST, β = 1, seed 0: 40 steps in 0 s, in the browser" in shown["own"].about


def test_own_vaes_are_kept_in_a_bounded_store_and_a_dropped_one_shows_the_shipped_model(monkeypatch):
    """Each session's own VAE (what tabs 1-2 show of it, ~6 MB) lives in latent_views.SPACES, bounded like the
    trained models: a script opening sessions cannot grow the server; a session whose VAE was dropped sees the
    shipped model and a line saying why."""
    from ui.kept import Kept
    monkeypatch.setattr(latent_views, "SPACES", Kept(lambda: 2, lambda: 3600))
    spaces = [get_space("mnist")] * 3
    owns = [latent_views.Own.keep(space, f"run {k}", "unused.safetensors") for k, space in enumerate(spaces)]
    assert owns[0].space is None and owns[1].space is spaces[1] and owns[2].space is spaces[2]   # the oldest went
    assert latent_views.space_of("mnist", owns[0]) is get_space("mnist")
    note = latent_views.own_note("mnist", owns[0])["own_note"]["value"]
    assert "no longer kept on this server" in note and "run 0" in note
    assert "You are exploring your own VAE" in latent_views.own_note("mnist", owns[2])["own_note"]["value"]


def test_a_session_exploring_a_page_model_keeps_its_path_not_its_bytes(app_client, tmp_path):
    """Gradio keeps each session's last inputs and outputs (its deep links): Explore's model arrives as an uploaded
    file, so a session keeps a path (not the model's 2.9 MB of base64, as when it came as text); a script calling the
    hidden endpoint gets the same, and tab 1 answers with its VAE."""
    from gradio_client import Client, handle_file
    from safetensors.torch import save_file

    import app
    _, port = app_client
    about = {"dataset": "mnist", "beta": 1, "seed": 4, "steps": 7, "seconds": 1.5}
    save_file({k: v.contiguous() for k, v in live.new_model(4).state_dict().items()}, str(tmp_path / "m.safetensors"),
              metadata={k: json.dumps(v) for k, v in about.items()})
    client = Client(f"http://127.0.0.1:{port}/", verbose=False)
    client.predict(handle_file(str(tmp_path / "m.safetensors")), 0.0, 0.0, api_name="/explore_page_model")
    session = app.demo.state_holder.session_data[client.session_hash]
    kept = {key: len(json.dumps(values, default=str)) for key, values in session.config_values.items()}
    file_key = next(k for k, block in app.demo.blocks.items() if isinstance(block, gr.File) and not block.visible
                    and getattr(block, "type", None) == "binary")
    assert kept[file_key] < 20_000, kept[file_key]                # its config and a path, not 2.9 MB of base64
    assert sum(kept.values()) < 1_000_000, sum(kept.values())    # the whole session's copy of the page
    own = next(v for v in session.state_data.values() if isinstance(v, latent_views.Own))
    assert own.space is not None and "seed 4: 7 steps" in own.about


def test_explore_with_no_model_sent_changes_nothing_and_says_nothing(app_client):
    """The page sends no file when it could not make one (it says why in its status line): the event changes
    nothing and raises nothing (it used to fail in Gradio: an empty dict read as one output's value)."""
    client, _ = app_client
    got = client.predict(None, 0.0, 0.0, api_name="/explore_page_model")
    assert got and all(value == {"__type__": "update"} for value in got)          # every output left as it is
