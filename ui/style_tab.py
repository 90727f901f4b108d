"""Tab 5: neural style transfer, streamed step by step from genmodels.style.stylize (under ZeroGPU, on a GPU lent
for the run)."""
from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from pathlib import Path

import gradio as gr
from PIL import Image

from genmodels import checks, style
from genmodels.imaging import open_picture

from . import hosting
from .common import QUIET, UPLOADS, shows_errors, uploaded_image
from .figures import style_loss_figure
from .runs import LONG_RUNS, NEXT_RUN_JS, THIS_RUN_JS, RunTokens, line_check, waiting_line

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "style"
CONTENT_EXAMPLES = ["chelsea.jpg", "coffee.jpg", "astronaut.jpg", "rocket.jpg"]
STYLE_EXAMPLES = ["starry_night.jpg", "auvers_van_gogh.jpg", "gravel.png"]
MAX_SIZE = 1024 if hosting.GPU else 512       # a 512 px run on a 2-core CPU already takes minutes
DEFAULT_SIZE = 512 if hosting.GPU else 256
PREVIEW_SECONDS = 0.5       # previews cost nothing measurable; more of them also means a quicker Stop
SETTLE_MS = 1500            # after Stop: time for a frame already sent to arrive (previews come every 0.5 s)
BOX = 420                   # px: the result's and before/after's boxes
STARTING = "**Starting…** (if other visitors' runs are going, yours waits its turn: this line shows its place)"
BUSY = "**Busy.** Other visitors' runs are already waiting for this shared server: try again in a minute or two."
NO_PICTURES = "Choose a photo and a painting first (upload them or click an example)."
RUNS = RunTokens()          # which of each visitor's runs Stop has stopped (ui/runs.py)
GPU_PASS_SECONDS = 0.012    # ZeroGPU's request: one VGG pass at 512 px, with room to spare (scales with the area)
GPU_START_SECONDS = 10      # ... plus the GPU process's start and the previews
GPU_MARGIN_SECONDS = 4      # a ZeroGPU run ends itself this long before the time it asked for

ZERO_GPU_TEXT = """
**ZeroGPU lends this Space a GPU for each run, from a daily quota.** Visitors who are not signed in to Hugging Face
share about 2 minutes a day per network (a classroom behind one address shares them); signed in, you spend your own:
5 minutes a day with a free account, 40 with PRO. ZeroGPU learns who you are from your huggingface.co login in the
page around this app, not from the app{button}. The other tabs never use the GPU.
"""
TEXT = """
**Neural style transfer** (Gatys et al.) starts from your photo and nudges its pixels, step by step, to lower two
losses measured inside VGG16, a network trained to recognise objects. Press **Start** and watch it work.
"""
LOSS_TEXT = """
**Content loss** compares what deep VGG layers (conv4_2) see in the two images: *which things are where*, so the cat
stays a cat. **Style loss** compares Gram matrices: for each layer, how often every pair of feature channels fires
together, averaged over the whole image. That keeps textures, strokes and colours but throws away *where* they are,
which is why the painting's brushwork spreads over your photo. **Smoothness** (total variation) penalises
pixel-to-pixel jumps. The curves show each term times its weight.
"""



def check_pictures(content: str | None, painting: str | None) -> tuple[Image.Image, Image.Image]:
    """The photo and the painting, opened (at most twice the largest output size), or the message why not."""
    if content is None or painting is None:
        raise gr.Error(NO_PICTURES)
    return (open_picture(content, max_side=2 * MAX_SIZE, what="Photo"),
            open_picture(painting, max_side=2 * MAX_SIZE, what="Painting"))


def run_settings(strength: float, content_weight: float, smoothness: float, size: float, steps: float,
                 optimizer: str, init: str, preserve_colors: bool, keep_borders: bool) -> dict:
    """The tab's controls as stylize's keyword arguments (stylize checks them), with this host's time limit: a
    shared CPU's, or under ZeroGPU a little under the GPU time the run asks for, so that it ends with its best
    image rather than being cut off."""
    settings = dict(size=size, steps=steps, style_weight=10.0 ** checks.number(strength, "The style strength", -1, 3),
                    content_weight=content_weight, tv_weight=smoothness, optimizer=optimizer, init=init,
                    preserve_colors=bool(preserve_colors), trim_borders=not keep_borders,
                    preview_seconds=PREVIEW_SECONDS, max_seconds=hosting.long_run_seconds())
    if hosting.ZERO_GPU:
        settings["max_seconds"] = gpu_seconds(None, None, settings) - GPU_MARGIN_SECONDS
    return settings


