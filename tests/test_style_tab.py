"""The style tab: uploads and the /stylize endpoint through gradio_client."""
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

