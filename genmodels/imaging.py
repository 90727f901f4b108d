"""Image pre- and post-processing, the one place for both: opening any picture a user gives (one pixel limit, one
set of messages), tensors ↔ crisp PIL images, grids, and any picture → an MNIST-style digit."""
from __future__ import annotations

import math
import re
from pathlib import Path
from typing import BinaryIO

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

MAX_PIXELS = 120_000_000       # a JPEG (decoded at 1/2, 1/4 or 1/8 scale) up to this; larger ones are refused
MAX_FULL_PIXELS = 40_000_000   # other formats are decoded whole: up to this (40 MP of RGBA is 160 MB)
WORK_SIZE = 512                # drawings and photos are reduced to this before MNIST-style processing

Picture = str | Path | Image.Image | np.ndarray
PICTURE_FORMATS = "PNG, JPEG, WebP, GIF or BMP"     # what messages suggest
FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP")     # what Pillow may open (a camera's MPO opens as JPEG)
REDUCED_DECODE = ("JPEG", "MPO")                    # formats Pillow decodes at reduced size (draft)
_TRANSPOSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
              5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
              8: Image.Transpose.ROTATE_90}          # EXIF orientation -> the transpose that undoes it


def picture_error(err: BaseException, what: str = "Image") -> ValueError:
    """The message for a picture Pillow could not open or decode; `what` names the input ('Photo')."""
    if isinstance(err, Image.DecompressionBombError):
        size = re.search(r"\((\d+) pixels\)", str(err))           # Pillow names the size it refused
        said = f" ({int(size.group(1)) / 1e6:,.0f} megapixels)" if size else ""
        return ValueError(f"{what}: the image is too large to open safely{said}; use one under "
                          f"{MAX_PIXELS // 1_000_000} megapixels.")
    if isinstance(err, UnidentifiedImageError):
        return ValueError(f"{what}: could not read the file, it is not a picture in a format this app reads. "
                          f"Use a {PICTURE_FORMATS} image.")
    if isinstance(err, FileNotFoundError):
        return ValueError(f"{what}: there is no file {err.filename!r}.")
    if isinstance(err, IsADirectoryError):
        return ValueError(f"{what}: {err.filename!r} is a folder, not a picture file.")
    return ValueError(f"{what}: could not read the file, it is damaged or cut short. Try saving it again as "
                      f"a {PICTURE_FORMATS} image.")


def pixel_limit(img: Image.Image) -> int:
    """The most pixels a picture of this format may have: more for formats decoded at reduced size."""
    return MAX_PIXELS if img.format in REDUCED_DECODE or img.format is None else MAX_FULL_PIXELS


def check_size(img: Image.Image, what: str = "Image") -> Image.Image:
    """ValueError for a picture over its pixel limit, from its header alone (nothing is decoded)."""
    limit = pixel_limit(img)
    if img.width * img.height > limit:
        hint = "" if limit == MAX_PIXELS else f" (a JPEG may have up to {MAX_PIXELS // 1_000_000})"
        raise ValueError(f"{what}: the image is too large ({img.width}×{img.height}); use one under "
                         f"{limit // 1_000_000} megapixels{hint}.")
    return img


def open_header(source: str | Path | BinaryIO, what: str = "Image") -> Image.Image:
    """A picture file opened lazily (its header read, no pixel decoded), in one of FORMATS and within its pixel
    limit; ValueError with the message a user reads otherwise."""
    try:
        img = Image.open(source, formats=FORMATS)
    except (Image.DecompressionBombError, OSError, ValueError, SyntaxError) as err:
        raise picture_error(err, what) from None
    return check_size(img, what)


def check_upload(source: str | Path | BinaryIO, what: str = "Image") -> None:
    """Check an uploaded file before anything decodes it: format and size from the header, then the data: a JPEG
    decoded at reduced size, other formats' chunks verified without decoding their pixels. ValueError otherwise."""
    with open_header(source, what) as img:
        try:
            if img.format in REDUCED_DECODE:
                img.draft(img.mode, (512, 512))
                img.load()
            else:
                img.verify()
        except (Image.DecompressionBombError, OSError, ValueError, SyntaxError) as err:
            raise picture_error(err, what) from None


