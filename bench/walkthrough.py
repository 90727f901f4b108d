"""A newcomer's first ten minutes, in headless Chromium, at desktop and phone sizes:
python bench/walkthrough.py URL OUT_DIR [--size desktop|phone|both]

Every tab: its main action and one bad input, as a visitor would do them (no tool picked before drawing, values
typed into boxes, a text file uploaded as a photo). Prints, per step, what the page showed (error toasts, the notes
under boxes, the status lines) and saves a full-page screenshot of each tab at each size for a person to look at
(OUT_DIR/<size>-<n>-<tab>.png). Needs `pip install playwright` and Debian's Chromium on PATH.
"""
from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
PHOTO = ROOT / "examples" / "style" / "chelsea.jpg"
SIZES = {"desktop": dict(viewport={"width": 1400, "height": 1000}),
         "phone": dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                       device_scale_factor=1)}


class Visit:
    """One visitor's page: what it shows is printed as it goes."""

    def __init__(self, page, out: Path, size: str):
        self.page, self.out, self.size, self.shot = page, out, size, 0

    def seen(self, step: str, wait_ms: int = 2500) -> None:
        self.page.wait_for_timeout(wait_ms)
        toasts = [t.inner_text().replace("\n", " ").removeprefix("Error ×").strip()
                  for t in self.page.locator(".toast-body").all()]
        notes = [n.inner_text() for n in self.page.locator(".range-note, #digit .decoder-note").all()
                 if n.is_visible()]
        print(f"[{self.size}] {step}\n    toasts: {toasts or '-'}\n    notes:  {notes or '-'}")
        for close in self.page.locator(".toast-close").all():
            try:
                close.click(timeout=500)
            except Exception:
                pass

    def screenshot(self, name: str) -> None:
        self.shot += 1
        path = self.out / f"{self.size}-{self.shot}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        print(f"[{self.size}] screenshot {path}")

    def tab(self, name: str) -> None:
        self.page.get_by_role("tab", name=name).click()        # all six fit at phone size too
        self.page.wait_for_timeout(1500)

    def type_into(self, label: str, text: str) -> None:
        box = self.page.get_by_label(label, exact=True)
        box.scroll_into_view_if_needed()
        box.click()
        box.press("Control+a")
        box.press_sequentially(text, delay=120)
        box.press("Enter")

    def draw_seven(self) -> None:
        """A '7' on the visible sketchpad, without picking a tool first."""
        pad = self.page.locator(".digit-sketch canvas:visible").last
        pad.wait_for(timeout=30_000)
        pad.scroll_into_view_if_needed()
        b = pad.bounding_box()
        cx, cy, r = b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, min(b["width"], b["height"]) / 4
        stroke = [(-r, -1.4 * r), (r, -1.4 * r), (-0.2 * r, 1.6 * r)]
        self.page.mouse.move(cx + stroke[0][0], cy + stroke[0][1])
        self.page.mouse.down()
        for (x0, y0), (x1, y1) in zip(stroke, stroke[1:], strict=False):
            for i in range(1, 16):
                self.page.mouse.move(cx + x0 + (x1 - x0) * i / 15, cy + y0 + (y1 - y0) * i / 15)
        self.page.mouse.up()


def explorer(v: Visit) -> None:
    v.page.wait_for_function("() => window.Genmodels?.tabs.explorer.stats.draws > 0", timeout=60_000)
    v.type_into("number input for z1", "1.5")
    v.seen("Latent explorer: z1 = 1.5 typed")
    v.type_into("number input for z1", "99")
    v.seen("Latent explorer: bad input, z1 = 99 typed")
    v.screenshot("explorer")


def latent_map(v: Visit) -> None:
    v.tab("Latent map")
    v.page.get_by_role("button", name="Encode drawing").click()
    v.seen("Latent map: bad input, Encode with nothing drawn")
    v.draw_seven()
    v.page.get_by_role("button", name="Encode drawing").click()
    v.page.get_by_text("your drawing → μ").wait_for(timeout=30_000)
    v.seen("Latent map: a 7 drawn (no tool picked) and encoded", 500)
    v.page.get_by_role("button", name="Set as A").click()
    v.page.get_by_role("tab", name="Pick a test image").click()
    v.page.wait_for_timeout(800)
    v.page.locator("button.thumbnail-item:visible").nth(9).click()
    v.page.wait_for_timeout(2000)
    v.page.get_by_role("button", name="Set as B").click()
    v.seen("Latent map: a test image as B, the walk A → B", 3500)
    v.screenshot("map")


