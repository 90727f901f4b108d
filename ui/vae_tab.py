"""Tabs 1 and 2, the VAE: the latent explorer (sliders, manifold) and the latent map (plotly, encode, walk)."""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr
import numpy as np
import plotly.graph_objects as go
import torch
from PIL import Image
from plotly.colors import qualitative

from genmodels import latent
from genmodels.data import DATASETS, canonical_dataset, first_per_class
from genmodels.imaging import grid_pil, mnistify, strip_columns, to_pil
from genmodels.latent import (DIGIT_SCALE, GRID_N, GRID_SCALE, WALK_STEPS, Encoding, LatentSpace, get_space,
                              slider_radius)
from genmodels.browser import page_path
from genmodels.registry import entry

from .common import (DATASET_CHOICES, FIRST_DATASET, LABEL_ABOVE, MODEBAR_REMOVE, QUIET, STATIC, by_component,
                     digit_sketchpad, served, shows_errors)

GALLERY_PER_CLASS = 4
START = (0.0, 0.0)          # the sliders' first point
# the decoded image, drawn by the page (ui/static/explorer.js) with the decoder exported by train.vae_decoder
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
.digit-label { position: absolute; left: 8px; top: 6px; font-size: var(--text-sm); color: var(--body-text-color-subdued); }
canvas.digit { width: 280px; height: 280px; max-width: 100%; image-rendering: pixelated; background: #000;
               display: block; margin: 18px auto 6px; }
.digit-bar { font-size: var(--text-sm); color: var(--body-text-color-subdued); }
.digit-bar button { border: 1px solid var(--border-color-primary); border-radius: var(--radius-sm); padding: 1px 8px;
                    margin-right: 6px; background: var(--background-fill-secondary); }
"""
# every slider move: decode and draw in the page, no server request
SHOW = "(dataset, z1, z2) => { window.GenmodelsExplorer.show(dataset, z1, z2); return []; }"
# a slider released (or moved by a click): the classifier's opinion, computed in the page too
OPINION = "(dataset, z1, z2) => window.GenmodelsExplorer.opinion(dataset, z1, z2)"

EXPLORER_TEXT = """
The **encoder** squeezes each 28×28 image into just two numbers: the mean μ (and spread σ) of a Gaussian
in a 2-D latent space, and the **decoder** turns any point z back into an image. The **KL term** of the loss
pulls every encoding towards the standard normal N(0, I), so the codes pack together without holes; and
because the decoder must rebuild an image from *any* point near μ, neighbouring points decode to similar
images. Drag the sliders and watch one class morph into the next.
"""
MAP_TEXT = """
Each dot is one test image's posterior mean μ, coloured by its true class: the VAE never saw a label, yet
similar images land together. Draw something or pick a test image to see where it lands; the ellipse spans
±2σ of its posterior, the region of z that the encoder says could have produced it.
"""


# ---------------------------------------------------------------- the map figure

_base_figures: dict[str, dict] = {}


def codes_figure(mu: torch.Tensor, labels: torch.Tensor, classes: tuple[str, ...], radius: float, title: str,
                 height: int = 640, marker_size: int = 3) -> go.Figure:
    """Codes on the 2-D map, one WebGL trace per class (so the legend toggles classes): the latent map's look,
    which the training tab shares."""
    colors = qualitative.Plotly
    mu, labels = mu.numpy().round(3), labels.numpy()
    traces = []
    for c, name in enumerate(classes):
        sel = labels == c
        traces.append(go.Scattergl(
            x=mu[sel, 0], y=mu[sel, 1], mode="markers", name=name,
            marker=dict(size=marker_size, color=colors[c % len(colors)], opacity=0.6),
            hovertemplate=f"<b>{name}</b><br>z1=%{{x:.2f}}<br>z2=%{{y:.2f}}<extra></extra>",
        ))
    layout = go.Layout(
        xaxis=dict(title="z1", range=[-radius, radius], zeroline=False),
        yaxis=dict(title="z2", range=[-radius, radius], scaleanchor="x", zeroline=False),
        # the legend below the plot: the plot keeps the width, on a phone too; two columns, so that the longest
        # names ("μ of test #19 (4)", "±2σ posterior") fit on a 390 px phone and run into no other entry
        legend=dict(title=dict(text="class (click to hide)", side="top"), itemsizing="constant", orientation="h",
                    x=0, y=-0.12, yanchor="top", entrywidth=0.5, entrywidthmode="fraction"),
        margin=dict(l=40, r=10, t=40, b=40), height=height, dragmode="pan", modebar=dict(remove=MODEBAR_REMOVE),
        title=dict(text=title, font=dict(size=14)),
    )
    return go.Figure(data=traces, layout=layout)


def _base_figure(space: LatentSpace) -> dict:
    """The map without overlays; the shipped models' built once per dataset."""
    shipped = space is get_space(space.dataset)
    if shipped and space.dataset in _base_figures:
        return _base_figures[space.dataset]
    title = (f"{len(space.test_mu):,} test images encoded (posterior means)" if shipped else
             f"{len(space.test_mu):,} held-out test images encoded by your VAE")
    figure = codes_figure(space.test_mu, space.test_labels, space.classes, space.radius, title).to_dict()
    if shipped:
        _base_figures[space.dataset] = figure
    return figure


