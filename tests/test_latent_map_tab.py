"""Tab 2, the latent map: encoding a drawing or a test image, the walk, and switching dataset (both tabs)."""
import base64

import gradio as gr
import numpy as np
import pytest
from PIL import Image, ImageDraw

from genmodels.latent import get_space
from ui import latent_map_tab, latent_views


def n_points(trace) -> int:
    """Points in a plotly trace; numpy data is stored as a base64 typed array ({'dtype', 'bdata'})."""
    x = trace.x
    if isinstance(x, dict):
        return len(np.frombuffer(base64.b64decode(x["bdata"]), dtype=x["dtype"]))
    return len(x)


def sketch_value(draw):
    img = Image.new("RGBA", (280, 280), (0, 0, 0, 0))
    draw(ImageDraw.Draw(img))
    return {"background": None, "layers": [], "composite": np.asarray(img)}


def test_encode_drawing_places_it_on_the_map_and_moves_sliders():
    value = sketch_value(lambda d: d.line([(140, 40), (140, 240)], fill=(0, 0, 0, 255), width=18))
    out = latent_map_tab.encode_drawing("mnist", value)
    encoded, z1, z2, fig = out["encoded"], out["z1"], out["z2"], out["plot"]
    assert (z1, z2) == (pytest.approx(float(encoded.mu[0]), abs=0.01), pytest.approx(float(encoded.mu[1]), abs=0.01))
    names = [t.name for t in fig.data]
    assert "±2σ posterior" in names and "sliders (z1, z2)" in names and names[:10] == list("0123456789")
    assert sum(n_points(t) for t in fig.data[:10]) == 10_000
    # a drawn '1' should decode to something the classifier calls a 1
    probs = get_space("mnist").class_probabilities(get_space("mnist").vae.decode(encoded.mu[None]))
    assert max(probs, key=probs.get) == "1"


def test_encode_empty_drawing_is_a_clear_error():
    with pytest.raises(gr.Error, match="empty"):
        latent_map_tab.encode_drawing("mnist", sketch_value(lambda d: None))
    with pytest.raises(gr.Error, match="Draw something"):
        latent_map_tab.encode_drawing("mnist", None)


def test_gallery_pick_and_walk_between_two_test_images():
    space = get_space("fashion")
    items = latent_views.gallery_items("fashion")
    assert len(items) == 10 * latent_views.GALLERY_PER_CLASS
    a = latent_map_tab.encode_sample("fashion", None, gr.SelectData(None, {"index": 0, "value": None}))["encoded"]
    last = gr.SelectData(None, {"index": len(items) - 1, "value": None})
    b = latent_map_tab.encode_sample("fashion", None, last)["encoded"]
    assert a.name.startswith("test #") and space.classes[0] in a.name
    strip, fig, walk = latent_map_tab.walk("fashion", a, b, 7, 0.0, 0.0, b)
    assert strip.size == (4 * 120 + 8, 2 * 120 + 8) and walk["z"].shape == (7, 2)   # rows of 4, ×4 + padding
    assert np.allclose(walk["z"][0], a.mu.numpy()) and np.allclose(walk["z"][-1], b.mu.numpy())
    assert "walk A→B" in [t.name for t in fig.data]


def test_switching_dataset_redraws_everything_and_forgets_old_encodings():
    out = latent_views.switch_dataset("fashion", 0.5, -0.5)
    assert out["dataset"] == out["dataset_map"] == "fashion"
    assert out["manifold"] is get_space("fashion").manifold and set(out["guess"]) == set(get_space("fashion").classes)
    assert len(out["gallery"]) == 10 * latent_views.GALLERY_PER_CLASS
    assert [t.name for t in out["plot"].data][:10] == list(get_space("fashion").classes)
    cleared = ["encoded", "point_a", "point_b", "walk_state", "thumb_a", "thumb_b", "strip", "info", "seen", "recon"]
    assert all(out[k] is None for k in cleared)
    notes = ["own_note", "own_note_map", "shipped_btn", "shipped_btn_map"]      # no own VAE: hidden
    assert all(out[k]["visible"] is False for k in notes) and len(out) == 6 + len(cleared) + len(notes)
