"""Tabs 1 and 2: the VAE latent explorer (sliders, manifold) and the latent map (plotly, encode, walk)."""
from __future__ import annotations

import gradio as gr
import numpy as np
import torch
from PIL import Image

from genmodels import latent
from genmodels.imaging import grid_pil, mnistify, to_pil

from .common import DATASET_CHOICES, QUIET, dataset_key, digit_sketchpad, first_per_class
from .latent_map import latent_map_figure
from .latent_space import DIGIT_SCALE, LatentSpace, get_space, slider_radius

GALLERY_PER_CLASS = 4

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


def _space(dataset: str) -> LatentSpace:
    return get_space(dataset_key(dataset))


def _decode(dataset: str, z1: float, z2: float) -> tuple[LatentSpace, torch.Tensor]:
    """The dataset's latent space and the 1×28×28 image decoded at (z1, z2); bad input → gr.Error."""
    space = _space(dataset)
    try:
        return space, latent.decode_point(space.vae, z1, z2)
    except ValueError as err:
        raise gr.Error(str(err)) from None


def decode(dataset: str, z1: float, z2: float) -> Image.Image:
    """Decode the latent point (z1, z2) with the dataset's 2-D VAE into a 280×280 grayscale image."""
    return to_pil(_decode(dataset, z1, z2)[1], DIGIT_SCALE)


def inspect(dataset: str, z1: float, z2: float) -> tuple[Image.Image, dict[str, float]]:
    """The manifold with the point marked, and the classifier's opinion of the decoded image."""
    space, x = _decode(dataset, z1, z2)
    return space.manifold_with_marker(z1, z2), space.class_probabilities(x)


def view(dataset: str, z1: float, z2: float) -> tuple[Image.Image, Image.Image, dict[str, float]]:
    """Everything tab 1 shows for a point: decoded image, manifold with marker, classifier's opinion."""
    space, x = _decode(dataset, z1, z2)
    return to_pil(x, DIGIT_SCALE), space.manifold_with_marker(z1, z2), space.class_probabilities(x)


def random_point() -> tuple[float, float]:
    """Draw z from the prior N(0, I), kept inside the sliders' range."""
    r = slider_radius()
    z = torch.randn(2).clamp(-r, r)
    return round(float(z[0]), 2), round(float(z[1]), 2)


def manifold_click(dataset: str, evt: gr.SelectData) -> tuple[float, float]:
    x, y = evt.index
    z1, z2 = _space(dataset).click_to_latent(x, y)
    return round(z1, 2), round(z2, 2)


def _gallery_samples(space: LatentSpace) -> list[int]:
    """Indices into the shipped sample of the images the gallery shows: the first few of each class."""
    return first_per_class(space.sample_labels, GALLERY_PER_CLASS)


def gallery_items(dataset: str) -> list[tuple[Image.Image, str]]:
    space = _space(dataset)
    return [(to_pil(space.sample_images[i], 4),
             f"{space.classes[int(space.sample_labels[i])]} · test #{int(space.sample_indices[i])}")
            for i in _gallery_samples(space)]


@torch.no_grad()
def _encode(space: LatentSpace, x: torch.Tensor, name: str):
    mu, logvar = space.vae.encode(x.reshape(1, 1, 28, 28))
    mu, logvar = mu[0], logvar[0]
    recon = space.vae.decode(mu[None])[0]
    sigma = torch.exp(0.5 * logvar)
    encoded = {"name": name, "mu": mu, "logvar": logvar, "image": x.reshape(1, 28, 28)}
    info = (f"**{name}** → μ = ({mu[0]:.2f}, {mu[1]:.2f}), σ = ({sigma[0]:.2f}, {sigma[1]:.2f}). "
            "The sliders moved to μ; the right image is the decoder's reconstruction from μ.")
    z1, z2 = (round(float(v), 2) for v in mu.clamp(-slider_radius(), slider_radius()))
    return encoded, to_pil(x, 6), to_pil(recon, 6), info, z1, z2, latent_map_figure(space, (z1, z2), encoded)


