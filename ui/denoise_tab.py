"""Tab 3: add noise to a digit and watch a denoising autoencoder restore it; super-resolution beside it."""
from __future__ import annotations

import functools
import math

import gradio as gr
import numpy as np
import torch
from PIL import Image

import genmodels
from genmodels import noise
from genmodels.data import DATASETS, load_sample
from genmodels.imaging import MAX_INPUT_PIXELS, mnistify, to_pil
from genmodels.restore import compare_denoising, compare_superres

from .common import DATASET_CHOICES, QUIET, dataset_key, digit_sketchpad, first_per_class, uploaded_image

KIND_CHOICES = [(title, kind) for kind, title in noise.KIND_TITLES.items()]
SCALE = 8                   # 28 px → 224 px, nearest-neighbour
UPLOAD_SIDE = 512           # uploads are reduced to this once, so live updates never re-decode a huge photo
GALLERY_PER_CLASS = 2

TEXT = """
A **denoising autoencoder** learns to map a corrupted image back to the clean one. It squeezes the image through a
code of just 7×7 positions ({code} numbers) and rebuilds it from that. Trained to give back clean images, the code
learns to describe what the model has seen thousands of times (strokes of digits, outlines of clothes), not random
specks, so the noise does not get through. This model was trained **blind**, on every kind and level of noise at once. The **median filter** beside it is the
classic hand-made baseline. Numbers under each image compare it with the clean one: PSNR in dB (higher is better)
and SSIM (1 is identical).

Now set *Model trained on* to the other dataset: an autoencoder restores only the kind of image it has learnt.
"""
SR_TEXT = """
**Super-resolution**: the same idea run the other way. The image is shrunk by averaging 2×2 (or 4×4) pixel blocks,
then an autoencoder trained on such pairs draws it back at full size. Bicubic interpolation, which knows nothing
about digits or clothes, is the baseline.
"""


