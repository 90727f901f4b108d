"""Where the app's start-up goes: python bench/startup.py [--runs 3]

Each run in a fresh process: importing Gradio and torch, importing app.py (building the six tabs), launch(), then the
first page (its HTML) and /config; seconds for each, the median over --runs. (bench/hostile.py's "start" phase times
the whole, from `python app.py` to the first page served.)
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONE_RUN = r"""
import json, os, sys, time, socket
t0 = time.perf_counter()
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
sys.path.insert(0, ".")
import gradio, torch
t1 = time.perf_counter()
import app
t2 = time.perf_counter()
import httpx
with socket.socket() as s:
    s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
app.launch(server_port=port, prevent_thread_lock=True, quiet=True)
t3 = time.perf_counter()
page = httpx.get(f"http://127.0.0.1:{port}/"); t4 = time.perf_counter()
config = httpx.get(f"http://127.0.0.1:{port}/config"); t5 = time.perf_counter()
print("RESULT", json.dumps({"imports": t1 - t0, "build": t2 - t1, "launch": t3 - t2, "page": t4 - t3, "config": t5 - t4,
                 "page_kb": len(page.content) / 1024, "config_kb": len(config.content) / 1024}))
app.demo.close()
"""


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    runs = []
    for _ in range(args.runs):
        out = subprocess.run([sys.executable, "-c", ONE_RUN], cwd=ROOT, capture_output=True, text=True, timeout=300)
        line = next(line for line in out.stdout.splitlines() if line.startswith("RESULT"))
        runs.append(json.loads(line.split(" ", 1)[1]))
    medians = {k: round(statistics.median(r[k] for r in runs), 2) for k in runs[0]}
    print(json.dumps(medians))


if __name__ == "__main__":
    main()
