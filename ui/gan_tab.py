"""Tab 4: sample digits from a DCGAN, and see how it learnt (training timeline) and what its critic thinks."""
from __future__ import annotations

import functools
import math

import gradio as gr
import plotly.graph_objects as go
import torch
from PIL import Image, ImageDraw

import genmodels
from genmodels.gan import DEFAULT_KEEP, resumed_after, slerp
from genmodels.imaging import grid_pil

from .common import DATASET_CHOICES, QUIET, dataset_key

MAX_COUNT, MAX_SEED, MAX_TRUNCATION, MIN_KEEP = 64, 2 ** 31 - 1, 2.0, 0.1
TIMELINE_SAMPLES = 2000          # train.gan's EVAL_SAMPLES

TEXT = """
A **GAN** is two networks in a contest. The **generator** turns random noise z (64 numbers) into an image; the
**discriminator** sees real images and generated ones and learns to tell them apart; the generator learns from the
discriminator's gradients how to fool it. Nobody tells the generator what a digit is: it only learns what
the discriminator finds suspicious. The same seed always gives the same noise, so the same images.
The **discriminator filter** gives the trained critic a second job: draw more images than asked and show only the
ones it finds most real (rejection sampling). At 0.6 most malformed strokes disappear; at 1 you see the raw generator.
"""
TIMELINE_TEXT = """
**What to look for.** Early grids are blurry blobs; strokes appear within the first epoch, fine detail later. The
curves **do not converge** like an ordinary loss: the two networks push against each other, so each one's loss
goes up when the other improves, and they oscillate around a balance (a discriminator output near 0.5 on fakes
would mean it can no longer tell). If the generator's loss shot up while the discriminator's fell to zero, the
discriminator would have won and training would stall; if every cell of a grid showed the same digit, that would be
**mode collapse**. The grids come from the same fixed noise every epoch, so you can follow one cell as it learns.
Dotted lines mark where training was stopped and resumed from the checkpoint: the optimisers restart without their
memory (Adam's running averages are not saved), and the spike that follows shows how delicate the balance is.
"""


def _gan(dataset: str):
    return genmodels.load_model("gan", dataset_key(dataset))


def check_settings(seed, count, truncation) -> tuple[int, int, float]:
    """Whole seed 0…2³¹−1, whole count 1…64, finite truncation 0…2: else gr.Error naming the value."""
    def whole(v, lo, hi, name):
        try:
            f = float(v)
        except (TypeError, ValueError):
            raise gr.Error(f"The {name} must be a whole number, got {v!r}.") from None
        if not math.isfinite(f) or f != int(f) or not lo <= f <= hi:
            raise gr.Error(f"The {name} must be a whole number from {lo} to {hi}, got {v!r}.")
        return int(f)

    seed, count = whole(seed, 0, MAX_SEED, "seed"), whole(count, 1, MAX_COUNT, "count")
    return seed, count, check_number(truncation, 0, MAX_TRUNCATION, "truncation")


