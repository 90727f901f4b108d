"""What every tab shares: the dataset choices, event settings, turning the library's ValueError into a message in
the page, handlers that return {name: value}, the digit sketchpad and picture uploads."""
from __future__ import annotations

import base64
import binascii
import functools
import inspect
import io
import logging
import math
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import gradio as gr
import torch
from gradio.processing_utils import extract_base64_data
from PIL import Image

from genmodels.checks import MAX_SEED
from genmodels.data import DATASETS
from genmodels.imaging import MAX_PIXELS, check_upload, picture_error
from genmodels.weights import WeightsError

from . import hosting

STATIC = Path(__file__).resolve().parent / "static"
DATASET_CHOICES = [(info.title, key) for key, info in DATASETS.items()]
FIRST_DATASET = DATASET_CHOICES[0][1]
QUIET = dict(show_progress="hidden", api_visibility="undocumented")   # internal UI events: no overlay, no API docs
LABEL_ABOVE = ["pixelated", "label-above"]     # a pixel-art image that starts below its label (CSS in app.py)
MODEBAR_REMOVE = ["lasso2d", "select2d", "zoomIn2d", "zoomOut2d", "autoScale2d"]   # plotly's toolbar, trimmed
LIVE = dict(trigger_mode="always_last", concurrency_limit=None)   # events that follow a control as it moves
# events that decode visitors' pictures: a few at a time, however many arrive (a burst of large uploads)
UPLOADS = dict(concurrency_id="uploads", concurrency_limit=hosting.upload_concurrency())


