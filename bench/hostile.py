"""A hostile or careless visitor against a shared Space: python bench/hostile.py [--phases start,bombs,line,
sessions,explore,uploads] [--app-dir DIR] [--sessions 30] [--explore-sessions 120] [--uploads 300]

Starts `python app.py` as a fresh process with SPACE_ID set (the app's shared-Space behaviour; --app-dir: a
checkout of another commit, to compare), samples its resident memory every 20 ms, and, as scripts calling the
API directly would (gradio_client, a session each):
1. start: seconds from launch to the first page served (the page's HTML, then /config).
2. bombs: 6 PNGs that compress to a few hundred KB and decode to 120-145 megapixels (3 of them 16-bit) sent to
   /denoise at once: peak memory above the idle server, what each caller is told, and whether it still serves.
3. line: 12 script runs of /stylize started at once: how many are admitted (running, or waiting their turn: not
   refused) and how many refused with "Busy"; how many stream frames (a waiting run's say where it is); then all
   cancelled.
4. sessions: after one warm-up run, --sessions script sessions that each start a 10-s /train run and vanish (a
   refused one tries again a second later): memory growth once they are done, and again after their state's time
   to live (GENMODELS_STATE_SECONDS=60 here).
5. explore: --explore-sessions script sessions each sending a valid page-trained model to the hidden
   /explore_page_model (no training needed, so fast): the server's memory per session; then 20 MB of text as one
   request's input: what it is told (Gradio keeps each session's last inputs).
6. uploads: --uploads hostile files (random bytes, truncated PNG and JPEG, empty, text, a zip, absurd headers, an
   unsupported format) with good pictures among them, to /denoise from 4 clients: good ones accepted, every bad
   one refused with a message, memory and the upload folder before and after.
Every message a caller gets is checked for server paths and tracebacks. Writes bench/out/hostile.json.
"""
from __future__ import annotations

import argparse
import io
import json
import random
import re
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import latency  # noqa: E402
from latency import free_port  # noqa: E402

OUT = ROOT / "bench" / "out"
LEAK = re.compile(r"Traceback|File \"|/tmp/|/work/|/home/|site-packages|\.py\b")
PHOTO, PAINTING = ROOT / "examples/style/chelsea.jpg", ROOT / "examples/style/starry_night.jpg"


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024


class Memory:
    """The server's resident memory, sampled every 20 ms in a thread: peak since reset()."""

    def __init__(self, pid: int):
        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, rss_mib(self.pid))
            except (FileNotFoundError, StopIteration):
                return
            time.sleep(0.02)

    def now(self) -> float:
        return rss_mib(self.pid)

    def reset(self) -> float:
        self.peak = self.now()
        return self.peak


def start_app(app_dir: Path, port: int, temp: Path) -> tuple[subprocess.Popen, float]:
    """The app as a shared Space runs it; seconds from launch to its first page and /config served."""
    started = time.perf_counter()
    proc, _ = latency.start_app(port, dict(SPACE_ID="bench/genmodels", GRADIO_TEMP_DIR=str(temp),
                                           GENMODELS_STATE_SECONDS="60"), app_dir)
    httpx.get(f"http://127.0.0.1:{port}/config", timeout=5).raise_for_status()
    return proc, time.perf_counter() - started


