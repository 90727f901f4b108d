"""Tab 6: train a VAE live and watch its latent map organise itself; then download it, or send it to tabs 1 and 2 to
explore (that visitor's session only). It trains in the visitor's browser (static/tabs/train.js and
static/page/train_worker.js: the library's model, loss, Adam and β warm-up on TensorFlow.js, its WebGPU backend where
the browser has a GPU, else its WebAssembly backend, on the shipped training subset): a class of 30 costs the server
the files it sends, once. Where the page cannot train (no WebAssembly or no workers, or ?trainer=server in the
address) and for scripts (/train), the server trains (genmodels.live.train_vae, streamed); on a shared server such a
run takes its turn in the line of long runs with style transfer (ui/runs.py); under ZeroGPU it trains on a GPU lent
for the run."""
from __future__ import annotations

import functools
import os
import secrets
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import gradio as gr
import torch
from PIL import Image
from safetensors import safe_open

from genmodels import checks, live
from genmodels.browser import decoder_export
from genmodels.checks import MAX_SEED
from genmodels.data import (
    DATASETS,
    canonical_dataset,
    first_per_class,
    held_out_images,
    test_subset_path,
    train_subset_path,
)
from genmodels.imaging import grid_pil
from genmodels.latent import GRID_N, grid_axis, manifold_image, slider_radius, space_for
from genmodels.weights import save_weights

from . import hosting
from .common import DATASET_CHOICES, FIRST_DATASET, LABEL_ABOVE, QUIET, STATIC, by_component, served, shows_errors
from .figures import training_curves_figure, training_map_figure
from .kept import Kept
from .latent_views import Handover, Own, use_own
from .runs import LONG_RUNS, NEXT_RUN_JS, THIS_RUN_JS, RunTokens, line_check, waiting_line

RUNS = RunTokens()               # which of each visitor's training runs Stop has stopped (ui/runs.py)
# each session's model so far, {"model", "dataset", "about"}: its gr.State holds only the token (ui/kept.py)
MODELS = Kept(hosting.kept_models, hosting.state_seconds)
EXPIRED = ("Your trained VAE is no longer kept on this server (a model is kept for an hour after its last step, "
           "and only so many at once): press Start to train it again.")
BETAS = [0.1, 0.3, 1.0, 3.0, 10.0]
FRAME_SECONDS = 0.5              # a new view twice a second
# PyTorch threads while a run trains on the CPU. Gradio runs handlers in worker threads, where two OpenMP threads
# train this small model ~40% slower than one (94 against 129–142 steps/s, BENCHMARKS.md); one also leaves the
# other core to the other tabs' visitors
CPU_THREADS = 1
DEFAULT_SECONDS = 60
LOCAL_MAX_SECONDS = 600          # the time slider's end on a laptop (a shared server: hosting.long_run_seconds())
GPU_START_SECONDS = 10           # ZeroGPU's request: the run's time plus this (the GPU process's start)
SETTLE_MS = 1000                 # after Stop: time for a frame already on its way to land (frames every 0.5 s)
OWN_DIR = Path(tempfile.gettempdir()) / "genmodels-own"     # each session's own decoder, for the page
# a torchvision root: where the whole training set is there, runs train on it (else on the shipped subset)
DATA_ROOT = os.environ.get("GENMODELS_DATA_ROOT", "data")
OWN_KEEP_SECONDS = 3600          # an own decoder file is deleted this long after it was written...
SWEEP_SECONDS = 30               # ...by a sweep this often (it drops trained models whose time is up too)
PAGE_CALL = "(...settings) => {{ Genmodels.tabs.train.{}; return []; }}"      # a page button's js=
STARTING = "**Starting…** (if other visitors' runs are going, yours waits its turn: this line shows its place)"
BUSY = ("**Busy.** Other visitors' long runs (style transfer or training) are already waiting for this shared "
        "server: try again in a minute or two.")

