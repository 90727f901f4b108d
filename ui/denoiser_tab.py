"""Tab 3, the denoiser: add noise to a digit and watch a denoising autoencoder restore it; super-resolution
beside it."""
from __future__ import annotations

import gradio as gr
import numpy as np
import torch
from PIL import Image

import genmodels
from genmodels import noise
from genmodels import superres as sr
from genmodels.browser import page_path
from genmodels.checks import MAX_SEED
from genmodels.data import DATASETS, canonical_dataset, first_per_class, load_sample, sample_image, sample_path
from genmodels.denoiser import compare_denoising, summary
from genmodels.imaging import Picture, mnistify, open_picture, to_pil

from .common import (
    DATASET_CHOICES,
    FIRST_DATASET,
    QUIET,
    UPLOADS,
    by_component,
    digit_sketchpad,
    random_seed,
    served,
    shows_errors,
    uploaded_image,
)

KIND_CHOICES = [(title, kind) for kind, title in noise.KIND_TITLES.items()]
SCALE = 8                   # 28 px → 224 px, nearest-neighbour
UPLOAD_SIDE = 512           # uploads are reduced to this once, so live updates never re-decode a huge photo
GALLERY_PER_CLASS = 2
UPLOAD_LABEL = "Your picture (a drawing lands here too); clear it to go back to the test images"
UPLOAD_NAME = UPLOAD_LABEL.split(" (")[0]     # how messages name it, as uploaded_image does

TEXT = """
A **denoising autoencoder** learns to map a corrupted image back to the clean one. It squeezes the image through a
code of just 7×7 positions ({code} numbers) and rebuilds it from that. Trained to give back clean images, the code
learns to describe what the model has seen thousands of times (strokes of digits, outlines of clothes), not random
specks, so the noise does not get through. This model was trained **blind**, on every kind and level of noise at
once. The **median filter** beside it is the classic hand-made baseline. Numbers under each image compare it with
the clean one: PSNR in dB (higher is better) and SSIM (1 is identical).

Now set *Model trained on* to the other dataset: an autoencoder restores only the kind of image it has learnt.
"""
UPLOAD_TEXT = """
These models know only **28×28 grey digits or garments, light on black**. Your picture is made into one: greyed,
inverted if its background is light, cropped to its shape, shrunk to 20×20 and centred. *Clean* below is exactly
what the model is given. A dark, simple shape on a plain background works; a photo of a scene becomes a blob, which
is the lesson: an autoencoder restores only the kind of image it has learnt.
"""
SR_TEXT = """
**Super-resolution**: the same idea run the other way. The image is shrunk by averaging 2×2 (or 4×4) pixel blocks,
then an autoencoder trained on such pairs draws it back at full size. Bicubic interpolation, which knows nothing
about digits or clothes, is the baseline.
"""
DENOISE_TITLES = {"clean": "Clean", "noisy": "Noisy", "denoised": "Denoised", "median": "Median 3×3"}   # captions
DENOISE_LABELS = {**DENOISE_TITLES, "median": "Median filter"}                                  # the boxes
SR_TITLES = {"small": "Input", "bicubic": "Bicubic", "model": "Autoencoder", "clean": "Original"}


