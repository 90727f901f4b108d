"""End-to-end latency of /decode and cold start: python bench/latency.py [--calls 300]

Starts `python app.py` as a new process (cold start = spawn → first HTTP 200), then calls /decode
sequentially, and from 8 concurrent clients (8 processes, one client each), three ways: gradio_client as it
comes, gradio_client with ssl_verify=False (for a plain-http app it only stops gradio_client from building a
fresh TLS context, loading the CA bundle, for each of its three requests per call), and plain HTTP (what a
browser does). For gradio_client alone it also splits a call into its phases. Decode compute time is measured
separately, in-process. Prints medians and p95 in milliseconds; writes bench/out/latency.json.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(port: int, extra_env: dict[str, str] | None = None, app_dir: Path = ROOT
              ) -> tuple[subprocess.Popen, float]:
    """`python app.py` (in app_dir) on `port`; the process, and the seconds until its first page was served."""
    env = dict(os.environ, GRADIO_SERVER_PORT=str(port), GRADIO_ANALYTICS_ENABLED="False", **(extra_env or {}))
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=app_dir, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/", timeout=1).status_code == 200:
                return proc, time.perf_counter() - t0
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError("app exited during start-up")
        time.sleep(0.05)


def timed_calls(client, n: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        z1, z2 = rng.uniform(-3, 3), rng.uniform(-3, 3)
        t = time.perf_counter()
        client.predict("mnist", z1, z2, api_name="/decode")
        out.append((time.perf_counter() - t) * 1000)
    return out


class HttpClient:
    """The app's HTTP API without gradio_client: POST the call, read its result stream (what a browser does),
    then fetch the PNG. Like a browser tab, it keeps one session for all its calls (without a session_hash,
    every call would make the server build a new session). gradio_client polls for results every 50 ms,
    which dominates its figures."""

    def __init__(self, url: str):
        self.url, self.http = url, httpx.Client(timeout=30)
        self.session = uuid.uuid4().hex

    def predict(self, *data, api_name: str) -> bytes:
        call = f"{self.url}gradio_api/call{api_name}"
        event_id = self.http.post(call, json={"data": list(data), "session_hash": self.session}).json()["event_id"]
        stream = self.http.get(f"{call}/{event_id}").text
        if "event: complete" not in stream:
            raise RuntimeError(stream[-500:])
        payload = json.loads(stream.split("event: complete\ndata: ", 1)[1].splitlines()[0])
        return self.http.get(payload[0]["url"]).content


def make_client(kind: str, url: str):
    if kind == "http":
        return HttpClient(url)
    from gradio_client import Client
    return Client(url, verbose=False, ssl_verify=(kind == "gradio_client"))


def _client_process(kind: str, url: str, per_client: int, seed: int, barrier, results) -> None:
    client = make_client(kind, url)
    timed_calls(client, 5, 100 + seed)                  # warm-up
    barrier.wait()
    results.put(timed_calls(client, per_client, 200 + seed))


def concurrent_calls(kind: str, url: str, n_clients: int, per_client: int) -> tuple[list[float], float]:
    """n_clients processes, each with its own client, start together and each make per_client calls."""
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(n_clients + 1), ctx.Queue()
    procs = [ctx.Process(target=_client_process, args=(kind, url, per_client, i, barrier, results))
             for i in range(n_clients)]
    for proc in procs:
        proc.start()
    barrier.wait()
    t0 = time.perf_counter()
    out = [x for _ in procs for x in results.get()]
    wall = time.perf_counter() - t0
    for proc in procs:
        proc.join()
    return out, wall


def gradio_client_phases(client, n: int) -> dict:
    """Where a gradio_client call's time goes: the POST that queues it, waiting for the result on the event
    stream (gradio_client checks for new messages every 50 ms), and downloading the image."""
    from gradio_client import client as gc
    phases: dict[str, list[float]] = {"queue_join": [], "wait_for_result": [], "download_image": []}
    patched = {"queue_join": (gc.Client, "send_data"), "wait_for_result": (gc.Endpoint, "_sse_fn_v1plus"),
               "download_image": (gc.Endpoint, "download_files")}
    originals = {}
    for phase, (cls, name) in patched.items():
        if not hasattr(cls, name):                       # another gradio_client version: no breakdown
            return {}
        originals[phase] = getattr(cls, name)

        def timed(*a, _f=originals[phase], _phase=phase, **k):
            t = time.perf_counter()
            try:
                return _f(*a, **k)
            finally:
                phases[_phase].append((time.perf_counter() - t) * 1000)
        setattr(cls, name, timed)
    try:
        timed_calls(client, n, 2)
    finally:
        for phase, (cls, name) in patched.items():
            setattr(cls, name, originals[phase])
    return {k: {"p50": round(pct(v, 0.5), 1), "p95": round(pct(v, 0.95), 1)} for k, v in phases.items()}


def gradio_analytics_summary_ms() -> dict:
    """What Gradio's queue spends after each event, by default, rebuilding its monitoring summary (a pandas
    DataFrame of the last events, up to 10,000): app.py makes it rebuild only every 1,000 events."""
    try:
        from gradio.queueing import Queue
        queue = Queue.__new__(Queue)                    # only the summary's own state, no server
        queue.events_recorded_per_fn, queue.cached_event_analytics_summary = {}, {"functions": {}}
        out = {}
        for n in (1000, 10000):
            records = [{"time": time.time(), "status": "success", "process_time": random.random(),
                        "function": "decode", "session_hash": uuid.uuid4().hex} for _ in range(n)]
            times = []
            for i in range(7):
                queue.events_recorded, queue.event_count_at_last_cache, queue.ANAYLTICS_CACHE_FREQUENCY = i + 1, i, 1
                t = time.perf_counter()
                queue.compute_analytics_summary(records)
                times.append((time.perf_counter() - t) * 1000)
            out[f"{n}_events"] = round(statistics.median(times), 2)
        return out
    except Exception as err:                            # private Gradio API: another version may differ
        return {"error": repr(err)}


def summary(xs: list[float], wall: float | None = None) -> dict:
    out = {"p50": round(pct(xs, 0.5), 1), "p95": round(pct(xs, 0.95), 1), "n": len(xs)}
    if wall:
        out["throughput_per_s"] = round(len(xs) / wall, 1)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--calls", type=int, default=300)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--cold-starts", type=int, default=3)
    p.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                   help="extra environment for the app, e.g. Gradio's defaults GRADIO_ANALYTICS_CACHE_FREQUENCY=1 "
                        "and GRADIO_ANALYTICS_MAX_EVENTS=10000 to compare with app.py's settings")
    p.add_argument("--out", default="latency.json", help="file name under bench/out/")
    args = p.parse_args()
    extra_env = dict(kv.split("=", 1) for kv in args.env)
    colds = []
    for _ in range(args.cold_starts):
        port = free_port()
        proc, cold = start_app(port, extra_env)
        colds.append(cold)
        proc.terminate()
        proc.wait()

    port = free_port()
    proc, _ = start_app(port, extra_env)
    try:
        url = f"http://127.0.0.1:{port}/"
        per = max(1, args.calls // args.clients)
        res = {}
        for kind in ("gradio_client", "gradio_client_ssl_verify_false", "http"):
            client = make_client(kind, url)
            timed_calls(client, 20, 0)                   # warm-up
            res[f"{kind}_alone_ms"] = summary(timed_calls(client, args.calls, 1))
            if kind.startswith("gradio_client"):
                res[f"{kind}_phases_ms"] = gradio_client_phases(client, min(args.calls, 100))
            together, wall = concurrent_calls(kind, url, args.clients, per)
            res[f"{kind}_{args.clients}_clients_ms"] = summary(together, wall)
            print(kind, json.dumps({k: v for k, v in res.items() if k.startswith(kind)}), flush=True)
    finally:
        proc.terminate()
        proc.wait()

    # decode compute, in-process: the model alone, and the endpoint's function (model + PNG-ready image)
    import torch

    from genmodels.latent import get_space
    from ui import explorer_tab
    torch.set_grad_enabled(False)
    vae = get_space("mnist").vae
    model_ms, fn_ms = [], []
    for _ in range(300):
        z = torch.randn(1, 2)
        t = time.perf_counter()
        vae.decode(z)
        model_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        explorer_tab.decode("mnist", float(z[0, 0]), float(z[0, 1]))
        fn_ms.append((time.perf_counter() - t) * 1000)

    res = {
        "app_env": extra_env,
        "cold_start_s": {"median": round(statistics.median(colds), 2), "all": [round(c, 2) for c in colds]},
        **res,
        "decode_model_ms": {"p50": round(pct(model_ms, 0.5), 2), "p95": round(pct(model_ms, 0.95), 2)},
        "decode_function_ms": {"p50": round(pct(fn_ms, 0.5), 2), "p95": round(pct(fn_ms, 0.95), 2)},
        "gradio_analytics_summary_ms_per_event": gradio_analytics_summary_ms(),
    }
    OUT.mkdir(exist_ok=True)
    (OUT / args.out).write_text(json.dumps(res, indent=2))
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
