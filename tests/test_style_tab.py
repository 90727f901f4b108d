"""The style tab: uploads and the /stylize endpoint through gradio_client."""
import time
from pathlib import Path

import gradio as gr
import pytest
from gradio_client import handle_file
from PIL import Image
from test_style import photo, stripes


def test_stylize_endpoint_streams_frames(app_client, tmp_path):
    client, _ = app_client
    photo((64, 64)).save(tmp_path / "c.png")
    stripes((64, 64)).save(tmp_path / "s.png")
    job = client.submit(handle_file(str(tmp_path / "c.png")), handle_file(str(tmp_path / "s.png")),
                        1.0, 1.0, 10.0, 64, 20, "lbfgs", "content", False, api_name="/stylize")
    outputs = list(job)
    assert len(outputs) >= 2
    image, plot, status, before_after = outputs[-1]
    assert Image.open(image).size == (64, 64)
    assert "Done" in status and "step" in status


def test_stylize_endpoint_rejects_missing_and_unreadable_images(app_client, tmp_path):
    client, _ = app_client
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"definitely not an image")
    with pytest.raises(Exception, match="Choose a photo and a painting first"):
        client.predict(None, None, 1.0, 1.0, 10.0, 64, 20, "lbfgs", "content", False, api_name="/stylize")
    photo((64, 64)).save(tmp_path / "c.png")
    with pytest.raises(Exception, match="Painting: could not read the file, it is not a picture"):
        client.predict(handle_file(str(tmp_path / "c.png")), handle_file(str(junk)), 1.0, 1.0, 10.0, 64, 20,
                       "lbfgs", "content", False, api_name="/stylize")
    with pytest.raises(Exception, match="size|maximum"):
        client.predict(handle_file(str(tmp_path / "c.png")), handle_file(str(tmp_path / "c.png")), 1.0, 1.0, 10.0,
                       100_000, 20, "lbfgs", "content", False, api_name="/stylize")


def test_uploads_reach_the_engine_as_uploaded_and_junk_names_the_input(tmp_path, monkeypatch):
    from gradio.components.image import ImageData

    import ui.common
    from ui.common import uploaded_image

    gray = tmp_path / "gray.png"
    Image.new("L", (40, 30), 128).save(gray)
    photo_input = uploaded_image(type="filepath", image_mode=None, label="Photo")
    assert photo_input.preprocess(ImageData(path=str(gray), orig_name="gray.png")) == str(gray)  # not re-encoded
    assert not (Path(ui.common.__file__).with_suffix(".pyi")).exists()     # no stub written by Gradio
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"\x00" * 64)
    with pytest.raises(gr.Error, match="Photo: could not read the file, it is not a picture") as first:
        photo_input.preprocess(ImageData(path=str(junk), orig_name="junk.jpg"))
    with pytest.raises(gr.Error, match="Photo: could not read the file") as again:   # another event, same upload
        photo_input.preprocess(ImageData(path=str(junk), orig_name="junk.jpg"))
    other = tmp_path / "other.jpg"
    other.write_bytes(b"\x01" * 64)
    with pytest.raises(gr.Error) as different:
        photo_input.preprocess(ImageData(path=str(other), orig_name="other.jpg"))
    assert (first.value.visible, again.value.visible, different.value.visible) == (True, False, True)  # one toast each
    monkeypatch.setattr(ui.common, "UPLOAD_ERROR_SECONDS", -1.0)    # the first toast gone: a new try shows it again
    with pytest.raises(gr.Error) as later:
        photo_input.preprocess(ImageData(path=str(junk), orig_name="junk.jpg"))
    assert later.value.visible


