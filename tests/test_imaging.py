import io
import struct
import zlib

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from genmodels.imaging import MAX_PIXELS, grid_pil, make_grid, mnistify, open_picture, to_pil, trim_borders


def drawing(mode="RGBA", size=(280, 280), box=(120, 40, 150, 240), background=(0, 0, 0, 0), ink=(0, 0, 0, 255)):
    """A vertical bar (a '1') drawn like the sketchpad does: opaque ink on a transparent canvas."""
    img = Image.new("RGBA", size, background)
    ImageDraw.Draw(img).rectangle(box, fill=ink)
    return img.convert(mode) if mode != "RGBA" else img


def check_digit(x: torch.Tensor):
    assert x.shape == (1, 1, 28, 28) and x.dtype == torch.float32
    assert 0 <= x.min() and x.max() <= 1 and x.max() > 0.9
    a = x[0, 0]
    rows, cols = torch.nonzero(a > 0.1, as_tuple=True)
    assert rows.max() - rows.min() + 1 <= 21 and rows.max() - rows.min() + 1 >= 18   # longest side ~20 px
    ys, xs = torch.meshgrid(torch.arange(28.0), torch.arange(28.0), indexing="ij")
    cy, cx = (a * ys).sum() / a.sum(), (a * xs).sum() / a.sum()
    assert abs(cy - 13.5) < 1.0 and abs(cx - 13.5) < 1.0    # centre of mass at the centre


def test_sketch_on_transparent_canvas():
    check_digit(mnistify(np.asarray(drawing())))


def test_dark_ink_on_white_photo_is_inverted():
    x = mnistify(drawing("RGB", background=(255, 255, 255, 255)))
    check_digit(x)
    assert x[0, 0, 0, 0] == 0     # background black, as in MNIST


def test_light_ink_on_black_is_kept():
    check_digit(mnistify(drawing("L", background=(0, 0, 0, 255), ink=(255, 255, 255, 255))))


@pytest.mark.parametrize("mode", ["P", "LA", "CMYK", "I;16", "1", "F"])
def test_odd_modes(mode):
    img = drawing("RGB", background=(255, 255, 255, 255))
    if mode == "I;16":
        img = Image.fromarray(np.asarray(img.convert("L"), dtype=np.uint16) * 257)
    elif mode == "F":
        img = img.convert("L").convert("F")
    else:
        img = img.convert(mode)
    check_digit(mnistify(img))


def test_small_and_wide_images():
    check_digit(mnistify(drawing("RGB", size=(12, 12), box=(5, 1, 6, 10), background=(255, 255, 255, 255))))
    x = mnistify(drawing("RGB", size=(2000, 300), box=(100, 100, 1900, 200), background=(255, 255, 255, 255)))
    cols = torch.nonzero(x[0, 0] > 0.1, as_tuple=True)[1]
    assert cols.max() - cols.min() + 1 >= 19


def test_exif_rotation_is_applied():
    img = drawing("RGB", size=(300, 200), box=(20, 90, 280, 110), background=(255, 255, 255, 255))  # horizontal bar
    buf = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6      # "rotate 90° clockwise to display"
    img.save(buf, format="JPEG", exif=exif)
    x = mnistify(Image.open(io.BytesIO(buf.getvalue())))
    rows, cols = torch.nonzero(x[0, 0] > 0.3, as_tuple=True)
    assert rows.max() - rows.min() > cols.max() - cols.min()   # displayed upright: now a vertical bar


def test_empty_and_huge_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="empty"):
        mnistify(Image.new("RGBA", (100, 100), (0, 0, 0, 0)))
    with pytest.raises(ValueError, match="empty"):
        mnistify(np.zeros((0, 0, 3), dtype=np.uint8))
    side = int(MAX_PIXELS ** 0.5) + 10
    with pytest.raises(ValueError, match="too large"):
        mnistify(Image.new("L", (side, side)))


def test_to_pil_and_grid_are_crisp_upscales():
    x = torch.zeros(1, 28, 28)
    x[0, 3, 4] = 1.0
    img = to_pil(x, scale=10)
    assert img.size == (280, 280) and img.mode == "L"
    a = np.asarray(img)
    assert (a[30:40, 40:50] == 255).all() and a[29, 40] == 0 and a[30, 39] == 0   # hard edges, no blur
    g = grid_pil(torch.rand(6, 1, 28, 28), nrow=3, scale=2)
    assert g.size == (3 * 56, 2 * 56)


