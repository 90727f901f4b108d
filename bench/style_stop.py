"""How fast Stop frees the machine, and whether other tabs stay responsive during a style run:
python bench/style_stop.py [--runs 3]

Launches the app in this process, starts a long /stylize run through gradio_client, and meanwhile times
/decode (tab 1's slider endpoint). Then cancels the run the way the Stop button does and watches this process's
CPU time: "stopped" is the moment it falls back to idle (under 10% of a core over 100 ms).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
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