def png_bomb(path: Path, width: int, height: int, bits: int = 8) -> Path:
    """A grey PNG of zeros, written row by row (never held in memory): a few hundred KB for 100+ megapixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    row = b"\0" * (1 + width * bits // 8)
    packer, parts = zlib.compressobj(9), []
    for _ in range(height):
        parts.append(packer.compress(row))
    parts.append(packer.flush())
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bits, 0, 0, 0, 0))
                     + chunk(b"IDAT", b"".join(parts)) + chunk(b"IEND", b""))
    return path


def client(url: str):
    from gradio_client import Client
    return Client(url, verbose=False, ssl_verify=False)


def message(err: BaseException) -> str:
    return str(err).strip() or type(err).__name__


def still_serving(url: str) -> bool:
    try:
        return bool(client(url).predict("mnist", 0.0, 0.0, api_name="/decode"))
    except Exception:       # noqa: BLE001 (any failure: not serving)
        return False


def denoise_with(url: str, path: Path) -> str | None:
    """/denoise with this file as 'your picture': None if accepted, else what the caller is told."""
    from gradio_client import handle_file
    try:
        client(url).predict("mnist", 0, handle_file(str(path)), "gaussian", 0.5, 0, "mnist", api_name="/denoise")
        return None
    except Exception as err:          # noqa: BLE001 (the message is the measurement)
        return message(err)


def phase_bombs(url: str, mem: Memory, work: Path) -> dict:
    files = [png_bomb(work / f"bomb{i}.png", 12_000, 12_000) for i in range(3)]          # 144 MP, 8-bit
    files += [png_bomb(work / f"bomb16_{i}.png", 11_000, 11_000, 16) for i in range(3)]  # 121 MP, 16-bit
    base = mem.reset()
    with ThreadPoolExecutor(len(files)) as pool:
        told = list(pool.map(lambda p: denoise_with(url, p), files))
    time.sleep(0.5)
    return {"files": len(files), "file_kb": [round(p.stat().st_size / 1024) for p in files], "base_mib": round(base),
            "peak_growth_mib": round(mem.peak - base), "refused": sum(t is not None for t in told),
            "messages": sorted(set(t or "accepted" for t in told)), "still_serving": still_serving(url)}


def phase_line(url: str) -> dict:
    from gradio_client import handle_file
    args = (handle_file(str(PHOTO)), handle_file(str(PAINTING)), 1.0, 1.0, 10.0, 64, 1000, "lbfgs", "content", False)
    jobs = [client(url).submit(*args, api_name="/stylize") for _ in range(12)]
    running, refused, messages = 0, 0, set()
    time.sleep(10)             # every call has reached the server: each is running, waiting its turn, or refused
    for job in jobs:
        try:
            if job.done():
                job.result()
            running += bool(job.outputs())
        except Exception as err:      # noqa: BLE001
            refused += 1
            messages.add(message(err))
    for job in jobs:
        job.cancel()
    time.sleep(2)
    return {"started": len(jobs), "admitted": len(jobs) - refused, "streaming": running, "refused": refused,
            "messages": sorted(messages),
            "still_serving": still_serving(url)}


def phase_sessions(url: str, mem: Memory, sessions: int) -> dict:
    """After one warm-up run (the first run loads the training data and PyTorch's optimiser code, once per server),
    `sessions` script sessions each start a 10-s /train run (again after a second while the line is full) and
    vanish, leaving the run to finish and its state on the server."""
    client(url).submit("mnist", 1.0, 0, 10, api_name="/train").result()
    time.sleep(1)
    base, refused, started = mem.reset(), 0, time.time()
    for n in range(sessions):
        session = client(url)
        while True:
            job = session.submit("mnist", 1.0, n, 10, api_name="/train")
            while not job.done() and not job.outputs():
                time.sleep(0.1)
            said = str(job.outputs()[-1][4]) if job.outputs() else ""
            if "Busy" not in said and job.outputs():
                break
            refused += 1                  # the line is full: the same session tries again in a second
            time.sleep(1)
        del job, session              # the session vanishes (nothing cancels its run; its state stays on the server)
    time.sleep(45)              # the runs still in the line (at most 4 of 10 s)
    after = mem.now()
    time.sleep(65)              # GENMODELS_STATE_SECONDS=60, then the server's once-a-second sweep
    return {"sessions": sessions, "refused_meanwhile": refused, "seconds": round(time.time() - started),
            "base_mib": round(base), "growth_after_runs_mib": round(after - base),
            "growth_after_ttl_mib": round(mem.now() - base), "still_serving": still_serving(url)}


def phase_explore(url: str, mem: Memory, work: Path, sessions: int) -> dict:
    """`sessions` script sessions each sending a valid page-trained model to the hidden /explore_page_model (as the
    page's Explore does: Explore needs no training run, so a script can open sessions fast), then one sending 20 MB
    of text as a request: the server's memory per session once they are done, what the oversized one is told."""
    import base64

    import torch
    from gradio_client import handle_file
    from safetensors.torch import save_file
    sys.path.insert(0, str(ROOT))
    from genmodels import live
    about = {"dataset": "mnist", "beta": 1, "seed": 0, "steps": 5, "seconds": 1}
    model = work / "page-model.safetensors"
    save_file({k: v.contiguous() for k, v in live.new_model(0).state_dict().items()}, str(model),
              metadata={k: json.dumps(v) for k, v in about.items()})
    client(url).predict(handle_file(str(model)), 0, 0, api_name="/explore_page_model")     # warm-up
    time.sleep(1)
    base, started, every_30 = mem.reset(), time.time(), []
    for n in range(sessions):
        client(url).predict(handle_file(str(model)), 0, 0, api_name="/explore_page_model")
        if (n + 1) % 30 == 0:
            every_30.append(round(mem.now()))
    time.sleep(2)
    after = mem.now()
    text = base64.b64encode(torch.zeros(5 * 2 ** 20, dtype=torch.uint8).numpy().tobytes()).decode() * 3
    answer = httpx.post(f"{url}gradio_api/queue/join", timeout=60,
                        json={"data": [text, 0, 0], "fn_index": 0, "session_hash": "hostile"})
    return {"sessions": sessions, "seconds": round(time.time() - started), "base_mib": round(base),
            "growth_mib": round(after - base), "mib_per_session": round((after - base) / sessions, 2),
            "mib_after_each_30": every_30,
            "oversized_text_mb": round(len(text) / 1e6), "oversized_status": answer.status_code,
            "messages": [answer.text[:200]], "still_serving": still_serving(url)}


def hostile_files(work: Path, n: int) -> list[tuple[Path, bool]]:
    """n files, about one in five a good picture; the rest every kind of bad upload."""
    rng = random.Random(0)
    good_png, good_jpg = io.BytesIO(), io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (96, 96, 3), dtype=np.uint8)).save(good_png, "PNG")
    Image.open(PHOTO).save(good_jpg, "JPEG")
    tiff = io.BytesIO()
    Image.new("RGB", (32, 32)).save(tiff, "TIFF")
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("a.txt", "hello")

    def absurd(w: int, h: int) -> bytes:
        return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
                + b"\0\0\0\0")
    kinds = [
        ("good.png", good_png.getvalue(), True), ("good.jpg", good_jpg.getvalue(), True),
        ("random.png", None, False), ("cut.png", good_png.getvalue()[:300], False),
        ("cut.jpg", good_jpg.getvalue()[:2000], False), ("empty.png", b"", False),
        ("text.png", b"this is not a picture\n" * 20, False), ("archive.png", zipped.getvalue(), False),
        ("absurd.png", absurd(2 ** 31 - 1, 2 ** 31 - 1), False), ("wide.png", absurd(1_000_000, 1), False),
        ("picture.tiff", tiff.getvalue(), False)]
    files = []
    for i in range(n):
        name, data, good = kinds[i % len(kinds)]
        data = bytes(rng.getrandbits(8) for _ in range(2048)) if data is None else data
        path = work / f"u{i:03d}-{name}"
        path.write_bytes(data)
        files.append((path, good))
    return files


