"""genmodels: play with generative models and see how they work. Run: python app.py"""
from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")   # no phoning home; works offline
# Gradio's queue rebuilds a pandas summary of its last 10,000 events after every event, for a monitoring page this
# app does not enable: a cost that grows as the app serves (BENCHMARKS.md, "Latent explorer: speed"). Rebuild it rarely.
os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", "1000")
os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "1000")

from ui import hosting  # noqa: E402  (first: under ZeroGPU `spaces` must come before anything starts CUDA)

hosting.limit_malloc_arenas()      # before Gradio's and torch's threads start

import gradio as gr  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

import genmodels  # noqa: E402
from genmodels import style  # noqa: E402
from ui import denoiser_tab, explorer_tab, gan_tab, latent_map_tab, style_tab, train_tab  # noqa: E402
from ui.common import expire_states, log_rejections, page_script  # noqa: E402

CSS = """
.pixelated img { image-rendering: pixelated; }
.label-above .image-container { padding-top: 2.3em; }
.fit-box img { width: 100%; height: 100%; object-fit: contain; }
@media (max-width: 480px) {   /* a phone: tab names wrap onto two lines so all six fit, none behind "•••" */
  .tab-wrapper button { white-space: normal; max-width: 6.5em; line-height: 1.15; font-size: var(--text-xs);
                        padding: var(--size-1) var(--size-1); }
}
.range-note { font-size: var(--text-sm); color: var(--body-text-color); margin-top: var(--spacing-sm); }
"""
TITLE = "genmodels: play with generative models"


def build_app() -> gr.Blocks:
    genmodels.use_device(hosting.MODEL_DEVICE)      # the small models: the GPU where there is one (not ZeroGPU's)
    if hosting.ZERO_GPU:
        style.load_vgg("cuda")      # ZeroGPU wants models placed on CUDA at start-up; it moves them to each GPU lent
    # uploads (and every file Gradio caches) older than an hour are swept away (hosting.cache_sweep)
    with gr.Blocks(title=TITLE, delete_cache=hosting.cache_sweep()) as demo:
        gr.Markdown(f"# {TITLE}\nEvery tab is a small model you can poke at; each says what it shows and why.")
        with gr.Tabs() as tabs:
            handover = latent_map_tab.build(demo, explorer_tab.build(demo))     # tabs 1 and 2
            for tab in (denoiser_tab, gan_tab, style_tab):
                tab.build(demo)
            train_tab.build(demo, handover, tabs)        # the VAE a visitor trains goes to tabs 1 and 2
    log_rejections(demo)
    expire_states(demo)         # a session's own state (a trained VAE) is freed an hour after it was last set
    if hosting.ZERO_GPU:
        # on a ZeroGPU Space Gradio lets one event wait unless told otherwise (Blocks.queue: max_size 1), for apps
        # whose every event asks for a GPU: here one page's first view is six events on the CPU ("This application
        # is currently busy" for every visitor), and style runs have their own bounded line (style_tab.admit)
        demo.queue(max_size=hosting.ZERO_GPU_QUEUE)
    # Gradio's queue is on by default, one call at a time per event (default_concurrency_limit=1): a CPU
    # Space runs one model call at a time; calling demo.queue() again would only rebuild the server app
    return demo


demo = build_app()


def launch(**kwargs):
    """Start the server (blocking unless prevent_thread_lock=True); tests and benchmarks use this too."""
    kwargs.setdefault("server_name", os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"))
    kwargs.setdefault("server_port", int(os.environ.get("GRADIO_SERVER_PORT", "7860")))
    # errors raised before a handler runs (Gradio decoding a corrupt upload) show their message, not a bare "Error";
    # every message a visitor can see is the app's own sentence (ui.common.log_rejections)
    kwargs.setdefault("show_error", True)
    # a file over the limit is refused before it is stored: Gradio's page says so, its upload route answers 413
    kwargs.setdefault("max_file_size", hosting.max_upload())
    # sessions whose state the server keeps (each holds a copy of the page's settings; a trained VAE ~3 MB)
    kwargs.setdefault("state_session_capacity", hosting.sessions())
    # and what a session can make it keep: an event's inputs at most hosting.MAX_REQUEST_MB
    kwargs.setdefault("app_kwargs", {"middleware": [Middleware(hosting.RequestLimit)]})
    return demo.launch(css=CSS + train_tab.CSS, head=explorer_tab.head() + page_script(), **kwargs)


if __name__ == "__main__":
    launch()
