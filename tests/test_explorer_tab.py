"""Tab 1, the latent explorer: its handlers as plain functions, /decode through gradio_client, and the page's
decoder in a browser."""
import math
import time

import gradio as gr
import httpx
import numpy as np
import pytest
import torch
from PIL import Image

from genmodels.latent import GRID_N, GRID_SCALE, get_space, slider_radius
from ui import explorer_tab, latent_views


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
    assert "event: error" in stream and "z1 must be a number from -10 to 10, got nan" in stream
    assert Image.open(client.predict("mnist", 0.0, 0.0, api_name="/decode")).size == (280, 280)


def test_plain_decode_rejects_nan_and_unknown_dataset():
    with pytest.raises(gr.Error, match="z1 must be a number from -10 to 10"):
        explorer_tab.decode("mnist", math.nan, 0.0)
    with pytest.raises(gr.Error, match="Unknown dataset"):
        explorer_tab.decode("cifar", 0.0, 0.0)


def test_slider_range_covers_encoded_test_sets():
    r = slider_radius()
    for d in ("mnist", "fashion"):
        mu = get_space(d).test_mu
        assert (mu.abs() <= r).all(dim=1).float().mean() > 0.995


def test_manifold_click_moves_to_the_cell_under_the_pointer():
    space = get_space("mnist")
    cell = 28 * GRID_SCALE
    evt = gr.SelectData(None, {"index": [cell * (GRID_N - 1) + 3, 2], "value": None})
    z1, z2 = explorer_tab.manifold_click("mnist", evt)
    assert (z1, z2) == (pytest.approx(space.radius, abs=0.01), pytest.approx(space.radius, abs=0.01))
    view = latent_views.first_view("mnist", z1, z2)
    assert view["manifold"].size == (GRID_N * cell, GRID_N * cell)      # the page draws the marker over it
    assert sum(view["guess"].values()) == pytest.approx(1.0, abs=1e-4)
    assert latent_views.classify("mnist", z1, z2) == view["guess"]


def test_api_lists_decode_with_three_parameters(app_client):
    client, _ = app_client
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert [p["parameter_name"] for p in api["/decode"]["parameters"]] == ["dataset", "z1", "z2"]


def canvas_pixels(page) -> np.ndarray:
    """The decoded image the page shows: the canvas's 28×28 grey levels."""
    data = page.evaluate("""() => { const c = document.querySelector('#digit canvas.digit');
        return Array.from(c.getContext('2d').getImageData(0, 0, 28, 28).data); }""")
    return np.array(data, dtype=int).reshape(28, 28, 4)[..., 0]


def served_pixels(client, z1: float, z2: float) -> np.ndarray:
    png = np.asarray(Image.open(client.predict("mnist", z1, z2, api_name="/decode")))
    return (png if png.ndim == 2 else png[..., 0])[::10, ::10].astype(int)


def test_dragging_a_slider_decodes_in_the_page_without_a_server_request(app_client, page):
    client, _ = app_client
    page.goto(page.app_url)
    page.wait_for_function("() => window.Genmodels?.tabs.explorer.stats.draws > 0", timeout=60_000)
    assert np.abs(canvas_pixels(page) - served_pixels(client, 0.0, 0.0)).max() <= 1
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    quiet_since, seen = time.monotonic(), 0                  # the page's own load events (every tab's) are done
    while time.monotonic() - quiet_since < 1.5:
        page.wait_for_timeout(100)
        if len(requests) != seen:
            quiet_since, seen = time.monotonic(), len(requests)
    requests.clear()
    draws = page.evaluate("Genmodels.tabs.explorer.stats.draws")
    box = page.locator("input[type=range]").first.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 3, y)
    page.mouse.down()
    for i in range(1, 21):
        page.mouse.move(box["x"] + 3 + (box["width"] - 6) * 0.8 * i / 20, y)
    during = list(requests)
    page.mouse.up()
    page.wait_for_timeout(500)
    assert during == []                                       # not one request while dragging
    assert page.evaluate("Genmodels.tabs.explorer.stats.draws") - draws >= 10
    z1 = float(page.locator("input[type=number]").first.input_value())
    assert z1 > 1.5
    assert np.abs(canvas_pixels(page) - served_pixels(client, z1, 0.0)).max() <= 1
    marker = page.locator("#manifold canvas.manifold-marker").bounding_box()
    manifold = page.locator("#manifold img").bounding_box()
    assert marker["width"] > 100 and abs(marker["width"] - manifold["width"]) < 2


def test_without_its_decoder_the_page_falls_back_to_the_decode_endpoint(app_client, page):
    client, _ = app_client
    page.goto(page.app_url + "?decoder=server")
    page.wait_for_function("() => window.Genmodels?.tabs.explorer.stats.serverDecodes > 0",
                           timeout=60_000)
    assert "server's /decode" in page.locator("#digit .decoder-note").inner_text()
    assert np.abs(canvas_pixels(page) - served_pixels(client, 0.0, 0.0)).max() <= 1


def test_a_typed_value_outside_the_range_shows_the_image_at_the_edge(app_client, page):
    """Gradio refuses 99 (its message) and puts the thumb at the range's end; the image follows the thumb."""
    client, _ = app_client
    page.goto(page.app_url)
    page.wait_for_function("() => window.Genmodels?.tabs.explorer.stats.draws > 0", timeout=60_000)
    box = page.locator("input[type=number]").first
    box.fill("99")
    box.press("Enter")
    page.wait_for_function("() => document.querySelector('#digit canvas.digit').dataset.z.startsWith('4,')",
                           timeout=10_000)
    assert np.abs(canvas_pixels(page) - served_pixels(client, slider_radius(), 0.0)).max() <= 1
    assert "z1: the sliders go from -4 to 4" in page.locator("#digit .decoder-note").inner_text()
    page.wait_for_timeout(500)
    assert float(box.input_value()) == slider_radius()        # the box agrees, so later events send 4, not 99