def map_figure(space: LatentSpace, z: tuple[float, float] | None = None, encoded: Encoding | None = None,
               walk: dict | None = None) -> go.Figure:
    """The map with overlays: the sliders' point z, an encoded input (μ and its ±2σ ellipse), a walk A→B.
    The overlays are WebGL traces too: plotly draws every WebGL trace above every SVG one, so SVG markers would
    hide under a dense cluster."""
    fig = go.Figure(_base_figure(space), skip_invalid=True)
    if walk is not None:
        fig.add_trace(go.Scattergl(x=walk["z"][:, 0], y=walk["z"][:, 1], mode="lines+markers", name="walk A→B",
                                   line=dict(color="black", width=2, dash="dot"), marker=dict(size=5)))
    if encoded is not None:
        xs, ys = latent.posterior_ellipse(encoded.mu, encoded.logvar, n_sigma=2)
        fig.add_trace(go.Scattergl(x=xs, y=ys, mode="lines", name="±2σ posterior", line=dict(color="black")))
        fig.add_trace(go.Scattergl(x=[float(encoded.mu[0])], y=[float(encoded.mu[1])], mode="markers",
                                   name=f"μ of {encoded.name}", marker=dict(symbol="x", size=12, color="black")))
    if z is not None:
        fig.add_trace(go.Scattergl(x=[z[0]], y=[z[1]], mode="markers", name="sliders (z1, z2)",
                                   marker=dict(symbol="star", size=18, color="red", line=dict(color="white", width=1))))
    return fig


# ---------------------------------------------------------------- handlers
# `own`: the visitor's own VAE, sent from the training tab (Own, in this browser session's gr.State), or None

@dataclass
class Own:
    """A VAE the visitor trained (ui/train_tab.py), shown in tabs 1 and 2 of their session only."""
    space: LatentSpace
    about: str              # e.g. "MNIST, β = 1, seed 0: 8,400 steps in 60 s"
    decoder_file: str       # its decoder, as the page's runtime loads it


def space_of(dataset: str, own: Own | None) -> LatentSpace:
    """What tabs 1 and 2 show for `dataset`: the visitor's own VAE where it is one of that dataset, else the
    shipped one."""
    if own is not None and own.space.dataset == canonical_dataset(dataset):
        return own.space
    return get_space(dataset)


@shows_errors
def decode(dataset: str, z1: float, z2: float, own: Own | None = None) -> Image.Image:
    """Decode the latent point (z1, z2) with the dataset's 2-D VAE into a 280×280 grayscale image (the /decode
    endpoint; the page decodes in the browser, and uses this only if its decoder cannot load)."""
    return to_pil(latent.decode_point(space_of(dataset, own).vae, z1, z2), DIGIT_SCALE)