@functools.lru_cache(maxsize=None)
def _sample(dataset: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    return load_sample(dataset)


def source_image(dataset: str, index: float, image: Image.Image | np.ndarray | None) -> tuple[torch.Tensor, str]:
    """The clean 1×1×28×28 image to work on: your picture (made MNIST-like) if there is one, else the
    shipped test image at `index`; and a name for it."""
    if image is not None:
        try:
            return mnistify(image), "your image"
        except ValueError as err:
            raise gr.Error(str(err)) from None
    dataset = dataset_key(dataset)
    images, labels, indices = _sample(dataset)
    if index is None or not math.isfinite(float(index)) or not 0 <= int(index) < len(images) \
            or int(index) != float(index):
        raise gr.Error(f"The image index must be a whole number from 0 to {len(images) - 1}, got {index!r}.")
    i = int(index)
    label = DATASETS[dataset].classes[int(labels[i])]
    return images[i:i + 1], f"test image #{int(indices[i])} ({label})"


def _caption(title: str, psnr: float, ssim: float, reference: bool = False) -> str:
    return title if reference else f"{title}: {psnr:.1f} dB, SSIM {ssim:.2f}"


def denoise(dataset: str, index: float, image, kind: str, level: float, seed: float, model_dataset: str):
    """Clean, noisy, denoised and median-filtered images, each captioned with PSNR/SSIM, and the scores table."""
    clean, name = source_image(dataset, index, image)
    model_key = dataset_key(model_dataset)
    try:
        kind, level = noise.check(kind, level)
        if seed is None or not math.isfinite(float(seed)) or not 0 <= float(seed) < 2 ** 31:
            raise ValueError(f"The seed must be a whole number from 0 to {2 ** 31 - 1}, got {seed!r}.")
        r = compare_denoising(clean, genmodels.load_model("denoiser", model_key), kind, level, int(seed))
    except ValueError as err:
        raise gr.Error(str(err)) from None
    titles = {"clean": f"Clean: {name}", "noisy": "Noisy", "denoised": "Denoised", "median": "Median 3×3"}
    images = [gr.Image(to_pil(r[k][0], SCALE), label=_caption(titles[k], *r[k][1:], reference=k == "clean"))
              for k in titles]
    rows = {"noisy": "Noisy input", "denoised": f"Denoised ({DATASETS[model_key].title} autoencoder)",
            "median": "3×3 median filter"}
    table = [[rows[k], round(r[k][1], 2), round(r[k][2], 3)] for k in rows]
    gain = r["denoised"][1] - r["noisy"][1]
    vs_median = r["denoised"][1] - r["median"][1]
    summary = (f"The autoencoder gains **{gain:+.1f} dB** over the noisy input and **{vs_median:+.1f} dB** over the "
               f"median filter on {name}.")
    return *images, table, summary


def superres(dataset: str, index: float, image, factor: int, model_dataset: str):
    """The small image, bicubic and autoencoder upscaling, and the original, captioned with PSNR/SSIM."""
    clean, name = source_image(dataset, index, image)
    model_key = dataset_key(model_dataset)
    if factor not in (2, 4):
        raise gr.Error(f"The factor must be 2 or 4, got {factor!r}.")
    model = genmodels.load_model("superres" if factor == 2 else "superres4", model_key)
    r = compare_superres(clean, model)
    side = 28 // factor
    titles = {"small": f"Input {side}×{side}", "bicubic": "Bicubic", "model": "Autoencoder",
              "clean": f"Original: {name}"}
    return [gr.Image(to_pil(r[k][0], SCALE), label=_caption(titles[k], *r[k][1:], reference=k == "clean"))
            for k in titles]


def shrink_upload(image: Image.Image | None) -> Image.Image | None:
    """Reduce an upload once (it is re-sent on every slider move) and refuse what cannot be a picture."""
    if image is None:
        return None
    if image.width * image.height > MAX_INPUT_PIXELS:
        raise gr.Error(f"The image is too large ({image.width}×{image.height}); "
                       f"use one under {MAX_INPUT_PIXELS // 1_000_000} megapixels.")
    try:
        image = image.copy()
        image.thumbnail((UPLOAD_SIDE, UPLOAD_SIDE))
    except (OSError, ValueError, SyntaxError) as err:       # a header Pillow reads, then damaged pixel data
        raise gr.Error(f"Could not read the image: the file is damaged ({err}).") from None
    return image


def use_drawing(sketch: dict | None) -> Image.Image:
    composite = None if sketch is None else sketch.get("composite")
    if composite is None or np.asarray(composite).size == 0:
        raise gr.Error("Draw something on the sketchpad first.")
    return Image.fromarray(np.asarray(composite))


def random_index(dataset: str) -> int:
    return int(torch.randint(len(_sample(dataset_key(dataset))[0]), ()).item())


def _gallery_indices(dataset: str) -> list[int]:
    return first_per_class(_sample(dataset)[1], GALLERY_PER_CLASS)


def gallery_items(dataset: str) -> list[tuple[Image.Image, str]]:
    images, labels, indices = _sample(dataset_key(dataset))
    classes = DATASETS[dataset_key(dataset)].classes
    return [(to_pil(images[i], 3), f"#{i}: {classes[int(labels[i])]}") for i in _gallery_indices(dataset_key(dataset))]


def pick(dataset: str, evt: gr.SelectData) -> tuple[int, None]:
    return _gallery_indices(dataset_key(dataset))[evt.index], None


def level_range(kind: str, level: float) -> gr.Slider:
    top = noise.LEVEL_MAX.get(kind, 1.0)
    return gr.Slider(maximum=top, value=min(level, top))


def build(demo: gr.Blocks) -> None:
    """Lay out tab 3 inside `demo` and wire its events (the first picture is drawn on page load)."""
    first = DATASET_CHOICES[0][1]
    quiet = QUIET
    with gr.Tab("Denoising", id="denoise"):
        code = genmodels.load_model("denoiser", first).config
        gr.Markdown(TEXT.format(code=f"7×7×{code.code} = {49 * code.code}"))
        with gr.Row():
            with gr.Column(scale=2, min_width=300):
                dataset = gr.Radio(DATASET_CHOICES, value=first, label="Images from")
                with gr.Tab("Test images"):
                    index = gr.Slider(0, len(_sample(first)[0]) - 1, value=0, step=1,
                                      label="Test image (one of the 500 shipped)")
                    random_btn = gr.Button("Random test image")
                    gallery = gr.Gallery(gallery_items(first), columns=4, height=220, allow_preview=False,
                                         label="Or pick one", elem_classes="pixelated")
                with gr.Tab("Draw"):
                    sketch = digit_sketchpad("Pick the brush on the left, then draw")
                    draw_btn = gr.Button("Use drawing", variant="primary")
                with gr.Tab("Your image"):
                    image = uploaded_image(type="pil", sources=["upload", "clipboard"], height=220, image_mode=None,
                                           label="Your picture (a drawing lands here too); clear it to go back "
                                                 "to the test images")
            with gr.Column(scale=3):
                with gr.Row():
                    kind = gr.Dropdown(KIND_CHOICES, value="gaussian", label="Noise")
                    model_dataset = gr.Radio(DATASET_CHOICES, value=first, label="Model trained on")
                with gr.Row():
                    level = gr.Slider(0, noise.LEVEL_MAX["gaussian"], value=0.5, step=0.01, label="Noise level")
                    seed = gr.Number(0, precision=0, minimum=0, label="Noise seed")
                    new_noise = gr.Button("New noise", scale=0)
                summary = gr.Markdown()
                scores = gr.Dataframe(headers=["Image", "PSNR (dB)", "SSIM"], label="Against the clean image",
                                      interactive=False)
        with gr.Row():
            clean_img, noisy_img, denoised_img, median_img = (
                gr.Image(label=t, format="png", interactive=False, elem_classes="pixelated", height=260,
                         buttons=[]) for t in ("Clean", "Noisy", "Denoised", "Median filter"))
        gr.Markdown(SR_TEXT)
        with gr.Row():
            factor = gr.Radio([("×2 (14×14 → 28×28)", 2), ("×4 (7×7 → 28×28)", 4)], value=2, label="Upscaling")
        with gr.Row():
            sr_images = [gr.Image(label=t, format="png", interactive=False, elem_classes="pixelated", height=260,
                                  buttons=[])
                         for t in ("Input", "Bicubic", "Autoencoder", "Original")]

    source = [dataset, index, image]
    denoise_inputs = [*source, kind, level, seed, model_dataset]
    denoise_outputs = [clean_img, noisy_img, denoised_img, median_img, scores, summary]
    sr_inputs = [*source, factor, model_dataset]
    live = dict(trigger_mode="always_last", show_progress="hidden", concurrency_limit=None)
    gr.on([index.change, image.change, level.input, seed.change, model_dataset.change],
          denoise, denoise_inputs, denoise_outputs, api_name="denoise", **live)
    gr.on([index.change, image.change, factor.change, model_dataset.change],
          superres, sr_inputs, sr_images, api_name="superres", **live)
    demo.load(denoise, denoise_inputs, denoise_outputs, **quiet).then(superres, sr_inputs, sr_images, **quiet)

    def switch(d: str):
        return gallery_items(d), random_index(d), None

    dataset.change(switch, dataset, [gallery, index, image], **quiet)
    kind.input(level_range, [kind, level], level, **quiet).then(denoise, denoise_inputs, denoise_outputs, **quiet)
    random_btn.click(random_index, dataset, index, **quiet)
    gallery.select(pick, dataset, [index, image], **quiet)
    new_noise.click(lambda: int(torch.randint(2 ** 31 - 1, ()).item()), None, seed, **quiet)
    image.upload(shrink_upload, image, image, **quiet)
    draw_btn.click(use_drawing, sketch, image, **quiet)