def open_picture(source: Picture, max_side: int = 2048, mode: str = "RGB", what: str = "Image") -> Image.Image:
    """Any picture (a path, a PIL image, an array) as a `mode` ('RGB' or 'L') image no larger than max_side: EXIF
    rotation applied, transparency on white, 16-bit/CMYK/palette converted. Refused by its header when over its
    pixel limit; shrunk before any conversion (a large JPEG decoded at reduced size). ValueError with the message
    a user reads for a file that is huge, no picture or damaged."""
    if isinstance(source, np.ndarray):
        img = array_to_image(source)
    elif isinstance(source, Image.Image):
        img = check_size(source, what)
    else:
        img = open_header(source, what)
    try:
        orientation = img.getexif().get(0x0112, 1)
        img.draft(mode, (max_side, max_side))        # JPEG: decode at 1/2, 1/4 or 1/8 scale when possible
        img = shrunk(img, max_side)
        if orientation in _TRANSPOSE:
            img = img.transpose(_TRANSPOSE[orientation])
        img = flatten_on_white(img).convert(mode)
    except (OSError, ValueError, SyntaxError) as err:   # a header Pillow reads, then damaged pixel data
        raise picture_error(err, what) from None
    return img


def shrunk(img: Image.Image, max_side: int) -> Image.Image:
    """The image decoded and no larger than max_side, before any other conversion: 16/32-bit as float32 ('F'),
    a palette expanded (so it shrinks smoothly)."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        img = img.convert("F")
    elif img.mode == "P":
        img = img.convert("RGBA")
    elif img.mode not in ("1", "L", "LA", "RGB", "RGBA", "F", "CMYK", "YCbCr"):
        img = img.convert("RGBA")
    if max(img.size) > max_side:          # a new image (a caller's own picture is left as it is)
        img = img.resize(fitted(img.size, max_side), Image.Resampling.LANCZOS, reducing_gap=2.0)
    return img


def fitted(size: tuple[int, int], side: int) -> tuple[int, int]:
    """The size within side×side with the aspect ratio kept, as Pillow's thumbnail() rounds it."""
    w, h = size
    aspect = w / h

    def nearest(n: float, err) -> int:
        return max(min(math.floor(n), math.ceil(n), key=err), 1)
    if w >= h:
        return side, nearest(side / aspect, lambda n: 0 if n == 0 else abs(aspect - side / n))
    return nearest(side * aspect, lambda n: abs(aspect - n / side)), side


BORDER_STD = 12.0          # grey levels: an edge row or column this uniform (std across it) is a border
BORDER_MAX = 0.2           # trim at most this fraction of the width (height) from each side


def trim_borders(img: Image.Image, std: float = BORDER_STD, most: float = BORDER_MAX) -> Image.Image:
    """The picture without uniform borders: rows and columns at each edge whose pixels hardly vary (a black
    frame, a white scan margin, letterboxing) are cut off, at most `most` of each side. A painting's frame would
    otherwise enter style transfer's Gram statistics and come back as dark edges and rectangles."""
    a = np.asarray(img.convert("RGB"), dtype=np.float32)
    h, w = a.shape[:2]
    box = [0, 0, w, h]                                   # left, top, right, bottom
    while True:                  # a frame inside a margin: the frame's rows are uniform once the margin is off
        left, top, right, bottom = box
        inner = a[top:bottom, left:right]
        flat_rows = inner.std(axis=1).mean(axis=1) < std
        flat_cols = inner.std(axis=0).mean(axis=1) < std
        cut = [_leading(flat_cols), _leading(flat_rows), _leading(flat_cols[::-1]), _leading(flat_rows[::-1])]
        limits = [int(w * most) - left, int(h * most) - top, right - int(w * (1 - most)),
                  bottom - int(h * (1 - most))]
        cut = [max(0, min(c, limit)) for c, limit in zip(cut, limits, strict=False)]
        if not any(cut):
            break
        box = [left + cut[0], top + cut[1], right - cut[2], bottom - cut[3]]
    return img if box == [0, 0, w, h] else img.crop(tuple(box))


