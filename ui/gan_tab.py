"""Tab 4: sample digits from a DCGAN, and see how it learnt (training timeline) and what its critic thinks."""
from __future__ import annotations

import functools

import gradio as gr
import plotly.graph_objects as go
import torch
from PIL import Image

import genmodels
from genmodels import checks
from genmodels.browser import page_path
from genmodels.checks import MAX_SEED
from genmodels.gan import DEFAULT_KEEP, MAX_GRID, MAX_TRUNCATION, MIN_KEEP, WALK_STEPS, slerp
from genmodels.imaging import grid_pil, sample_grid, strip_columns

from .common import (
    DATASET_CHOICES,
    FIRST_DATASET,
    LABEL_ABOVE,
    LIVE,
    QUIET,
    random_seed,
    served,
    shows_errors,
)
from .figures import gan_curves_figure

TIMELINE_SAMPLES = 2000          # train.gan's EVAL_SAMPLES
REAL = {"mnist": "digits", "fashion": "clothes"}      # what the real images are, in the page's words

TEXT = """
A **GAN** is two networks in a contest. The **generator** turns random noise z (64 numbers) into an image; the
**discriminator** sees real images and generated ones and learns to tell them apart; the generator learns from the
discriminator's gradients how to fool it. Nobody tells the generator what a digit is: it only learns what
the discriminator finds suspicious. The same seed always gives the same noise, so the same images.
The **discriminator filter** gives the trained critic a second job: draw more images than asked and show only the
ones it finds most real (rejection sampling). It judges each draw against draws **of its own kind** (groups the
discriminator's own features form, no labels), so a class the critic happens to dislike is not filtered away: every
kind keeps the same share. At 0.6 most malformed strokes disappear; at 1 you see the raw generator.
"""
TIMELINE_TEXT = """
**What to look for.** Early grids are blurry blobs; strokes appear within the first epoch, fine detail later. The
curves **do not converge** like an ordinary loss: the two networks push against each other, so each one's loss
goes up when the other improves. Step by step they jump up and down; each point here is the mean of {log_every}
steps, which averages that tug of war out, so what you see is the balance holding: neither loss falls to zero or
runs away, and D(fake) hovers around 0.4 (an output near 0.5 on fakes would mean the discriminator can no longer
tell). If the generator's loss shot up while the discriminator's fell to zero, the
discriminator would have won and training would stall; if every cell of a grid showed the same digit, that would be
**mode collapse**. The grids come from the same fixed noise every epoch, so you can follow one cell as it learns.
Dotted lines mark where training was stopped and resumed from the checkpoint: the optimisers restart without their
memory (Adam's running averages are not saved), and the spike that follows shows how delicate the balance is.
"""


@shows_errors
def generate(dataset: str, seed: float, count: float, truncation: float, keep: float = DEFAULT_KEEP) -> Image.Image:
    """A grid of `count` samples for `seed` (the same settings, the same grid); truncation scales the noise;
    keep < 1 shows only that fraction of the draws, the ones the discriminator finds most real."""
    return generate_view(dataset, seed, count, truncation, keep, critic=False)[0]


@shows_errors
def generate_view(dataset: str, seed: float, count: float, truncation: float, keep: float, critic: bool):
    """The grid and, if asked, the discriminator's realness for each sample (bars under the cells)."""
    gan = genmodels.load_model("gan", dataset)
    images = gan.sample(checks.whole(count, "The count", 1, MAX_GRID), seed, truncation, keep)
    if not critic:
        return sample_grid(images), ""
    scores = gan.realness(images)
    worst = int(scores.argmin())
    text = (f"Discriminator's realness (the bar and number under each image: 0 = sure it is fake, 1 = sure it is "
            f"real): mean **{scores.mean():.2f}**, lowest "
            f"{scores[worst]:.2f} (image {worst + 1}). After training it stays near 0.5: it can no longer tell "
            f"most fakes from real {REAL[genmodels.canonical_dataset(dataset)]}, which is what the generator was "
            "trained for. Move the filter to 1 to see the draws it would have rejected come back.")
    return sample_grid(images, scores), text


@shows_errors
def interpolate(dataset: str, seed_a: float, seed_b: float, steps: float, truncation: float) -> Image.Image:
    """Decode a spherical walk from seed A's noise to seed B's: the generator's output changes smoothly."""
    gan = genmodels.load_model("gan", dataset)
    path = slerp(gan.latents(1, seed_a, truncation)[0], gan.latents(1, seed_b, truncation)[0], steps)
    return grid_pil(gan.generate(path), nrow=strip_columns(len(path)), scale=4, padding=2)


@functools.cache
def _timeline(dataset: str) -> tuple[dict, torch.Tensor]:
    gan = genmodels.load_model("gan", dataset)
    grids = genmodels.load_extras("gan", dataset)["timeline_grids"]
    return gan.metadata, grids


