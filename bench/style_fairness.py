"""A shared server stays fair while style transfer and live training run: python bench/style_fairness.py [--calls 320]
[--runs 50] [--training-runs 20] [--phases responsiveness,queue,memory,training,training_memory]

Starts `python app.py` as a fresh process (from --app-dir: point it at a checkout of another commit to compare), then:
1. Responsiveness: /decode from 8 concurrent HTTP clients (each a process with its own session, the path a browser
   takes), alone and again while two style runs are queued (one running, one waiting), p50/p95 in ms; /generate
   (GAN) and /denoise from one client, alone and during the runs.
2. The style queue: runs are started as the page starts them (/admit, then /stylize) until one is refused (at
   most 8); what the refusal says, and the place in line the last waiting run is told.
3. Memory: --runs style runs, 256 and 512 px in turn, each started and cancelled after its first frame, as Stop
   does; the server's resident memory after the first four and after all, and how long after each cancel the
   server's CPU falls idle.
4. Training (phase "training"): the same responsiveness figures while a live VAE training run (/train) runs and a
   style run waits behind it in the one line; how many steps the training made meanwhile.
5. Training memory (phase "training_memory"): --training-runs runs started and cancelled after 2 s, as Stop does;
   resident memory after each, and how long after each cancel the CPU falls idle.
Client and server share the machine's cores. Writes bench/out/style_fairness.json.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from latency import OUT, concurrent_calls, free_port, pct, summary  # noqa: E402

PHOTO, PAINTING = ROOT / "examples/style/chelsea.jpg", ROOT / "examples/style/starry_night.jpg"
MOST_SUBMITTED = 8


def start_app(app_dir: Path, port: int, style_seconds: str):
    import subprocess
    env = dict(os.environ, GRADIO_SERVER_PORT=str(port), GRADIO_ANALYTICS_ENABLED="False",
               GENMODELS_STYLE_SECONDS=style_seconds)
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=app_dir, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError("the app exited during start-up")
        time.sleep(0.1)


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def idle_after(pid: int, since: float, limit: float = 30.0) -> float:
    """Seconds from `since` until the server uses under 10% of a core over 100 ms."""
    while time.perf_counter() - since < limit:
        c0, t0 = cpu_seconds(pid), time.perf_counter()
        time.sleep(0.1)
        if (cpu_seconds(pid) - c0) / (time.perf_counter() - t0) < 0.1:
            return time.perf_counter() - since
    return limit


def call_ms(http: httpx.Client, url: str, api_name: str, data: list, session: str) -> float:
    """One call over plain HTTP, until its result is complete (the result files are not fetched)."""
    t = time.perf_counter()
    event = http.post(f"{url}gradio_api/call{api_name}", json={"data": data, "session_hash": session}).json()
    stream = http.get(f"{url}gradio_api/call{api_name}/{event['event_id']}").text
    if "event: complete" not in stream:
        raise RuntimeError(stream[-300:])
    return 1000 * (time.perf_counter() - t)


def other_tabs(url: str, n: int = 20) -> dict:
    """/generate and /denoise from one client: p50/p95 (ms)."""
    calls = {"/generate": ["mnist", 7, 16, 1.0, 0.6], "/denoise": ["mnist", 3, None, "gaussian", 0.5, 0, "mnist"]}
    out = {}
    with httpx.Client(timeout=60) as http:
        for api_name, data in calls.items():
            times = [call_ms(http, url, api_name, data, f"bench-{api_name[1:]}") for _ in range(n)]
            out[api_name] = {"p50": round(pct(times, 0.5), 1), "p95": round(pct(times, 0.95), 1)}
    return out


def submit_run(client, size: int, steps: int = 1000):
    from gradio_client import handle_file
    return client.submit(handle_file(str(PHOTO)), handle_file(str(PAINTING)), 1.0, 1.0, 10.0, size, steps, "lbfgs",
                         "content", False, api_name="/stylize")


def cancel(job) -> None:
    """Cancel a run as Stop does. gradio_client's cancel request times out after 5 s while the server finishes the
    pass in flight (a 512 px pass on a busy 2-core CPU can take longer); the run is cancelled all the same."""
    try:
        job.cancel()
    except httpx.TimeoutException:
        pass


def first_frame(job, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while not job.outputs():
        if job.done() or time.time() > deadline:
            raise RuntimeError(f"no frame from the style run: {job.status()}")
        time.sleep(0.05)


def style_client(url: str):
    """A gradio_client session for style runs. (Two jobs submitted at once from one session may join the queue in
    either order: submit the next only once the first is running.)"""
    from gradio_client import Client
    return Client(url, verbose=False, ssl_verify=False)


def responsiveness(url: str, calls: int, clients: int) -> dict:
    per = max(1, calls // clients)
    alone, wall = concurrent_calls("http", url, clients, per)
    res = {"decode_alone": summary(alone, wall), "other_tabs_alone": other_tabs(url)}
    client = style_client(url)
    runs = [submit_run(client, 512)]
    try:
        first_frame(runs[0])                             # running; then the second joins the line behind it
        runs.append(submit_run(client, 512))
        time.sleep(1.0)
        during, wall = concurrent_calls("http", url, clients, per)
        res["decode_during_two_style_runs"] = summary(during, wall)
        res["other_tabs_during_two_style_runs"] = other_tabs(url)
    finally:
        for job in reversed(runs):
            cancel(job)
    return res


def queue_limit(url: str, pid: int) -> dict:
    """Start runs as the page does (/admit, then /stylize) until one is refused; the last waiting run's place."""
    client, jobs, refusal = style_client(url), [], None
    try:
        while refusal is None and len(jobs) < MOST_SUBMITTED:
            try:
                client.predict(api_name="/admit")
            except Exception as err:                     # the page shows this as the Busy message
                refusal = str(err)
                break
            jobs.append(submit_run(client, 256))
            if len(jobs) == 1:
                first_frame(jobs[0])
            time.sleep(1.0)                              # the run has joined the line before the next /admit
        status = jobs[-1].status()
        return {"admitted": len(jobs), "refusal": refusal, "last_waiting_rank": status.rank,
                "last_waiting_queue_size": status.queue_size}
    finally:
        for job in reversed(jobs):
            cancel(job)
        idle_after(pid, time.perf_counter())


