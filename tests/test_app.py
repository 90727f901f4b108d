"""The launched app, through gradio_client, and the tab handlers as plain functions."""
import base64
import math

import httpx
import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

import gradio as gr

from ui import latent_tabs
from ui.latent_space import GRID_N, GRID_SCALE, get_space, slider_radius


def test_decode_endpoint_returns_decoded_image(app_client):
    client, _ = app_client
    a = np.asarray(Image.open(client.predict("mnist", 0.0, 0.0, api_name="/decode")))
    b = np.asarray(Image.open(client.predict("mnist", 2.5, -2.5, api_name="/decode")))
    assert a.shape[:2] == (280, 280) and b.shape[:2] == (280, 280)
    assert np.abs(a.astype(int) - b.astype(int)).mean() > 5       # different points decode differently
    f = np.asarray(Image.open(client.predict("fashion", 0.0, 0.0, api_name="/decode")))
    assert np.abs(a.astype(int) - f.astype(int)).mean() > 5       # the dataset selector switches models
    # and it is the VAE's decoding of that point, upscaled
    space = get_space("mnist")
    expected = (space.vae.decode(torch.tensor([[2.5, -2.5]]))[0, 0].numpy() * 255)
    got = b[::10, ::10] if b.ndim == 2 else b[::10, ::10, 0]
    assert np.abs(got.astype(float) - expected).max() <= 1.0


@pytest.mark.parametrize("args,message", [
    (("mnist", 1e9, 0.0), "greater than maximum"),
    (("mnist", 0.0, -1e9), "less than minimum"),
    (("digits", 0.0, 0.0), "not in the list of choices"),
])
def test_bad_api_input_gets_clear_message_and_app_keeps_serving(app_client, args, message):
    client, _ = app_client
    with pytest.raises(Exception, match=message):
        client.predict(*args, api_name="/decode")
    assert Image.open(client.predict("mnist", 0.1, 0.1, api_name="/decode")).size == (280, 280)


def test_nan_sent_as_raw_json_is_rejected(app_client):
    """gradio_client cannot encode NaN, but a hand-written HTTP client can send it."""
    client, port = app_client
    base = f"http://127.0.0.1:{port}/gradio_api/call/decode"
    r = httpx.post(base, content='{"data": ["mnist", NaN, 0]}', headers={"content-type": "application/json"})
    assert r.status_code == 200
    event_id = r.json()["event_id"]
    stream = httpx.get(f"{base}/{event_id}", timeout=30).text
    assert "event: error" in stream and "finite" in stream
    assert Image.open(client.predict("mnist", 0.0, 0.0, api_name="/decode")).size == (280, 280)


def test_plain_decode_rejects_nan_and_unknown_dataset():
    with pytest.raises(gr.Error, match="finite"):
        latent_tabs.decode("mnist", math.nan, 0.0)
    with pytest.raises(gr.Error, match="Unknown dataset"):
        latent_tabs.decode("cifar", 0.0, 0.0)


def test_slider_range_covers_encoded_test_sets():
    r = slider_radius()
    for d in ("mnist", "fashion"):
        mu = get_space(d).test_mu
        assert (mu.abs() <= r).all(dim=1).float().mean() > 0.995


def test_manifold_click_moves_to_the_cell_under_the_pointer():
    space = get_space("mnist")
    cell = 28 * GRID_SCALE
    evt = gr.SelectData(None, {"index": [cell * (GRID_N - 1) + 3, 2], "value": None})
    z1, z2 = latent_tabs.manifold_click("mnist", evt)
    assert (z1, z2) == (pytest.approx(space.radius, abs=0.01), pytest.approx(space.radius, abs=0.01))
    digit, manifold, probs = latent_tabs.view("mnist", z1, z2)
    assert manifold.size == (GRID_N * cell, GRID_N * cell) and manifold.mode == "RGB"
    assert sum(probs.values()) == pytest.approx(1.0, abs=1e-4)


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
    encoded, seen, recon, info, z1, z2, fig = latent_tabs.encode_drawing("mnist", value)
    assert (z1, z2) == (pytest.approx(float(encoded["mu"][0]), abs=0.01),
                        pytest.approx(float(encoded["mu"][1]), abs=0.01))
    names = [t.name for t in fig.data]
    assert "±2σ posterior" in names and "sliders (z1, z2)" in names and names[:10] == list("0123456789")
    assert sum(n_points(t) for t in fig.data[:10]) == 10_000
    # a drawn '1' should decode to something the classifier calls a 1
    probs = get_space("mnist").class_probabilities(get_space("mnist").vae.decode(encoded["mu"][None]))
    assert max(probs, key=probs.get) == "1"


def test_encode_empty_drawing_is_a_clear_error():
    with pytest.raises(gr.Error, match="empty"):
        latent_tabs.encode_drawing("mnist", sketch_value(lambda d: None))
    with pytest.raises(gr.Error, match="Draw something"):
        latent_tabs.encode_drawing("mnist", None)


def test_gallery_pick_and_walk_between_two_test_images():
    space = get_space("fashion")
    items = latent_tabs.gallery_items("fashion")
    assert len(items) == 10 * latent_tabs.GALLERY_PER_CLASS
    a = latent_tabs.encode_sample("fashion", gr.SelectData(None, {"index": 0, "value": None}))[0]
    b = latent_tabs.encode_sample("fashion", gr.SelectData(None, {"index": len(items) - 1, "value": None}))[0]
    assert a["name"].startswith("test #") and space.classes[0] in a["name"]
    strip, fig, walk = latent_tabs.walk("fashion", a, b, 7, 0.0, 0.0, b)
    assert strip.size[0] > 6 * strip.size[1] and walk["z"].shape == (7, 2)
    assert np.allclose(walk["z"][0], a["mu"].numpy()) and np.allclose(walk["z"][-1], b["mu"].numpy())
    assert "walk A→B" in [t.name for t in fig.data]


def test_api_lists_decode_with_three_parameters(app_client):
    client, _ = app_client
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert [p["parameter_name"] for p in api["/decode"]["parameters"]] == ["dataset", "z1", "z2"]


def test_switching_dataset_redraws_everything_and_forgets_old_encodings():
    out = latent_tabs.switch_dataset("fashion", 0.5, -0.5)
    assert out[0] == out[1] == "fashion"
    digit, manifold, probs = out[2], out[3], out[4]
    assert digit.size == (280, 280) and set(probs) == set(get_space("fashion").classes)
    assert len(out[5]) == 10 * latent_tabs.GALLERY_PER_CLASS
    assert [t.name for t in out[6].data][:10] == list(get_space("fashion").classes)
    assert all(v is None for v in out[7:])


def test_every_tab_has_its_named_endpoint(app_client):
    client, _ = app_client
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    for name in ("/decode", "/encode_drawing", "/denoise", "/superres", "/generate", "/stylize"):
        assert name in api, name
    assert [p["parameter_name"] for p in api["/generate"]["parameters"]] == ["dataset", "seed", "count", "truncation", "keep"]
