"""The style-transfer engine: losses, streaming, early close, odd inputs; and the /stylize endpoint."""
import io
import struct
import zlib
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
import torch
from gradio_client import handle_file
from PIL import Image

from genmodels import style



def photo(size=(48, 48), seed=0) -> Image.Image:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size[1], 0:size[0]]
    arr = np.stack([x * 255 // size[0], y * 255 // size[1], (x + y) % 64 * 4], -1).astype(np.uint8)
    arr[size[1] // 3: 2 * size[1] // 3, size[0] // 3: 2 * size[0] // 3] = rng.integers(0, 255, 3)
    return Image.fromarray(arr)


def stripes(size=(40, 40)) -> Image.Image:
    y, x = np.mgrid[0:size[1], 0:size[0]]
    return Image.fromarray(np.stack([((x + y) // 4 % 2) * 255] * 3, -1).astype(np.uint8))


@pytest.mark.parametrize("term", ["content", "style", "tv"])
def test_the_engine_lowers_each_loss_term_from_noise(term):
    weights = {"content_weight": 0.0, "style_weight": 0.0, "tv_weight": 0.0, f"{term}_weight": 1.0}
    frames = list(style.stylize(photo(), stripes(), size=40, steps=8, init="noise", precision="float32",
                                preview_seconds=0.0, **weights))
    assert frames[-1].final and frames[-1].step <= 8
    assert frames[-1].losses[term] < 0.9 * frames[0].losses[term]
    assert [f.step for f in frames] == sorted(f.step for f in frames)
    assert frames[-1].image.size == (40, 40) and frames[-1].image.mode == "RGB"


def test_all_terms_are_reported_and_the_total_falls():
    frames = list(style.stylize(photo(), stripes(), size=40, steps=8, tv_weight=1.0, preview_seconds=0.0))
    assert set(frames[-1].losses) == {"content", "style", "tv", "total"}
    assert frames[-1].losses["total"] < frames[0].losses["total"]


def test_square_inputs_at_size_256_give_256_square_output_and_adam_works():
    frames = list(style.stylize(photo((300, 300)), stripes((500, 500)), size=256, steps=2, optimizer="adam"))
    assert frames[-1].image.size == (256, 256)
    assert frames[-1].step == 2


def test_aspect_ratio_is_kept_and_colours_can_be_kept():
    bluish = Image.blend(photo((90, 60)), Image.new("RGB", (90, 60), (90, 110, 160)), 0.7)
    red = Image.fromarray((np.asarray(stripes()) * [1.0, 0.1, 0.1]).astype(np.uint8))

    def chroma_distance(img):
        a = np.asarray(img.convert("YCbCr"), dtype=float)[..., 1:]
        b = np.asarray(bluish.resize(img.size).convert("YCbCr"), dtype=float)[..., 1:]
        return np.abs(a - b).mean()

    kept, free = (list(style.stylize(bluish, red, size=48, steps=10, style_weight=10.0, preserve_colors=keep))[-1]
                  for keep in (True, False))
    assert kept.image.size == free.image.size == (48, 32)
    assert chroma_distance(kept.image) < 4 < chroma_distance(free.image)


def test_closing_the_generator_stops_the_work_at_once():
    vgg = style.load_vgg("cpu")
    calls = []
    hook = vgg.register_forward_hook(lambda *a: calls.append(1))
    try:
        gen = style.stylize(photo(), stripes(), size=48, steps=500, preview_seconds=0.0)
        next(gen)
        next(gen)
        done = len(calls)
        gen.close()
        assert gen.gi_frame is None                   # its tensors and optimiser state went with the frame
        with pytest.raises(StopIteration):
            next(gen)
        assert len(calls) == done and done < 20
    finally:
        hook.remove()


def _exif_rotated() -> Image.Image:
    img = Image.new("RGB", (60, 30), "red")
    exif = Image.Exif()
    exif[0x0112] = 6                                   # rotate 90° on display
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    return Image.open(io.BytesIO(buf.getvalue()))


@pytest.mark.parametrize("make,size", [
    (lambda: Image.new("RGBA", (40, 30), (255, 0, 0, 0)), (40, 30)),
    (lambda: Image.new("L", (40, 30), 128), (40, 30)),
    (lambda: Image.new("P", (40, 30), 3), (40, 30)),
    (lambda: Image.new("CMYK", (40, 30), (0, 255, 0, 0)), (40, 30)),
    (lambda: Image.fromarray((np.arange(1200).reshape(30, 40) * 50).astype(np.uint16)), (40, 30)),
    (lambda: Image.new("1", (40, 30), 1), (40, 30)),
    (_exif_rotated, (30, 60)),
    (lambda: Image.new("RGB", (3000, 2000), "blue"), (1024, 683)),
])
def test_odd_modes_become_rgb(make, size):
    img = style.load_image(make(), max_side=1024)
    assert img.mode == "RGB" and img.size == size


def test_transparent_pixels_become_white():
    img = style.load_image(Image.new("RGBA", (8, 8), (255, 0, 0, 0)))
    assert img.getpixel((0, 0)) == (255, 255, 255)


def test_huge_jpeg_is_decoded_small(tmp_path):
    path = tmp_path / "huge.jpg"
    Image.new("L", (10_000, 10_000), 200).save(path, quality=50)
    img = style.load_image(str(path), max_side=512)
    assert img.size == (512, 512) and img.mode == "RGB"


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 10)) + \
        chunk(b"IEND", b"")


def test_decompression_bomb_and_oversized_images_are_refused(tmp_path):
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(_png_header_only(40_000, 40_000))
    with pytest.raises(ValueError, match="too large"):
        style.load_image(str(bomb))
    big = tmp_path / "big.png"
    big.write_bytes(_png_header_only(12_000, 11_000))     # 132 MP: over the limit, under Pillow's bomb check
    with pytest.raises(ValueError, match="too large"):
        style.load_image(str(big))


def test_unreadable_input_is_a_clear_message(tmp_path):
    junk = tmp_path / "notes.jpg"
    junk.write_text("this is not a picture")
    with pytest.raises(ValueError, match="Could not read the image"):
        style.load_image(str(junk))
    truncated = tmp_path / "cut.png"
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(buf, "PNG")
    truncated.write_bytes(buf.getvalue()[:len(buf.getvalue()) // 2])
    with pytest.raises(ValueError, match="Could not read the image"):
        style.load_image(str(truncated))


@pytest.mark.parametrize("kwargs,message", [
    (dict(style_layers=["conv9_9"]), "Unknown style layer"),
    (dict(optimizer="sgd"), "Unknown optimizer"),
    (dict(style_weight=float("nan")), "style_weight must be a finite number"),
    (dict(size=5), "size must be between"),
])
def test_bad_settings_are_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        next(style.stylize(photo(), stripes(), **kwargs))


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


def test_coarse_to_fine_ends_at_full_size_and_counts_all_passes():
    frames = list(style.stylize(photo((64, 64)), stripes(), size=64, steps=24, coarse_steps=12, preview_seconds=0.0))
    assert frames[-1].image.size == (64, 64) and frames[-1].step == 24
    assert any(f.image.size == (32, 32) for f in frames[:-1])        # the coarse stage's previews


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