TEXT = """
**Watch a VAE learn.** Press **Start**: a fresh, untrained VAE (the lessons' fully-connected one, with a 2-D code)
learns to squeeze each image into two numbers and back. The **map** shows where 2,000 held-out test images land,
coloured by class, which the model never sees: at first one blob, then clusters. The **grid** decodes the code plane,
as in the latent explorer; the **strip** shows held-out images (top) and how the model rebuilds them (bottom).
"""
BETA_TEXT = """
**The KL weight β** scales the KL term of the loss (reconstruction + β·KL); watch how far the codes spread, how
sharp the strip's reconstructions are, and the KL in the status line. **Small β (0.1–0.3)**: rebuilding the image
wins: the codes spread out wide (at β = 0.1 most lie within ±5 of the centre, twice N(0, I)'s ±2.5), reconstructions
are sharpest, classes separate best, and the KL is high (8–11 nats: the codes carry more about each image). The
grid shows only the middle of the map (±4), so at β = 0.1 some codes lie beyond it. **Large β (3–10)**: every code
is pulled onto N(0, I): a tidy round blob (KL 2–3 nats at β = 10), blurrier reconstructions, and classes that
overlap more. **Map k-NN** in the status: how often the 5 nearest codes of a held-out image vote for its class, a
measure of how well the map sorts classes without ever seeing a label. The same seed and settings give the same run.
"""


# ---------------------------------------------------------------- training in the page

# what the page's trainer loads into its worker (static/page/train_worker.js), in order: TensorFlow.js (vendored by
# python -m export.tfjs) and the pure core it runs; TF.js's WebAssembly binaries come from the same folder
PAGE_ENGINE = ("vendor/tfjs/tf-core.min.js", "vendor/tfjs/tf-backend-wasm.min.js", "core/nn.js", "core/noise.js",
               "core/adam_wasm.js", "core/vae_train.js")
SERVER_ONLY, PAGE_ONLY = ["server-trainer"], ["page-trainer"]     # shown when the server trains / the page does
CSS = """
body.trains-in-page .server-trainer { display: none !important; }
body:not(.trains-in-page) .page-trainer { display: none !important; }
"""
PAGE_HTML = """
<div class="train-views">
  <div class="train-row">
    <figure class="train-fig train-map-fig"><figcaption>The map of held-out codes</figcaption>
      <canvas class="train-map" width="520" height="520" aria-label="The map of held-out codes"></canvas>
      <div class="train-legend"></div></figure>
    <div class="train-side">
      <figure class="train-fig"><figcaption>The decoder over the code plane</figcaption>
        <canvas class="train-grid" width="420" height="420" aria-label="The decoder over the code plane"></canvas>
      </figure>
      <figure class="train-fig"><figcaption>Held-out images and their reconstructions</figcaption>
        <canvas class="train-recon" width="302" height="62"
                aria-label="Held-out images and their reconstructions"></canvas></figure>
    </div>
  </div>
  <figure class="train-fig"><figcaption>Loss terms per step: reconstruction (blue, left scale) and KL (red, right
    scale)</figcaption><canvas class="train-curves" width="900" height="280" aria-label="Loss terms per step"></canvas>
  </figure>
</div>
"""
PAGE_CSS = """
.train-row { display: flex; flex-wrap: wrap; gap: 12px; }
.train-map-fig { flex: 3 1 300px; }
.train-side { flex: 2 1 300px; display: flex; flex-direction: column; gap: 12px; }
.train-fig { margin: 0 0 12px; border: 1px solid var(--border-color-primary); border-radius: var(--radius-lg);
             padding: 6px; background: var(--block-background-fill); }
.train-fig figcaption { font-size: var(--text-sm); color: var(--block-label-text-color); margin-bottom: 4px; }
.train-fig canvas { display: block; width: 100%; height: auto; margin: 0 auto; }
canvas.train-map { max-width: 520px; }
canvas.train-grid { max-width: 420px; image-rendering: pixelated; }
canvas.train-recon { max-width: 604px; image-rendering: pixelated; }
canvas.train-curves { max-width: 900px; }
.train-legend { display: flex; flex-wrap: wrap; gap: 4px 12px; font-size: var(--text-sm); margin-top: 4px; }
.train-legend i { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 4px; }
"""