@shows_errors
def classify(dataset: str, z1: float, z2: float, own: Own | None = None) -> dict[str, float]:
    """The evaluation classifier's opinion of the image decoded at (z1, z2)."""
    space = space_of(dataset, own)
    return space.class_probabilities(latent.decode_point(space.vae, z1, z2))


@shows_errors
def manifold(dataset: str, own: Own | None = None) -> Image.Image:
    """The decoder over the sliders' range (the page draws the marker over it)."""
    return space_of(dataset, own).manifold


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


def _gallery_samples(space: LatentSpace) -> list[int]:
    """Indices into the shipped sample of the images the gallery shows: the first few of each class."""
    return first_per_class(space.sample_labels, GALLERY_PER_CLASS)


@shows_errors
def gallery_items(dataset: str) -> list[tuple[Image.Image, str]]:
    space = get_space(dataset)
    return [(to_pil(space.sample_images[i], 4),
             f"{space.classes[int(space.sample_labels[i])]} · test #{int(space.sample_indices[i])}")
            for i in _gallery_samples(space)]


def _encoded_view(space: LatentSpace, encoded: Encoding) -> dict:
    """What the map tab shows for a new encoding; the sliders move to its μ."""
    mu, sigma = encoded.mu, encoded.sigma
    z = space.clamp(mu)
    info = (f"**{encoded.name}** → μ = ({mu[0]:.2f}, {mu[1]:.2f}), σ = ({sigma[0]:.2f}, {sigma[1]:.2f}). "
            "The sliders moved to μ; the right image is the decoder's reconstruction from μ.")
    return {"encoded": encoded, "seen": to_pil(encoded.image, 6), "recon": to_pil(encoded.reconstruction, 6),
            "info": info, "z1": z[0], "z2": z[1], "plot": map_figure(space, z, encoded)}


@shows_errors
def encode_drawing(dataset: str, sketch: dict | None, own: Own | None = None) -> dict:
    """Encode a sketchpad drawing (processed the way MNIST digits were made)."""
    space = space_of(dataset, own)
    composite = None if sketch is None else sketch.get("composite")
    if composite is None:
        raise gr.Error("Draw something on the sketchpad first.")
    return _encoded_view(space, latent.encode(space.vae, mnistify(np.asarray(composite)), "your drawing"))


@shows_errors
def encode_sample(dataset: str, own: Own | None, evt: gr.SelectData) -> dict:
    """Encode the test image picked in the gallery."""
    space = space_of(dataset, own)
    i = _gallery_samples(space)[evt.index]
    name = f"test #{int(space.sample_indices[i])} ({space.classes[int(space.sample_labels[i])]})"
    return _encoded_view(space, latent.encode(space.vae, space.sample_images[i], name))


def set_endpoint(encoded: Encoding | None) -> tuple[Encoding, Image.Image]:
    if encoded is None:
        raise gr.Error("Encode a drawing or pick a test image first.")
    return encoded, to_pil(encoded.image, 3)


@shows_errors
def walk(dataset: str, a: Encoding | None, b: Encoding | None, steps: int, z1: float, z2: float,
         encoded: Encoding | None, own: Own | None = None):
    """Decode the straight walk from A's μ to B's μ as a strip, and draw it on the map."""
    space = space_of(dataset, own)
    if a is None or b is None:
        return None, gr.skip(), None
    path, images = latent.decode_path(space.vae, a.mu, b.mu, steps)
    strip = grid_pil(images, nrow=strip_columns(len(path)), scale=4, padding=2)
    state = {"z": path.numpy()}
    return strip, map_figure(space, (z1, z2), encoded, state), state


@shows_errors
def refresh_map(dataset: str, z1: float, z2: float, encoded: Encoding | None, walk_state: dict | None,
                own: Own | None = None) -> go.Figure:
    return map_figure(space_of(dataset, own), (z1, z2), encoded, walk_state)