def gpu_seconds(photo: Image.Image | None, painting: Image.Image | None, settings: dict) -> int:
    """The GPU time a run asks ZeroGPU for, from its size and passes (ZeroGPU's queue favours short requests)."""
    area = (checks.number(settings["size"], "The size", 16, style.MAX_SIZE) / 512) ** 2
    passes = checks.number(settings["steps"], "The number of steps", 1, style.MAX_STEPS)
    low, high = hosting.ZERO_GPU_SECONDS
    return int(min(high, max(low, GPU_START_SECONDS + GPU_PASS_SECONDS * area * passes)))


@hosting.gpu(duration=gpu_seconds)
def frames(photo: Image.Image, painting: Image.Image, settings: dict) -> Iterator[style.Frame]:
    """The run's frames as CPU images and numbers only: under ZeroGPU this runs in the process that holds the GPU,
    and each frame is pickled back to the app's (so there settings carry no should_stop: Stop cancels the call)."""
    for frame in style.stylize(photo, painting, device=hosting.LONG_RUN_DEVICE, **settings):
        yield dataclasses.replace(frame, pixels=None)


def status_line(frame: style.Frame, settings: dict) -> str:
    rate = frame.step / max(frame.elapsed, 1e-6)
    state = "Time limit" if frame.timed_out else "Done" if frame.final else "Running"
    line = (f"**{state}**: step {frame.step} of {int(settings['steps'])} · {rate:.1f} steps/s · "
            f"{frame.elapsed:.1f} s · {hosting.device_name()} · {frame.image.width}×{frame.image.height} px")
    if hosting.ZERO_GPU:
        line += f" · asked ZeroGPU for {gpu_seconds(None, None, settings)} s of GPU time"
    elif settings.get("max_seconds") and not frame.final:
        line += f" · stops at {settings['max_seconds']:.0f} s on this shared server"
    if frame.timed_out:
        why = ("the GPU is lent for a limited time" if hosting.ZERO_GPU else
               "this server is shared, so no visitor waits long")
        line += f". A run stops after {settings['max_seconds']:.0f} s here ({why}): this is where it got to."
    return line


@shows_errors
def run(content: str | None, painting: str | None, strength: float, content_weight: float, smoothness: float,
        size: float, steps: float, optimizer: str, init: str, preserve_colors: bool, keep_borders: bool = False,
        run_number: int | None = None, request: gr.Request = None):
    """Stream (current image, loss curves, status, before/after) while the optimisation runs. run_number: the
    page's number for this run (ui/runs.py); a run its visitor has already stopped does not start, and one under
    way ends before its next VGG pass."""
    session = getattr(request, "session_hash", None) or ""
    if RUNS.stopped(session, run_number):
        return
    if content is None or painting is None:
        raise gr.Error(NO_PICTURES)
    settings = run_settings(strength, content_weight, smoothness, size, steps, optimizer, init, preserve_colors,
                            keep_borders)
    stop = RUNS.should_stop(session, run_number)
    try:
        ticket = LONG_RUNS.join(session, stop)      # the line's limits, whoever calls (ui/runs.py)
    except ValueError as err:
        yield gr.skip(), gr.skip(), f"**{err}**", gr.skip(), gr.skip()
        raise gr.Error(str(err), title="Busy", visible=False) from None      # the status says it
    try:
        for ahead in LONG_RUNS.queued(ticket):
            yield gr.skip(), gr.skip(), waiting_line(ahead), gr.skip(), gr.skip()
        if stop():
            return
        photo, art = check_pictures(content, painting)     # decoded only at its turn
        if not hosting.ZERO_GPU:
            settings["should_stop"] = stop
        with RUNS.counted():
            yield from _streamed(photo, art, settings)
    except gr.Error as err:
        message = hosting.zero_gpu_message(err, "a smaller size or fewer steps asks for less GPU time")
        if message is None:
            raise
        yield gr.skip(), gr.skip(), f"**GPU unavailable.** {message}", gr.skip(), gr.skip()
        raise gr.Error(message, title=err.title, visible=False) from None   # the status says it
    finally:                # also when Stop closes the run: a shared server's memory goes back where it was
        LONG_RUNS.leave(ticket)
        hosting.release_memory()