@functools.cache
def page_config() -> dict:
    """What the page's trainer loads and shows: its code, the WebAssembly, each dataset's shipped training subset and
    held-out images (fetched once, as static files), the grid's axis and the map's smallest radius (as the server's
    views), and the settings' limits (the page's runs cost the server nothing, so a laptop's limit)."""
    radius = slider_radius()
    data = {}
    for key, info in DATASETS.items():
        labels = held_out_images(key)[1]
        with safe_open(str(train_subset_path(key)), framework="pt") as f:
            count = f.get_slice("images").get_shape()[0]
        data[key] = {"train": served(train_subset_path(key)), "test": served(test_subset_path(key)),
                     "title": info.title, "classes": list(info.classes), "reconstructed": first_per_class(labels, 1),
                     "source": f"the shipped {info.title} subset ({count:,} training images)"}
    return {"worker": served(STATIC / "page" / "train_worker.js"),
            "scripts": [served(STATIC / name) for name in PAGE_ENGINE],
            "wasm": served(STATIC / "vendor" / "tfjs") + "/",
            "webgpu": served(STATIC / "vendor" / "tfjs" / "tf-backend-webgpu.min.js"),
            "data": data, "gridAxis": grid_axis(radius, GRID_N).tolist(), "radius": radius, "betas": BETAS,
            "maxSeed": MAX_SEED, "maxSeconds": LOCAL_MAX_SECONDS, "defaultSeconds": DEFAULT_SECONDS}


def page_views() -> gr.HTML:
    """The views the page draws while it trains (static/tabs/train.js); carries what it loads."""
    return gr.HTML("", html_template=PAGE_HTML, css_template=PAGE_CSS, apply_default_css=False,
                   js_on_load="Genmodels.tabs.train.attach(element, props);", config=page_config(),
                   elem_id="train-views", elem_classes=PAGE_ONLY)


# ---------------------------------------------------------------- settings and where it runs

def max_seconds() -> int:
    """The longest run this host allows: the GPU time ZeroGPU lends, a shared CPU's style limit, else 10 minutes."""
    if hosting.ZERO_GPU:
        return hosting.ZERO_GPU_SECONDS[1] - GPU_START_SECONDS
    limit = hosting.long_run_seconds()
    return int(limit) if limit else LOCAL_MAX_SECONDS


def run_settings(beta: float, seed: float, seconds: float) -> dict:
    """The run's settings, checked (ValueError with the sentence the visitor reads)."""
    beta, _, seed, seconds = live.check_settings(beta, live.DEFAULT_LR, seed, seconds)
    return dict(beta=beta, seed=seed, max_seconds=min(seconds, max_seconds()))


def gpu_seconds(dataset: str, settings: dict) -> int:
    """The GPU time a run asks ZeroGPU for: its time limit and the GPU process's start."""
    return int(settings["max_seconds"] + GPU_START_SECONDS)


@hosting.gpu(duration=gpu_seconds)
def frames(dataset: str, settings: dict):
    """The run's frames (on the GPU where there is one; under ZeroGPU in the process that holds it, each frame
    pickled back, so settings carry no stop there: Stop cancels the call)."""
    yield from live.train_vae(dataset, frame_seconds=FRAME_SECONDS, device=hosting.LONG_RUN_DEVICE, data_root=DATA_ROOT,
                              **settings)


def host_note() -> str:
    """What this host allows, under Start."""
    where = (hosting.device_name().split(" (")[0] if hosting.LONG_RUN_DEVICE == "cuda" else
             f"the CPU ({CPU_THREADS} thread)")
    note = f"Trains on {where}."
    if hosting.ZERO_GPU:
        note += f" Each run asks ZeroGPU for its time plus {GPU_START_SECONDS} s of GPU time."
    elif hosting.long_run_seconds():
        note += (f" This server is shared, so a run stops after {max_seconds()} s, and training and style transfer "
                 "take turns: if others are running, yours waits (the status shows its place in the line).")
    return note