def _epochs(dataset: str) -> int:
    return len(_timeline(dataset)[0]["timeline"])


def _epoch_shown(meta: dict, epoch: float) -> int:
    """The epoch checked; a slider still at the other dataset's last epoch (switching races the slider's update)
    shows this one's last."""
    longest = max(_epochs(d) for d in genmodels.DATASETS)
    return min(checks.whole(epoch, "The epoch", 1, longest), len(meta["timeline"]))


@shows_errors
def timeline_view(dataset: str, epoch: float):
    """The fixed-noise grid after `epoch`, the loss curves with a marker there, and that epoch's metrics."""
    meta, grids = _timeline(genmodels.canonical_dataset(dataset))
    epoch = _epoch_shown(meta, epoch)
    grid = grid_pil(grids[epoch - 1].float().div(255).unsqueeze(1), nrow=8, scale=2, padding=2)
    return grid, gan_curves_figure(meta, epoch), epoch_caption(meta, epoch)



def epoch_caption(meta: dict, epoch: int) -> str:
    """An epoch's figures, only those that compare across epochs: a FID measured with an earlier evaluation
    classifier (on a scale several times smaller) is not shown. It cannot be measured again: only each epoch's 64
    fixed-noise samples were kept, and a FID of 64 samples does not compare with one of 2,000."""
    info, last = meta["timeline"][epoch - 1], meta["timeline"][-1]
    text = (f"**Epoch {epoch} of {len(meta['timeline'])}** (step {info['step']}, {info['minutes']:.0f} min of "
            "training): ")
    if info.get("scored_by") == last.get("scored_by"):
        text += (f"classifier FID {info['fid']:.1f} (how far the samples' features are from real images'; lower is "
                 "better), ")
    else:
        first_same = next(i for i, t in enumerate(meta["timeline"], 1) if t.get("scored_by") == last.get("scored_by"))
        text += (f"no FID shown (it was measured with an earlier evaluation classifier, on another scale; FIDs "
                 f"start at epoch {first_same}), ")
    return text + (f"rarest class {100 * min(info['class_shares']):.0f}% of samples (10% would be even), measured "
                   f"during training on {TIMELINE_SAMPLES:,} samples.")


@shows_errors
def curves_view(dataset: str, epoch: float) -> go.Figure:
    """The loss curves with the marker at `epoch` (the page moves the marker as the slider moves)."""
    meta = _timeline(genmodels.canonical_dataset(dataset))[0]
    return gan_curves_figure(meta, _epoch_shown(meta, epoch))


# the grid after an epoch and its caption, drawn by the page (ui/static/tabs/gan.js) from the exported timeline
TIMELINE_HTML = """
<div class="epoch-frame"><span class="epoch-label">Fixed noise after this epoch</span>
<canvas class="epoch-grid" width="242" height="242" aria-label="The fixed-noise grid after this epoch"></canvas>
<div class="timeline-note">Loading the timeline into your browser…</div></div>
"""
TIMELINE_CSS = """
.epoch-frame { border: 1px solid var(--border-color-primary); border-radius: var(--radius-lg); padding: 2.3em 8px 8px;
               position: relative; background: var(--block-background-fill); }
.epoch-label { position: absolute; left: 0; top: 0; padding: var(--block-label-padding);
               border: var(--block-label-border-width) solid var(--block-label-border-color); border-top: none;
               border-left: none; border-radius: var(--block-label-radius);
               background: var(--block-label-background-fill);
               color: var(--block-label-text-color); font-size: var(--block-label-text-size);
               font-weight: var(--block-label-text-weight); }
canvas.epoch-grid { display: block; margin: 0 auto; width: 290px; max-width: 100%; image-rendering: pixelated; }
.timeline-note { font-size: var(--text-sm); color: var(--body-text-color-subdued); margin-top: 4px; }
"""
SHOW_EPOCH = "(dataset, epoch) => { Genmodels.tabs.gan.show(dataset, epoch); return []; }"
OPEN = "(dataset, epoch) => { Genmodels.tabs.gan.open(dataset, epoch); return []; }"


def timeline_canvas() -> gr.HTML:
    """The epoch's grid, drawn by the page; carries the tab's page code and the captions (computed once here)."""
    captions = {d: [epoch_caption(_timeline(d)[0], e) for e in range(1, _epochs(d) + 1)] for d in genmodels.DATASETS}
    timelines = {d: served(page_path("timeline", d)) for d in genmodels.DATASETS}
    return gr.HTML("", html_template=TIMELINE_HTML, css_template=TIMELINE_CSS, apply_default_css=False,
                   js_on_load="Genmodels.tabs.gan.attach(element, props);",
                   timelines=timelines, captions=captions, elem_id="epoch-view")