@pytest.mark.parametrize("n,nrow,padding", [(6, 3, 0), (7, 3, 2), (2, 4, 1), (10, 10, 2)])
def test_make_grid_matches_torchvision(n, nrow, padding):
    import torchvision.utils

    x = torch.rand(n, 1, 28, 28)
    ours = make_grid(x, nrow=nrow, padding=padding, pad_value=0.5)
    theirs = torchvision.utils.make_grid(x, nrow=nrow, padding=padding, pad_value=0.5)[:1]
    assert torch.equal(ours, theirs)


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
    img = open_picture(make(), max_side=1024)
    assert img.mode == "RGB" and img.size == size


def test_transparent_pixels_become_white():
    img = open_picture(Image.new("RGBA", (8, 8), (255, 0, 0, 0)))
    assert img.getpixel((0, 0)) == (255, 255, 255)


def test_huge_jpeg_is_decoded_small(tmp_path):
    path = tmp_path / "huge.jpg"
    Image.new("L", (10_000, 10_000), 200).save(path, quality=50)
    img = open_picture(str(path), max_side=512)
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
        open_picture(str(bomb))
    big = tmp_path / "big.png"
    big.write_bytes(_png_header_only(12_000, 11_000))     # 132 MP: over the limit, under Pillow's bomb check
    with pytest.raises(ValueError, match="too large"):
        open_picture(str(big))


def test_unreadable_input_is_a_clear_message(tmp_path):
    junk = tmp_path / "notes.jpg"
    junk.write_text("this is not a picture")
    with pytest.raises(ValueError, match="Image: could not read the file"):
        open_picture(str(junk))
    truncated = tmp_path / "cut.png"
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(buf, "PNG")
    truncated.write_bytes(buf.getvalue()[:len(buf.getvalue()) // 2])
    with pytest.raises(ValueError, match="Image: could not read the file"):
        open_picture(str(truncated))


def test_strips_wrap_into_even_rows_of_at_most_six():
    from genmodels.imaging import strip_columns

    assert [strip_columns(n) for n in (3, 6, 7, 10, 12, 16, 18)] == [3, 6, 4, 5, 6, 6, 6]


def test_sample_grid_writes_each_score_under_its_image():
    from genmodels.imaging import sample_grid

    images = torch.zeros(4, 1, 28, 28)
    plain = sample_grid(images)
    scored = sample_grid(images, torch.tensor([0.0, 0.25, 0.5, 1.0]))
    assert scored.width == plain.width and scored.height > plain.height      # a band for the bar and the number
    band = np.asarray(scored.convert("L"))[:, :scored.width // 2]
    assert (band < 100).sum() > (np.asarray(plain.convert("L"))[:, :plain.width // 2] < 100).sum()   # text drawn
    bar = np.asarray(scored)                                                  # score 1: a green bar, 0: none
    assert (bar[..., 1] > 150).any()


def test_uniform_borders_are_trimmed_and_a_picture_without_them_is_left_alone():
    rng = np.random.default_rng(1)
    inner = rng.integers(0, 256, (40, 60, 3), dtype=np.uint8)
    framed = np.full((40 + 2 * 10, 60 + 2 * 10, 3), 250, dtype=np.uint8)     # a white margin 3 px wide ...
    framed[3:-3, 3:-3] = 0                                                     # ... around a black frame 7 px wide
    framed[10:-10, 10:-10] = inner
    trimmed = trim_borders(Image.fromarray(framed))
    assert np.array_equal(np.asarray(trimmed), inner)
    plain = Image.fromarray(inner)
    assert trim_borders(plain) is plain
    flat = trim_borders(Image.new("RGB", (100, 50), (30, 30, 30)))            # all border: at most 20% a side goes
    assert flat.size == (60, 30)


def test_the_example_paintings_have_no_frame_left():
    from pathlib import Path
    examples = Path(__file__).resolve().parent.parent / "examples" / "style"
    for name in ("starry_night.jpg", "auvers_van_gogh.jpg", "gravel.png"):
        img = Image.open(examples / name)
        assert trim_borders(img).size == img.size, name


def test_a_missing_file_or_a_folder_is_named_as_such_and_no_message_mentions_pillow(tmp_path):
    import pytest

    from genmodels.imaging import open_picture

    with pytest.raises(ValueError, match="Photo: there is no file .*nowhere.jpg") as missing:
        open_picture(tmp_path / "nowhere.jpg", what="Photo")
    assert "damaged" not in str(missing.value)
    with pytest.raises(ValueError, match="is a folder, not a picture file"):
        open_picture(tmp_path, what="Photo")
    junk = tmp_path / "notes.jpg"
    junk.write_text("text")
    with pytest.raises(ValueError, match="not a picture in a format this app reads. Use a PNG, JPEG") as err:
        open_picture(junk, what="Photo")
    assert "Pillow" not in str(err.value)