# ---------------------------------------------------------------- what a frame looks like


@torch.no_grad()
def reconstructions(model, dataset: str) -> Image.Image:
    """One held-out image of each class (top row) and the model's reconstruction from its μ (bottom)."""
    images, labels = held_out_images(dataset)
    x = images[first_per_class(labels, 1)]
    return grid_pil(torch.cat([x, model.decode(model.encode(x)[0])]), nrow=len(x), scale=3, padding=2)


def about(dataset: str, settings: dict, frame: live.Frame) -> str:
    return (f"{DATASETS[dataset].title}, β = {settings['beta']:g}, seed {settings['seed']}: {frame.step:,} steps in "
            f"{frame.seconds:.0f} s")


def status_line(frame: live.Frame, settings: dict) -> str:
    state = "Done" if frame.done else "Training"
    line = (f"**{state}**: step {frame.step:,} · {frame.seconds:.0f} of {settings['max_seconds']:.0f} s · "
            f"{frame.step / max(frame.seconds, 1e-6):.0f} steps/s · ")
    if frame.step:
        line += f"reconstruction {frame.reconstruction:.1f} + KL {frame.kl:.2f} nats · map k-NN {frame.knn:.0%}"
    else:
        line += f"untrained: map k-NN {frame.knn:.0%}"
    if frame.done:
        line += ". **Explore it in tabs 1 and 2** with the button above."
    elif frame.step == 0:
        line += f" · on {frame.source}"
    return line


# ---------------------------------------------------------------- handlers

@shows_errors
def train(dataset: str, beta: float, seed: float, seconds: float, run_number: int | None = None,
          request: gr.Request = None):
    """Stream (map, grid, reconstructions, loss curves, status, the model so far) while a fresh VAE trains.
    run_number: the page's number for this run (ui/runs.py); a run its visitor has already stopped does not start,
    and one under way ends before its next step."""
    session = getattr(request, "session_hash", None) or ""
    if RUNS.stopped(session, run_number):
        yield {"status": gr.skip()}     # nothing changes (a run that yielded nothing would blank every output)
        return
    dataset = canonical_dataset(dataset)
    settings = run_settings(beta, seed, seconds)
    stop = RUNS.should_stop(session, run_number)
    try:
        ticket = LONG_RUNS.join(session, stop)      # the line's limits, whoever calls (ui/runs.py)
    except ValueError as err:
        yield {"status": f"**{err}**"}
        raise gr.Error(str(err), title="Busy", visible=False) from None      # the status says it
    try:
        for ahead in LONG_RUNS.queued(ticket):
            yield {"status": waiting_line(ahead)}
        if stop():
            return
        if not hosting.ZERO_GPU:      # (under ZeroGPU the frames come from the GPU's process: Stop cancels the call)
            settings["stop"] = between_steps(stop)
        token = MODELS.token()
        with RUNS.counted(), training_threads():
            for frame in frames(dataset, settings):
                if stop():                    # a frame finished as Stop came: the status stays "Stopped"
                    return
                yield {"map": training_map_figure(frame, dataset), "grid": manifold_image(frame.model, slider_radius()),
                       "recon": reconstructions(frame.model, dataset), "curves": training_curves_figure(frame.history),
                       "status": status_line(frame, settings),
                       "trained": MODELS.set(token, {"model": frame.model, "dataset": dataset,
                                                     "about": about(dataset, settings, frame)}),
                       "explore": gr.update(interactive=frame.step > 0)}
    except gr.Error as err:
        message = hosting.zero_gpu_message(err, "a shorter run asks for less GPU time")
        if message is None:
            raise
        yield {"status": f"**GPU unavailable.** {message}"}
        raise gr.Error(message, title=err.title, visible=False) from None       # the status says it
    finally:                # also when Stop closes the run: a shared server's memory goes back where it was
        LONG_RUNS.leave(ticket)
        hosting.release_memory()


