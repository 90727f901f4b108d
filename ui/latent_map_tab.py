"""Tab 2, the latent map: every test image's code on a plotly map, a drawing or a test image encoded (its posterior
drawn), and the walk between two codes decoded."""
from __future__ import annotations

import gradio as gr
import numpy as np
import plotly.graph_objects as go
from PIL import Image

from genmodels import latent
from genmodels.imaging import grid_pil, mnistify, strip_columns, to_pil
from genmodels.latent import WALK_STEPS, Encoding, LatentSpace

from .common import DATASET_CHOICES, FIRST_DATASET, LABEL_ABOVE, QUIET, by_component, digit_sketchpad, shows_errors
from .figures import latent_map_figure
from .latent_views import (
    GALLERY_PER_CLASS,
    SHOW,
    Handover,
    Own,
    _gallery_samples,
    back_to_shipped,
    gallery_items,
    own_banner,
    space_of,
    switch_dataset,
)

MAP_TEXT = """
Each dot is one test image's posterior mean μ, coloured by its true class: the VAE never saw a label, yet
similar images land together. Draw something or pick a test image to see where it lands; the ellipse spans
±2σ of its posterior, the region of z that the encoder says could have produced it.
"""


def _encoded_view(space: LatentSpace, encoded: Encoding) -> dict:
    """What the map tab shows for a new encoding; the sliders move to its μ."""
    mu, sigma = encoded.mu, encoded.sigma
    z = space.clamp(mu)
    info = (f"**{encoded.name}** → μ = ({mu[0]:.2f}, {mu[1]:.2f}), σ = ({sigma[0]:.2f}, {sigma[1]:.2f}). "
            "The sliders moved to μ; the right image is the decoder's reconstruction from μ.")
    return {"encoded": encoded, "seen": to_pil(encoded.image, 6), "recon": to_pil(encoded.reconstruction, 6),
            "info": info, "z1": z[0], "z2": z[1], "plot": latent_map_figure(space, z, encoded)}


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
    return strip, latent_map_figure(space, (z1, z2), encoded, state), state


@shows_errors
def refresh_map(dataset: str, z1: float, z2: float, encoded: Encoding | None, walk_state: dict | None,
                own: Own | None = None) -> go.Figure:
    return latent_map_figure(space_of(dataset, own), (z1, z2), encoded, walk_state)


# ---------------------------------------------------------------- layout and wiring

def build(demo: gr.Blocks, handover: Handover) -> Handover:
    """Lay out tab 2 inside `demo` (after tab 1, whose hand-over it completes) and wire its events and the switches
    that redraw both tabs: either tab's dataset, and the way back from the visitor's own VAE."""
    dataset, z1, z2, own = *handover.point, handover.own
    with gr.Tab("Latent map", id="map") as map_tab:
        own_note_map, shipped_btn_map = own_banner()
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

    demo.load(gallery_items, dataset, gallery, **QUIET)
    handover.switched.update(dataset_map=dataset_map, gallery=gallery, plot=plot, encoded=encoded, point_a=point_a,
                             point_b=point_b, walk_state=walk_state, thumb_a=thumb_a, thumb_b=thumb_b, strip=strip,
                             info=info, seen=seen, recon=recon, own_note_map=own_note_map,
                             shipped_btn_map=shipped_btn_map)
    shown = {k: v for k, v in handover.switched.items() if k not in ("own", "own_file", "own_page")}
    switch = by_component(switch_dataset, shown)
    for radio in (dataset, dataset_map):
        radio.input(switch, [radio, z1, z2, own], list(shown.values()), **QUIET).then(
            None, handover.point, None, js=SHOW)
    back = by_component(back_to_shipped, handover.switched)
    for button in (handover.switched["shipped_btn"], shipped_btn_map):
        handover.after_switch(button.click(back, handover.point, list(handover.switched.values()), **QUIET))

    encoded_outputs = dict(encoded=encoded, seen=seen, recon=recon, info=info, z1=z1, z2=z2, plot=plot)
    handover.moved(encode_btn.click(by_component(encode_drawing, encoded_outputs), [dataset, sketch, own],
                                    list(encoded_outputs.values()), api_name="encode_drawing", show_progress="hidden"))
    handover.moved(gallery.select(by_component(encode_sample, encoded_outputs), [dataset, own],
                                  list(encoded_outputs.values()), **QUIET))

    walk_inputs = [dataset, point_a, point_b, steps, z1, z2, encoded, own]
    walk_outputs = [strip, plot, walk_state]
    set_a.click(set_endpoint, encoded, [point_a, thumb_a], **QUIET).then(walk, walk_inputs, walk_outputs, **QUIET)
    set_b.click(set_endpoint, encoded, [point_b, thumb_b], **QUIET).then(walk, walk_inputs, walk_outputs, **QUIET)
    steps.release(walk, walk_inputs, walk_outputs, **QUIET)
    # a plot redrawn while its tab was hidden keeps a desktop width (700 px on a phone) until the window resizes
    map_tab.select(refresh_map, [dataset, z1, z2, encoded, walk_state, own], plot, **QUIET).then(
        None, js="() => Genmodels.page.refit()")
    return handover
