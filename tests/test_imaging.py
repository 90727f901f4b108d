import io

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from genmodels.imaging import MAX_INPUT_PIXELS, grid_pil, make_grid, mnistify, to_pil


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
        img = Image.fromarray((np.asarray(img.convert("L"), dtype=np.uint16) * 257))
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
    side = int(MAX_INPUT_PIXELS ** 0.5) + 10
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


def test_app_start_up_does_not_import_torchvision():
    import subprocess
    import sys

    code = "import sys, app; print('torchvision' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=str(__import__('pathlib').Path(__file__).resolve().parent.parent))
    assert out.stdout.strip().splitlines()[-1] == "False", out.stderr[-2000:]