def check_number(v, lo: float, hi: float, name: str) -> float:
    """A finite number lo…hi, else gr.Error naming the value."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise gr.Error(f"The {name} must be a number, got {v!r}.") from None
    if not math.isfinite(f) or not lo <= f <= hi:
        raise gr.Error(f"The {name} must be a number from {lo} to {hi}, got {v!r}.")
    return f


def _grid(images: torch.Tensor, scores: torch.Tensor | None = None) -> Image.Image:
    """A square-ish grid, scaled so it fills about 560 px; with scores, a bar under each cell
    (length and colour: the discriminator's realness, red 0 → green 1)."""
    n = len(images)
    nrow = math.ceil(math.sqrt(n))
    scale = max(2, min(12, 560 // (nrow * 30)))
    img = grid_pil(images, nrow=nrow, scale=scale, padding=2, pad_value=1.0).convert("RGB")
    if scores is not None:
        draw = ImageDraw.Draw(img)
        cell = (28 + 2) * scale
        for i, s in enumerate(scores.tolist()):
            x0, y0 = (i % nrow) * cell + 2 * scale, (i // nrow) * cell + 2 * scale + 28 * scale - 3 * scale
            colour = (int(255 * (1 - s)), int(200 * s), 40)
            draw.rectangle([x0, y0, x0 + max(1, int(s * 28 * scale)) - 1, y0 + 3 * scale - 1], fill=colour)
    return img


def generate(dataset: str, seed: float, count: float, truncation: float, keep: float = DEFAULT_KEEP) -> Image.Image:
    """A grid of `count` samples for `seed` (the same settings, the same grid); truncation scales the noise;
    keep < 1 shows only that fraction of the draws, the ones the discriminator finds most real."""
    return generate_view(dataset, seed, count, truncation, keep, critic=False)[0]


def generate_view(dataset: str, seed: float, count: float, truncation: float, keep: float, critic: bool):
    """The grid and, if asked, the discriminator's realness for each sample (bars under the cells)."""
    seed, count, truncation = check_settings(seed, count, truncation)
    keep = check_number(keep, MIN_KEEP, 1.0, "discriminator filter (keep)")
    gan = _gan(dataset)
    images = gan.sample(count, seed, truncation, keep)
    if not critic:
        return _grid(images), ""
    scores = gan.realness(images)
    worst = int(scores.argmin())
    text = (f"Discriminator's realness (bar under each image): mean **{scores.mean():.2f}**, lowest "
            f"{scores[worst]:.2f} (image {worst + 1}). After training it stays near 0.5: it can no longer tell "
            "most fakes from real digits, which is what the generator was trained for. Move the filter to 1 to see "
            "the draws it would have rejected come back.")
    return _grid(images, scores), text


def interpolate(dataset: str, seed_a: float, seed_b: float, steps: float, truncation: float) -> Image.Image:
    """Decode a spherical walk from seed A's noise to seed B's: the generator's output changes smoothly."""
    seed_a, steps, truncation = check_settings(seed_a, steps, truncation)
    seed_b, _, _ = check_settings(seed_b, 1, truncation)
    gan = _gan(dataset)
    path = slerp(gan.latents(1, seed_a, truncation)[0], gan.latents(1, seed_b, truncation)[0], steps)
    return grid_pil(gan.generate(path), nrow=steps, scale=4, padding=2)


@functools.lru_cache(maxsize=None)
def _timeline(dataset: str) -> tuple[dict, torch.Tensor]:
    gan = _gan(dataset)
    grids = genmodels.load_extras("gan", dataset)["timeline_grids"]
    return gan.metadata, grids


def timeline_view(dataset: str, epoch: float):
    """The fixed-noise grid after `epoch`, the loss curves with a marker there, and that epoch's metrics."""
    meta, grids = _timeline(dataset_key(dataset))
    epochs = len(meta["timeline"])
    epoch = int(min(max(1, round(float(epoch))), epochs))
    info = meta["timeline"][epoch - 1]
    grid = grid_pil(grids[epoch - 1].float().div(255).unsqueeze(1), nrow=8, scale=2, padding=2)
    c = meta["curves"]
    fig = go.Figure()
    for key, name in (("d_loss", "discriminator loss"), ("g_loss", "generator loss"),
                      ("d_real", "D(real): mean output"), ("d_fake", "D(fake): mean output")):
        fig.add_trace(go.Scatter(x=c["step"], y=c[key], name=name, mode="lines",
                                 yaxis="y2" if key.startswith("d_r") or key == "d_fake" else "y"))
    for e in resumed_after(meta):
        fig.add_vline(x=meta["timeline"][e - 1]["step"], line_dash="dot", line_color="grey",
                      annotation_text=f"resumed after epoch {e}", annotation_position="bottom right")
    fig.add_vline(x=info["step"], line_dash="dash", line_color="black")
    fig.update_layout(height=380, margin=dict(l=10, r=10, t=60, b=10), xaxis_title="training step",
                      yaxis=dict(title="loss"), yaxis2=dict(title="D output", overlaying="y", side="right",
                                                             range=[0, 1]),
                      legend=dict(orientation="h", y=1.02, yanchor="bottom"), uirevision="keep")   # below the label
    text = (f"**Epoch {epoch} of {epochs}** (step {info['step']}, {info['minutes']:.0f} min of training"
            f"): classifier FID {info['fid']:.1f} (how far the samples' features are from real images'; lower is "
            f"better), rarest class {100 * min(info['class_shares']):.0f}% of samples (10% would be even), measured "
            f"during training on {TIMELINE_SAMPLES:,} samples.")
    if info.get("scored_by") != meta["timeline"][-1].get("scored_by"):
        text += (" These figures were measured with an earlier evaluation classifier than the last epoch's, so "
                 "compare them only with epochs scored the same way.")
    return grid, fig, text


def build(demo: gr.Blocks) -> None:
    """Lay out tab 4 inside `demo` and wire its events (the first views are drawn on page load)."""
    first = DATASET_CHOICES[0][1]
    epochs = len(_timeline(first)[0]["timeline"])
    quiet = QUIET
    with gr.Tab("GAN", id="gan"):
        gr.Markdown(TEXT)
        with gr.Row():
            with gr.Column(scale=2, min_width=300):
                dataset = gr.Radio(DATASET_CHOICES, value=first, label="Dataset")
                with gr.Row():
                    seed = gr.Number(0, precision=0, minimum=0, maximum=MAX_SEED, label="Seed")
                    new_seed = gr.Button("New seed", scale=0)
                count = gr.Slider(1, MAX_COUNT, value=36, step=1, label="How many")
                truncation = gr.Slider(0, MAX_TRUNCATION, value=1.0, step=0.05,
                                       label="Truncation: noise scale (lower: more typical, less varied)")
                keep = gr.Slider(MIN_KEEP, 1.0, value=DEFAULT_KEEP, step=0.05,
                                 label="Discriminator filter: show only this fraction of draws, the most real (1 = off)")
                critic = gr.Checkbox(False, label="Show what the discriminator thinks")
                critic_text = gr.Markdown()
            with gr.Column(scale=3):
                grid = gr.Image(label="Samples", format="png", interactive=False, height=560,
                                elem_classes="pixelated", buttons=["download", "fullscreen"])
        gr.Markdown("**Walk between two seeds**: the generator maps nearby noise to similar images.")
        with gr.Row():
            seed_a = gr.Number(1, precision=0, minimum=0, maximum=MAX_SEED, label="Seed A")
            seed_b = gr.Number(2, precision=0, minimum=0, maximum=MAX_SEED, label="Seed B")
            walk_steps = gr.Slider(3, 16, value=10, step=1, label="Steps")
        strip = gr.Image(label="A → B", format="png", interactive=False, elem_classes="pixelated")
        gr.Markdown("### Training timeline")
        with gr.Row():
            with gr.Column(scale=2, min_width=300):
                epoch = gr.Slider(1, epochs, value=epochs, step=1, label="Epoch")
                epoch_grid = gr.Image(label="Fixed noise after this epoch", format="png", interactive=False,
                                      elem_classes="pixelated", height=300)
            with gr.Column(scale=3):
                curves = gr.Plot(label="Losses (left axis) and the discriminator's outputs (right axis)")
                epoch_text = gr.Markdown()
        gr.Markdown(TIMELINE_TEXT)
        api_only = gr.Button(visible=False)

    view_inputs = [dataset, seed, count, truncation, keep, critic]
    gr.on([seed.change, count.release, truncation.release, keep.release, critic.change, dataset.change], generate_view,
          view_inputs, [grid, critic_text], trigger_mode="always_last", concurrency_limit=None, **quiet)
    # the documented endpoint, /generate: the grid alone, from the settings (keep is optional)
    api_only.click(generate, [dataset, seed, count, truncation, keep], grid, api_name="generate",
                   concurrency_limit=None)
    new_seed.click(lambda: int(torch.randint(MAX_SEED, ()).item()), None, seed, **quiet)
    walk_inputs = [dataset, seed_a, seed_b, walk_steps, truncation]
    gr.on([seed_a.change, seed_b.change, walk_steps.release, truncation.release, dataset.change], interpolate,
          walk_inputs, strip, trigger_mode="always_last", concurrency_limit=None, **quiet)
    gr.on([epoch.change, dataset.change], timeline_view, [dataset, epoch], [epoch_grid, curves, epoch_text],
          trigger_mode="always_last", concurrency_limit=None, **quiet)
    demo.load(generate_view, view_inputs, [grid, critic_text], **quiet).then(
        interpolate, walk_inputs, strip, **quiet).then(timeline_view, [dataset, epoch], [epoch_grid, curves, epoch_text],
                                                      **quiet)
