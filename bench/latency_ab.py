"""Gradio's per-event analytics summary on and off, side by side: python bench/latency_ab.py [--rounds 4]

Starts two copies of the app, one with Gradio's defaults (GRADIO_ANALYTICS_CACHE_FREQUENCY=1: the queue rebuilds a
pandas summary of its last ≤10,000 events after every event) and one with app.py's settings (every 1,000 events),
then alternates 8-client runs of /decode against them (gradio_client with ssl_verify=False, and plain HTTP), so
both see the same machine. Prints the median over rounds of each run's p50 and p95 (ms); writes
bench/out/latency_ab.json.
"""
from __future__ import annotations

import argparse
import json
import statistics

from latency import OUT, concurrent_calls, free_port, start_app, summary

GRADIO_DEFAULTS = {"GRADIO_ANALYTICS_CACHE_FREQUENCY": "1", "GRADIO_ANALYTICS_MAX_EVENTS": "10000"}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--calls", type=int, default=320, help="calls per 8-client run")
    args = p.parse_args()
    apps = {}
    try:
        for name, env in (("gradio_defaults", GRADIO_DEFAULTS), ("app_settings", {})):
            port = free_port()
            proc, _ = start_app(port, env)
            apps[name] = (proc, f"http://127.0.0.1:{port}/")
        runs: dict[str, list[dict]] = {}
        for r in range(args.rounds):
            for name, (_, url) in apps.items():
                for kind in ("gradio_client_ssl_verify_false", "http"):
                    out, wall = concurrent_calls(kind, url, 8, args.calls // 8)
                    runs.setdefault(f"{name}/{kind}", []).append(summary(out, wall))
                    print(r, name, kind, runs[f"{name}/{kind}"][-1], flush=True)
    finally:
        for proc, _ in apps.values():
            proc.terminate()
            proc.wait()
    res = {k: {q: round(statistics.median(s[q] for s in v), 1) for q in ("p50", "p95", "throughput_per_s")}
           for k, v in runs.items()}
    OUT.mkdir(exist_ok=True)
    (OUT / "latency_ab.json").write_text(json.dumps({"medians": res, "runs": runs}, indent=2))
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