@pytest.mark.parametrize("kind", ["pil", "filepath"])
def test_a_jpeg_cut_short_fails_in_the_upload_once_not_in_each_handler(tmp_path, kind):
    """Pillow opens a JPEG lazily: a truncated one would open fine and fail later in every event's handler (three
    toasts in the denoising tab). The upload decodes it at once, so its message comes from the preprocess, once."""
    import io

    from gradio.components.image import ImageData

    from ui.common import uploaded_image

    whole = io.BytesIO()
    photo((200, 150)).save(whole, "JPEG")
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(whole.getvalue()[: len(whole.getvalue()) // 2])
    picture = uploaded_image(type=kind, image_mode=None, label="Your picture (anything)")
    with pytest.raises(gr.Error, match="Your picture: could not read the file, it is damaged") as first:
        picture.preprocess(ImageData(path=str(cut), orig_name="cut.jpg"))
    with pytest.raises(gr.Error) as again:
        picture.preprocess(ImageData(path=str(cut), orig_name="cut.jpg"))
    assert (first.value.visible, again.value.visible) == (True, False)


def test_every_frame_keeps_the_pair_that_stop_shows_as_before_after(tmp_path):
    """Stop cancels the run before its final frame, so each frame also stores (photo, image) for before/after."""
    from ui import style_tab

    photo((80, 60)).save(tmp_path / "c.png")
    stripes((64, 64)).save(tmp_path / "s.png")
    frames = list(style_tab.run(str(tmp_path / "c.png"), str(tmp_path / "s.png"), 1.0, 1.0, 10.0, 64, 12, "lbfgs",
                                "content", False))
    first_image, *_, first_pair = frames[0]
    before, after = first_pair
    assert after is first_image and before.size == after.size == (64, 48)
    status, shown = style_tab.stopped(first_pair)
    assert "Stopped" in status and shown == first_pair
    status, shown = style_tab.stopped(None)
    assert "before the first image" in status and shown is not None   # gr.skip(): before/after left as it is



def test_a_stopped_run_hands_its_memory_back(tmp_path, monkeypatch):
    """Stop closes the run's generator; the memory it freed goes back to the system then, not at the next run."""
    from ui import hosting, style_tab

    released = []
    monkeypatch.setattr(hosting, "release_memory", lambda: released.append(True))
    photo((64, 64)).save(tmp_path / "c.png")
    stripes((64, 64)).save(tmp_path / "s.png")
    run = style_tab.run(str(tmp_path / "c.png"), str(tmp_path / "s.png"), 1.0, 1.0, 10.0, 64, 200, "lbfgs",
                        "content", False)
    next(run)
    assert released == []
    run.close()                          # what Gradio does to a cancelled run
    assert released == [True]


def test_a_run_that_reaches_the_time_limit_says_so(tmp_path, monkeypatch):
    from ui import hosting, style_tab

    monkeypatch.setattr(hosting, "long_run_seconds", lambda: 1.0)
    photo((64, 64)).save(tmp_path / "c.png")
    stripes((64, 64)).save(tmp_path / "s.png")
    frames = list(style_tab.run(str(tmp_path / "c.png"), str(tmp_path / "s.png"), 1.0, 1.0, 10.0, 64, 1000, "lbfgs",
                                "content", False))
    status = frames[-1][2]
    assert "Time limit" in status and "stops after 1 s here (this server is shared" in status and "of 1000" in status


def test_zero_gpu_running_out_is_a_clear_message_and_the_last_image_stays(tmp_path, monkeypatch):
    from itertools import islice

    from ui import style_tab

    real = style_tab.frames

    def quota_runs_out(photo_, painting, settings):
        yield from islice(real(photo_, painting, settings), 1)
        raise gr.Error("You have exceeded your free ZeroGPU quota (60s requested vs. 12s left). Try again in 0:04:10.",
                       title="ZeroGPU quota exceeded")

    monkeypatch.setattr(style_tab, "frames", quota_runs_out)
    photo((64, 64)).save(tmp_path / "c.png")
    stripes((64, 64)).save(tmp_path / "s.png")
    run = style_tab.run(str(tmp_path / "c.png"), str(tmp_path / "s.png"), 1.0, 1.0, 10.0, 64, 100, "lbfgs",
                        "content", False)
    image, *_ = next(run)
    update = next(run)
    assert isinstance(image, Image.Image)
    assert "GPU unavailable" in update[2] and "Try again in 0:04:10" in update[2]
    assert update[0] == gr.skip()                                     # the image shown so far stays
    with pytest.raises(gr.Error, match="The shared GPU could not run this") as err:
        next(run)
    assert err.value.title == "ZeroGPU quota exceeded"


def test_frames_cross_a_process_boundary_as_cpu_images_and_numbers(tmp_path):
    """Under ZeroGPU each frame is pickled back from the GPU process: no tensors, no CUDA."""
    import pickle

    from ui import style_tab

    settings = style_tab.run_settings(1.0, 1.0, 10.0, 48, 4, "lbfgs", "content", False, False)
    frame = next(style_tab.frames(photo((48, 48)), stripes(), settings))
    assert frame.pixels is None and isinstance(frame.image, Image.Image)
    again = pickle.loads(pickle.dumps(frame))
    assert again.losses == frame.losses and again.image.tobytes() == frame.image.tobytes()


def test_the_gpu_time_asked_of_zero_gpu_grows_with_size_and_steps_within_its_bounds(monkeypatch):
    from ui import hosting, style_tab

    ask = [style_tab.gpu_seconds(None, None, {"size": size, "steps": steps})
           for size, steps in ((64, 10), (512, 300), (1024, 300), (1024, 1000), (1024, 10_000))]
    assert ask == sorted(ask) and ask[0] == hosting.ZERO_GPU_SECONDS[0] and ask[-1] == hosting.ZERO_GPU_SECONDS[1]
    assert ask[1] < ask[2] < ask[3]
    with pytest.raises(ValueError, match="The size must be a number from 16"):
        style_tab.gpu_seconds(None, None, {"size": 1e9, "steps": 300})     # ZeroGPU asks before stylize checks
    monkeypatch.setattr(hosting, "ZERO_GPU", True)           # the run ends itself just before ZeroGPU would
    settings = style_tab.run_settings(1.0, 1.0, 10.0, 1024, 1000, "lbfgs", "content", False, False)
    assert settings["max_seconds"] == style_tab.gpu_seconds(None, None, settings) - style_tab.GPU_MARGIN_SECONDS


def test_the_lines_limits_hold_where_a_run_joins_for_scripts_too(app_client, tmp_path, monkeypatch):
    """One running and one waiting (GENMODELS_STYLE_QUEUE=1): a third session is refused at /stylize itself, not
    only at /admit, and a session with a run in the line cannot add another."""
    from gradio_client import Client

    from ui import runs

    client, port = app_client
    monkeypatch.setenv("GENMODELS_STYLE_QUEUE", "1")
    photo((64, 64)).save(tmp_path / "c.png")
    stripes((64, 64)).save(tmp_path / "s.png")
    args = (handle_file(str(tmp_path / "c.png")), handle_file(str(tmp_path / "s.png")), 1.0, 1.0, 10.0, 64, 1000,
            "lbfgs", "content", False)
    first, second, third = (Client(f"http://127.0.0.1:{port}/", verbose=False) for _ in range(3))
    running = first.submit(*args, api_name="/stylize")
    while not running.outputs():
        time.sleep(0.05)
    waiting = second.submit(*args, api_name="/stylize")
    try:
        deadline = time.time() + 10
        while not (waiting.outputs() and runs.waiting_runs() == 1) and time.time() < deadline:
            time.sleep(0.05)
        assert runs.waiting_runs() == 1 and len(runs.LONG_RUNS) == 2
        assert waiting.outputs()[-1][2].startswith("**Waiting**: 1 long run ahead of yours")
        with pytest.raises(Exception, match="Busy: 1 long run is already waiting"):
            client.predict(api_name="/admit")           # what the page asks before a run joins the line
        with pytest.raises(Exception, match="Busy: 1 long run is already waiting"):
            third.predict(*args, api_name="/stylize")     # a script that skips /admit: refused where it joins
        with pytest.raises(Exception, match="Busy: a run of yours is already in the line"):
            first.predict(*args, api_name="/stylize")
    finally:
        waiting.cancel()
        running.cancel()
        wait_until_idle()          # the run's last step ends before the test does (torch's threads, at exit)
    deadline = time.time() + 10
    while len(runs.LONG_RUNS) and time.time() < deadline:      # a cancelled run leaves the line
        time.sleep(0.05)
    assert len(runs.LONG_RUNS) == 0


def test_runs_that_join_at_once_are_counted_under_one_lock(monkeypatch):
    """30 Starts landing together: exactly one runs and long_run_queue() wait, the rest are told "Busy"."""
    import threading

    from ui import hosting, runs

    monkeypatch.setattr(hosting, "ZERO_GPU", False)
    monkeypatch.delenv("GENMODELS_STYLE_QUEUE", raising=False)
    line, joined, refused, go = runs.Line(), [], [], threading.Barrier(30)

    def start(i: int) -> None:
        go.wait()
        try:
            joined.append(line.join(f"visitor-{i}"))
        except ValueError as err:
            refused.append(str(err))
    threads = [threading.Thread(target=start, args=(i,)) for i in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(joined) == 1 + hosting.LONG_RUN_QUEUE and len(refused) == 30 - len(joined)
    assert all(r.startswith("Busy: 3 long runs are already waiting") for r in refused)
    assert [line.turn(t, 0) for t in joined] == [0, 1, 2, 3]
    line.leave(joined[0])
    assert line.turn(joined[1], 0) == 0 and line.waiting() == 2
    stopped = runs.Line()
    first = stopped.join("me", stop=lambda: True)          # Stop pressed, its generator not closed yet
    assert stopped.join("me") is not first and len(stopped) == 1   # the next Start takes its place
    monkeypatch.setattr(hosting, "ZERO_GPU", True)          # ZeroGPU: each call its own GPU slice, none waits
    many = [line.join(f"gpu-{i}") for i in range(20)]
    assert all(line.turn(t, 0) == 0 for t in many)


def wait_until_idle(most: float = 15.0) -> None:
    """Until this process (the app runs in it) uses under a tenth of a core over 0.2 s."""
    import os

    deadline = time.time() + most
    while time.time() < deadline:
        before, t = sum(os.times()[:2]), time.time()
        time.sleep(0.2)
        if (sum(os.times()[:2]) - before) / (time.time() - t) < 0.1:
            return


def test_while_a_run_goes_its_status_names_the_limit_and_before_after_shows_from_the_first_frame(monkeypatch,
                                                                                                   tmp_path):
    from ui import hosting, style_tab

    monkeypatch.setattr(hosting, "long_run_seconds", lambda: 120.0)          # a shared CPU Space
    photo((64, 64)).save(tmp_path / "c.png")
    stripes((64, 64)).save(tmp_path / "s.png")
    frames = list(style_tab.run(str(tmp_path / "c.png"), str(tmp_path / "s.png"), 1.0, 1.0, 10.0, 64, 30, "lbfgs",
                                "content", False))
    image, _, status, before_after, _ = frames[0]
    assert status.startswith("**Running**") and "stops at 120 s on this shared server" in status
    assert before_after[0].size == before_after[1].size == image.size      # the photo and the first frame
    assert frames[-1][2].startswith("**Done**") and "stops at" not in frames[-1][2]


def test_before_start_the_tab_says_how_long_these_settings_take_on_this_host(monkeypatch):
    from ui import hosting, style_tab

    monkeypatch.setattr(hosting, "long_run_seconds", lambda: 120.0)
    monkeypatch.setattr(hosting, "ZERO_GPU", False)
    pace = style_tab.Pace(7.3)                     # the first guess for a 2-vCPU CPU (BENCHMARKS.md)
    monkeypatch.setattr(style_tab, "PACE", pace)
    assert style_tab.expected_time(256, 300) == ("These settings take about **96 s** on this host (a first "
                                                 "estimate).")
    slow = style_tab.expected_time(512, 300)
    assert "about **383 s**" in slow and "more than the 120 s a run may take here: it will stop early" in slow
    pace.record((256, 170), 300, 60.0)             # a run here: faster than the guess
    assert style_tab.expected_time(256, 300) == ("These settings take about **60 s** on this host (measured from "
                                                 "1 run here).")
    assert style_tab.expected_time(1e9, 300) == ""          # a value out of range: nothing to say
