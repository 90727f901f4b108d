"""Use the running app in headless Chromium and screenshot each step: python bench/screenshot.py URL OUT_DIR

Tab 1: initial view (decoded in the page), after clicking a manifold cell. Tab 2: after drawing a '7' and encoding it,
after picking two test images as A and B (the walk). Tab 3: salt-and-pepper noise on a test image. Tab 4: samples
with the discriminator's view. Tab 5: a style run streaming, then stopped; the time to its first preview. Tab 6: a
20 s training run on MNIST (train.png).
Prints what it checked; the PNGs are for a person to look at.
Needs `pip install playwright` and a Chromium on PATH (Debian: `apt-get install chromium`); it uses that
browser, not one Playwright downloads.
"""
from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright


def slider_values(page) -> list[str]:
    boxes = page.locator("input[type=number]")      # z1 and z2 are the first two number boxes
    return [boxes.nth(0).input_value(), boxes.nth(1).input_value()]


def training(page, out: Path) -> None:
    """Tab 6: 20 s of live training, then the view as it ended."""
    page.get_by_role("tab", name="Train a VAE").click()
    page.wait_for_timeout(1000)
    box = page.get_by_label("number input for Train for (seconds)")
    box.fill("20")
    box.press("Enter")
    t = time.time()
    page.get_by_role("button", name="Start").click()
    page.wait_for_selector("#train-status strong:text-is('Training')", timeout=60_000)
    print(f"training: first frame {time.time() - t:.1f} s after Start")
    page.wait_for_selector("#train-status strong:text-is('Done')", timeout=90_000)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(out / "train.png"), full_page=True)
    print("training:", page.locator("#train-status").inner_text())


def main(url: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"),
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.wait_for_selector("text=Latent explorer", timeout=30_000)
        page.wait_for_function("() => window.Genmodels?.tabs.explorer.stats.draws > 0", timeout=30_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(out / "explorer.png"))
        manifold = page.locator("#manifold img")
        box = manifold.bounding_box()
        page.mouse.click(box["x"] + box["width"] * 0.12, box["y"] + box["height"] * 0.85)
        page.wait_for_timeout(1500)
        print("sliders after clicking the manifold's lower-left area:", slider_values(page))
        page.screenshot(path=str(out / "explorer-clicked.png"))

        page.get_by_role("tab", name="Latent map").click()
        page.wait_for_timeout(2000)
        canvas = page.locator("canvas").last
        b = canvas.bounding_box()
        cx, cy = b["x"] + b["width"] / 2, b["y"] + b["height"] / 2
        stroke = [(-50, -70), (50, -70), (-10, 80)]            # a '7': top bar, then the diagonal
        page.mouse.move(cx + stroke[0][0], cy + stroke[0][1])
        page.mouse.down()
        for (x0, y0), (x1, y1) in zip(stroke, stroke[1:], strict=False):
            for i in range(1, 16):
                page.mouse.move(cx + x0 + (x1 - x0) * i / 15, cy + y0 + (y1 - y0) * i / 15)
        page.mouse.up()
        page.get_by_role("button", name="Encode drawing").click()
        page.wait_for_timeout(2500)
        print("after encoding the drawing, sliders:", slider_values(page))
        page.get_by_role("button", name="Set as A").click()
        page.wait_for_timeout(800)
        page.screenshot(path=str(out / "map-drawing.png"), full_page=True)

        page.get_by_role("tab", name="Pick a test image").click()
        page.wait_for_timeout(800)
        thumbs = page.locator(".pixelated .thumbnail-item, .pixelated button.thumbnail-item")
        if thumbs.count() == 0:
            thumbs = page.locator(".pixelated button:has(img)")
        print("gallery thumbnails:", thumbs.count())
        thumbs.nth(thumbs.count() - 2).click()      # an image of the last class
        page.wait_for_timeout(2000)
        page.get_by_role("button", name="Set as B").click()
        page.wait_for_timeout(2500)
        page.screenshot(path=str(out / "map-walk.png"), full_page=True)

        page.get_by_role("tab", name="Denoising").click()
        page.wait_for_timeout(1500)
        page.get_by_label("Noise", exact=True).click()
        page.get_by_role("option", name="Salt & pepper (fraction of pixels)").click()
        page.wait_for_timeout(2000)
        print("denoising:", page.locator("text=The autoencoder gains").first.inner_text())
        page.screenshot(path=str(out / "denoise.png"), full_page=True)

        page.get_by_role("tab", name="GAN").click()
        page.wait_for_timeout(1500)
        page.get_by_label("Show what the discriminator thinks").check()
        page.wait_for_timeout(2000)
        print("GAN:", page.locator("text=realness").first.inner_text()[:120])
        page.screenshot(path=str(out / "gan.png"), full_page=True)
        page.get_by_label("Show what the discriminator thinks").uncheck()
        gan_tab = page.locator("#gan-tab")
        gan_tab.get_by_label("Fashion-MNIST").first.check()
        page.wait_for_timeout(3000)
        gan_tab.locator(".row").first.screenshot(path=str(out / "gan-fashion-tab.png"))

        page.get_by_role("tab", name="Style transfer").click()
        page.wait_for_timeout(1500)
        t = time.time()
        page.get_by_role("button", name="Start").click()
        page.wait_for_selector("strong:text-is('Running')", timeout=60_000)   # the status, not other text
        print(f"style transfer: first preview {time.time() - t:.1f} s after Start")
        page.wait_for_timeout(20_000)
        page.screenshot(path=str(out / "style.png"), full_page=True)
        page.wait_for_timeout(1000)     # a click right after a full-page screenshot can miss while the view is restored
        stop = page.get_by_role("button", name="Stop")
        stop.scroll_into_view_if_needed()
        stop.click()
        t = time.time()
        page.wait_for_selector("strong:text-is('Stopped.')", timeout=10_000)
        print(f"style transfer: stopped, status updated after {time.time() - t:.1f} s")
        training(page, out)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