def training(v: Visit) -> None:
    v.tab("Train a VAE")
    v.type_into("number input for Train for (seconds)", "20")
    v.type_into("Seed (same seed, same run)", "-3")
    v.seen("Train a VAE: bad input, seed -3 typed")
    t = time.monotonic()
    v.page.get_by_role("button", name="Start").click()
    v.page.wait_for_selector("#train-status strong:text-is('Training')", timeout=60_000)
    print(f"[{v.size}] Train a VAE: first frame {time.monotonic() - t:.1f} s after Start")
    v.page.wait_for_selector("#train-status strong:text-is('Done')", timeout=90_000)
    v.seen("Train a VAE: 20 s of training", 1500)
    print("    status:", v.page.locator("#train-status").inner_text())
    v.screenshot("training")
    v.page.get_by_role("button", name="Explore it in tabs 1 and 2").click()
    v.page.get_by_text("You are exploring your own VAE").first.wait_for(timeout=30_000)
    v.page.wait_for_function("() => /your VAE/.test(document.querySelector('#digit .decoder-note').textContent)",
                             timeout=30_000)
    v.seen("Train a VAE: explored in tab 1 (the page decodes the visitor's own VAE)", 1500)
    v.screenshot("own-explorer")
    v.tab("Latent map")
    v.seen("Latent map: the own VAE's map", 2000)
    v.screenshot("own-map")
    v.page.get_by_role("button", name="Back to the shipped model").last.click()
    v.seen("Latent map: back to the shipped model", 2500)
    v.tab("Latent explorer")


def denoising(v: Visit) -> None:
    v.tab("Denoising")
    v.type_into("Noise seed", "1e30")
    v.seen("Denoising: bad input, noise seed 1e30 typed")
    v.page.get_by_role("button", name="New noise").click()
    v.seen("Denoising: New noise after it (nothing sticky)")
    v.screenshot("denoising-test-image")
    v.page.get_by_role("tab", name="Your image").click()
    v.page.wait_for_timeout(500)
    shown = "e => e.closest('.block') !== null && e.closest('.block').offsetParent !== null"
    next(u for u in v.page.locator("input[type=file]").all() if u.evaluate(shown)).set_input_files(str(PHOTO))
    v.seen("Denoising: a cat photo uploaded", 5000)
    v.screenshot("denoising")


def gan(v: Visit) -> None:
    v.tab("GAN")
    v.type_into("Seed", "1.5")
    v.seen("GAN: bad input, seed 1.5 typed")
    v.page.get_by_label("Show what the discriminator thinks").check()
    v.seen("GAN: the discriminator's view", 4000)
    v.screenshot("gan")


def style_transfer(v: Visit, junk: Path) -> None:
    v.tab("Style transfer")
    v.page.locator("input[type=file]").nth(-2).set_input_files(str(junk))     # the photo (then the painting)
    v.seen("Style transfer: bad input, a text file as the photo", 4000)
    v.page.get_by_text("Example photos").scroll_into_view_if_needed()
    v.page.locator(".gallery-item:visible, button.gallery:visible").first.click()   # the cat, from the examples
    v.page.wait_for_timeout(1000)
    t = time.monotonic()
    v.page.get_by_role("button", name="Start").click()
    v.page.wait_for_selector("strong:text-is('Running')", timeout=120_000)
    print(f"[{v.size}] Style transfer: first preview {time.monotonic() - t:.1f} s after Start")
    v.page.wait_for_timeout(6000)
    v.page.get_by_role("button", name="Stop").click()
    v.seen("Style transfer: Start, a few seconds, Stop", 3000)
    stopped = v.page.locator("strong:text-is('Stopped.')").count() > 0
    print(f"    status says Stopped: {stopped}; before/after filled: {v.page.locator('.fit-box img').count() >= 3}")
    v.screenshot("style")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("url")
    p.add_argument("out", type=Path)
    p.add_argument("--size", choices=["desktop", "phone", "both"], default="both")
    args = p.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    junk = args.out / "not-a-picture.png"
    junk.write_text("this is text, not a picture")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"),
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        for size in (["desktop", "phone"] if args.size == "both" else [args.size]):
            page = browser.new_page(**SIZES[size])
            page.goto(args.url)
            page.wait_for_selector("text=Latent explorer", timeout=60_000)
            v = Visit(page, args.out, size)
            for step in (explorer, latent_map, denoising, gan):
                step(v)
            style_transfer(v, junk)
            training(v)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
