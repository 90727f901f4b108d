"""Where the app runs and what follows from it: a laptop, a CPU Space, a machine with a GPU, or ZeroGPU (Hugging
Face's shared GPUs, lent to one call at a time through the `spaces` package).

- The small models (VAE, classifier, denoiser, super-resolution, GAN) run on the GPU when the machine has one, on
  the CPU otherwise, and on the CPU under ZeroGPU too: each ZeroGPU call waits for a GPU and spends the visitor's
  quota, far more than the milliseconds these models take on a CPU, at every slider move.
- Style transfer runs on the GPU wherever there is one, under ZeroGPU inside `gpu(...)`.
- On a shared Space each long run has a time limit and their line a length limit; the environment variables below
  (GENMODELS_*) change every limit anywhere (README, "Deploying").
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
import math
import os
from collections.abc import Callable

try:        # before anything starts CUDA: ZeroGPU patches torch when it is imported
    import spaces
except ImportError:         # the package is optional off Hugging Face (requirements.txt installs it)
    spaces = None

import torch

ON_SPACE = bool(os.environ.get("SPACE_ID"))            # set by Hugging Face in every Space
ZERO_GPU = spaces is not None and spaces.config.Config.zero_gpu
# `hf_oauth: true` in a Space's front matter (python -m deploy writes it for ZeroGPU) gives the Space an OAuth app:
# its client id is how the app knows a "Sign in with Hugging Face" button can work here (Gradio refuses one without)
SIGN_IN = ON_SPACE and bool(os.environ.get("OAUTH_CLIENT_ID"))
GPU = torch.cuda.is_available()                         # under ZeroGPU: True (spaces lends one per call)
MODEL_DEVICE = "cuda" if GPU and not ZERO_GPU else "cpu"
LONG_RUN_DEVICE = "cuda" if GPU else "cpu"
LONG_RUN_SECONDS_ON_SHARED_CPU = 120    # a long run's time limit on a CPU Space: others wait at most this
LONG_RUN_SECONDS_ON_GPU_SPACE = 60      # ... and on a dedicated GPU Space (a 1024 px, 1000-step run takes ~20 s there)
LONG_RUN_QUEUE = 3                   # long runs that may wait behind the one running; more are told to come back
ZERO_GPU_SECONDS = (10, 90)          # the GPU time a style run asks ZeroGPU for, at least and at most: a request
                                     # over what a visitor has left of the daily quota is refused outright
ZERO_GPU_QUEUE = 1000                # events that may wait in Gradio's queue on ZeroGPU (elsewhere: no limit)
MAX_UPLOAD_MB = 25                   # a larger upload is refused before it is stored (a 24 MP JPEG is ~10 MB)
UPLOAD_KEEP_SECONDS = 3600           # uploads (and the app's other cached files) older than this are deleted...
UPLOAD_SWEEP_SECONDS = 600           # ...by a sweep this often
UPLOAD_CONCURRENCY = 2               # events that decode visitors' pictures at once (the rest wait their turn)
STATE_SECONDS = 3600                 # a session's own state (a trained VAE, ~3 MB) is freed this long after it was set
SESSIONS = 500                       # sessions whose state the server keeps (the oldest are forgotten first)
# a request's body at most (an event's inputs; uploads have MAX_UPLOAD_MB): Gradio keeps each session's last inputs
# for its deep links, so a script's oversized text would be held per session (the page's largest, a model it
# trained, is 2.9 MB of base64)
MAX_REQUEST_MB = 8
KEPT_MODELS = 60                     # visitors' trained VAEs kept at once (~2 MB each; the oldest dropped first)


def setting(name: str, default: float | None) -> float | None:
    """A number from the environment: unset gives the default, '0', 'none' or 'off' gives None (no limit)."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    if raw.strip().lower() in ("0", "none", "off", ""):
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive number, 0 or 'none', got {raw!r}.")
    return value


def long_run_seconds() -> float | None:
    """The longest a long run (style transfer, VAE training) may take (None: no limit). On by default on a shared
    Space, CPU or dedicated GPU: a laptop has one visitor; under ZeroGPU the GPU time a run asks for is its limit."""
    default = None
    if ON_SPACE and not ZERO_GPU:
        default = LONG_RUN_SECONDS_ON_GPU_SPACE if GPU else LONG_RUN_SECONDS_ON_SHARED_CPU
    return setting("GENMODELS_STYLE_SECONDS", default)


def line_running() -> int | None:
    """How many long runs may run at once (None: as many as come). One on a CPU or a dedicated GPU; under ZeroGPU
    each call is lent its own GPU slice, and the visitor's quota and ZeroGPU's own queue are the limits."""
    return None if ZERO_GPU else 1


def upload_concurrency() -> int | None:
    """How many events may decode visitors' pictures at once (GENMODELS_UPLOAD_CONCURRENCY; 'none': no limit)."""
    value = setting("GENMODELS_UPLOAD_CONCURRENCY", UPLOAD_CONCURRENCY)
    return None if value is None else int(value)


def state_seconds() -> float | None:
    """How long a session's own state lives after it was last set (GENMODELS_STATE_SECONDS; 'none': forever)."""
    return setting("GENMODELS_STATE_SECONDS", STATE_SECONDS)


