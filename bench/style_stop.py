"""How fast Stop frees the machine, and whether other tabs stay responsive during a style run:
python bench/style_stop.py [--runs 3] [--engine-only]

The engine: stylize with should_stop (what the tab's Stop sets) against closing the generator at its next frame
(what cancelling alone did before): seconds from the Stop to the run's thread being done, next to one VGG pass's
seconds, at 256 and 512 px, Stop at random moments.

Launches the app in this process, starts a long /stylize run through gradio_client, and meanwhile times
/decode (tab 1's slider endpoint). Then cancels the run the way the Stop button does and watches this process's
CPU time: "stopped" is the moment it falls back to idle (under 10% of a core over 100 ms).
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


def stop_delay(size: int, use_flag: bool, at: float) -> tuple[float, float]:
    """(seconds from Stop to the run's thread done, seconds per VGG pass) for one run stopped `at` s into it."""
    from genmodels.style import stylize

    photo, painting = ROOT / "examples/style/chelsea.jpg", ROOT / "examples/style/starry_night.jpg"
    stop, asked = threading.Event(), []
    frames = stylize(str(photo), str(painting), size=size, steps=5000, preview_seconds=0.5,
                     should_stop=stop.is_set if use_flag else None)
    last = []

    def consume():
        for frame in frames:
            last.append(frame)
            if stop.is_set():            # without the flag: the run is closed at its next frame
                frames.close()
                return

    worker = threading.Thread(target=consume)
    worker.start()
    while not last:
        time.sleep(0.01)
    time.sleep(at)
    stop.set()
    asked.append(time.perf_counter())
    worker.join()
    per_pass = last[-1].elapsed / max(last[-1].step, 1)
    return time.perf_counter() - asked[0], per_pass


def engine(runs: int) -> None:
    rng = random.Random(0)
    for size in (256, 512):
        for use_flag in (False, True):
            delays, passes = [], []
            for _ in range(runs):
                delay, per_pass = stop_delay(size, use_flag, rng.uniform(0.5, 3.0))
                delays.append(delay)
                passes.append(per_pass)
            how = "should_stop (before every pass)" if use_flag else "closed at the next frame"
            print(f"{size} px, {how}: Stop → done median {statistics.median(delays):.2f} s, "
                  f"max {max(delays):.2f} s; one VGG pass {statistics.median(passes):.2f} s", flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--engine-only", action="store_true")
    args = p.parse_args()
    engine(args.runs * 2)
    if args.engine_only:
        return
    from conftest import free_port
    from gradio_client import Client, handle_file

    import app

    port = free_port()
    app.launch(server_port=port, prevent_thread_lock=True, quiet=True)
    client = Client(f"http://127.0.0.1:{port}/", verbose=False)
    photo, painting = ROOT / "examples/style/chelsea.jpg", ROOT / "examples/style/starry_night.jpg"
    client.predict("mnist", 0.0, 0.0, api_name="/decode")          # warm up
    stops, decode_ms = [], []
    for _ in range(args.runs):
        job = client.submit(handle_file(str(photo)), handle_file(str(painting)), 1.0, 1.0, 10.0, 256, 1000,
                            "lbfgs", "content", False, api_name="/stylize")
        while len(job.outputs()) < 3:
            time.sleep(0.05)
        for _ in range(10):                                       # tab 1 while the style run works
            t = time.perf_counter()
            client.predict("mnist", 0.5, -0.5, api_name="/decode")
            decode_ms.append(1000 * (time.perf_counter() - t))
        t0 = time.perf_counter()
        job.cancel()
        while True:
            c0, w0 = cpu_seconds(), time.perf_counter()
            time.sleep(0.1)
            if (cpu_seconds() - c0) / (time.perf_counter() - w0) < 0.1:
                break
            if time.perf_counter() - t0 > 30:
                break
        stops.append(time.perf_counter() - t0)
        print(f"cancelled after {len(job.outputs())} frames; idle {stops[-1]:.2f} s after cancel", flush=True)
    print(f"\nStop → idle: median {statistics.median(stops):.2f} s, max {max(stops):.2f} s over {len(stops)} runs")
    print(f"/decode during a style run: median {statistics.median(decode_ms):.0f} ms, "
          f"max {max(decode_ms):.0f} ms over {len(decode_ms)} calls")
    app.demo.close()


if __name__ == "__main__":
    main()