def encode_drawing(dataset: str, sketch: dict | None):
    """Encode a sketchpad drawing (processed the way MNIST digits were made)."""
    space = _space(dataset)
    composite = None if sketch is None else sketch.get("composite")
    if composite is None:
        raise gr.Error("Draw something on the sketchpad first.")
    try:
        x = mnistify(np.asarray(composite))
    except ValueError as err:
        raise gr.Error(str(err)) from None
    return _encode(space, x, "your drawing")


def encode_sample(dataset: str, evt: gr.SelectData):
    """Encode the test image picked in the gallery."""
    space = _space(dataset)
    i = _gallery_samples(space)[evt.index]
    name = f"test #{int(space.sample_indices[i])} ({space.classes[int(space.sample_labels[i])]})"
    return _encode(space, space.sample_images[i], name)


def set_endpoint(encoded: dict | None) -> tuple[dict, Image.Image]:
    if encoded is None:
        raise gr.Error("Encode a drawing or pick a test image first.")
    return encoded, to_pil(encoded["image"], 3)


@torch.no_grad()
def walk(dataset: str, a: dict | None, b: dict | None, steps: int, z1: float, z2: float, encoded: dict | None):
    """Decode the straight walk from A's μ to B's μ as a strip, and draw it on the map."""
    space = _space(dataset)
    if a is None or b is None:
        return None, gr.skip(), None
    steps = int(steps)
    path = latent.interpolation_path(a["mu"], b["mu"], steps)
    strip = grid_pil(space.vae.decode(path), nrow=steps, scale=3, padding=2)
    state = {"z": path.numpy()}
    return strip, latent_map_figure(space, (z1, z2), encoded, state), state


def refresh_map(dataset: str, z1: float, z2: float, encoded: dict | None, walk_state: dict | None):
    return latent_map_figure(_space(dataset), (z1, z2), encoded, walk_state)


def switch_dataset(dataset: str, z1: float, z2: float):
    """New dataset: everything shown is redrawn; encodings of the old model no longer apply."""
    digit, manifold, probs = view(dataset, z1, z2)
    space = _space(dataset)
    return (dataset, dataset, digit, manifold, probs, gallery_items(dataset),
            latent_map_figure(space, (z1, z2)), None, None, None, None, None, None, None, None)


