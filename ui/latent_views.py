"""What tabs 1 and 2 show of a 2-D VAE, the shipped one or the visitor's own, and the hand-over of a visitor's own
VAE from the training tab (tab 6) to them: Own (in the session's gr.State), the views drawn for a dataset or a model,
and Handover, what other tabs wire to. No tab imports another: tabs 1, 2 and 6 share this module."""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr
from PIL import Image

from genmodels import latent
from genmodels.data import DATASETS, canonical_dataset, first_per_class
from genmodels.imaging import to_pil
from genmodels.latent import LatentSpace, get_space

from . import hosting
from .common import shows_errors
from .figures import latent_map_figure
from .kept import Kept

GALLERY_PER_CLASS = 4

# every slider move: decode and draw in the page, no server request
SHOW = "(dataset, z1, z2) => { Genmodels.tabs.explorer.show(dataset, z1, z2); return []; }"


# a slider released (or moved by a click): the classifier's opinion, computed in the page too
OPINION = "(dataset, z1, z2) => Genmodels.tabs.explorer.opinion(dataset, z1, z2)"
# the page's decoder switched to the visitor's own VAE (own_file: its decoder; own_page: what else the page needs),
# or back to the shipped one (both None)
# the page's decoder switched to the visitor's own VAE (own_file: its decoder; own_page: what else the page needs),
# or back to the shipped one (both None)
USE_OWN = "(file, own) => { Genmodels.tabs.explorer.useOwn(file && own ? {...own, url: file.url} : null); return []; }"


# ---------------------------------------------------------------- one model, shipped or the visitor's own
# `own`: the visitor's own VAE, sent from the training tab (Own, in this browser session's gr.State), or None

# each session's own VAE and what tabs 1-2 show of it (~6 MB): kept here, bounded in count and time (ui/kept.py), its
# session's Own holding the token; a script that opens sessions and sends models cannot grow the server without end
SPACES = Kept(hosting.kept_models, hosting.state_seconds)


@dataclass
class Own:
    """A VAE the visitor trained (ui/train_tab.py), shown in tabs 1 and 2 of their session only."""
    token: str              # its LatentSpace in SPACES
    dataset: str
    about: str              # e.g. "MNIST, β = 1, seed 0: 8,400 steps in 60 s"
    decoder_file: str       # its decoder, as the page's runtime loads it

    @classmethod
    def keep(cls, space: LatentSpace, about: str, decoder_file: str) -> Own:
        return cls(SPACES.set(SPACES.token(), space), space.dataset, about, decoder_file)

    @property
    def space(self) -> LatentSpace | None:
        """What tabs 1-2 show of it, or None once the server no longer keeps it (the shipped model is shown)."""
        return SPACES.get(self.token)


def space_of(dataset: str, own: Own | None) -> LatentSpace:
    """What tabs 1 and 2 show for `dataset`: the visitor's own VAE where it is one of that dataset (and still kept),
    else the shipped one."""
    if own is not None and own.dataset == canonical_dataset(dataset) and (space := own.space) is not None:
        return space
    return get_space(dataset)


@shows_errors
def classify(dataset: str, z1: float, z2: float, own: Own | None = None) -> dict[str, float]:
    """The evaluation classifier's opinion of the image decoded at (z1, z2)."""
    space = space_of(dataset, own)
    return space.class_probabilities(latent.decode_point(space.vae, z1, z2))


@shows_errors
def manifold(dataset: str, own: Own | None = None) -> Image.Image:
    """The decoder over the sliders' range (the page draws the marker over it)."""
    return space_of(dataset, own).manifold


def _gallery_samples(space: LatentSpace) -> list[int]:
    """Indices into the shipped sample of the images the gallery shows: the first few of each class."""
    return first_per_class(space.sample_labels, GALLERY_PER_CLASS)


@shows_errors
def gallery_items(dataset: str) -> list[tuple[Image.Image, str]]:
    space = get_space(dataset)
    return [(to_pil(space.sample_images[i], 4),
             f"{space.classes[int(space.sample_labels[i])]} · test #{int(space.sample_indices[i])}")
            for i in _gallery_samples(space)]


@shows_errors
def first_view(dataset: str, z1: float, z2: float, own: Own | None = None) -> dict:
    """What the server draws of tab 1 for a dataset: the manifold and the classifier's opinion (the page decodes
    the image itself)."""
    return {"manifold": manifold(dataset, own), "guess": classify(dataset, z1, z2, own)}


# ---------------------------------------------------------------- switching dataset or model

def own_note(dataset: str, own: Own | None) -> dict:
    """The line over tabs 1 and 2 that says whose VAE they show, and the button back to the shipped one."""
    if own is None:
        return {"own_note": gr.update(visible=False), "own_note_map": gr.update(visible=False),
                "shipped_btn": gr.update(visible=False), "shipped_btn_map": gr.update(visible=False)}
    mine = own.dataset == canonical_dataset(dataset)
    if own.space is None:
        text = (f"Your own VAE ({own.about}) is no longer kept on this server (a model is kept for an hour, and only "
                "so many at once): this is the shipped model. Explore it again from the *Train a VAE* tab.")
    elif mine:
        text = f"**You are exploring your own VAE** ({own.about}), trained in the *Train a VAE* tab; only you see it."
    else:
        text = (f"Your own VAE is a {DATASETS[own.dataset].title} one ({own.about}): pick that dataset to explore it "
                "again; this is the shipped model.")
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
            "gallery": gallery_items(dataset), "plot": latent_map_figure(space_of(dataset, own), (z1, z2)), **cleared,
            **own_note(dataset, own)}


def use_own(own: Own, z1: float, z2: float) -> dict:
    """Tabs 1 and 2 switched to the visitor's own VAE; the page gets its decoder (own_file) and which dataset's
    images it now draws (own_page)."""
    return {"own": own, **switch_dataset(own.dataset, z1, z2, own), "own_file": own.decoder_file,
            "own_page": {"dataset": own.dataset, "about": own.about}}


def back_to_shipped(dataset: str, z1: float, z2: float) -> dict:
    """Tabs 1 and 2 switched back to the shipped VAE."""
    return {"own": None, **switch_dataset(dataset, z1, z2, None), "own_file": None, "own_page": None}


def own_banner() -> tuple[gr.Markdown, gr.Button]:
    """Hidden until the visitor sends their own VAE here: whose VAE this is, and the way back."""
    with gr.Row():                  # side by side; on a phone the button goes under the note
        with gr.Column(scale=4, min_width=300):
            note = gr.Markdown(visible=False)
        back = gr.Button("Back to the shipped model", visible=False, size="sm", scale=0, min_width=200)
    return note, back


@dataclass
class Handover:
    """Tabs 1 and 2 as other tabs wire to them: the training tab sends the visitor's own VAE here (use_own's
    outputs, `switched`); tab 2's events move tab 1's sliders (`moved`)."""
    own: gr.State           # the visitor's own VAE (Own), or None: the shipped one
    z1: gr.Slider
    z2: gr.Slider
    point: list             # [dataset, z1, z2]
    guess: gr.Label
    switched: dict          # switch_dataset's, use_own's and back_to_shipped's outputs, by name (tab 2 adds its own)

    def moved(self, event) -> None:
        """After an event that moves the sliders: the page redraws and gives the classifier's opinion."""
        event.then(None, self.point, None, js=SHOW).then(None, self.point, self.guess, js=OPINION)

    def after_switch(self, event) -> None:
        """After use_own or back_to_shipped: the page loads the decoder and redraws."""
        self.moved(event.then(None, [self.switched["own_file"], self.switched["own_page"]], None, js=USE_OWN))
