"""Pieces every tab shares: the dataset choices, a dataset name check, the digit sketchpad, quiet events."""
from __future__ import annotations

import gradio as gr
import torch

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


def first_per_class(labels: torch.Tensor, per_class: int) -> list[int]:
    """Indices of the first `per_class` images of each class, class by class (the galleries' order)."""
    return torch.cat([torch.nonzero(labels == c).flatten()[:per_class]
                      for c in range(int(labels.max()) + 1)]).tolist()