def _leading(flags: np.ndarray) -> int:
    """How many leading entries of a boolean array are True."""
    return len(flags) if flags.all() else int(np.argmin(flags))


def to_pil(x: torch.Tensor, scale: int = 1) -> Image.Image:
    """An image tensor in [0,1] (any device) as a PIL image, upscaled by `scale` with nearest-neighbour so each
    model pixel stays a crisp square: one channel (H×W, 1×H×W, 1×1×H×W) → 'L', three (3×H×W, 1×3×H×W) → 'RGB'."""
    x = x.detach().float().cpu()
    while x.dim() > 2 and x.shape[0] == 1:
        x = x[0]
    if x.dim() == 3 and x.shape[0] == 3:
        x = x.permute(1, 2, 0)
    elif x.dim() != 2:
        raise ValueError(f"expected a one- or three-channel image, got shape {tuple(x.shape)}")
    img = Image.fromarray((x.clamp(0, 1).numpy() * 255 + 0.5).astype(np.uint8))
    return img.resize((img.width * scale, img.height * scale), Image.Resampling.NEAREST) if scale != 1 else img


def make_grid(images: torch.Tensor, nrow: int, padding: int = 0, pad_value: float = 0.0) -> torch.Tensor:
    """N×C×H×W → C×H'×W' grid, row-major, the same layout as torchvision.utils.make_grid (tested against it).
    Written out because importing torchvision costs ~1.3 s of the app's start-up for this one reshape."""
    n, c, h, w = images.shape
    nrow = min(nrow, n)
    rows = -(-n // nrow)
    filler = images.new_full((rows * nrow - n, c, h, w), pad_value)
    cells = F.pad(torch.cat([images, filler]), (padding, 0, padding, 0), value=pad_value)   # top/left gaps
    grid = cells.reshape(rows, nrow, c, h + padding, w + padding).permute(2, 0, 3, 1, 4)
    grid = grid.reshape(c, rows * (h + padding), nrow * (w + padding))
    return F.pad(grid, (0, padding, 0, padding), value=pad_value)                           # bottom/right edge


def grid_pil(images: torch.Tensor, nrow: int, scale: int = 3, padding: int = 0, pad_value: float = 1.0
             ) -> Image.Image:
    """N×1×H×W images in [0,1] as one grayscale grid (row-major), nearest-upscaled by `scale`."""
    g = make_grid(images.detach().float().cpu().clamp(0, 1), nrow=nrow, padding=padding, pad_value=pad_value)
    return to_pil(g[0], scale=scale)


def sample_grid(images: torch.Tensor, scores: torch.Tensor | None = None, width: int = 560) -> Image.Image:
    """N×1×28×28 samples as a square-ish grid about `width` px wide; with scores in [0,1], a band under each cell
    with a bar (length and colour: red 0 → green 1) and the score written beside it, e.g. the discriminator's
    realness."""
    nrow = math.ceil(math.sqrt(len(images)))
    scale = max(2, min(12, width // (nrow * 30)))
    if scores is None:
        return grid_pil(images, nrow=nrow, scale=scale, padding=2, pad_value=1.0).convert("RGB")
    side, pad = 28 * scale, 2 * scale
    band = max(14, 7 * scale)                                   # the bar and its number
    cell_w, cell_h = side + pad, side + band + pad
    rows = math.ceil(len(images) / nrow)
    img = Image.new("RGB", (nrow * cell_w + pad, rows * cell_h + pad), "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=band - 4)
    for i, (digit, s) in enumerate(zip(images, scores.tolist(), strict=False)):
        x0, y0 = pad + (i % nrow) * cell_w, pad + (i // nrow) * cell_h
        img.paste(to_pil(digit[0], scale=scale).convert("RGB"), (x0, y0))
        label = f"{s:.2f}"
        text_w = draw.textlength(label, font=font)
        bar_w = side - int(text_w) - 4
        top, bottom = y0 + side + 3, y0 + side + band - 3
        draw.rectangle([x0, top, x0 + bar_w, bottom], fill=(225, 225, 225))
        draw.rectangle([x0, top, x0 + max(1, int(s * bar_w)), bottom],
                       fill=(int(220 * (1 - s)), int(170 * s), 40))
        draw.text((x0 + side, y0 + side + band / 2), label, fill="black", font=font, anchor="rm")
    return img


def strip_columns(n: int, most: int = 6) -> int:
    """Images per row for a strip of n frames: rows of at most `most`, as even as possible (a phone-wide strip of
    one row would be too thin to see)."""
    rows = math.ceil(n / most)
    return math.ceil(n / rows)


def from_uint8(arr: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(arr)).float().div_(255.0)


def array_to_image(arr: np.ndarray) -> Image.Image:
    """A numpy image (uint8, or floats in [0,1] or [0,255]) as a PIL image; ValueError if it is empty."""
    if arr.size == 0 or arr.ndim not in (2, 3):
        raise ValueError("The image is empty.")
    if arr.dtype != np.uint8:
        arr = np.clip(arr if arr.max() > 1 else arr * 255, 0, 255).astype(np.uint8)
    return Image.fromarray(arr)


def flatten_on_white(img: Image.Image) -> Image.Image:
    """16-bit/32-bit stretched to 8 bits, palette expanded, transparent pixels made white
    (a sketch canvas is transparent, strokes opaque): an image that converts cleanly to 'L' or 'RGB'."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(img.convert("F"), dtype=np.float32)
        img = Image.fromarray((255 * (arr - arr.min()) / max(1e-9, arr.max() - arr.min())).astype(np.uint8))
    if img.mode == "P":
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
        rgba = img.convert("RGBA")
        img = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
    return img


def mnistify(image: Picture, threshold: float = 0.15, what: str = "Image") -> torch.Tensor:
    """Turn a drawing or photo into a 1×1×28×28 digit the way MNIST was made: light strokes on black,
    the digit's bounding box scaled to fit 20×20, placed so its centre of mass is at the centre.

    Raises ValueError with a readable message (starting with `what`) for empty or unreadable input."""
    gray = open_picture(image, WORK_SIZE, mode="L", what=what)
    a = np.asarray(gray, dtype=np.float32) / 255.0
    background = float(np.median(np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])))
    if background > 0.5:                            # light background: invert to MNIST's white-on-black
        a, background = 1.0 - a, 1.0 - background
    a = a - background
    a = np.clip(a / max(a.max(), 1e-6), 0, 1)
    mask = a > threshold
    if not mask.any():
        raise ValueError("The image is empty: draw a digit (or upload a picture with a clear shape).")
    rows, cols = np.where(mask.any(1))[0], np.where(mask.any(0))[0]
    crop = a[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = crop.shape
    s = 20.0 / max(h, w)
    nh, nw = max(1, round(h * s)), max(1, round(w * s))
    t = torch.from_numpy(crop)[None, None]
    small = F.interpolate(t, size=(nh, nw), mode="area" if s < 1 else "bilinear",
                          align_corners=None if s < 1 else False)[0, 0].clamp(0, 1)
    ys, xs = torch.meshgrid(torch.arange(nh, dtype=torch.float32), torch.arange(nw, dtype=torch.float32),
                            indexing="ij")
    mass = small.sum().clamp_min(1e-6)
    cy, cx = (small * ys).sum() / mass, (small * xs).sum() / mass
    top, left = int(round(14 - cy.item() - 0.5)), int(round(14 - cx.item() - 0.5))
    top, left = min(max(top, 0), 28 - nh), min(max(left, 0), 28 - nw)
    out = torch.zeros(1, 1, 28, 28)
    out[0, 0, top:top + nh, left:left + nw] = small
    return out
