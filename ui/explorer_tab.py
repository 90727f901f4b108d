"""Tab 1, the latent explorer: two sliders over the 2-D latent of a VAE, the image decoded there (by the page,
ui/static/tabs/explorer.js), the manifold and the classifier's opinion."""
from __future__ import annotations

import gradio as gr
import torch
from PIL import Image

from genmodels import latent
from genmodels.browser import page_path
from genmodels.data import DATASETS
from genmodels.imaging import to_pil
from genmodels.latent import DIGIT_SCALE, GRID_N, GRID_SCALE, get_space, slider_radius
from genmodels.registry import entry

from .common import DATASET_CHOICES, FIRST_DATASET, QUIET, by_component, served, shows_errors
from .latent_views import OPINION, SHOW, Handover, Own, classify, first_view, own_banner, space_of

START = (0.0, 0.0)          # the sliders' first point


# the decoded image, drawn by the page (ui/static/tabs/explorer.js) with the decoder exported by export.vae_decoder
DIGIT_HTML = """
<div class="digit-frame">
  <span class="digit-label">Decoded image</span>
  <canvas class="digit" width="28" height="28" aria-label="The image decoded at (z1, z2)"></canvas>
  <div class="digit-bar"><button class="download" type="button">Download PNG</button>
    <span class="decoder-note">Loading the decoder into your browser…</span></div>
</div>
"""


DIGIT_CSS = """
.digit-frame { border: 1px solid var(--border-color-primary); border-radius: var(--radius-lg); padding: 8px;
               text-align: center; position: relative; }
.digit-label { position: absolute; left: 8px; top: 6px; font-size: var(--text-sm);
               color: var(--body-text-color-subdued); }
canvas.digit { width: 280px; height: 280px; max-width: 100%; image-rendering: pixelated; background: #000;
               display: block; margin: 18px auto 6px; }
.digit-bar { font-size: var(--text-sm); color: var(--body-text-color-subdued); }
.digit-bar button { border: 1px solid var(--border-color-primary); border-radius: var(--radius-sm); padding: 1px 8px;
                    margin-right: 6px; background: var(--background-fill-secondary); }
"""


EXPLORER_TEXT = """
The **encoder** squeezes each 28×28 image into just two numbers: the mean μ (and spread σ) of a Gaussian
in a 2-D latent space, and the **decoder** turns any point z back into an image. The **KL term** of the loss
pulls every encoding towards the standard normal N(0, I), so the codes pack together without holes; and
because the decoder must rebuild an image from *any* point near μ, neighbouring points decode to similar
images. Drag the sliders and watch one class morph into the next.
"""


@shows_errors
def decode(dataset: str, z1: float, z2: float, own: Own | None = None) -> Image.Image:
    """Decode the latent point (z1, z2) with the dataset's 2-D VAE into a 280×280 grayscale image (the /decode
    endpoint; the page decodes in the browser, and uses this only if its decoder cannot load)."""
    return to_pil(latent.decode_point(space_of(dataset, own).vae, z1, z2), DIGIT_SCALE)


def random_point() -> tuple[float, float]:
    """Draw z from the prior N(0, I), kept inside the sliders' range."""
    r = slider_radius()
    z = torch.randn(2).clamp(-r, r)
    return round(float(z[0]), 2), round(float(z[1]), 2)


@shows_errors
def manifold_click(dataset: str, evt: gr.SelectData) -> tuple[float, float]:
    x, y = evt.index
    z1, z2 = get_space(dataset).click_to_latent(x, y)      # (the grid's cells are the same for every model)
    return round(z1, 2), round(z2, 2)


# ---------------------------------------------------------------- layout and wiring

def decoder_urls() -> dict[str, str]:
    """Where the page fetches each dataset's browser decoder (files served as Gradio static files)."""
    return {d: served(entry("vae-decoder", d).path) for d in DATASETS}


