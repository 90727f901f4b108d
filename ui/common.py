"""Pieces every tab shares: the dataset choices, a dataset name check, the digit sketchpad, image uploads,
quiet events."""
from __future__ import annotations

import threading
import time

import gradio as gr
import torch
from PIL import Image, UnidentifiedImageError

from genmodels.data import DATASETS, canonical_dataset

DATASET_CHOICES = [(info.title, key) for key, info in DATASETS.items()]
FIRST_DATASET = DATASET_CHOICES[0][1]
QUIET = dict(show_progress="hidden", api_visibility="undocumented")   # internal UI events: no overlay, no API docs


def dataset_key(name: str) -> str:
    """A dataset name from the UI or the API as a key of DATASETS; gr.Error naming the choices otherwise."""
    try:
        return canonical_dataset(name)
    except ValueError as err:
        raise gr.Error(str(err)) from None


def digit_sketchpad(label: str) -> gr.Sketchpad:
    """A 280×280 canvas with one black brush: what mnistify turns into a 28×28 digit."""
    return gr.Sketchpad(label=label, type="numpy", image_mode="RGBA", canvas_size=(280, 280), fixed_canvas=True,
                        brush=gr.Brush(default_size=14, colors=["#000000"], color_mode="fixed"), layers=False,
                        height=330)


UPLOAD_ERROR_SECONDS = 10    # how long an upload's error toast stays up (Gradio's default)


def uploaded_image(value=None, **kwargs) -> gr.Image:
    """gr.Image(value, **kwargs) for uploads: a file Pillow cannot open is a short message naming the input (its
    label up to any parenthesis), not Gradio's component-processing error. Several events that read the same
    upload show that message once: a repeat for the same file while its toast is still up is raised hidden (API
    callers still get it). The preprocess is wrapped on the instance: a gr.Image subclass would make Gradio write
    a .pyi stub beside this module at import time."""
    image = gr.Image(value, **kwargs)
    what = (image.label or "Image").split(" (")[0]
    gradio_preprocess = image.preprocess
    shown: dict[str, float] = {}         # file path -> when its message was first shown
    lock = threading.Lock()

    def fail(payload, message: str) -> gr.Error:
        path, now = str(getattr(payload, "path", "")), time.monotonic()
        with lock:
            for old in [p for p, t in shown.items() if now - t > UPLOAD_ERROR_SECONDS]:
                del shown[old]
            repeat = path in shown
            shown.setdefault(path, now)
        return gr.Error(message, duration=UPLOAD_ERROR_SECONDS, visible=not repeat)

    def preprocess(payload):
        try:
            return gradio_preprocess(payload)
        except gr.Error:
            raise
        except Image.DecompressionBombError:
            raise fail(payload, f"{what}: the image is too large to open safely (over ~180 megapixels).") from None
        except UnidentifiedImageError:
            raise fail(payload, f"{what}: could not read the file, it is not a picture Pillow understands. "
                                "Upload a PNG, JPEG, WebP, GIF or BMP image.") from None
        except (OSError, ValueError, SyntaxError) as err:     # a header Pillow reads, then damaged pixel data
            raise fail(payload, f"{what}: could not read the file, it is damaged ({err}).") from None

    image.preprocess = preprocess
    return image


def first_per_class(labels: torch.Tensor, per_class: int) -> list[int]:
    """Indices of the first `per_class` images of each class, class by class (the galleries' order)."""
    return torch.cat([torch.nonzero(labels == c).flatten()[:per_class]
                      for c in range(int(labels.max()) + 1)]).tolist()
