"""Image pre- and post-processing: tensors ↔ crisp PIL images, and any picture → an MNIST-style digit."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageOps

MAX_INPUT_PIXELS = 40_000_000   # above this an upload is refused before it is decoded in full
WORK_SIZE = 512                 # drawings and photos are reduced to this before MNIST-style processing


def to_pil(x: torch.Tensor, scale: int = 10) -> Image.Image:
    """A 1×H×W (or H×W, or 1×1×H×W) tensor in [0,1] as a grayscale image, upscaled by `scale` with
    nearest-neighbour so each model pixel stays a crisp square."""
    x = x.detach().float().cpu().squeeze()
    if x.dim() != 2:
        raise ValueError(f"expected a single-channel image, got shape {tuple(x.shape)}")
    arr = (x.clamp(0, 1).numpy() * 255 + 0.5).astype(np.uint8)
    img = Image.fromarray(arr, mode="L")
    return img.resize((img.width * scale, img.height * scale), Image.NEAREST) if scale != 1 else img


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
    """EXIF rotation applied, 16-bit/32-bit stretched to 8 bits, palette expanded, transparent pixels made white
    (a sketch canvas is transparent, strokes opaque): an image that converts cleanly to 'L' or 'RGB'."""
    img = ImageOps.exif_transpose(img)
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        img = Image.fromarray((255 * (arr - arr.min()) / max(1e-9, arr.max() - arr.min())).astype(np.uint8))
    if img.mode == "P":
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
        rgba = img.convert("RGBA")
        img = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
    return img


def mnistify(image: Image.Image | np.ndarray, threshold: float = 0.15) -> torch.Tensor:
    """Turn a drawing or photo into a 1×1×28×28 digit the way MNIST was made: light strokes on black,
    the digit's bounding box scaled to fit 20×20, placed so its centre of mass is at the centre.

    Raises ValueError with a readable message for empty or unreadable input."""
    if isinstance(image, np.ndarray):
        image = array_to_image(image)
    if image.width * image.height > MAX_INPUT_PIXELS:
        raise ValueError(f"The image is too large ({image.width}×{image.height}); "
                         f"use one under {MAX_INPUT_PIXELS // 1_000_000} megapixels.")
    try:
        image.draft("L", (WORK_SIZE, WORK_SIZE))    # JPEG: decode at reduced size
        gray = flatten_on_white(image).convert("L")
        gray.thumbnail((WORK_SIZE, WORK_SIZE), Image.BILINEAR)
    except (OSError, SyntaxError) as err:           # a header Pillow reads, then damaged pixel data
        raise ValueError(f"Could not read the image: the file is damaged ({err}).") from None
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
    top = int(round(14 - cy.item() - 0.5)); left = int(round(14 - cx.item() - 0.5))
    top, left = min(max(top, 0), 28 - nh), min(max(left, 0), 28 - nw)
    out = torch.zeros(1, 1, 28, 28)
    out[0, 0, top:top + nh, left:left + nw] = small
    return out