def build() -> None:
    """Lay out tabs 1 and 2 inside the current gr.Blocks and wire their events."""
    r = slider_radius()
    first = DATASET_CHOICES[0][1]
    digit0, manifold0, probs0 = view(first, 0.0, 0.0)
    quiet = QUIET

    with gr.Tab("Latent explorer", id="explorer"):
        gr.Markdown(EXPLORER_TEXT)
        with gr.Row():
            with gr.Column(scale=2, min_width=320):
                dataset = gr.Radio(DATASET_CHOICES, value=first, label="Dataset")
                z1 = gr.Slider(-r, r, value=0.0, step=0.01, label="z1")
                z2 = gr.Slider(-r, r, value=0.0, step=0.01, label="z2")
                random_btn = gr.Button("Random z from the prior N(0, I)")
                digit = gr.Image(digit0, label="Decoded image", format="png", height=300, width=300,
                                 interactive=False, buttons=["download"], elem_classes="pixelated")
                guess = gr.Label(probs0, label="The evaluation classifier says", num_top_classes=3)
            with gr.Column(scale=3):
                gr.Markdown("**Manifold**: the decoder over the sliders' range, each cell an equal share of the prior "
                            "N(0, I), so finer near the centre. Click a cell to go there.")
                # no label: an overlaid label would hide the top row of cells
                manifold = gr.Image(manifold0, label="Manifold", show_label=False, format="png", interactive=False,
                                    buttons=["download", "fullscreen"], elem_classes="pixelated")

    with gr.Tab("Latent map", id="map") as map_tab:
        gr.Markdown(MAP_TEXT)
        encoded, point_a, point_b, walk_state = gr.State(), gr.State(), gr.State(), gr.State()
        with gr.Row():
            with gr.Column(scale=3):
                dataset_map = gr.Radio(DATASET_CHOICES, value=first, label="Dataset")
                plot = gr.Plot(label="Latent map")
            with gr.Column(scale=2, min_width=320):
                with gr.Tab("Draw"):
                    sketch = digit_sketchpad("Draw a digit or a garment: pick the brush on the left, then draw")
                    encode_btn = gr.Button("Encode drawing", variant="primary")
                with gr.Tab("Pick a test image"):
                    gallery = gr.Gallery(gallery_items(first), label="Click one to encode it", columns=GALLERY_PER_CLASS,
                                         height=300, allow_preview=False, elem_classes="pixelated")
                info = gr.Markdown()
                with gr.Row():
                    seen = gr.Image(label="What the encoder sees", height=220, interactive=False,
                                    elem_classes="pixelated")
                    recon = gr.Image(label="Decoded from μ", height=220, interactive=False,
                                     elem_classes="pixelated")
                gr.Markdown("**Walk between two points**: encode one, *Set as A*; encode another, *Set as B*.")
                with gr.Row():
                    set_a, set_b = gr.Button("Set as A"), gr.Button("Set as B")
                    thumb_a = gr.Image(label="A", height=100, interactive=False, elem_classes="pixelated")
                    thumb_b = gr.Image(label="B", height=100, interactive=False, elem_classes="pixelated")
                steps = gr.Slider(3, 16, value=10, step=1, label="Steps")
        strip = gr.Image(label="The walk A → B, decoded", interactive=False, elem_classes="pixelated")

    point = [dataset, z1, z2]
    gr.on([z1.input, z2.input], decode, point, digit, api_name="decode", trigger_mode="always_last",
          show_progress="hidden", concurrency_limit=None)
    gr.on([z1.release, z2.release], inspect, point, [manifold, guess], trigger_mode="always_last",
          concurrency_limit=None, **quiet)
    random_btn.click(random_point, None, [z1, z2], **quiet).then(view, point, [digit, manifold, guess], **quiet)
    manifold.select(manifold_click, dataset, [z1, z2], **quiet).then(view, point, [digit, manifold, guess], **quiet)

    switch_outputs = [dataset, dataset_map, digit, manifold, guess, gallery, plot, encoded, point_a, point_b,
                      walk_state, thumb_a, thumb_b, strip, info]
    dataset.input(switch_dataset, point, switch_outputs, **quiet)
    dataset_map.input(switch_dataset, [dataset_map, z1, z2], switch_outputs, **quiet)

    encode_outputs = [encoded, seen, recon, info, z1, z2, plot]
    encode_btn.click(encode_drawing, [dataset, sketch], encode_outputs, api_name="encode_drawing",
                     show_progress="hidden").then(view, point, [digit, manifold, guess], **quiet)
    gallery.select(encode_sample, dataset, encode_outputs, **quiet).then(view, point, [digit, manifold, guess],
                                                                          **quiet)
    walk_inputs = [dataset, point_a, point_b, steps, z1, z2, encoded]
    set_a.click(set_endpoint, encoded, [point_a, thumb_a], **quiet).then(walk, walk_inputs,
                                                                           [strip, plot, walk_state], **quiet)
    set_b.click(set_endpoint, encoded, [point_b, thumb_b], **quiet).then(walk, walk_inputs,
                                                                           [strip, plot, walk_state], **quiet)
    steps.release(walk, walk_inputs, [strip, plot, walk_state], **quiet)
    map_tab.select(refresh_map, [dataset, z1, z2, encoded, walk_state], plot, **quiet)