# The images, the scores and the summary are drawn by the page (ui/static/denoiser.js); the server's /denoise and
# /superres stay for scripts and for a page whose runtime cannot load.
FIGURE_CSS = """
.restore-row { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: var(--spacing-lg);
               width: 100%; }
.restore-fig { border: 1px solid var(--border-color-primary); border-radius: var(--radius-lg); margin: 0; min-width: 0;
               padding: 0 8px 8px; background: var(--block-background-fill); overflow: hidden; }
.restore-fig .fig-label { display: inline-block; margin: 0 0 8px -8px; white-space: normal !important; }
.restore-fig .fig-label, .restore-scores .table-label {
  left: 0; top: 0; max-width: 100%; padding: var(--block-label-padding);
  border: var(--block-label-border-width) solid var(--block-label-border-color); border-top: none; border-left: none;
  border-radius: var(--block-label-radius); background: var(--block-label-background-fill);
  color: var(--block-label-text-color); font-size: var(--block-label-text-size);
  font-weight: var(--block-label-text-weight); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.restore-fig canvas { display: block; margin: 0 auto; width: 100%; max-width: 224px; aspect-ratio: 1;
                      image-rendering: pixelated; background: #000; }
.restore-note { font-size: var(--text-sm); color: var(--body-text-color-subdued); margin-top: 4px; }
.restore-scores .table-wrap { position: relative; padding-top: 2.4em; border: 1px solid var(--border-color-primary);
                              border-radius: var(--radius-lg); margin-top: var(--spacing-lg); }
.restore-scores .table-label { position: absolute; }
.restore-scores table { width: 100%; border-collapse: collapse; font-size: var(--text-sm); }
.restore-scores th, .restore-scores td { border-top: 1px solid var(--border-color-primary); padding: 4px 8px;
                                          text-align: left; }
"""
SCORES_HTML = """
<div class="restore-scores"><div class="summary"></div>
<div class="table-wrap"><span class="table-label">Against the clean image</span>
<table><thead><tr><th>Image</th><th>PSNR dB</th><th>SSIM</th></tr></thead><tbody></tbody></table></div></div>
"""
# every change of the tab's settings: computed and drawn in the page (static/tabs/denoiser.js), no server request;
# the tab opened: its models load and it draws
SHOW = "(...settings) => { Genmodels.tabs.denoiser.show(...settings); return []; }"
OPEN = "(...settings) => { Genmodels.tabs.denoiser.open(...settings); return []; }"


def figures_html(titles: dict[str, str], note: bool) -> str:
    """A row of 28×28 canvases, each under its caption (the page fills both in)."""
    figs = "".join(f'<figure class="restore-fig" data-name="{k}"><span class="fig-label">{t}</span>'
                   f'<canvas width="28" height="28" aria-label="{t}"></canvas></figure>' for k, t in titles.items())
    text = '<div class="restore-note">Loading the models into your browser…</div>' if note else ""
    return f'<div class="restore-row">{figs}</div>{text}'


def page_props() -> dict:
    """Where the page fetches each model and the test images, and the names it shows."""
    kinds = ("denoiser", "superres", "superres4")
    return {"models": {k: {d: served(page_path(k, d)) for d in DATASETS} for k in kinds},
            "samples": {d: served(sample_path(d)) for d in DATASETS},
            "classes": {d: list(info.classes) for d, info in DATASETS.items()},
            "titles": {d: info.title for d, info in DATASETS.items()},
            "denoiseTitles": DENOISE_TITLES, "superresTitles": SR_TITLES}


def page_images(titles: dict[str, str], elem_id: str, with_code: bool = False) -> gr.HTML:
    """One row of the tab's images, drawn by the page; the first one attaches the page's tab (static/tabs/denoiser.js)
    with what it loads."""
    extra = {}
    if with_code:
        extra = dict(js_on_load="Genmodels.tabs.denoiser.attach(element, props);", **page_props())
    return gr.HTML("", html_template=figures_html(titles, note=True), css_template=FIGURE_CSS,
                   apply_default_css=False, elem_id=elem_id, **extra)


@shows_errors
def as_model_input(image: Picture | None) -> list[float] | None:
    """Your picture as the models' 28×28 input, once per picture (the page works from it)."""
    if image is None:
        return None
    return mnistify(image, what=UPLOAD_NAME).flatten().tolist()


def source_image(dataset: str, index: float, image: Picture | None) -> tuple[torch.Tensor, str]:
    """The clean 1×1×28×28 image to work on: your picture (made MNIST-like) if there is one, else the
    shipped test image at `index`; and a name for it."""
    if image is not None:
        return mnistify(image, what=UPLOAD_NAME), "your image as the models see it (28×28)"
    return sample_image(dataset, index)


def _scored_image(title: str, scored, reference: bool = False) -> gr.Image:
    image, psnr, ssim = scored
    return gr.Image(to_pil(image, SCALE), label=title if reference else f"{title}: {psnr:.1f} dB, SSIM {ssim:.2f}")