_THREADS = threading.Lock()
_training = 0                    # runs training now (under ZeroGPU, several at once)
SERVER_THREADS = torch.get_num_threads()     # the server's own thread count, read once at start


@contextmanager
def training_threads() -> Iterator[None]:
    """PyTorch's threads at CPU_THREADS while any run trains, and back to the server's own count (read at start,
    not at the run's start: a run cancelled mid-way must not leave the whole server at one thread) when the last
    run ends."""
    global _training
    with _THREADS:
        _training += 1
        torch.set_num_threads(CPU_THREADS)
    try:
        yield
    finally:
        with _THREADS:
            _training -= 1
            if _training == 0:
                torch.set_num_threads(SERVER_THREADS)


def between_steps(stop: Callable[[], bool]) -> Callable[[], bool]:
    """`stop`, asked after every step, first letting the server's other threads run: the small model's steps hold
    Python's lock most of the time, and without this /decode's p95 nearly doubles while a run trains (BENCHMARKS.md,
    "A shared CPU stays fair")."""
    def ask() -> bool:
        time.sleep(0)
        return stop()
    return ask


@functools.cache
def warm_up() -> None:
    """Once per server, when a visitor opens the tab: PyTorch's optimisers import torch._dynamo when the first is
    made (~2 s), which would otherwise delay the first run's first frame."""
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])


def admit(demo: gr.Blocks):
    """Start's first step, before the run joins the line: refused ("Busy") once the line is full; the page's
    number for the run passes through to it."""
    refuse_if_busy = line_check(demo)

    def check(run_number: float | None = None) -> int | None:
        refuse_if_busy()
        return None if run_number is None else int(run_number)
    return check


def kept(trained: str | dict | None) -> dict | None:
    """The session's model so far, from the token its state holds (a dict: given directly, as tests do)."""
    return trained if isinstance(trained, dict) or trained is None else MODELS.get(trained)


def stopped(trained: str | dict | None) -> str:
    model = kept(trained)
    if model is None:
        return "**Stopped** before the first step." if trained is None else f"**Stopped.** {EXPIRED}"
    return (f"**Stopped** ({model['about']}). The views show where it got to; **explore it in tabs 1 and 2** "
            "with the button above, or press Start again.")


def stop_run(trained: str | dict | None, run_number: float | None, request: gr.Request = None) -> str:
    """Stop: run number `run_number` of this visitor and every earlier one end (or never start)."""
    if run_number is not None and request is not None:
        RUNS.stop(request.session_hash or "", int(run_number))
    return stopped(trained)


def own_decoder_file(model, about: dict, previous: str | None = None) -> str:
    """The model's decoder as the page loads it, written atomically under a random name that the session keeps
    (`previous`, the session's last file, is reused): no visitor can guess or race another's file."""
    OWN_DIR.mkdir(exist_ok=True)
    if previous and Path(previous).parent == OWN_DIR:
        path = Path(previous)
    else:               # a new session's file: at most as many as the models kept (scripts can open sessions freely)
        keep_newest_own_files(hosting.kept_models() - 1)
        path = OWN_DIR / f"{secrets.token_hex(16)}.safetensors"
    part = path.with_name(f"{path.stem}.{secrets.token_hex(4)}.part")
    try:
        save_weights(part, *decoder_export(model, about))
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)
    return str(path)


def keep_newest_own_files(most: int) -> None:
    """Delete the oldest own decoder files beyond the newest `most`."""
    files = []
    for path in OWN_DIR.glob("*.safetensors"):
        try:
            files.append((path.stat().st_mtime_ns, path))
        except FileNotFoundError:
            pass
    for _, old in sorted(files, reverse=True)[max(most, 0):]:
        old.unlink(missing_ok=True)


