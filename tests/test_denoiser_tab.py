"""The denoising tab: its functions, uploads, and the /denoise endpoint through gradio_client."""
import io
import struct
import zlib

import gradio as gr
import numpy as np
import pytest
from gradio_client import handle_file
from PIL import Image, ImageDraw

from genmodels.imaging import MAX_PIXELS
from ui import denoiser_tab


def test_denoise_tab_function_returns_scored_images():
    out = denoiser_tab.denoise("mnist", 3, None, "salt_pepper", 0.2, 7, "mnist")
    images = [out[k] for k in ("clean", "noisy", "denoised", "median")]
    table, summary = out["scores"], out["summary"]
    assert [im.value is not None for im in images] == [True] * 4
    assert images[0].label.startswith("Clean: test image #")
    assert [row[0] for row in table][0] == "Noisy input" and len(table) == 3
    noisy, denoised = table[0][1], table[1][1]
    assert denoised > noisy and "dB" in images[2].label and "dB" in summary
    again = denoiser_tab.denoise("mnist", 3, None, "salt_pepper", 0.2, 7, "mnist")
    assert again["scores"] == table                                       # same seed, same noise, same scores


def _odd_images():
    rgba = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    ImageDraw.Draw(rgba).ellipse((100, 40, 200, 160), outline=(20, 20, 20, 255), width=14)
    yield "RGBA with transparency", rgba
    cmyk = Image.new("CMYK", (64, 64), (0, 0, 0, 0))
    ImageDraw.Draw(cmyk).rectangle((20, 10, 40, 54), fill=(0, 0, 0, 255))
    yield "CMYK", cmyk
    i16 = Image.fromarray((np.indices((50, 50))[1] * 1000).astype(np.uint16))
    yield "16-bit gradient", i16
    grey = Image.new("L", (30, 30), 255)
    ImageDraw.Draw(grey).line((5, 5, 25, 25), fill=0, width=4)
    yield "palette", grey.convert("P")
    tiny = Image.new("L", (3, 2), 255)
    tiny.putpixel((1, 0), 0)
    yield "tiny", tiny


@pytest.mark.parametrize("name,img", list(_odd_images()), ids=[n for n, _ in _odd_images()])
def test_uploads_of_odd_modes_and_sizes_become_valid_digits(name, img):
    x, source = denoiser_tab.source_image("mnist", 0, denoiser_tab.shrink_upload(img))
    assert source.startswith("your image as the models see it") and x.shape == (1, 1, 28, 28)
    assert 0 <= x.min() and x.max() <= 1 and x.max() > 0.5


@pytest.mark.parametrize("args,message", [
    (("mnist", 500, None, "gaussian", 0.5, 0, "mnist"), "index must be a whole number from 0 to 499"),
    (("mnist", 2.5, None, "gaussian", 0.5, 0, "mnist"), "index must be a whole number"),
    (("mnist", 0, None, "gaussian", 1.5, 0, "mnist"), "gaussian noise level must be a number from 0 to 1,"),
    (("mnist", 0, None, "speckle", 0.5, 0, "mnist"), "Unknown noise kind"),
    (("mnist", 0, None, "gaussian", 0.5, -3, "mnist"), "seed must be a whole number"),
    (("mnist", 0, None, "gaussian", 0.5, 0, "cifar"), "Unknown dataset"),
    (("mnist", 0, Image.new("L", (40, 40), 255), "gaussian", 0.5, 0, "mnist"), "empty"),
])
def test_bad_values_are_clear_errors(args, message):
    with pytest.raises(gr.Error, match=message):
        denoiser_tab.denoise(*args)


def test_damaged_upload_is_a_clear_error():
    buf = io.BytesIO()
    Image.new("L", (300, 200), 255).save(buf, "PNG")
    with pytest.raises(gr.Error, match="Your picture: could not read the file, it is damaged"):
        denoiser_tab.shrink_upload(Image.open(io.BytesIO(buf.getvalue()[:100])))