@shows_errors
def denoise(dataset: str, index: float, image, kind: str, level: float, seed: float, model_dataset: str) -> dict:
    """Clean, noisy, denoised and median-filtered images, each captioned with PSNR/SSIM, the scores table and a
    summary."""
    clean, name = source_image(dataset, index, image)
    model = genmodels.load_model("denoiser", model_dataset)
    r = compare_denoising(clean, model, kind, level, seed)
    titles = {**DENOISE_TITLES, "clean": f"Clean: {name}"}
    out = {k: _scored_image(titles[k], r[k], reference=k == "clean") for k in titles}
    rows = {"noisy": "Noisy input", "median": "Median 3×3",
            "denoised": f"Autoencoder ({DATASETS[canonical_dataset(model_dataset)].title})"}
    out["scores"] = [[rows[k], round(r[k][1], 2), round(r[k][2], 3)] for k in ("noisy", "denoised", "median")]
    out["summary"] = summary({k: r[k][1] for k in ("noisy", "denoised", "median")}, name)
    return out


@shows_errors
def superres(dataset: str, index: float, image, factor: int, model_dataset: str) -> dict:
    """The small image, bicubic and autoencoder upscaling, and the original, captioned with PSNR/SSIM."""
    clean, name = source_image(dataset, index, image)
    model = genmodels.load_model(sr.kind_for(factor), model_dataset)
    r = sr.compare_superres(clean, model)
    side = 28 // model.factor
    titles = {**SR_TITLES, "small": f"Input {side}×{side}", "clean": f"Original: {name}"}
    return {k: _scored_image(titles[k], r[k], reference=k == "clean") for k in titles}


@shows_errors
def shrink_upload(image: Picture | None) -> Image.Image | None:
    """Reduce an upload once (it is re-sent on every slider move) and refuse what cannot be a picture."""
    if image is None:
        return None
    return open_picture(image, UPLOAD_SIDE, what=UPLOAD_NAME)


def use_drawing(sketch: dict | None) -> Image.Image:
    composite = None if sketch is None else sketch.get("composite")
    if composite is None or np.asarray(composite).size == 0:
        raise gr.Error("Draw something on the sketchpad first.")
    return Image.fromarray(np.asarray(composite))


@shows_errors
def random_index(dataset: str) -> int:
    return int(torch.randint(len(load_sample(dataset)[0]), ()).item())


def _gallery_indices(dataset: str) -> list[int]:
    return first_per_class(load_sample(dataset)[1], GALLERY_PER_CLASS)


@shows_errors
def gallery_items(dataset: str) -> list[tuple[Image.Image, str]]:
    images, labels, _ = load_sample(dataset)
    classes = DATASETS[canonical_dataset(dataset)].classes
    return [(to_pil(images[i], 3), f"#{i}: {classes[int(labels[i])]}") for i in _gallery_indices(dataset)]


@shows_errors
def pick(dataset: str, evt: gr.SelectData) -> tuple[int, None]:
    return _gallery_indices(dataset)[evt.index], None


def level_range(kind: str, level: float) -> gr.Slider:
    top = noise.LEVEL_MAX.get(kind, 1.0)
    return gr.Slider(maximum=top, value=min(level, top))


@shows_errors
def switch_dataset(dataset: str) -> tuple[list, int, None]:
    """A new set of test images: its gallery, a random one of them, and no picture of your own."""
    return gallery_items(dataset), random_index(dataset), None