log = logging.getLogger("genmodels.app")
if not log.handlers:                                     # one line per rejected input in the server's output
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    log.addHandler(_handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def _catching(fn: Callable, errors: tuple[type[Exception], ...], handle: Callable) -> Callable:
    """fn (a plain function or a generator, for streamed outputs) with `errors` raised as what handle(err) gives."""
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def stream(*args, **kwargs):
            try:
                yield from fn(*args, **kwargs)
            except errors as err:
                raise handle(err) from None
        return stream

    @functools.wraps(fn)
    def call(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except errors as err:
            raise handle(err) from None
    return call


def shows_errors(handler: Callable) -> Callable:
    """A handler whose ValueError or WeightsError (the library's checks, a damaged weights file) is shown in the
    page as a gr.Error with the same message. Works for generators (streamed outputs) too."""
    return _catching(handler, (ValueError, WeightsError), as_message)


def as_message(err: Exception) -> gr.Error:
    """The error as Gradio shows it; a gr.Error (itself a ValueError) is kept as it is."""
    return err if isinstance(err, gr.Error) else gr.Error(str(err))


def rejected(err: gr.Error, where: str) -> gr.Error:
    """A refused input: one line in the server log instead of Gradio's traceback."""
    err.print_exception = False
    if not getattr(err, "repeat", False):         # another event reading the same refused upload: logged already
        log.info("refused (%s): %s", where, err.message)
    return err


INTERNAL_ERROR = ("Something went wrong on the server with this request; it is logged for the app's keepers. Try "
                  "again, or other settings: the app keeps serving.")


def failed(err: Exception, where: str) -> gr.Error:
    """An error the app did not foresee: its traceback in the server's log, and to the visitor or script only the
    app's own sentence (no path, no exception text: show_error=True would show Gradio's visitors anything)."""
    if isinstance(err, gr.Error):
        return rejected(err, where)
    log.error("failed (%s): %s", where, type(err).__name__, exc_info=err)
    error = gr.Error(INTERNAL_ERROR)
    error.print_exception = False
    return error


def log_rejections(demo: gr.Blocks) -> None:
    """Every refused input, whether a handler's gr.Error or a component's own check (Gradio's "Value 700 is greater
    than maximum value 499."), logs one line; any other exception, a real problem, keeps its traceback in the log
    and reaches the visitor as INTERNAL_ERROR."""
    for block in demo.blocks.values():
        if isinstance(block, gr.components.Component):
            where = f"input {block.label or type(block).__name__}"
            block.preprocess = _catching(block.preprocess, (Exception,), functools.partial(failed, where=where))
    for block_fn in demo.fns.values():
        if block_fn.fn is not None:
            where = f"/{block_fn.api_name or block_fn.name}"
            block_fn.fn = _catching(block_fn.fn, (Exception,), functools.partial(failed, where=where))


def expire_states(demo: gr.Blocks) -> None:
    """Every gr.State lives hosting.state_seconds() after it was last set (a trained model is not kept for a
    visitor who left), and the memory it held goes back to the system soon after Gradio drops it."""
    for block in demo.blocks.values():
        if isinstance(block, gr.State):
            block.time_to_live = hosting.state_seconds() or math.inf
            block.delete_callback = lambda value: trim_soon()


_trim_timer: threading.Timer | None = None
_trim_lock = threading.Lock()


def trim_soon(delay: float = 2.0) -> None:
    """hosting.release_memory() once, `delay` seconds from now (Gradio drops a state's value after calling its
    delete callback; many states expiring together make one trim)."""
    global _trim_timer
    with _trim_lock:
        if _trim_timer is None or not _trim_timer.is_alive():
            _trim_timer = threading.Timer(delay, hosting.release_memory)
            _trim_timer.daemon = True
            _trim_timer.start()


def by_component(handler: Callable, components: dict[str, gr.components.Component]) -> Callable:
    """Wire a handler that returns {name: value} (names as in `components`) to Gradio, which wants
    {component: value}. Use it with outputs=list(components.values()). A generator's every yield is mapped; an empty
    result changes nothing."""
    if inspect.isgeneratorfunction(handler):
        @functools.wraps(handler)
        def stream(*args, **kwargs):
            for named in handler(*args, **kwargs):
                yield {components[name]: value for name, value in named.items()}
        return stream

    @functools.wraps(handler)
    def call(*args, **kwargs):
        named = handler(*args, **kwargs)
        if not named:                # nothing to change (Gradio reads an empty dict as one output's value)
            return {component: gr.skip() for component in components.values()}
        return {components[name]: value for name, value in named.items()}
    return call


def served(path: Path) -> str:
    """The address the page fetches a shipped file from (the in-page models' files): served by Gradio as a static
    file, not copied to its cache."""
    gr.set_static_paths(paths=[path])
    return f"/gradio_api/file={path}"


# The page code (static/), in the order it loads, all in the page's <head>: the pure core (the one runtime for the
# page's models and the library's arithmetic it mirrors), the page's link to Gradio and the tab controller, the
# page-wide behaviour of inputs, then one file per live tab, named after its module's stem. Each file adds its part to
# one namespace, window.Genmodels; a tab's Python calls into it (Genmodels.tabs.<stem>.attach/show/open).
PAGE_CODE = ("core/conv_wasm.js", "core/nn.js", "core/noise.js", "core/imaging.js", "core/latent.js",
             "core/denoiser.js", "page/gradio.js", "page/controller.js", "page/inputs.js",
             "tabs/explorer.js", "tabs/denoiser.js", "tabs/gan.js", "tabs/train.js")


def page_script() -> str:
    """For the page's <head>: the page code, one <script> a file."""
    return "".join(f"<script>{(STATIC / name).read_text()}</script>" for name in PAGE_CODE)


def digit_sketchpad(label: str) -> gr.Sketchpad:
    """A 280×280 canvas with one black brush, ready to draw on (static/page/inputs.js picks the brush): what mnistify
    turns into a 28×28 digit."""
    pad = gr.Sketchpad(label=label, type="numpy", image_mode="RGBA", canvas_size=(280, 280), fixed_canvas=True,
                       brush=gr.Brush(default_size=14, colors=["#000000"], color_mode="fixed"), layers=False,
                       height=330, elem_classes="digit-sketch")
    return checked_upload(pad)


UPLOAD_ERROR_SECONDS = 10    # how long an upload's error toast stays up (Gradio's default)
# Pillow itself refuses, when it reads the header, any picture over the app's largest limit: a guard for every
# decode in the process (Gradio's own included); the uploads' own checks below refuse tighter and say why
Image.MAX_IMAGE_PIXELS = MAX_PIXELS // 2     # Pillow's error starts at twice this
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)


def payload_files(payload) -> list:
    """The files an image payload carries: an upload's FileData, or a sketchpad's background, layers and
    composite."""
    if payload is None:
        return []
    if hasattr(payload, "layers"):
        return [f for f in (payload.background, *payload.layers, payload.composite) if f is not None]
    return [payload]


def checked_file(data, what: str) -> None:
    """Check one uploaded file (a path, or an API caller's data: URL) before Gradio or the app decodes it."""
    url = getattr(data, "url", None) or ""
    if url.startswith("data:"):
        limit = hosting.max_upload()
        if limit is not None and len(url) > limit * 4 // 3 + 100:
            raise ValueError(f"{what}: the file is larger than {limit // 2 ** 20} MB.")
        source = io.BytesIO(base64.b64decode(extract_base64_data(url)))
    elif getattr(data, "path", None):
        source = data.path
    else:
        return
    check_upload(source, what)


def checked_upload(component: gr.components.Component) -> gr.components.Component:
    """The component (an image upload or a sketchpad) with every file it receives checked before anything decodes
    it (genmodels.imaging.check_upload: the formats the app reads, the pixel limit from the header, the data): a
    file it cannot use is genmodels.imaging's message naming the input (its label up to any parenthesis), not
    Gradio's component-processing error. Several events that read the same upload show that message once: a repeat
    for the same file while its toast is still up is raised hidden (API callers still get it). The preprocess is
    wrapped on the instance: a gr.Image subclass would make Gradio write a .pyi stub beside this module."""
    what = (component.label or "Image").split(" (")[0]
    gradio_preprocess = component.preprocess
    shown: dict[str, float] = {}         # file path -> when its message was first shown
    lock = threading.Lock()

    def refusal(message: str, payload) -> gr.Error:
        path, now = str(getattr(payload, "path", "")), time.monotonic()
        with lock:
            for old in [p for p, t in shown.items() if now - t > UPLOAD_ERROR_SECONDS]:
                del shown[old]
            repeat = path in shown
            shown.setdefault(path, now)
        error = gr.Error(message, duration=UPLOAD_ERROR_SECONDS, visible=not repeat)
        error.repeat = repeat           # shown and logged once (rejected skips a repeat)
        return error

    def preprocess(payload):
        try:
            for data in payload_files(payload):
                checked_file(data, what)
        except (ValueError, binascii.Error) as err:
            raise refusal(str(err) if isinstance(err, ValueError) and str(err).startswith(what)
                          else str(picture_error(err, what)), payload) from None
        try:
            return gradio_preprocess(payload)
        except gr.Error:
            raise
        except (Image.DecompressionBombError, OSError, ValueError, SyntaxError) as err:
            raise refusal(str(picture_error(err, what)), payload) from None

    component.preprocess = preprocess
    return component


def uploaded_image(value=None, **kwargs) -> gr.Image:
    """gr.Image(value, **kwargs) for uploads, each file checked before it is decoded (checked_upload)."""
    return checked_upload(gr.Image(value, **kwargs))


def random_seed() -> int:
    """A fresh seed for the 'New seed' buttons."""
    return int(torch.randint(MAX_SEED, ()).item())
