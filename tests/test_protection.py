"""A hostile or careless visitor cannot take a shared server down: pixel bombs refused before decoding, uploads
decoded a few at a time, no server internals in any message, session state that expires, the training threads
restored, the live trainer's own generator. (The line's limits: tests/test_style_tab.py; deploy: test_deploy.py.)"""
import base64
import struct
import threading
import time
import tracemalloc
import zlib
from pathlib import Path

import httpx
import numpy as np
import pytest
import torch
from gradio_client import handle_file
from PIL import Image, ImageFile

from genmodels.imaging import MAX_FULL_PIXELS, MAX_PIXELS, check_upload, open_picture


def png(path: Path, width: int, height: int, bits: int = 8) -> Path:
    """A grey PNG of zeros written row by row: a real, valid file that decodes to width×height pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    packer, row = zlib.compressobj(9), b"\0" * (1 + width * bits // 8)
    body = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bits, 0, 0, 0, 0))
                     + chunk(b"IDAT", body) + chunk(b"IEND", b""))
    return path


@pytest.fixture
def decodes(monkeypatch):
    """The sizes of every picture Pillow decodes in this process (any thread) while the test runs."""
    seen, load = [], ImageFile.ImageFile.load

    def recorded(self):
        seen.append(self.size)
        return load(self)
    monkeypatch.setattr(ImageFile.ImageFile, "load", recorded)
    return seen


def test_pixel_bombs_are_refused_from_their_header(tmp_path, decodes):
    eight = png(tmp_path / "bomb.png", 12_000, 12_000)              # 144 MP: over every limit
    sixteen = png(tmp_path / "bomb16.png", 11_000, 11_000, 16)      # 121 MP, 16-bit
    wide = png(tmp_path / "wide.png", 7_000, 6_000)                 # 42 MP: a JPEG could be that large, a PNG not
    assert eight.stat().st_size < 400_000                           # what passes any upload limit
    for bomb in (eight, sixteen):
        # by the app's limit, or by Pillow's once the app has lowered it (ui.common): both before any decoding
        with pytest.raises(ValueError, match=r"Photo: the image is too large .*use one under (40|120) megapixels"):
            check_upload(bomb, "Photo")
        with pytest.raises(ValueError, match="too large"):
            open_picture(bomb)
    with pytest.raises(ValueError, match=r"too large \(7000×6000\); use one under 40 megapixels \(a JPEG may have"):
        check_upload(wide, "Photo")
    assert decodes == []                                            # nothing was decoded
    assert MAX_FULL_PIXELS < MAX_PIXELS


def test_formats_the_app_does_not_read_are_refused_before_any_decoder_runs(tmp_path):
    tiff = tmp_path / "picture.png"
    Image.new("RGB", (8, 8)).save(tiff, "TIFF")                     # a real picture, under a misleading name
    with pytest.raises(ValueError, match="not a picture in a format this app reads. Use a PNG, JPEG"):
        check_upload(tiff, "Photo")
    with pytest.raises(ValueError, match="not a picture in a format this app reads"):
        open_picture(tiff)


def test_a_16_bit_picture_is_shrunk_in_float32_before_it_is_converted(tmp_path):
    ramp = (np.arange(3000 * 2000, dtype=np.uint32).reshape(2000, 3000) % 65536).astype(np.uint16)
    path = tmp_path / "deep.png"
    Image.fromarray(ramp).save(path)
    tracemalloc.start()
    img = open_picture(path, max_side=256, mode="L")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert img.size == (256, 171) and img.mode == "L"
    assert peak < 4 * 2 ** 20            # no full-size float64 copy (it would be 48 MB), only the small image
    assert np.asarray(img).max() == 255 and np.asarray(img).min() == 0


def bomb_request(app_client, tmp_path, decodes) -> None:
    client, _ = app_client
    bomb = png(tmp_path / "bomb.png", 12_000, 12_000)
    with pytest.raises(Exception, match="Your picture: the image is too large"):
        client.predict("mnist", 0, handle_file(str(bomb)), "gaussian", 0.5, 0, "mnist", api_name="/denoise")
    assert not [s for s in decodes if s[0] * s[1] > MAX_FULL_PIXELS]


def test_a_bomb_sent_to_the_app_is_refused_before_gradio_or_the_app_decodes_it(app_client, tmp_path, decodes):
    bomb_request(app_client, tmp_path, decodes)
    client, port = app_client
    # an API caller's data: URL (no upload, no size limit on the way in) is checked the same way
    data = "data:image/png;base64," + base64.b64encode(png(tmp_path / "b.png", 12_000, 12_000).read_bytes()).decode()
    payload = {"data": ["mnist", 0, {"url": data, "meta": {"_type": "gradio.FileData"}}, "gaussian", 0.5, 0, "mnist"]}
    base = f"http://127.0.0.1:{port}/gradio_api/call/denoise"
    event = httpx.post(base, json=payload, timeout=30).json()["event_id"]
    answer = httpx.get(f"{base}/{event}", timeout=60).text
    assert "event: error" in answer and "too large" in answer
    assert not [s for s in decodes if s[0] * s[1] > MAX_FULL_PIXELS]
    assert client.predict("mnist", 0.0, 0.0, api_name="/decode")             # still serving


def test_events_that_decode_uploads_run_a_few_at_a_time():
    import app
    from ui import hosting

    limited = {fn.api_name: (fn.concurrency_id, fn.concurrency_limit) for fn in app.demo.fns.values()
               if fn.concurrency_id == "uploads"}
    assert {"denoise", "superres", "start"} <= set(limited)
    assert set(limited.values()) == {("uploads", hosting.UPLOAD_CONCURRENCY)}


def test_an_error_the_app_did_not_foresee_shows_no_server_internals(app_client, monkeypatch):
    from ui import common, explorer_tab

    def broken(*args, **kwargs):
        raise RuntimeError("disk full at /srv/secret/genmodels/weights/vae-mnist.safetensors")
    monkeypatch.setattr(explorer_tab, "space_of", broken)
    client, _ = app_client
    with pytest.raises(Exception) as refused:
        client.predict("mnist", 0.5, 0.5, api_name="/decode")
    told = str(refused.value)
    assert "Something went wrong on the server" in told and common.INTERNAL_ERROR in told
    assert "/srv" not in told and "RuntimeError" not in told and "disk full" not in told
    monkeypatch.undo()
    assert client.predict("mnist", 0.5, 0.5, api_name="/decode")              # and it keeps serving


def test_session_state_expires_and_the_sessions_kept_are_bounded(monkeypatch):
    import gradio as gr

    import app
    from ui import hosting

    states = [b for b in app.demo.blocks.values() if isinstance(b, gr.State)]
    assert states and all(s.time_to_live == hosting.STATE_SECONDS for s in states)
    trims = []
    monkeypatch.setattr(hosting, "release_memory", lambda: trims.append(1))
    for state in states:                          # Gradio calls each expired state's callback, then drops it
        state.delete_callback({"model": None})
    deadline = time.time() + 5
    while not trims and time.time() < deadline:
        time.sleep(0.1)
    assert trims == [1]                           # one trim for many states expiring together
    monkeypatch.setenv("GENMODELS_STATE_SECONDS", "30")
    monkeypatch.setenv("GENMODELS_SESSIONS", "200")
    assert hosting.state_seconds() == 30 and hosting.sessions() == 200


def test_the_launched_app_keeps_a_bounded_number_of_sessions(app_client):
    import app
    from ui import hosting

    assert app.demo.state_session_capacity == hosting.sessions()


def test_a_cancelled_training_run_gives_the_server_its_threads_back():
    from ui import train_tab

    server = train_tab.SERVER_THREADS
    torch.set_num_threads(server)
    run = train_tab.train("mnist", 1.0, 0, 60)
    next(run)
    assert torch.get_num_threads() == train_tab.CPU_THREADS
    with train_tab.training_threads():                  # another run (under ZeroGPU, several at once)
        run.close()                                     # the first is cancelled: the other still trains on one
        assert torch.get_num_threads() == train_tab.CPU_THREADS
    assert torch.get_num_threads() == server            # the last one out restores the server's own count


def test_the_live_models_first_weights_come_from_its_own_generator():
    from genmodels import live

    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    drawn = []

    def other_thread():                                  # another visitor's draw, at the same moment
        drawn.append(torch.rand(1000))
    threads = [threading.Thread(target=other_thread) for _ in range(4)]
    for t in threads:
        t.start()
    a = live.new_model(7)
    for t in threads:
        t.join()
    b = live.new_model(7)
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values(), strict=False))
    torch.random.set_rng_state(before)
    live.new_model(7)
    assert torch.equal(torch.random.get_rng_state(), before)        # the global generator is left alone


def test_trained_models_are_kept_for_a_bounded_time_and_count(monkeypatch):
    """A session's state holds only a token; the models behind the tokens are dropped after their time, and the
    oldest first beyond the count, whatever Gradio keeps of the sessions."""
    from ui.kept import Kept

    clock = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    kept = Kept(lambda: 3, lambda: 60.0)
    tokens = [kept.set(kept.token(), {"model": i}) for i in range(5)]
    assert len(set(tokens)) == 5 and all(len(t) >= 20 for t in tokens)
    assert [kept.get(t) for t in tokens] == [None, None, {"model": 2}, {"model": 3}, {"model": 4}]
    kept.set(tokens[2], {"model": 22})              # set again: the newest now
    clock[0] += 30
    kept.set(tokens[4], {"model": 44})
    clock[0] += 31                                  # 61 s after tokens[3] was set, 31 s after tokens[4]
    assert [kept.get(t) for t in tokens[2:]] == [None, None, {"model": 44}] and len(kept) == 1
    assert kept.get(None) is None and kept.get("made-up") is None


def test_a_training_runs_state_is_a_token_and_an_expired_one_says_so(monkeypatch):
    import gradio as gr

    from ui import train_tab

    run = train_tab.train("mnist", 1.0, 0, 60)
    frames = [next(run), next(run)]
    run.close()
    token = frames[-1]["trained"]
    assert isinstance(token, str) and train_tab.MODELS.get(token)["dataset"] == "mnist"
    assert train_tab.stopped(token).startswith("**Stopped** (MNIST, β = 1, seed 0:")
    monkeypatch.setattr(train_tab, "MODELS", type(train_tab.MODELS)(lambda: 0, lambda: None))   # dropped
    assert train_tab.stopped(token) == f"**Stopped.** {train_tab.EXPIRED}"
    with pytest.raises(gr.Error, match="no longer kept on this server .* press Start to train it again"):
        train_tab.explore(token, 0.0, 0.0)


def test_a_request_body_over_the_limit_is_refused_before_gradio_keeps_it(app_client):
    """Gradio keeps each session's last inputs: a script sending megabytes of text as an input is answered 413 before
    the app reads it (with or without a length), and the app keeps serving; a model the page trained still goes."""
    from ui import hosting
    client, port = app_client
    url = f"http://127.0.0.1:{port}/gradio_api/queue/join"
    huge = {"data": ["A" * (hosting.MAX_REQUEST_MB * 2 ** 20 + 10), 0, 0], "fn_index": 0, "session_hash": "x"}
    answer = httpx.post(url, json=huge, timeout=60)
    assert answer.status_code == 413 and f"at most {hosting.MAX_REQUEST_MB} MB" in answer.text

    def chunks():                                          # no length: cut off once over the limit
        yield b'{"data": ["'
        for _ in range(hosting.MAX_REQUEST_MB + 2):
            yield b"A" * 2 ** 20
        yield b'"], "fn_index": 0, "session_hash": "y"}'
    assert httpx.post(url, content=chunks(), headers={"content-type": "application/json"},
                      timeout=60).status_code >= 400
    assert client.predict("mnist", 0.0, 0.0, api_name="/decode")            # still serving
    big_enough = {"data": ["A" * 3 * 2 ** 20], "fn_index": 0, "session_hash": "z"}    # a page model's size passes
    assert httpx.post(url, json=big_enough, timeout=60).status_code == 200