def build(demo: gr.Blocks) -> None:
    """Lay out tab 3 inside `demo` and wire its events (the page draws the images; see static/denoiser.js)."""
    with gr.Tab("Denoising", id="denoise") as tab:
        code = genmodels.load_model("denoiser", FIRST_DATASET).config
        gr.Markdown(TEXT.format(code=f"7×7×{code.code} = {49 * code.code}"))
        with gr.Row():
            with gr.Column(scale=2, min_width=300):
                dataset = gr.Radio(DATASET_CHOICES, value=FIRST_DATASET, label="Images from")
                with gr.Tab("Test images"):
                    index = gr.Slider(0, len(load_sample(FIRST_DATASET)[0]) - 1, value=0, step=1,
                                      label="Test image (one of the 500 shipped)")
                    random_btn = gr.Button("Random test image")
                    gallery = gr.Gallery(columns=3, height=220, allow_preview=False, label="Or pick one",
                                         elem_classes="pixelated")
                with gr.Tab("Draw"):
                    sketch = digit_sketchpad("Draw a digit or a garment")
                    draw_btn = gr.Button("Use drawing", variant="primary")
                with gr.Tab("Your image"):
                    # decoded by Gradio (type="pil"), so a broken file fails in the preprocess every event shares
                    # and is shown once; shrink_upload then reduces it once
                    image = uploaded_image(type="pil", sources=["upload", "clipboard"], height=220, image_mode=None,
                                           label=UPLOAD_LABEL, elem_id="denoise-upload")
                    gr.Markdown(UPLOAD_TEXT)
            with gr.Column(scale=3):
                with gr.Row():                        # each a full line on a phone: no truncated choice
                    kind = gr.Dropdown(KIND_CHOICES, value="gaussian", label="Noise", min_width=240)
                    model_dataset = gr.Radio(DATASET_CHOICES, value=FIRST_DATASET, label="Model trained on",
                                             min_width=240)
                with gr.Row():
                    level = gr.Slider(0, noise.LEVEL_MAX["gaussian"], value=0.5, step=0.01, label="Noise level",
                                      elem_id="noise-level")
                    seed = gr.Number(0, precision=0, minimum=0, maximum=MAX_SEED, label="Noise seed")
                    new_noise = gr.Button("New noise", scale=0)
                gr.HTML("", html_template=SCORES_HTML, css_template=FIGURE_CSS, apply_default_css=False,
                        elem_id="denoise-scores")
        page_images(DENOISE_TITLES, "denoise-images", with_code=True)
        gr.Markdown(SR_TEXT)
        with gr.Row():
            factor = gr.Radio([("×2 (14×14 → 28×28)", 2), ("×4 (7×7 → 28×28)", 4)], value=2, label="Upscaling")
        page_images(SR_TITLES, "superres-images")
        # the endpoints' outputs, for scripts (and the page's fallback); not shown
        with gr.Row(visible=False):
            denoised = {k: gr.Image(label=t, format="png") for k, t in DENOISE_LABELS.items()}
            summary = gr.Markdown()
            scores = gr.Dataframe(headers=["Image", "PSNR dB", "SSIM"], label="Against the clean image")
            upscaled = {k: gr.Image(label=t, format="png") for k, t in SR_TITLES.items()}
            api_denoise, api_superres = gr.Button(), gr.Button()
            picture = gr.JSON()                   # your picture as the models' input, computed once by the server

    source = [dataset, index, image]
    denoise_outputs = {**denoised, "scores": scores, "summary": summary}
    api_denoise.click(by_component(denoise, denoise_outputs), [*source, kind, level, seed, model_dataset],
                      list(denoise_outputs.values()), api_name="denoise", **UPLOADS)
    api_superres.click(by_component(superres, upscaled), [*source, factor, model_dataset], list(upscaled.values()),
                       api_name="superres", **UPLOADS)
    settings = [dataset, index, picture, kind, level, seed, model_dataset, factor, image]
    gr.on([index.change, picture.change, kind.change, level.change, seed.change,
           model_dataset.change, factor.change, dataset.change], None, settings, None, js=SHOW)
    tab.select(None, settings, None, js=OPEN)
    demo.load(None, settings, None, js=SHOW).then(gallery_items, dataset, gallery, **QUIET)

    dataset.change(switch_dataset, dataset, [gallery, index, image], **QUIET)
    kind.input(level_range, [kind, level], level, **QUIET)
    random_btn.click(random_index, dataset, index, **QUIET)
    gallery.select(pick, dataset, [index, image], **QUIET)
    new_noise.click(random_seed, None, seed, **QUIET)
    image.change(as_model_input, image, picture, **QUIET, **UPLOADS).failure(None, None, image, js="() => null")
    # a file that is not a picture: its message once, and the box emptied, so the test images come back and later
    # actions do not bring the message back
    image.upload(shrink_upload, image, image, **QUIET, **UPLOADS).failure(None, None, image, js="() => null")
    draw_btn.click(use_drawing, sketch, image, **QUIET)