@shows_errors
def first_view(dataset: str, z1: float, z2: float, own: Own | None = None) -> dict:
    """What the server draws of tab 1 for a dataset: the manifold and the classifier's opinion (the page decodes
    the image itself)."""
    return {"manifold": manifold(dataset, own), "guess": classify(dataset, z1, z2, own)}


def own_note(dataset: str, own: Own | None) -> dict:
    """The line over tabs 1 and 2 that says whose VAE they show, and the button back to the shipped one."""
    if own is None:
        return {"own_note": gr.update(visible=False), "own_note_map": gr.update(visible=False),
                "shipped_btn": gr.update(visible=False), "shipped_btn_map": gr.update(visible=False)}
    mine = own.space.dataset == canonical_dataset(dataset)
    text = (f"**You are exploring your own VAE** ({own.about}), trained in the *Train a VAE* tab; only you see it."
            if mine else f"Your own VAE is a {DATASETS[own.space.dataset].title} one ({own.about}): pick that "
            "dataset to explore it again; this is the shipped model.")
    # (one update each: Gradio consumes an update as it applies it)
    return {"own_note": gr.update(value=text, visible=True), "own_note_map": gr.update(value=text, visible=True),
            "shipped_btn": gr.update(visible=True), "shipped_btn_map": gr.update(visible=True)}


@shows_errors
def switch_dataset(dataset: str, z1: float, z2: float, own: Own | None = None) -> dict:
    """Everything both tabs show, drawn for `dataset`; encodings of another model no longer apply, so they are
    cleared."""
    cleared = dict.fromkeys(["encoded", "point_a", "point_b", "walk_state", "thumb_a", "thumb_b", "strip", "info",
                             "seen", "recon"])
    return {"dataset": dataset, "dataset_map": dataset, **first_view(dataset, z1, z2, own),
            "gallery": gallery_items(dataset), "plot": map_figure(space_of(dataset, own), (z1, z2)), **cleared,
            **own_note(dataset, own)}


def use_own(own: Own, z1: float, z2: float) -> dict:
    """Tabs 1 and 2 switched to the visitor's own VAE; the page gets its decoder (own_file) and which dataset's
    images it now draws (own_page)."""
    return {"own": own, **switch_dataset(own.space.dataset, z1, z2, own), "own_file": own.decoder_file,
            "own_page": {"dataset": own.space.dataset, "about": own.about}}


def back_to_shipped(dataset: str, z1: float, z2: float) -> dict:
    """Tabs 1 and 2 switched back to the shipped VAE."""
    return {"own": None, **switch_dataset(dataset, z1, z2, None), "own_file": None, "own_page": None}


# ---------------------------------------------------------------- layout and wiring

def decoder_urls() -> dict[str, str]:
    """Where the page fetches each dataset's browser decoder (files served as Gradio static files)."""
    return {d: served(entry("vae-decoder", d).path) for d in DATASETS}


def head() -> str:
    """For the page's <head>: start downloading the first dataset's decoder while Gradio builds the page."""
    return f'<link rel="preload" href="{decoder_urls()[FIRST_DATASET]}" as="fetch" crossorigin="anonymous">'


def digit_canvas(radius: float) -> gr.HTML:
    """The decoded image: a 28×28 canvas shown at 280×280 (nearest-neighbour), decoded in the page."""
    code = (STATIC / "explorer.js").read_text()         # the runtime (static/runtime.js) is in the <head>
    return gr.HTML("", html_template=DIGIT_HTML, css_template=DIGIT_CSS, apply_default_css=False,
                   js_on_load=code + "\nGenmodelsExplorer.attach(element, props);",
                   decoders=decoder_urls(), dataset=FIRST_DATASET, classes={d: list(i.classes) for d, i in DATASETS.items()},
                   classifiers={d: served(page_path("classifier", d)) for d in DATASETS},
                   z=list(START), radius=radius, grid_n=GRID_N, cell=28 * GRID_SCALE, elem_id="digit")