def test_huge_upload_is_refused_before_decoding(tmp_path):
    """A PNG header over the one pixel limit that every picture shares (the pixel data is never read)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    side = int(MAX_PIXELS ** 0.5) + 10
    big = tmp_path / "big.png"
    big.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0))
                    + chunk(b"IDAT", zlib.compress(b"\0" * 10)) + chunk(b"IEND", b""))
    with pytest.raises(gr.Error, match="too large"):
        denoiser_tab.shrink_upload(str(big))


def test_superres_function_both_factors_and_models():
    for factor in (2, 4):
        images = denoiser_tab.superres("fashion", 10, None, factor, "fashion")
        assert list(images) == ["small", "bicubic", "model", "clean"]
        assert images["small"].label.startswith(f"Input {28 // factor}×{28 // factor}")
        assert Image.open(images["small"].value["path"]).size == (28 * denoiser_tab.SCALE,) * 2


def test_denoise_endpoint_through_gradio_client(app_client, tmp_path):
    client, _ = app_client
    out = client.predict("mnist", 12, None, "gaussian", 0.5, 1, "mnist", api_name="/denoise")
    clean, noisy, denoised, median, table, summary = out
    # each image comes as an update: the PNG path and its caption with the scores
    assert "dB" in denoised["label"] and clean["label"].startswith("Clean: test image #")
    sizes = {Image.open(p["value"]).size for p in (clean, noisy, denoised, median)}
    assert sizes == {(28 * denoiser_tab.SCALE,) * 2}
    rows = {r[0]: r[1] for r in table["data"]}
    assert rows["Autoencoder (MNIST)"] > rows["Noisy input"] + 5
    # an uploaded picture: a dark '1' on white, made MNIST-like
    img = Image.new("RGB", (120, 160), "white")
    ImageDraw.Draw(img).line([(60, 20), (60, 140)], fill="black", width=12)
    path = tmp_path / "one.png"
    img.save(path)
    out = client.predict("mnist", 0, handle_file(str(path)), "mask", 0.25, 0, "fashion", api_name="/denoise")
    assert "your image" in out[5]
    with pytest.raises(Exception, match="salt_pepper noise level must be a number from 0 to 0.5"):
        client.predict("mnist", 0, None, "salt_pepper", 0.9, 0, "mnist", api_name="/denoise")
    # a file that is no picture, and a PNG cut short (header fine, pixel data missing): messages, not crashes
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"definitely not an image")
    with pytest.raises(Exception, match="Your picture: could not read the file, it is not a picture"):
        client.predict("mnist", 0, handle_file(str(junk)), "mask", 0.25, 0, "mnist", api_name="/denoise")
    cut = tmp_path / "cut.png"
    cut.write_bytes(path.read_bytes()[:200])
    with pytest.raises(Exception, match="Your picture: could not read the file, it is damaged"):
        client.predict("mnist", 0, handle_file(str(cut)), "mask", 0.25, 0, "mnist", api_name="/denoise")
    assert "your image" in client.predict("mnist", 0, handle_file(str(path)), "mask", 0.25, 0, "fashion",
                                          api_name="/denoise")[5]


def test_at_almost_no_noise_the_summary_says_the_input_is_already_cleaner():
    """Noise level 0.01: the noisy input (≈42 dB) beats the autoencoder (≈33 dB); no "gains −9 dB"."""
    out = denoiser_tab.denoise("mnist", 12, None, "gaussian", 0.01, 0, "mnist")
    assert out["summary"].startswith("At this little noise the input is already cleaner (")
    assert "gains" not in out["summary"] and "Raise the noise level to see it help" in out["summary"]
    noisy, denoised = (row[1] for row in out["scores"][:2])
    assert noisy > denoised + 3
    usual = denoiser_tab.denoise("mnist", 12, None, "gaussian", 0.5, 0, "mnist")["summary"]
    assert usual.startswith("The autoencoder gains **+") and "over the median filter on test image #" in usual