def sweep_own_files(keep: float = OWN_KEEP_SECONDS) -> int:
    """Delete own decoder files (and parts of interrupted writes) older than `keep` seconds; how many went."""
    now, gone = time.time(), 0
    for old in OWN_DIR.glob("*"):
        try:
            if now - old.stat().st_mtime > keep:
                old.unlink()
                gone += 1
        except FileNotFoundError:
            pass
    return gone


@functools.cache
def start_sweeping(every: float = SWEEP_SECONDS) -> threading.Thread:
    """Once per server, on a timer (not only when someone trains or explores): the own decoder files, and the
    trained models whose time is up, their memory handed back to the system."""
    def loop() -> None:
        while True:
            time.sleep(every)
            sweep_own_files()
            if MODELS.sweep():
                hosting.release_memory()
    thread = threading.Thread(target=loop, name="genmodels-sweep", daemon=True)
    thread.start()
    return thread


def explore(trained: str | dict | None, z1: float, z2: float, own: Own | None = None) -> dict:
    """Send the visitor's trained VAE to tabs 1 and 2 (their session only) and open the latent explorer."""
    if trained is None:
        raise gr.Error("Train a VAE first: press Start and let it learn for a few seconds.")
    trained = kept(trained)
    if trained is None:
        raise gr.Error(EXPIRED)
    dataset, model = trained["dataset"], trained["model"]
    decoder = own_decoder_file(model, {"dataset": dataset, "about": trained["about"]},
                               own.decoder_file if own is not None else None)
    own = Own.keep(space_for(dataset, model, held_out_images(dataset)), trained["about"], decoder)
    return {**use_own(own, z1, z2), "tabs": gr.Tabs(selected="explorer")}


def explore_page_model(model_file: bytes | str | None, z1: float, z2: float, own: Own | None = None) -> dict:
    """Explore a VAE the page trained (its safetensors file, uploaded once; or as base64): loaded as the library's
    model and sent to tabs 1 and 2 as explore() sends a server-trained one. No file: nothing (the page said why)."""
    if not model_file:
        return {}
    model, meta = live.load_trained(model_file)
    dataset = canonical_dataset(str(meta.get("dataset", "")))          # what it says of itself, checked too
    beta = checks.number(meta.get("beta"), "The KL weight β", *live.BETA_RANGE)
    seed, steps = checks.seed(meta.get("seed")), checks.whole(meta.get("steps"), "The number of steps", 0, 10**9)
    seconds = checks.number(meta.get("seconds"), "The training time (seconds)", 0, live.MAX_LIVE_SECONDS)
    about = f"{DATASETS[dataset].title}, β = {beta:g}, seed {seed}: {steps:,} steps in {seconds:.0f} s, in the browser"
    return explore({"model": model, "dataset": dataset, "about": about}, z1, z2, own)


# ---------------------------------------------------------------- layout and wiring