# the page's decoder switched to the visitor's own VAE (own_file: its decoder; own_page: what else the page needs),
# or back to the shipped one (both None)
USE_OWN = "(file, own) => { window.GenmodelsExplorer.useOwn(file && own ? {...own, url: file.url} : null); return []; }"


@dataclass
class Explorer:
    """What other tabs wire to: the training tab sends the visitor's own VAE here (use_own's outputs)."""
    own: gr.State
    z1: gr.Slider
    z2: gr.Slider
    switched: dict          # use_own's and back_to_shipped's outputs, by name
    point: list             # [dataset, z1, z2]
    guess: gr.Label

    def after_switch(self, event) -> None:
        """After use_own or back_to_shipped: the page loads the decoder and redraws."""
        event.then(None, [self.switched["own_file"], self.switched["own_page"]], None, js=USE_OWN).then(
            None, self.point, None, js=SHOW).then(None, self.point, self.guess, js=OPINION)


def own_banner() -> tuple[gr.Markdown, gr.Button]:
    """Hidden until the visitor sends their own VAE here: whose VAE this is, and the way back."""
    with gr.Row():                  # side by side; on a phone the button goes under the note
        with gr.Column(scale=4, min_width=300):
            note = gr.Markdown(visible=False)
        back = gr.Button("Back to the shipped model", visible=False, size="sm", scale=0, min_width=200)
    return note, back


