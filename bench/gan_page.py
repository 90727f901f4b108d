"""Should the GAN's samples move to the page? python bench/gan_page.py

Tab 4's default grid is 36 samples through the discriminator filter (keep 0.6): 60 draws through the generator and
the discriminator, ≈1.5 billion multiply-adds. This measures, in headless Chromium on this machine:
  - the page's runtime (ui/static/core/nn.js) drawing those 60 through the shipped generator and discriminator
    (exported here in memory by genmodels.browser, as export.page_models exports the page's models), median of 5;
  - today's server path: "New seed" clicked → the new grid on screen, with DevTools adding 0 and 150 ms to every
    round trip, median of 5.
Prints both; writes bench/out/gan_page.json.
"""
from __future__ import annotations

import asyncio
import base64
import json
import shutil
import statistics
import sys
from pathlib import Path

import torch
from playwright.async_api import async_playwright
from safetensors.torch import save

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from browser_drag import CHROMIUM_ARGS, OUT, ROOT, start_app  # noqa: E402

import genmodels  # noqa: E402
from genmodels.browser import layer_list  # noqa: E402

DRAWS, REPEATS = 60, 5


def exported(dataset: str = "mnist") -> dict[str, str]:
    """The generator and the discriminator as the page's runtime reads them: safetensors bytes, base64."""
    gan = genmodels.load_model("gan", dataset)
    files = {}
    for part in ("generator", "discriminator"):
        tensors: dict[str, torch.Tensor] = {}
        layers = layer_list(getattr(gan, part), part, tensors)
        files[part] = base64.b64encode(save(tensors, metadata={"layers": json.dumps(layers)})).decode()
    return files


TIME_PAGE = """async ([g64, d64, draws]) => {
  const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)).buffer;
  const G = new Genmodels.nn.Network(Genmodels.nn.parseSafetensors(bytes(g64)));
  const D = new Genmodels.nn.Network(Genmodels.nn.parseSafetensors(bytes(d64)));
  const z = Array.from({length: draws}, () => Float32Array.from({length: 64}, () => Math.random() * 2 - 1));
  const t = performance.now();
  for (const v of z) D.forward(G.forward(v), [1, 28, 28]);
  return performance.now() - t;
}"""


async def main() -> None:
    files = exported()
    proc, url = start_app(ROOT)
    results: dict = {}
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
            page = await browser.new_page(viewport={"width": 1400, "height": 1000})
            await page.goto(url)
            await page.wait_for_function("() => window.Genmodels?.nn", timeout=60_000)
            page_ms = [await page.evaluate(TIME_PAGE, [files["generator"], files["discriminator"], DRAWS])
                       for _ in range(REPEATS + 1)][1:]                  # the first run warms the JIT
            results["page_60_draws_ms"] = [round(v) for v in page_ms]
            print("page runtime, 60 draws through G and D:", results["page_60_draws_ms"], flush=True)
            await page.close()
            for latency in (0, 150):
                page = await browser.new_page(viewport={"width": 1400, "height": 1000})
                cdp = await page.context.new_cdp_session(page)
                await cdp.send("Network.enable")
                await cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": latency,
                                                                    "downloadThroughput": -1, "uploadThroughput": -1})
                await page.goto(url)
                await page.get_by_role("tab", name="GAN").click()
                samples = page.locator(".label-above img").first
                await samples.wait_for(timeout=60_000)
                times = []
                for _ in range(REPEATS):
                    before = await samples.get_attribute("src")
                    t0 = await page.evaluate("performance.now()")
                    await page.get_by_role("button", name="New seed").click()
                    await page.wait_for_function("""(before) => { const i = document.querySelector('.label-above img');
                        return i && i.src !== before && i.complete && i.naturalWidth > 0; }""", arg=before,
                                                 timeout=30_000)
                    times.append(await page.evaluate("performance.now()") - t0)
                    await page.wait_for_timeout(500)
                results[f"server_new_seed_to_grid_ms @ {latency} ms"] = [round(v) for v in times]
                print(f"server path @ {latency} ms:", results[f"server_new_seed_to_grid_ms @ {latency} ms"], flush=True)
                await page.close()
            await browser.close()
    finally:
        proc.terminate()
        proc.wait()
    summary = {k: statistics.median(v) for k, v in results.items()}
    print(json.dumps(summary))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "gan_page.json").write_text(json.dumps({"runs": results, "medians": summary}, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