def head() -> str:
    """For the page's <head>: start downloading the first dataset's decoder while Gradio builds the page."""
    return f'<link rel="preload" href="{decoder_urls()[FIRST_DATASET]}" as="fetch" crossorigin="anonymous">'


def digit_canvas(radius: float) -> gr.HTML:
    """The decoded image: a 28×28 canvas shown at 280×280 (nearest-neighbour), decoded in the page."""
    return gr.HTML("", html_template=DIGIT_HTML, css_template=DIGIT_CSS, apply_default_css=False,
                   js_on_load="Genmodels.tabs.explorer.attach(element, props);",
                   decoders=decoder_urls(), dataset=FIRST_DATASET,
                   classes={d: list(i.classes) for d, i in DATASETS.items()},
                   classifiers={d: served(page_path("classifier", d)) for d in DATASETS},
                   z=list(START), radius=radius, grid_n=GRID_N, cell=28 * GRID_SCALE, elem_id="digit")


def build(demo: gr.Blocks) -> Handover:
    """Lay out tab 1 inside `demo` and wire its events (its first view is drawn on page load); tab 2
    (ui/latent_map_tab.py) completes the hand-over."""
    r = slider_radius()
    with gr.Tab("Latent explorer", id="explorer"):
        own = gr.State()           # the visitor's own VAE (Own), sent from the training tab; None: the shipped one
        own_file, own_page = gr.File(visible=False), gr.JSON(visible=False)     # for the page (USE_OWN)
        own_note, shipped_btn = own_banner()
        gr.Markdown(EXPLORER_TEXT)
        with gr.Row():
            with gr.Column(scale=2, min_width=320):
                dataset = gr.Radio(DATASET_CHOICES, value=FIRST_DATASET, label="Dataset")
                z1 = gr.Slider(-r, r, value=START[0], step=0.01, label="z1", elem_id="z1",
                               elem_classes="own-range")
                z2 = gr.Slider(-r, r, value=START[1], step=0.01, label="z2", elem_id="z2",
                               elem_classes="own-range")
                random_btn = gr.Button("Random z from the prior N(0, I)")
                digit_canvas(r)
                decoded = gr.Image(format="png", visible=False)      # /decode's output, for API callers
                guess = gr.Label(label="The evaluation classifier says", num_top_classes=3)
            with gr.Column(scale=3):
                gr.Markdown("**Manifold**: the decoder over the sliders' range, each cell an equal share of the prior "
                            "N(0, I), so finer near the centre. Click a cell to go there.")
                # no label: an overlaid label would hide the top row of cells
                manifold_img = gr.Image(label="Manifold", show_label=False, format="png", interactive=False,
                                        buttons=["download", "fullscreen"], elem_classes="pixelated",
                                        elem_id="manifold")
                api_decode, api_classify = gr.Button(visible=False), gr.Button(visible=False)

    point = [dataset, z1, z2]
    handover = Handover(own=own, z1=z1, z2=z2, point=point, guess=guess, switched=dict(
        dataset=dataset, manifold=manifold_img, guess=guess, own_note=own_note, shipped_btn=shipped_btn, own=own,
        own_file=own_file, own_page=own_page))
    # own: a gr.State, so not one of the endpoints' parameters (API callers get the shipped model)
    api_decode.click(decode, [*point, own], decoded, api_name="decode", concurrency_limit=None)
    gr.on([z1.input, z2.input], None, point, None, js=SHOW)
    gr.on([z1.release, z2.release], None, point, guess, js=OPINION)
    api_classify.click(classify, [*point, own], guess, api_name="classify", **QUIET)     # the page's fallback
    handover.moved(random_btn.click(random_point, None, [z1, z2], **QUIET))
    handover.moved(manifold_img.select(manifold_click, dataset, [z1, z2], **QUIET))
    first = dict(manifold=manifold_img, guess=guess)
    demo.load(by_component(first_view, first), point, list(first.values()), **QUIET).then(
        None, point, None, js=SHOW)
    return handover
