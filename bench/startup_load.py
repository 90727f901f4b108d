"""The first visitors after a start: python bench/startup_load.py [--clients 8] [--calls 40]

Starts `python app.py`, and as soon as it answers, 8 clients (processes, own sessions, plain HTTP as a browser
sends it) call /decode in a closed loop, 40 calls each; then the same again from 20 s after the start. A Space
that wakes up gets its visitors at once: start-up work in the background (the GAN filter's calibration used to
take the cores for the first ~20 s) shows as a higher p95 in the first phase. Prints p50/p95 in ms per phase.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from latency import concurrent_calls, free_port, pct, start_app  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--calls", type=int, default=40)
    p.add_argument("--runs", type=int, default=2)
    args = p.parse_args()
    for run in range(args.runs):
        port = free_port()
        proc, start_s = start_app(port)
        started = time.perf_counter() - start_s
        url = f"http://127.0.0.1:{port}/"
        try:
            for phase in ("at once", "from 20 s"):
                if phase == "from 20 s":
                    time.sleep(max(0.0, started + 20 - time.perf_counter()))
                t = time.perf_counter() - started
                ms, _ = concurrent_calls("plain", url, args.clients, args.calls)
                print(f"run {run + 1}, {phase} (t = {t:.1f} s after spawn): /decode p50 {pct(ms, 0.5):.0f} ms, "
                      f"p95 {pct(ms, 0.95):.0f} ms over {len(ms)} calls", flush=True)
        finally:
            proc.terminate()
            proc.wait()


if __name__ == "__main__":
    main()