def _streamed(photo: Image.Image, art: Image.Image, settings: dict):
    """run's outputs, one tuple per frame; stops with the frames (a stopped run yields nothing more)."""
    stop = settings.get("should_stop")
    history: list[tuple[int, dict[str, float]]] = []
    for frame in frames(photo, art, settings):
        if stop is not None and stop():       # a frame finished as Stop came: the status stays "Stopped"
            return
        history.append((frame.step, frame.losses))
        if frame.final:
            PACE.record(frame.image.size, frame.step, frame.elapsed)
        pair = (photo.resize(frame.image.size), frame.image)
        yield frame.image, style_loss_figure(history), status_line(frame, settings), pair, pair


def admit(demo: gr.Blocks):
    """Start's first step, before the run joins the style line (it waits behind nothing itself): the page's number
    for the run passes through to it (ui/runs.py); a run without pictures, or one more once the line is full, is
    refused (the status says why: refused_status), so nobody waits behind a long line of runs."""
    refuse_if_busy = line_check(demo)

    def check(content: str | None = None, painting: str | None = None, run_number: float | None = None
              ) -> int | None:
        if content is None or painting is None:
            raise gr.Error(NO_PICTURES, visible=False)          # the status line says it (no toast, no badge)
        refuse_if_busy()
        return None if run_number is None else int(run_number)
    return check


def refused_status(content: str | None, painting: str | None) -> str:
    """What the status says when admit refused a run: no pictures, or else a full line."""
    return f"**{NO_PICTURES}**" if content is None or painting is None else BUSY


def host_note() -> str:
    """What this host allows, under Start."""
    note = f"Runs on {hosting.device_name()}."
    if hosting.ZERO_GPU:
        low, high = hosting.ZERO_GPU_SECONDS
        asked = gpu_seconds(None, None, dict(size=DEFAULT_SIZE, steps=300))
        note += (f" Each run asks for {low}–{high} s of GPU time, by its size and steps ({asked} s at "
                 f"{DEFAULT_SIZE} px, 300 steps), and ends with its best image a few seconds before that.")
    if hosting.long_run_seconds():
        note += (f" This server is shared, so a run stops after {hosting.long_run_seconds():.0f} s and shows where it "
                 "got to; if others are running, yours waits its turn (the status shows its place in the line).")
    return note


class Pace:
    """This host's seconds per VGG pass, per megapixel of the output: a first guess from BENCHMARKS.md's figures,
    then what the runs here measured (a moving average), so the time a visitor is told before Start is this host's."""

    def __init__(self, seconds_per_megapixel: float):
        self.seconds_per_megapixel, self.runs, self._lock = seconds_per_megapixel, 0, threading.Lock()

    def record(self, size: tuple[int, int], passes: int, seconds: float) -> None:
        if passes < 10 or seconds <= 0:
            return
        measured = seconds / passes / (size[0] * size[1] / 1e6)
        with self._lock:
            weight = 1.0 if self.runs == 0 else 0.3
            self.seconds_per_megapixel += weight * (measured - self.seconds_per_megapixel)
            self.runs += 1

    def seconds(self, size: float, steps: float) -> float:
        """A run's expected time; the output's shorter side taken as 2/3 of the longer (most photos)."""
        return steps * self.seconds_per_megapixel * size * size * 2 / 3 / 1e6


# 2-vCPU EPYC: 300 passes at 256 px (256×170, the cat) in 95 s, 7.3 s per pass-megapixel; H200: 92 passes a second at
# 512×340 (BENCHMARKS.md), 0.06 s; a smaller GPU is slower, so the first guess is a T4-like 0.3 s
PACE = Pace(0.3 if hosting.LONG_RUN_DEVICE == "cuda" else 7.3)


