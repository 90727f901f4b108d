"""Tabs 1, 3 and 4 compute in the page: dragging (and releasing) sends no request, the views change, and the same
settings give the server's images; without the page's models the tabs fall back to the server and say so."""
import time

import numpy as np
from PIL import Image


def settle(page, requests: list) -> None:
    """Wait until the page has sent nothing for 1.5 s (its load events are done), then forget what it sent."""
    quiet_since, seen = time.monotonic(), len(requests)
    while time.monotonic() - quiet_since < 1.5:
        page.wait_for_timeout(100)
        if len(requests) != seen:
            quiet_since, seen = time.monotonic(), len(requests)
    requests.clear()


def drag(page, selector: str, start: float, end: float, moves: int = 30) -> list[str]:
    """Drag a slider's thumb from `start` to `end` (fractions of its width); the requests sent meanwhile."""
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    settle(page, requests)
    box = page.locator(selector).bounding_box()
    y = box["y"] + box["height"] / 2
    x = lambda f: box["x"] + 3 + (box["width"] - 6) * f        # noqa: E731
    page.mouse.move(x(start), y)
    page.mouse.down()
    for i in range(1, moves + 1):
        page.mouse.move(x(start + (end - start) * i / moves), y)
        page.wait_for_timeout(16)
    page.mouse.up()
    page.wait_for_timeout(1000)
    return requests


def canvas_grey(page, selector: str) -> np.ndarray:
    data = page.evaluate("""(sel) => { const c = document.querySelector(sel);
        return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data); }""", selector)
    return np.array(data).reshape(-1, 4)[:, 0]


def test_dragging_noise_level_computes_in_the_page(app_client, page):
    client, _ = app_client
    page.goto(page.app_url)
    page.get_by_role("tab", name="Denoising").click()
    page.wait_for_function("() => window.Genmodels?.tabs.denoiser.stats.draws > 0", timeout=60_000)
    noisy = '#denoise-images [data-name="noisy"] canvas'
    before, draws = canvas_grey(page, noisy), page.evaluate("Genmodels.tabs.denoiser.stats.draws")
    assert drag(page, "#noise-level input[type=range]", 0.5, 0.9) == []          # not one request
    assert page.evaluate("Genmodels.tabs.denoiser.stats.draws") - draws >= 5
    level = float(page.get_by_label("number input for Noise level", exact=True).input_value())
    assert level > 0.75 and not np.array_equal(canvas_grey(page, noisy), before)
    # what the page shows is /denoise's picture for the same settings (seeded noise: exactly)
    out = client.predict("mnist", 0, None, "gaussian", level, 0, "mnist", api_name="/denoise")
    served = np.asarray(Image.open(out[1]["value"]).convert("L"))[::8, ::8].flatten().astype(int)
    assert np.array_equal(canvas_grey(page, noisy), served)
    denoised = np.asarray(Image.open(out[2]["value"]).convert("L"))[::8, ::8].flatten().astype(int)
    assert np.abs(canvas_grey(page, '#denoise-images [data-name="denoised"] canvas') - denoised).max() <= 1
    label = page.locator('#denoise-images [data-name="noisy"] .fig-label').inner_text()
    assert label == out[1]["label"]                                              # "Noisy: 6.2 dB, SSIM 0.21"
    assert "over the median filter on test image #" in page.locator("#denoise-scores").inner_text()
    assert "no request to the server" in page.locator(".restore-note").first.inner_text()


def test_dragging_epoch_scrubs_the_timeline_in_the_page(page):
    page.goto(page.app_url)
    page.get_by_role("tab", name="GAN").click()
    page.wait_for_function("() => window.Genmodels?.tabs.gan.stats.draws > 0", timeout=60_000)
    page.locator("#epoch").scroll_into_view_if_needed()
    grid, draws = canvas_grey(page, "#epoch-view canvas"), page.evaluate("Genmodels.tabs.gan.stats.draws")
    last = len(page.evaluate("Genmodels.tabs.gan.state.props.captions.mnist"))
    assert f"Epoch {last} of {last}" in page.locator("#epoch-caption").inner_text()
    assert drag(page, "#epoch input[type=range]", 1.0, 0.2) == []
    assert page.evaluate("Genmodels.tabs.gan.stats.draws") - draws >= 5
    epoch = int(page.get_by_label("number input for Epoch", exact=True).input_value())
    assert epoch < last * 0.4 and f"Epoch {epoch} of {last}" in page.locator("#epoch-caption").inner_text()
    assert not np.array_equal(canvas_grey(page, "#epoch-view canvas"), grid)
    marker = page.evaluate("(() => { const p = document.querySelector('#gan-curves .js-plotly-plot');"
                           " return p.layout.shapes[p.layout.shapes.length - 1].x0; })()")
    steps = page.evaluate("Genmodels.tabs.gan.state.timelines.mnist.steps")
    assert marker == steps[epoch - 1]                                            # the curves' marker moved with it


def test_releasing_a_tab1_slider_asks_the_page_classifier_not_the_server(app_client, page):
    client, _ = app_client
    page.goto(page.app_url)
    page.wait_for_function("() => window.Genmodels?.tabs.explorer.stats.draws > 0", timeout=60_000)
    assert drag(page, "#z1 input[type=range]", 0.5, 0.95) == []                  # the drag and the release
    assert page.evaluate("Genmodels.tabs.explorer.stats.opinions") >= 1
    z1 = float(page.locator("#z1 input[type=number]").input_value())
    served = client.predict("mnist", z1, 0.0, api_name="/classify")
    assert page.locator(".output-class").first.inner_text().strip() == served["label"]


def test_without_the_page_models_tabs_3_and_4_use_the_server_and_say_so(page):
    page.goto(page.app_url + "?decoder=server")
    page.get_by_role("tab", name="Denoising").click()
    page.wait_for_function("() => window.Genmodels?.tabs.denoiser.stats.serverCalls > 0",
                           timeout=60_000)
    assert "come from the server" in page.locator(".restore-note").first.inner_text()
    page.wait_for_function("() => document.querySelector('#denoise-scores').innerText.includes('median filter on')",
                           timeout=30_000)
    assert page.locator('#denoise-images [data-name="denoised"] .fig-label').inner_text().startswith("Denoised: ")
    page.get_by_role("tab", name="GAN").click()
    page.wait_for_function("() => window.Genmodels?.tabs.gan.stats.serverCalls > 0", timeout=60_000)
    assert "from the server" in page.locator(".timeline-note").inner_text()
    assert "Epoch" in page.locator("#epoch-caption").inner_text()
    assert page.locator(".toast-body").count() == 0


def test_the_page_loads_each_tabs_models_when_the_tab_opens(page):
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(page.app_url)
    page.wait_for_function("() => window.Genmodels?.tabs.explorer.stats.draws > 0", timeout=60_000)
    settle(page, [])
    assert not [u for u in requests if "page-denoiser" in u or "page-timeline" in u]
    page.get_by_role("tab", name="Denoising").click()
    page.wait_for_function("() => Genmodels.tabs.denoiser.stats.draws > 0", timeout=60_000)
    assert [u for u in requests if "page-denoiser-mnist" in u] and not [u for u in requests if "fashion" in u]
