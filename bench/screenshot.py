"""Screenshot the running app's tabs in headless Chromium: python bench/screenshot.py URL OUT_DIR"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright


def main(url: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"),
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.goto(url)
        page.wait_for_selector("text=Latent explorer", timeout=30_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(out / "explorer.png"), full_page=True)
        # drag-free check: click a manifold cell (top-right area) and see sliders move
        manifold = page.locator(".pixelated img").nth(1)
        box = manifold.bounding_box()
        page.mouse.click(box["x"] + box["width"] * 0.9, box["y"] + box["height"] * 0.1)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(out / "explorer-clicked.png"), full_page=True)
        page.get_by_role("tab", name="Latent map").click()
        page.wait_for_timeout(2500)
        page.get_by_role("tab", name="Pick a test image").click()
        page.wait_for_timeout(500)
        page.locator(".pixelated button").nth(5).click()
        page.wait_for_timeout(2500)
        page.screenshot(path=str(out / "map.png"), full_page=True)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