def expected_time(size: float, steps: float) -> str:
    """Before Start: how long these settings take on this host, and whether the time limit cuts them short."""
    try:
        seconds = PACE.seconds(checks.number(size, "The size", 16, style.MAX_SIZE),
                               checks.number(steps, "The number of steps", 1, style.MAX_STEPS))
    except ValueError:
        return ""
    source = f"measured from {PACE.runs} run{'s' if PACE.runs != 1 else ''} here" if PACE.runs else "a first estimate"
    text = f"These settings take about **{seconds:.0f} s** on this host ({source})"
    limit = gpu_seconds(None, None, {"size": size, "steps": steps}) - GPU_MARGIN_SECONDS if hosting.ZERO_GPU else \
        hosting.long_run_seconds()
    if limit and seconds > limit:
        text += (f", more than the {limit:.0f} s a run may take here: it will stop early with its best image so far. "
                 "Fewer steps or a smaller size finish")
    return text + "."


def stopped(last: tuple | None) -> tuple[str, tuple | None]:
    """Stop: the status says so and before/after shows where the run got to (the last image shown)."""
    if last is None:
        return "**Stopped** before the first image.", gr.skip()
    return "**Stopped.** The last image shown is where it got to; before/after compares it with your photo.", last


def stop_run(last: tuple | None, run_number: float | None, request: gr.Request = None) -> tuple[str, tuple | None]:
    """Stop: run number `run_number` of this visitor and every earlier one end (or never start); then `stopped`."""
    if run_number is not None and request is not None:
        RUNS.stop(request.session_hash or "", int(run_number))
    return stopped(last)


def sign_in_row() -> gr.Markdown | None:
    """Under ZeroGPU: whose quota a run spends, and where the Space has sign-in (hf_oauth), the button and who is
    signed in."""
    gr.Markdown(ZERO_GPU_TEXT.format(button="; the button below signs you in there (reload the page afterwards "
                                     "if the quota does not follow)" if hosting.SIGN_IN else ": sign in on "
                                     "huggingface.co"), elem_id="style-quota")
    if not hosting.SIGN_IN:
        return None
    with gr.Row(equal_height=True):          # side by side; one under the other on a phone
        gr.LoginButton(min_width=240, scale=0)
        with gr.Column(min_width=200):
            return gr.Markdown(elem_id="style-signed-in")


def signed_in(profile: gr.OAuthProfile | None) -> str:
    """Who is signed in (Gradio passes the profile from the sign-in session; None when nobody is)."""
    if profile is None:
        return "Not signed in: runs spend the shared quota of visitors who are not signed in."
    return f"Signed in as **{profile.username}**: runs spend your own daily GPU quota."


def vet_upload(picture: str | None) -> None:
    """Nothing to do here: the upload's own preprocess (ui.common.uploaded_image) refuses a file that is not a
    picture, at upload time rather than at Start."""