def kept_models() -> int:
    """How many visitors' trained models the server keeps at once (GENMODELS_KEPT_MODELS), each for
    state_seconds() after it was last set."""
    value = setting("GENMODELS_KEPT_MODELS", KEPT_MODELS)
    return 10_000 if value is None else int(value)


def sessions() -> int:
    """How many sessions' state the server keeps at most (GENMODELS_SESSIONS), the oldest forgotten first."""
    value = setting("GENMODELS_SESSIONS", SESSIONS)
    return 10_000 if value is None else int(value)


def long_run_queue() -> int | None:
    """How many style runs may wait behind the running one (None: no limit)."""
    value = setting("GENMODELS_STYLE_QUEUE", LONG_RUN_QUEUE)
    return None if value is None else int(value)


def max_upload() -> int | None:
    """Gradio's max_file_size in bytes: uploads over GENMODELS_MAX_UPLOAD_MB MiB (default MAX_UPLOAD_MB; 'none': no
    limit) are refused."""
    mb = setting("GENMODELS_MAX_UPLOAD_MB", MAX_UPLOAD_MB)
    return None if mb is None else int(mb * 2 ** 20)


def cache_sweep() -> tuple[int, int] | None:
    """Gradio's delete_cache (every so many seconds, files older than so many): a long-running Space's disk does not
    fill with visitors' photos. GENMODELS_UPLOAD_KEEP_SECONDS changes the age ('none': keep them)."""
    keep = setting("GENMODELS_UPLOAD_KEEP_SECONDS", UPLOAD_KEEP_SECONDS)
    if keep is None:
        return None
    return max(1, int(min(UPLOAD_SWEEP_SECONDS, keep / 2))), max(1, int(keep))


@functools.cache
def device_name() -> str:
    if LONG_RUN_DEVICE == "cuda":
        return f"GPU: {torch.cuda.get_device_name(0)}" + (" (ZeroGPU, shared)" if ZERO_GPU else "")
    from genmodels.style import default_precision
    return f"CPU: {torch.get_num_threads()} threads, {default_precision('cpu')} convolutions"


def gpu(duration: Callable[..., float]) -> Callable[[Callable], Callable]:
    """@spaces.GPU(duration=duration): under ZeroGPU the function runs in a process that holds a GPU for about
    duration(*its arguments) seconds; anywhere else (no `spaces`, or `spaces` off ZeroGPU) it is left as it is."""
    if spaces is None:
        return lambda fn: fn
    return spaces.GPU(duration=duration)


def zero_gpu_error(err: Exception) -> bool:
    """Whether a gr.Error came from ZeroGPU itself (quota used up, no GPU free, the GPU task aborted)."""
    return "zerogpu" in str(getattr(err, "title", "") or "").lower()


def zero_gpu_message(err: Exception, shorter: str) -> str | None:
    """What a visitor reads when ZeroGPU itself refused a run (None for any other error); `shorter`: how to ask
    for less GPU time."""
    if not zero_gpu_error(err):
        return None
    said = str(getattr(err, "message", err)).strip().rstrip(".") + "."
    return (f"The shared GPU could not run this: {said} The app still works: the other tabs run on the CPU, and "
            f"{shorter}.")


def release_memory() -> None:
    """Hand the memory a finished (or stopped) style run freed back to the system. glibc keeps freed heap pages
    for reuse, in one arena per worker thread, so without this a server's resident memory creeps up to the
    high-water mark of its largest runs (BENCHMARKS.md, "A shared CPU stays fair")."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


MALLOC_ARENAS = 2                    # glibc's heaps for the server's threads (its default: 8 per core)
M_ARENA_MAX = -8                     # mallopt's parameter number for it (malloc.h)


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Fewer glibc heaps: each worker thread that trains or decodes otherwise gets a heap of its own, whose freed
    pages stay with it, and a server that has run many sessions keeps the high-water mark of each (BENCHMARKS.md,
    "A hostile visitor"). Call before threads start; False where there is no glibc (macOS, musl)."""
    try:
        return bool(ctypes.CDLL(ctypes.util.find_library("c")).mallopt(M_ARENA_MAX, arenas))
    except (OSError, AttributeError, TypeError):
        return False


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, looked up once (find_library runs ldconfig); None where there is none (macOS, musl)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c")).malloc_trim
    except (OSError, AttributeError, TypeError):
        return None


class RequestLimit:
    """ASGI middleware: a request whose body is over `most` bytes is answered 413 before the app reads it (one
    without a length is cut off there, as a client gone); uploads are Gradio's (max_file_size)."""

    def __init__(self, app, most: int = MAX_REQUEST_MB * 2 ** 20) -> None:
        self.app, self.most = app, most

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"].rstrip("/").endswith("/upload"):
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.most:
            body = f"The request is too large: at most {self.most / 2 ** 20:g} MB.".encode()
            await send({"type": "http.response.start", "status": 413,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                    (b"content-length", str(len(body)).encode())]})
            return await send({"type": "http.response.body", "body": body})
        read = 0

        async def counted():
            nonlocal read
            message = await receive()
            read += len(message.get("body", b""))
            return {"type": "http.disconnect"} if read > self.most else message
        return await self.app(scope, counted, send)