def memory(url: str, pid: int, runs: int) -> dict:
    client, after, idle = style_client(url), [], []
    for i in range(runs):
        job = submit_run(client, (256, 512)[i % 2])
        first_frame(job)
        t = time.perf_counter()
        cancel(job)
        idle.append(idle_after(pid, t))
        after.append(rss_mib(pid))
        print(f"run {i + 1}: RSS {after[-1]:.0f} MiB, idle {idle[-1]:.2f} s after cancel", flush=True)
    return {"rss_after_4_mib": round(after[3], 1), f"rss_after_{runs}_mib": round(after[-1], 1),
            "rss_max_mib": round(max(after), 1), "idle_after_cancel_s": {
                "median": round(statistics.median(idle), 2), "max": round(max(idle), 2)}}


def submit_training(client, seconds: int = 120, seed: int = 0):
    return client.submit("mnist", 1.0, seed, seconds, api_name="/train")


def training_responsiveness(url: str, calls: int, clients: int) -> dict:
    """Responsiveness while one training run trains and one style run waits behind it."""
    per = max(1, calls // clients)
    client = style_client(url)
    runs = [submit_training(client)]
    try:
        first_frame(runs[0])
        runs.append(submit_run(client, 512))
        time.sleep(1.0)
        started = runs[0].outputs()[-1][4]
        during, wall = concurrent_calls("http", url, clients, per)
        res = {"decode_during_training_and_a_style_run": summary(during, wall),
               "other_tabs_during_training_and_a_style_run": other_tabs(url)}
        res["training_status_before"], res["training_status_after"] = started, runs[0].outputs()[-1][4]
        return res
    finally:
        for job in reversed(runs):
            cancel(job)


def training_memory(url: str, pid: int, runs: int) -> dict:
    client, after, idle = style_client(url), [], []
    for i in range(runs):
        job = submit_training(client, seed=i)
        first_frame(job)
        time.sleep(2.0)
        t = time.perf_counter()
        cancel(job)
        idle.append(idle_after(pid, t))
        after.append(rss_mib(pid))
        print(f"training run {i + 1}: RSS {after[-1]:.0f} MiB, idle {idle[-1]:.2f} s after cancel", flush=True)
    return {"rss_after_1_mib": round(after[0], 1), "rss_after_4_mib": round(after[3], 1),
            f"rss_after_{runs}_mib": round(after[-1], 1), "rss_max_mib": round(max(after), 1),
            "idle_after_cancel_s": {"median": round(statistics.median(idle), 2), "max": round(max(idle), 2)}}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--calls", type=int, default=320, help="/decode calls, spread over the clients")
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--runs", type=int, default=50, help="style runs started and cancelled for the memory check")
    p.add_argument("--training-runs", type=int, default=20, help="training runs started and cancelled")
    p.add_argument("--app-dir", default=str(ROOT), help="the checkout whose app.py is started")
    p.add_argument("--out", default="style_fairness.json", help="file name under bench/out/")
    p.add_argument("--phases", default="responsiveness,queue,memory,training,training_memory",
                   help="which phases to run")
    p.add_argument("--style-seconds", default="120", help="GENMODELS_STYLE_SECONDS for the app (120: a CPU Space's "
                   "default)")
    args = p.parse_args()
    port = free_port()
    proc = start_app(Path(args.app_dir), port, args.style_seconds)
    url = f"http://127.0.0.1:{port}/"
    try:
        res = {"app_dir": args.app_dir, "rss_at_start_mib": round(rss_mib(proc.pid), 1)}
        phases = {"responsiveness": lambda: responsiveness(url, args.calls, args.clients),
                  "queue": lambda: queue_limit(url, proc.pid), "memory": lambda: memory(url, proc.pid, args.runs),
                  "training": lambda: training_responsiveness(url, args.calls, args.clients),
                  "training_memory": lambda: training_memory(url, proc.pid, args.training_runs)}
        for name in args.phases.split(","):
            res[name] = phases[name]()
            print(json.dumps(res[name]), flush=True)
    finally:
        proc.terminate()
        proc.wait()
    OUT.mkdir(exist_ok=True)
    (OUT / args.out).write_text(json.dumps(res, indent=2))
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