def build(demo: gr.Blocks) -> None:
    """Lay out tab 5 inside `demo` and wire its events (nothing to draw on page load: a run starts on Start)."""
    with gr.Tab("Style transfer", id="style"):
        gr.Markdown(TEXT)
        # Start and what it makes come first (on a phone too): the example photo and painting are already chosen;
        # the pictures and settings to change follow
        with gr.Row():
            start = gr.Button("Start", variant="primary", min_width=120)
            stop = gr.Button("Stop", variant="stop", min_width=120)
        status = gr.Markdown(host_note(), elem_id="style-status")
        who = sign_in_row() if hosting.ZERO_GPU else None
        last = gr.State()            # the last (photo, result) pair shown, for before/after after a Stop
        # the page's run numbers on their way to the server (ui/runs.py), and the one the run reads
        run_number, stop_number, this_run = gr.Number(visible=False), gr.Number(visible=False), gr.State()
        ask_line = gr.Button(visible=False)          # /admit, for scripts (the page's Start asks itself)
        with gr.Row():
            # the result and before/after scaled to fit their boxes (CSS in app.py): one size, never cut
            live = gr.Image(label="Result (updates while it runs)", format="png", interactive=False, height=BOX,
                            elem_id="style-result",
                            buttons=["download", "fullscreen"], elem_classes="fit-box", min_width=300)
            compare = gr.ImageSlider(label="Before / after (drag the handle)", type="pil", height=BOX,
                                     max_height=BOX, interactive=False, elem_classes="fit-box", min_width=300)
            curves = gr.Plot(label="Loss per term (drawn once a run starts)", min_width=300)
        gr.Markdown("Change the photo, the painting or the settings, then **Start** again.")
        with gr.Row():
            with gr.Column(min_width=160):
                # image_mode=None: Gradio hands over the file as uploaded; genmodels.imaging.open_picture decodes it
                # (a large JPEG at reduced size) and gives the message for a file it cannot use
                content = uploaded_image(str(EXAMPLES / CONTENT_EXAMPLES[0]), type="filepath", image_mode=None,
                                         sources=["upload", "webcam", "clipboard"], label="Photo", height=260,
                                         elem_id="style-photo")
                gr.Examples([[str(EXAMPLES / f)] for f in CONTENT_EXAMPLES], content, label="Example photos")
            with gr.Column(min_width=160):
                painting = uploaded_image(str(EXAMPLES / STYLE_EXAMPLES[0]), type="filepath", image_mode=None,
                                          sources=["upload", "clipboard"], label="Painting (the style)", height=260)
                gr.Examples([[str(EXAMPLES / f)] for f in STYLE_EXAMPLES], painting, label="Example styles")
            with gr.Column(min_width=300):
                strength = gr.Slider(-1, 3, value=1, step=0.1, label="Style strength: log₁₀ of the style weight")
                content_weight = gr.Slider(0, 10, value=1, step=0.1, label="Content weight")
                smoothness = gr.Slider(0, 100, value=10, step=1, label="Smoothness (total-variation weight)")
                size = gr.Slider(64, MAX_SIZE, value=DEFAULT_SIZE, step=32, label="Output size (longer side, px)")
                steps = gr.Slider(10, 1000, value=300, step=10, label="Steps (VGG passes)")
                expected = gr.Markdown(expected_time(DEFAULT_SIZE, 300), elem_id="style-expected")
                with gr.Row():
                    optimizer = gr.Radio([("L-BFGS", "lbfgs"), ("Adam", "adam")], value="lbfgs", label="Optimiser")
                    init = gr.Radio([("the photo", "content"), ("noise", "noise")], value="content",
                                    label="Start from")
                with gr.Row():
                    preserve = gr.Checkbox(False, label="Keep the photo's colours")
                    keep_borders = gr.Checkbox(False, label="Keep the painting's plain borders",
                                               info="a frame or margin is cut off by default")
        gr.Markdown(LOSS_TEXT)

    inputs = [content, painting, strength, content_weight, smoothness, size, steps, optimizer, init, preserve,
              keep_borders]
    # one run at a time; a full line refuses a new one before it joins (admit). No progress overlay on the outputs:
    # the status line tells how the run goes (and, while a run waits, its place in the line: Gradio's tracker, on
    # that one component), and a refused input is one message, not an Error badge on each of the four outputs
    # Start: the page numbers the run (NEXT_RUN_JS) and Stop names the number the page is at (THIS_RUN_JS), so a
    # Stop that reaches the server before its run, however the requests race, still stops it (ui/runs.py)
    queued = start.click(admit(demo), [content, painting, run_number], this_run, js=NEXT_RUN_JS, **UPLOADS,
                         show_progress="hidden", api_name="start",
                         api_visibility="undocumented")
    ask_line.click(line_check(demo), None, None, concurrency_limit=None, api_name="admit",
                   api_visibility="undocumented")
    queued.failure(refused_status, [content, painting], status, queue=False, **QUIET)
    job = queued.success(run, [*inputs, this_run], [live, curves, status, compare, last], api_name="stylize",
                         concurrency_limit=None, show_progress="full",
                         show_progress_on=[live])
    start.click(None, None, status, js=f"() => {STARTING!r}")
    # the status is written again once a frame already on its way has landed (it would say "Running" again)
    stop.click(stop_run, [last, stop_number], [status, compare], js=THIS_RUN_JS, cancels=[job], queue=False,
               api_visibility="undocumented").then(
        None, js=f"() => Genmodels.page.pause({SETTLE_MS})").then(
        stopped, last, [status, compare], queue=False, **QUIET)
    if who is not None:
        demo.load(signed_in, None, who, **QUIET)
    # the time these settings take here, from this host's measured pace (it changes as runs finish)
    gr.on([size.change, steps.change, demo.load], expected_time, [size, steps], expected, **QUIET)
    for picture in (content, painting):
        # a file that is not a picture: its message at once, and the box emptied (not a broken-image icon)
        picture.upload(vet_upload, picture, None, **QUIET, **UPLOADS).failure(None, None, picture, js="() => null")
