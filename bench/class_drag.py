"""A class on one server: 10 browser pages drag tab 3's Noise level at once: python bench/class_drag.py [--baseline REV]

Starts `python app.py` (and with --baseline, the app at that git revision, e.g. 7a933d6, where each move was a
request), opens PAGES headless Chromium pages on tab 3, waits until each has drawn its first images, then every page
drags Noise level back and forth for DRAG_S seconds at the same time (60 pointer moves a second each). The pages share
this machine's 2 cores with the server, so what counts is the server's side: requests it received during the drags,
and its CPU seconds per second (its /proc/<pid>/stat) against its idle level just before. Writes
bench/out/class_drag.json and prints a Markdown table.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.async_api import async_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser_drag import CHROMIUM_ARGS, OUT, ROOT, cpu_seconds, start_app  # noqa: E402

PAGES, DRAG_S, RATE = 10, 10, 60


async def open_tab3(browser, url: str, client_side: bool):
    page = await browser.new_page(viewport={"width": 1400, "height": 1000})
    await page.goto(url)
    await page.get_by_role("tab", name="Denoising").click()
    if client_side:
        await page.wait_for_function("() => window.Genmodels?.tabs.denoiser.stats.draws > 0",
                                     timeout=120_000)
    else:
        await page.get_by_text("over the median filter").first.wait_for(timeout=120_000)
    slider = page.get_by_label("range slider for Noise level", exact=True)
    await slider.scroll_into_view_if_needed()
    return page, await slider.bounding_box()


async def drag(page, box: dict) -> None:
    y, x0, width = box["y"] + box["height"] / 2, box["x"] + 3, box["width"] - 6
    await page.mouse.move(x0, y)
    await page.mouse.down()
    t0, i = time.monotonic(), 0
    while time.monotonic() - t0 < DRAG_S:
        i += 1
        phase = (i / RATE) % 2                          # across and back every 2 s
        await page.mouse.move(x0 + width * (phase if phase <= 1 else 2 - phase), y)
        await asyncio.sleep(max(0.0, t0 + i / RATE - time.monotonic()))
    await page.mouse.up()


async def measure(url: str, pid: int, client_side: bool) -> dict:
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        pages = [await open_tab3(browser, url, client_side) for _ in range(PAGES)]
        requests: list[float] = []
        for page, _ in pages:
            page.on("request", lambda r: requests.append(time.monotonic()) if "/gradio_api/" in r.url else None)
        await asyncio.sleep(3)
        idle0, t = cpu_seconds(pid), time.monotonic()
        await asyncio.sleep(5)
        idle = (cpu_seconds(pid) - idle0) / (time.monotonic() - t)
        requests.clear()
        cpu0, t0 = cpu_seconds(pid), time.monotonic()
        await asyncio.gather(*(drag(page, box) for page, box in pages))
        t1 = time.monotonic()
        cpu = (cpu_seconds(pid) - cpu0) / (t1 - t0)
        draws = [await page.evaluate("window.Genmodels?.tabs.denoiser ? Genmodels.tabs.denoiser.stats.draws : null")
                 for page, _ in pages]
        await browser.close()
    return {"pages": PAGES, "drag_s": round(t1 - t0, 1), "requests_during_drags": sum(t0 <= r <= t1 for r in requests),
            "server_cpu_per_s": round(cpu, 3), "server_cpu_per_s_idle": round(idle, 3), "page_draws": draws}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--baseline", default=None, help="also measure the app at this git revision")
    args = p.parse_args()
    results, worktree = {}, None
    proc, url = start_app(ROOT)
    try:
        results["browser"] = measure_print("browser", url, proc.pid, True)
    finally:
        proc.terminate()
        proc.wait()
    if args.baseline:
        worktree = Path(tempfile.mkdtemp()) / "baseline"
        subprocess.run(["git", "worktree", "add", "--detach", str(worktree), args.baseline], cwd=ROOT, check=True,
                       capture_output=True)
        proc, url = start_app(worktree)
        try:
            results[f"server ({args.baseline[:7]})"] = measure_print(f"server ({args.baseline[:7]})", url, proc.pid,
                                                                     False)
        finally:
            proc.terminate()
            proc.wait()
            subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT, capture_output=True)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "class_drag.json").write_text(json.dumps(results, indent=2))
    print("\n| path | pages dragging | requests during the drags | server CPU s per s (idle) |\n|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['pages']} × {r['drag_s']} s | {r['requests_during_drags']} | "
              f"{r['server_cpu_per_s']} ({r['server_cpu_per_s_idle']}) |")


def measure_print(name: str, url: str, pid: int, client_side: bool) -> dict:
    r = asyncio.run(measure(url, pid, client_side))
    print(f"{name}: {json.dumps(r)}", flush=True)
    return r


if __name__ == "__main__":
    main()