def folder_mib(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2 ** 20


def phase_uploads(url: str, mem: Memory, work: Path, temp: Path, n: int) -> dict:
    files = hostile_files(work, n)
    base, folder_before = mem.reset(), folder_mib(temp)
    with ThreadPoolExecutor(4) as pool:
        told = list(pool.map(lambda f: denoise_with(url, f[0]), files))
    good = [t for t, (_, ok) in zip(told, files, strict=False) if ok]
    bad = [t for t, (_, ok) in zip(told, files, strict=False) if not ok]
    return {"uploads": n, "good": len(good), "good_accepted": sum(t is None for t in good),
            "bad": len(bad), "bad_refused_with_message": sum(bool(t) for t in bad),
            "messages": sorted({t for t in bad if t}), "base_mib": round(base),
            "peak_growth_mib": round(mem.peak - base),
            "growth_after_mib": round(mem.now() - base), "upload_folder_mib": [round(folder_before, 1),
                                                                              round(folder_mib(temp), 1)],
            "still_serving": still_serving(url)}


def leaks(results: dict) -> list[str]:
    """Every message any phase recorded that shows a path or a traceback."""
    return [m for phase in results.values() if isinstance(phase, dict) for m in phase.get("messages", [])
            if LEAK.search(m)]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--phases", default="start,bombs,line,sessions,explore,uploads")
    p.add_argument("--app-dir", default=str(ROOT))
    p.add_argument("--sessions", type=int, default=30)
    p.add_argument("--uploads", type=int, default=300)
    p.add_argument("--explore-sessions", type=int, default=120)
    p.add_argument("--out", default=str(OUT / "hostile.json"))
    args = p.parse_args()
    phases = args.phases.split(",")
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        work, temp = Path(tmp) / "files", Path(tmp) / "gradio"
        work.mkdir()
        temp.mkdir()
        port = free_port()
        proc, seconds = start_app(Path(args.app_dir), port, temp)
        url = f"http://127.0.0.1:{port}/"
        try:
            results["start"] = {"seconds_to_first_page": round(seconds, 2)}
            mem = Memory(proc.pid)
            time.sleep(1)
            results["idle_mib"] = round(mem.now())
            for name in ("bombs", "line", "sessions", "explore", "uploads"):
                if name not in phases:
                    continue
                t = time.time()
                if name == "bombs":
                    results[name] = phase_bombs(url, mem, work)
                elif name == "line":
                    results[name] = phase_line(url)
                elif name == "sessions":
                    results[name] = phase_sessions(url, mem, args.sessions)
                elif name == "explore":
                    results[name] = phase_explore(url, mem, work, args.explore_sessions)
                else:
                    results[name] = phase_uploads(url, mem, work, temp, args.uploads)
                results[name]["phase_seconds"] = round(time.time() - t)
                print(name, json.dumps(results[name]), flush=True)
            results["leaked_messages"] = leaks(results)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=1))
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