def epoch_slider(dataset: str) -> gr.Slider:
    """The epoch slider for this dataset's timeline (the two GANs trained for different numbers of epochs)."""
    epochs = _epochs(genmodels.canonical_dataset(dataset))
    return gr.Slider(maximum=epochs, value=epochs)


def build(demo: gr.Blocks) -> None:
    """Lay out tab 4 inside `demo` and wire its events (the first views are drawn on page load)."""
    epochs = _epochs(FIRST_DATASET)
    with gr.Tab("GAN", id="gan", elem_id="gan-tab") as tab:
        gr.Markdown(TEXT)
        with gr.Row():
            with gr.Column(scale=2, min_width=300):
                dataset = gr.Radio(DATASET_CHOICES, value=FIRST_DATASET, label="Dataset")
                with gr.Row():
                    seed = gr.Number(0, precision=0, minimum=0, maximum=MAX_SEED, label="Seed")
                    new_seed = gr.Button("New seed", scale=0)
                count = gr.Slider(1, MAX_GRID, value=36, step=1, label="How many")
                truncation = gr.Slider(0, MAX_TRUNCATION, value=1.0, step=0.05,
                                       label="Truncation: noise scale (lower: more typical, less varied)")
                keep = gr.Slider(MIN_KEEP, 1.0, value=DEFAULT_KEEP, step=0.05,
                                 label="Discriminator filter: show only this fraction of draws, "
                                       "the most real (1 = off)")
                critic = gr.Checkbox(False, label="Show what the discriminator thinks")
                critic_text = gr.Markdown()
            with gr.Column(scale=3):
                grid = gr.Image(label="Samples", format="png", interactive=False, elem_classes=LABEL_ABOVE,
                                buttons=["download", "fullscreen"])
        gr.Markdown("**Walk between two seeds**: the generator maps nearby noise to similar images.")
        with gr.Row():
            seed_a = gr.Number(1, precision=0, minimum=0, maximum=MAX_SEED, label="Seed A")
            seed_b = gr.Number(2, precision=0, minimum=0, maximum=MAX_SEED, label="Seed B")
            walk_steps = gr.Slider(*WALK_STEPS, value=10, step=1, label="Steps")
        strip = gr.Image(label="A → B", format="png", interactive=False, elem_classes=LABEL_ABOVE)
        gr.Markdown("### Training timeline")
        with gr.Row():
            with gr.Column(scale=2, min_width=300):
                epoch = gr.Slider(1, epochs, value=epochs, step=1, label="Epoch", elem_id="epoch")
                timeline_canvas()
            with gr.Column(scale=3):
                curves = gr.Plot(label="Losses (left axis) and the discriminator's outputs (right axis)",
                                 elem_id="gan-curves")
                gr.HTML('<div id="epoch-caption" class="prose"></div>')
        gr.Markdown(TIMELINE_TEXT.format(log_every=genmodels.load_model("gan", FIRST_DATASET).metadata["log_every"]))
        api_only = gr.Button(visible=False)
        with gr.Row(visible=False):             # the timeline from the server: the page's fallback
            api_timeline = gr.Button()
            epoch_grid, server_curves, epoch_text = gr.Image(format="png"), gr.Plot(), gr.Markdown()

    view_inputs = [dataset, seed, count, truncation, keep, critic]
    gr.on([seed.change, count.release, truncation.release, keep.release, critic.change, dataset.change], generate_view,
          view_inputs, [grid, critic_text], **LIVE, **QUIET)
    # the documented endpoint, /generate: the grid alone, from the settings (keep is optional)
    api_only.click(generate, [dataset, seed, count, truncation, keep], grid, api_name="generate",
                   concurrency_limit=None)
    new_seed.click(random_seed, None, seed, **QUIET)
    walk_inputs = [dataset, seed_a, seed_b, walk_steps, truncation]
    gr.on([seed_a.change, seed_b.change, walk_steps.release, truncation.release, dataset.change], interpolate,
          walk_inputs, strip, **LIVE, **QUIET)
    # every epoch the slider shows (dragged, or set by a dataset switch): drawn by the page, no request
    epoch.change(None, [dataset, epoch], None, js=SHOW_EPOCH)
    tab.select(None, [dataset, epoch], None, js=OPEN)
    api_timeline.click(timeline_view, [dataset, epoch], [epoch_grid, server_curves, epoch_text], api_name="timeline",
                       **QUIET)
    dataset.change(epoch_slider, dataset, epoch, **QUIET).then(curves_view, [dataset, epoch], curves, **QUIET).then(
        None, [dataset, epoch], None, js=SHOW_EPOCH)
    demo.load(generate_view, view_inputs, [grid, critic_text], **QUIET).then(
        interpolate, walk_inputs, strip, **QUIET).then(curves_view, [dataset, epoch], curves, **QUIET).then(
        None, [dataset, epoch], None, js=SHOW_EPOCH)
