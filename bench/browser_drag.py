"""Dragging a slider in a real browser at a remote visitor's latency:
python bench/browser_drag.py [--control z1|level|epoch|all] [--baseline REV] [--paced machine|hand]

Starts `python app.py`, opens the control's tab in headless Chromium (Debian's `chromium`, driven by Playwright):
z1 (tab 1, the latent explorer), level (tab 3, Noise level), epoch (tab 4, the training timeline). Chrome DevTools
adds 0, 50 and 150 ms to every round trip (Network.emulateNetworkConditions); after the first image, the slider is
dragged across its range for 3 s: 180 pointer moves at 60 a second, sent without waiting for the page (with
--paced hand, each once the page has taken the last: a busy page slows the drag itself). Measured per control, path
and latency:
  - images shown per second while dragging (the page's own draw log; an <img> source change on a server path), and
    how many values the slider passed through (Epoch has only 33 or 34, so every epoch drawn is ≈11 a second),
  - the median milliseconds the page computed a frame for, on its main thread (the draw log's timings),
  - the final image's delay after release (0 when the last image was already on screen),
  - requests the page sent to the server during the drag (DevTools' Network.requestWillBeSent),
  - the server's CPU seconds per second of drag (its /proc/<pid>/stat),
  - page load → first client-side decode (tab 1: from navigation, from the load event, and from the moment the
    tab's image component is on screen: before that, Gradio is building the page); tabs 3 and 4: from the click on
    the tab to its first image drawn in the page; and the bytes of the files the page fetched for the tab.
Paths: "browser" (the page computes), "server fallback" (the same page with ?decoder=server: what a visitor gets
if the page's models cannot load), and with --baseline REV the app at that git revision (e.g. 7a933d6, before tabs
3 and 4 moved to the page: a Gradio event per slider move). Writes bench/out/browser_drag.json and prints a
Markdown table.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.async_api import async_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
LATENCIES = (0, 50, 150)
MOVES, RATE = 180, 60
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# control -> the tab it is on, its slider's label, the page code's object (its draw log), whether the drag goes right
# to left (the epoch slider starts at the last epoch), and on a server path, which image it changes: the n-th
# image with that class in the open tab
CONTROLS = {
    "z1": dict(tab=None, label="z1", stats="Genmodels.tabs.explorer", leftwards=False, image=(".pixelated img", 0)),
    "level": dict(tab="Denoising", label="Noise level", stats="Genmodels.tabs.denoiser", leftwards=False,
                  image=(".label-above img", 1)),
    "epoch": dict(tab="GAN", label="Epoch", stats="Genmodels.tabs.gan", leftwards=True, image=(".label-above img", 2)),
}
PAGE_FILES = ("vae-decoder", "page-", "test-sample")      # what the page fetches for its own models

# page-side instrumentation: when the pointer went down and up, and every change of the watched image
WATCH = """([selector, nth]) => {
  window.__drag = {down: null, up: null, imgChanges: [], values: []};
  addEventListener('input', (e) => { if (e.target.type === 'range') window.__drag.values.push(e.target.value); }, true);
  addEventListener('pointerdown', () => { window.__drag.down = performance.now(); }, true);
  addEventListener('pointerup', () => { window.__drag.up = performance.now(); }, true);
  const img = () => [...document.querySelectorAll('.tabitem')].filter((t) => t.offsetParent !== null)
    .flatMap((t) => [...t.querySelectorAll(selector)])[nth] || [...document.querySelectorAll(selector)][nth];
  new MutationObserver(() => {
    const i = img();
    if (i && i.src !== window.__drag.lastSrc) {
      window.__drag.lastSrc = i.src; window.__drag.imgChanges.push(performance.now());
    }
  }).observe(document.body, {subtree: true, attributes: true, attributeFilter: ['src'], childList: true});
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(cwd: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "GRADIO_SERVER_PORT": str(port), "GRADIO_ANALYTICS_ENABLED": "False"}
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    for _ in range(600):
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"the app in {cwd} did not start")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def drag(browser, url: str, latency: float, pid: int, client_side: bool, control: str,
               paced: str = "machine") -> dict:
    c = CONTROLS[control]
    page = await browser.new_page(viewport={"width": 1400, "height": 1000})
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("Network.enable")
    await cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": latency,
                                                        "downloadThroughput": -1, "uploadThroughput": -1})
    requests: list[float] = []
    fetched: dict[str, int] = {}
    urls: dict[str, str] = {}
    cdp.on("Network.requestWillBeSent", lambda e: (requests.append(time.monotonic()),
                                                    urls.__setitem__(e["requestId"], e["request"]["url"])))
    cdp.on("Network.loadingFinished", lambda e: fetched.__setitem__(urls.get(e["requestId"], ""),
                                                                   e["encodedDataLength"]))
    await page.goto(url)
    await page.wait_for_selector("text=Latent explorer", timeout=60_000)
    first_decode_ms = load_ms = attached_ms = tab_first_ms = None
    stats = c["stats"]
    if c["tab"]:
        if client_side:
            await page.wait_for_function("() => window.Genmodels?.tabs.explorer.stats.firstDrawAt",
                                         timeout=60_000)
        await page.wait_for_timeout(1500)
        fetched.clear()
        clicked = await page.evaluate("performance.now()")
        await page.get_by_role("tab", name=c["tab"]).click()
        if client_side:
            await page.wait_for_function(f"() => window.Genmodels && window.{stats}.stats.firstDrawAt", timeout=60_000)
            tab_first_ms = await page.evaluate(f"{stats}.stats.firstDrawAt") - clicked
        await page.wait_for_timeout(1500)
    elif client_side:
        await page.wait_for_function("() => window.Genmodels?.tabs.explorer.stats.firstDrawAt",
                                     timeout=60_000)
        first_decode_ms = await page.evaluate("Genmodels.tabs.explorer.stats.firstDrawAt")
        load_ms = await page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
        attached_ms = await page.evaluate("Genmodels.tabs.explorer.stats.attachedAt")   # the tab's image on screen
    slider = page.get_by_label(f"range slider for {c['label']}", exact=True)
    await slider.scroll_into_view_if_needed()
    await page.wait_for_timeout(1000)
    idle0, i0 = cpu_seconds(pid), time.monotonic()
    await page.wait_for_timeout(2000)
    idle_cpu = (cpu_seconds(pid) - idle0) / (time.monotonic() - i0)
    await page.evaluate(WATCH, list(c["image"]))
    box = await slider.bounding_box()
    y, x0, width = box["y"] + box["height"] / 2, box["x"] + 3, box["width"] - 6
    if c["leftwards"]:
        x0, width = x0 + width, -width

    async def mouse(kind: str, x: float) -> None:
        await cdp.send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left",
                                                    "buttons": 0 if kind == "mouseReleased" else 1, "clickCount": 1})

    await mouse("mouseMoved", x0)
    await mouse("mousePressed", x0)
    timed = await page.evaluate(f"{stats}.stats.ms.length") if client_side else 0
    cpu0, t0 = cpu_seconds(pid), time.monotonic()
    sent = []
    for i in range(1, MOVES + 1):                      # at most 60 a second
        move = mouse("mouseMoved", x0 + width * i / MOVES)
        if paced == "hand":
            await move                                 # the next move once the page has taken this one
        else:
            sent.append(asyncio.ensure_future(move))   # without waiting for the page
        await asyncio.sleep(max(0.0, t0 + i / RATE - time.monotonic()))
    await asyncio.gather(*sent)
    await mouse("mouseReleased", x0 + width)
    t1 = time.monotonic()
    cpu1 = cpu_seconds(pid)
    await page.wait_for_timeout(3000 + 4 * latency)  # let a server path catch up
    d = await page.evaluate("window.__drag")
    if client_side:
        shown = [t for t, *_ in await page.evaluate(f"{stats}.stats.log")]
    else:
        shown = d["imgChanges"]
    during = [t for t in shown if d["down"] <= t <= d["up"]]
    frame_ms = sorted(await page.evaluate(f"{stats}.stats.ms.slice({timed})")) if client_side else []
    final = max(0.0, shown[-1] - d["up"]) if shown else None
    weights = {u.rsplit("/", 1)[-1]: n for u, n in fetched.items() if any(f in u for f in PAGE_FILES)}
    await page.close()
    return {"images_per_s": round(len(during) / ((d["up"] - d["down"]) / 1000), 1),
            "frame_ms_median": round(frame_ms[len(frame_ms) // 2], 1) if frame_ms else None,
            "final_after_release_ms": None if final is None else round(final, 1),
            "requests_during_drag": sum(t0 <= t <= t1 for t in requests),
            "server_cpu_per_s": round((cpu1 - cpu0) / (t1 - t0), 3), "server_cpu_per_s_idle": round(idle_cpu, 3),
            "drag_s": round((d["up"] - d["down"]) / 1000, 2),
            "slider_values_passed": len(set(d["values"])),     # a stepped slider (Epoch) has only so many
            "first_client_decode_ms": None if first_decode_ms is None else round(first_decode_ms),
            "first_client_decode_after_load_event_ms": (None if first_decode_ms is None
                                                         else round(first_decode_ms - load_ms)),
            "first_client_decode_after_tab_on_screen_ms": None if first_decode_ms is None else
            round(first_decode_ms - attached_ms),
            "tab_click_to_first_image_ms": None if tab_first_ms is None else round(tab_first_ms),
            "page_files_bytes": weights}


async def run(paths: dict[str, tuple[str, int, bool]], controls: list[str], paced: str) -> dict:
    results: dict = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        for control in controls:
            for name, (url, pid, client_side) in paths.items():
                for latency in LATENCIES:
                    key = f"{control}: {name} @ {latency} ms" + (", hand-paced" if paced == "hand" else "")
                    results[key] = r = await drag(browser, url, latency, pid, client_side, control, paced)
                    print(f"{key}: {json.dumps(r)}", flush=True)
        await browser.close()
    return results


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--baseline", default=None, help="also measure the app at this git revision")
    p.add_argument("--control", choices=[*CONTROLS, "all"], default="all")
    p.add_argument("--paced", choices=["machine", "hand"], default="machine",
                   help="hand: each move sent once the page has taken the last (a busy page slows the drag itself)")
    args = p.parse_args()
    if not shutil.which("chromium"):
        sys.exit("needs Debian's chromium on PATH (apt-get install chromium)")
    procs, paths, worktree = [], {}, None
    try:
        proc, url = start_app(ROOT)
        procs.append(proc)
        paths["browser"] = (url, proc.pid, True)
        paths["server fallback"] = (url + "?decoder=server", proc.pid, True)
        if args.baseline:
            worktree = Path(tempfile.mkdtemp()) / "baseline"
            subprocess.run(["git", "worktree", "add", "--detach", str(worktree), args.baseline], cwd=ROOT, check=True,
                           capture_output=True)
            proc, url = start_app(worktree)
            procs.append(proc)
            paths[f"server ({args.baseline[:7]})"] = (url, proc.pid, False)
        results = asyncio.run(run(paths, list(CONTROLS) if args.control == "all" else [args.control], args.paced))
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait()
        if worktree:
            subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT, capture_output=True)
    static = ROOT / "ui" / "static"
    scripts = {str(f.relative_to(static)): f.stat().st_size for f in sorted(static.rglob("*.js"))}
    weights = {f.name: f.stat().st_size for f in sorted((ROOT / "weights").glob("*.safetensors"))
               if f.name.startswith(("vae-decoder", "page-"))}
    results["page_weight_bytes"] = {**scripts, **weights}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "browser_drag.json").write_text(json.dumps(results, indent=2))
    print("\n| control: path @ round trip | images shown / s while dragging (values passed) "
          "| final image after release "
          "| requests during drag | server CPU s per s (idle) | tab click → first image |\n|---|---|---|---|---|---|")
    for key, r in results.items():
        if key != "page_weight_bytes":
            print(f"| {key} | {r['images_per_s']} ({r['slider_values_passed']}) | {r['final_after_release_ms']} ms "
                  f"| {r['requests_during_drag']} | "
                  f"{r['server_cpu_per_s']} ({r['server_cpu_per_s_idle']}) | {r['tab_click_to_first_image_ms']} ms |")
    print("page weight:", results["page_weight_bytes"])


if __name__ == "__main__":
    main()