def build(demo: gr.Blocks) -> Explorer:
    """Lay out tabs 1 and 2 inside `demo` and wire their events (the first views are drawn on page load)."""
    r = slider_radius()
    with gr.Tab("Latent explorer", id="explorer"):
        own = gr.State()           # the visitor's own VAE (Own), sent from the training tab; None: the shipped one
        own_file, own_page = gr.File(visible=False), gr.JSON(visible=False)     # for the page (USE_OWN)
        own_note_1, shipped_1 = own_banner()
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
                                        buttons=["download", "fullscreen"], elem_classes="pixelated", elem_id="manifold")
                api_decode, api_classify = gr.Button(visible=False), gr.Button(visible=False)

    with gr.Tab("Latent map", id="map") as map_tab:
        own_note_2, shipped_2 = own_banner()
        gr.Markdown(MAP_TEXT)
        encoded, point_a, point_b, walk_state = gr.State(), gr.State(), gr.State(), gr.State()
        with gr.Row():
            with gr.Column(scale=3):
                dataset_map = gr.Radio(DATASET_CHOICES, value=FIRST_DATASET, label="Dataset")
                plot = gr.Plot(label="Latent map")
            with gr.Column(scale=2, min_width=320):
                with gr.Tab("Draw"):
                    sketch = digit_sketchpad("Draw a digit or a garment")
                    encode_btn = gr.Button("Encode drawing", variant="primary")
                with gr.Tab("Pick a test image"):
                    gallery = gr.Gallery(label="Click one to encode it", columns=GALLERY_PER_CLASS, height=300,
                                         allow_preview=False, elem_classes="pixelated")
                info = gr.Markdown()
                with gr.Row():
                    seen = gr.Image(label="Encoder input", height=220, interactive=False, buttons=[],
                                    elem_classes=LABEL_ABOVE, min_width=140)
                    recon = gr.Image(label="Decoded μ", height=220, interactive=False, buttons=[],
                                     elem_classes=LABEL_ABOVE, min_width=140)
                gr.Markdown("**Walk between two points**: encode one, *Set as A*; encode another, *Set as B*.")
                with gr.Row():                        # A and B side by side, on a phone too
                    with gr.Column(min_width=140):
                        set_a = gr.Button("Set as A")
                        thumb_a = gr.Image(label="A", height=130, interactive=False, elem_classes=LABEL_ABOVE)
                    with gr.Column(min_width=140):
                        set_b = gr.Button("Set as B")
                        thumb_b = gr.Image(label="B", height=130, interactive=False, elem_classes=LABEL_ABOVE)
                steps = gr.Slider(*WALK_STEPS, value=10, step=1, label="Steps")
        strip = gr.Image(label="The walk A → B, decoded", interactive=False, elem_classes=LABEL_ABOVE)

    point = [dataset, z1, z2]
    # own: a gr.State, so not one of the endpoints' parameters (API callers get the shipped model)
    api_decode.click(decode, [*point, own], decoded, api_name="decode", concurrency_limit=None)
    gr.on([z1.input, z2.input], None, point, None, js=SHOW)
    gr.on([z1.release, z2.release], None, point, guess, js=OPINION)
    api_classify.click(classify, [*point, own], guess, api_name="classify", **QUIET)     # the page's fallback

    def moved(event):
        """After an event that moves the sliders: the page redraws and gives the classifier's opinion."""
        event.then(None, point, None, js=SHOW).then(None, point, guess, js=OPINION)

    moved(random_btn.click(random_point, None, [z1, z2], **QUIET))
    moved(manifold_img.select(manifold_click, dataset, [z1, z2], **QUIET))

    first = dict(manifold=manifold_img, guess=guess)
    demo.load(by_component(first_view, first), point, list(first.values()), **QUIET).then(
        None, point, None, js=SHOW).then(gallery_items, dataset, gallery, **QUIET)
    switched = dict(dataset=dataset, dataset_map=dataset_map, manifold=manifold_img, guess=guess, gallery=gallery,
                    plot=plot, encoded=encoded, point_a=point_a, point_b=point_b, walk_state=walk_state,
                    thumb_a=thumb_a, thumb_b=thumb_b, strip=strip, info=info, seen=seen, recon=recon,
                    own_note=own_note_1, own_note_map=own_note_2, shipped_btn=shipped_1, shipped_btn_map=shipped_2)
    switch = by_component(switch_dataset, switched)
    dataset.input(switch, [*point, own], list(switched.values()), **QUIET).then(None, point, None, js=SHOW)
    dataset_map.input(switch, [dataset_map, z1, z2, own], list(switched.values()), **QUIET).then(
        None, point, None, js=SHOW)

    encoded_outputs = dict(encoded=encoded, seen=seen, recon=recon, info=info, z1=z1, z2=z2, plot=plot)
    moved(encode_btn.click(by_component(encode_drawing, encoded_outputs), [dataset, sketch, own],
                           list(encoded_outputs.values()), api_name="encode_drawing", show_progress="hidden"))
    moved(gallery.select(by_component(encode_sample, encoded_outputs), [dataset, own],
                         list(encoded_outputs.values()), **QUIET))

    walk_inputs = [dataset, point_a, point_b, steps, z1, z2, encoded, own]
    walk_outputs = [strip, plot, walk_state]
    set_a.click(set_endpoint, encoded, [point_a, thumb_a], **QUIET).then(walk, walk_inputs, walk_outputs, **QUIET)
    set_b.click(set_endpoint, encoded, [point_b, thumb_b], **QUIET).then(walk, walk_inputs, walk_outputs, **QUIET)
    steps.release(walk, walk_inputs, walk_outputs, **QUIET)
    # a plot redrawn while its tab was hidden keeps a desktop width (700 px on a phone) until the window resizes
    map_tab.select(refresh_map, [dataset, z1, z2, encoded, walk_state, own], plot, **QUIET).then(
        None, js="() => { window.dispatchEvent(new Event('resize')); }")

    explorer = Explorer(own=own, z1=z1, z2=z2, point=point, guess=guess,
                        switched={**switched, "own": own, "own_file": own_file, "own_page": own_page})
    back = by_component(back_to_shipped, explorer.switched)
    for button in (shipped_1, shipped_2):
        explorer.after_switch(button.click(back, point, list(explorer.switched.values()), **QUIET))
    return explorer