def build(demo: gr.Blocks, handover: Handover, tabs: gr.Tabs) -> None:
    """Lay out the training tab inside `demo` and wire its events, and the hand-over to tabs 1 and 2."""
    with gr.Tab("Train a VAE", id="train") as tab:
        gr.Markdown(TEXT)
        with gr.Row():
            dataset = gr.Radio(DATASET_CHOICES, value=FIRST_DATASET, label="Dataset", min_width=200)
            beta = gr.Radio([(f"{b:g}", b) for b in BETAS], value=1.0, label="KL weight β", min_width=260)
            seed = gr.Number(0, precision=0, minimum=0, maximum=MAX_SEED, label="Seed (same seed, same run)",
                             min_width=100)
            seconds = gr.Slider(10, max_seconds(), value=min(DEFAULT_SECONDS, max_seconds()), step=10,
                                label="Train for (seconds)", min_width=200, elem_id="train-seconds")
        with gr.Row():            # the server's buttons, or the page's (one set shows: static/tabs/train.js)
            start = gr.Button("Start", variant="primary", min_width=120, elem_classes=SERVER_ONLY)
            stop = gr.Button("Stop", variant="stop", min_width=120, elem_classes=SERVER_ONLY)
            explore_btn = gr.Button("Explore it in tabs 1 and 2", interactive=False, min_width=200,
                                    elem_classes=SERVER_ONLY)
            page_start = gr.Button("Start", variant="primary", min_width=120, elem_classes=PAGE_ONLY,
                                   elem_id="train-start-page")
            page_stop = gr.Button("Stop", variant="stop", min_width=120, elem_classes=PAGE_ONLY)
            page_explore = gr.Button("Explore it in tabs 1 and 2", min_width=200, elem_classes=PAGE_ONLY,
                                     elem_id="train-explore-page")
            download = gr.Button("Download model", min_width=160, elem_classes=PAGE_ONLY, elem_id="train-download")
        status = gr.Markdown(host_note(), elem_id="train-status")
        trained = gr.State()             # the model so far: its token in MODELS
        run_number, stop_number, this_run = gr.Number(visible=False), gr.Number(visible=False), gr.State()
        # the page's model on its way to the server (Explore): uploaded as a file, so that the session keeps its path,
        # not its 2.9 MB (Gradio keeps each session's last inputs)
        page_model = gr.File(visible=False, type="binary")
        page_views()
        with gr.Row(elem_classes=SERVER_ONLY):
            with gr.Column(scale=3, min_width=300):
                plot = gr.Plot(label="The map of held-out codes", elem_id="train-map")
            with gr.Column(scale=2, min_width=300):
                grid = gr.Image(label="The decoder over the code plane", format="png", interactive=False,
                                elem_classes=LABEL_ABOVE, buttons=["download"], elem_id="train-grid")
                recon = gr.Image(label="Held-out images and their reconstructions", format="png",
                                 interactive=False, elem_classes=LABEL_ABOVE, buttons=[], elem_id="train-recon")
        curves = gr.Plot(label="Loss terms per step", elem_id="train-curves", elem_classes=SERVER_ONLY)
        gr.Markdown(BETA_TEXT)

    tab.select(warm_up, None, None, **QUIET)
    outputs = dict(map=plot, grid=grid, recon=recon, curves=curves, status=status, trained=trained,
                   explore=explore_btn)
    queued = start.click(admit(demo), run_number, this_run, js=NEXT_RUN_JS, concurrency_limit=None,
                         show_progress="hidden", api_name="start_training", api_visibility="undocumented")
    queued.failure(lambda: BUSY, None, status, queue=False, **QUIET)
    job = queued.success(by_component(train, outputs), [dataset, beta, seed, seconds, this_run],
                         list(outputs.values()), api_name="train", concurrency_limit=None,
                         show_progress="full", show_progress_on=[plot])
    start.click(None, None, status, js=f"() => {STARTING!r}")
    stop.click(stop_run, [trained, stop_number], status, js=THIS_RUN_JS, cancels=[job], queue=False,
               api_visibility="undocumented").then(
        None, js=f"() => Genmodels.page.pause({SETTLE_MS})").then(
        stopped, trained, status, queue=False, **QUIET)
    switched = {**handover.switched, "tabs": tabs}
    start_sweeping()
    handover.after_switch(explore_btn.click(by_component(explore, switched), [trained, handover.z1, handover.z2,
                                                                              handover.own],
                                            list(switched.values()), **QUIET))
    # the page's trainer: its buttons call the page only (no server event while it trains), but Explore, which
    # sends the model once
    page_start.click(None, [dataset, beta, seed, seconds], None, js=PAGE_CALL.format("start(...settings)"))
    page_stop.click(None, None, None, js=PAGE_CALL.format("stop()"))
    download.click(None, None, None, js=PAGE_CALL.format("download()"))
    sent = page_explore.click(None, None, page_model, js="() => Genmodels.tabs.train.modelFile()")
    handover.after_switch(sent.then(by_component(shows_errors(explore_page_model), switched),
                                    [page_model, handover.z1, handover.z2, handover.own], list(switched.values()),
                                    **QUIET))
    sent.then(None, None, page_model, js="() => null")
