"""Neural style transfer (Gatys et al. 2016): optimise the pixels of an image so that its VGG16 features match
a content photo and the Gram matrices of its features match a painting.

Loss, as in the classic algorithm (so results compare with it):
- features are VGG16 convolution outputs *before* the ReLU, on input in the shipped weights' convention
  (RGB 0..255 minus the ImageNet mean);
- content = Σ over content layers of MSE(F(x), F(content));
- style = Σ over style layers of MSE(G(x), G(style)), with G = F·Fᵀ / (C·H·W);
- tv (smoothness) = mean squared difference between vertically and horizontally neighbouring pixels, summed,
  on the 0..255 scale;
- total = content_weight·content + style_weight·style + tv_weight·tv.

`stylize(...)` is a generator: it yields a Frame about every `preview_seconds` and a final one.
"""
from __future__ import annotations

import copy
import functools
import math
import time
from dataclasses import dataclass, field
from typing import Iterator, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from . import checks
from .imaging import Picture, open_picture, to_pil
from .registry import load_model
from .vgg16 import MEAN_RGB, VGG_LAYERS, VGG16Features

CONTENT_LAYERS = ("conv4_2",)
STYLE_LAYERS = ("conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1")
FIRST_STEP = 0.05                 # L-BFGS's first step: the largest pixel change, in [0,1] units
LOSS_CEILING = 1e6                # the largest loss the optimiser sees (see the closure in stylize)
OPTIMIZERS, INITS = ("lbfgs", "adam"), ("content", "noise")
PRECISIONS = {"auto": None, "float32": None, "bfloat16": torch.bfloat16, "float16": torch.float16}
MAX_SIZE, MAX_STEPS = 4096, 10_000


# ---------------------------------------------------------------- images in and out

def working_size(width: int, height: int, size: int) -> tuple[int, int]:
    """(w, h) with the longer side `size`, aspect ratio kept."""
    s = size / max(width, height)
    return max(16, round(width * s)), max(16, round(height * s))


def to_tensor(img: Image.Image, wh: tuple[int, int]) -> torch.Tensor:
    """RGB PIL image → 1×3×H×W float in [0,1] at size wh."""
    img = img.resize(wh, Image.LANCZOS) if img.size != wh else img
    return torch.from_numpy(np.asarray(img, dtype=np.float32) / 255.0).permute(2, 0, 1)[None].contiguous()


def keep_colours(stylized: torch.Tensor, content: torch.Tensor) -> torch.Tensor:
    """The stylized image's luminance with the content's colour (YCbCr chroma): the style's strokes and
    texture, the photo's colours."""
    def ycbcr(x):
        r, g, b = x[:, 0], x[:, 1], x[:, 2]
        y = 0.299 * r + 0.587 * g + 0.114 * b
        return y, -0.168736 * r - 0.331264 * g + 0.5 * b, 0.5 * r - 0.418688 * g - 0.081312 * b

    y, _, _ = ycbcr(stylized)
    _, cb, cr = ycbcr(content)
    rgb = torch.stack([y + 1.402 * cr, y - 0.344136 * cb - 0.714136 * cr, y + 1.772 * cb], dim=1)
    return rgb.clamp(0, 1)


# ---------------------------------------------------------------- the feature network

@functools.lru_cache(maxsize=4)
def load_vgg(device: str = "cpu") -> VGG16Features:
    """The shipped ImageNet VGG16 convolutions (conv1_1 … conv5_1), cached per device."""
    vgg = load_model("vgg16", "imagenet")
    return vgg if device == "cpu" else copy.deepcopy(vgg).to(device)


def check_layers(layers: Sequence[str], what: str) -> tuple[str, ...]:
    """One or more VGG layer names."""
    layers = tuple(layers) or ("(none given)",)
    return tuple(checks.one_of(n, f"{what} layer", tuple(VGG_LAYERS)) for n in layers)


def caffe(x: torch.Tensor) -> torch.Tensor:
    """[0,1] RGB → the shipped weights' input: 0..255 minus the ImageNet mean."""
    mean = torch.tensor(MEAN_RGB, device=x.device, dtype=x.dtype).view(1, 3, 1, 1)
    return x * 255.0 - mean


def gram(f: torch.Tensor) -> torch.Tensor:
    """F·Fᵀ / (C·H·W) for a 1×C×H×W feature map, in float32."""
    _, c, h, w = f.shape
    f = f.reshape(c, h * w).float()
    return f @ f.t() / (c * h * w)


def tv_loss(x255: torch.Tensor) -> torch.Tensor:
    return ((x255[:, :, 1:, :] - x255[:, :, :-1, :]).pow(2).mean()
            + (x255[:, :, :, 1:] - x255[:, :, :, :-1]).pow(2).mean())


class StyleLoss:
    """The Gatys objective for one content and one style image; targets computed once, without autograd."""

    def __init__(self, vgg: VGG16Features, content: torch.Tensor, style: torch.Tensor,
                 content_layers: Sequence[str] = CONTENT_LAYERS, style_layers: Sequence[str] = STYLE_LAYERS,
                 content_weight: float = 1.0, style_weight: float = 10.0, tv_weight: float = 0.0,
                 autocast_dtype: torch.dtype | None = None):
        self.vgg = vgg
        self.content_layers = check_layers(content_layers, "content")
        self.style_layers = check_layers(style_layers, "style")
        self.wanted = tuple(dict.fromkeys(self.content_layers + self.style_layers))
        self.weights = {"content": float(content_weight), "style": float(style_weight), "tv": float(tv_weight)}
        self.autocast_dtype = autocast_dtype
        with torch.no_grad():
            fc = self.features(content)
            fs = self.features(style)
            self.content_targets = {n: fc[n].float() for n in self.content_layers}
            self.style_targets = {n: gram(fs[n]) for n in self.style_layers}

    def features(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        inp = caffe(x)
        if x.device.type == "cuda" or self.autocast_dtype is not None:
            inp = inp.contiguous(memory_format=torch.channels_last)
        if self.autocast_dtype is None:
            return self.vgg(inp, self.wanted)
        with torch.autocast(x.device.type, dtype=self.autocast_dtype):
            return self.vgg(inp, self.wanted)

    def terms(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Weighted loss terms and their sum ('total') for the image x (1×3×H×W in [0,1])."""
        f = self.features(x)
        content = sum(F.mse_loss(f[n].float(), self.content_targets[n]) for n in self.content_layers)
        style = sum(F.mse_loss(gram(f[n]), self.style_targets[n]) for n in self.style_layers)
        out = {"content": self.weights["content"] * content, "style": self.weights["style"] * style}
        if self.weights["tv"]:
            out["tv"] = self.weights["tv"] * tv_loss(x * 255.0)
        out["total"] = sum(out.values())
        return out


# ---------------------------------------------------------------- the optimisation loop

@dataclass
class Frame:
    step: int                     # VGG forward/backward passes so far
    image: Image.Image
    losses: dict[str, float]      # weighted terms and 'total'
    elapsed: float                # seconds since the generator started
    device: str
    final: bool = False
    pixels: torch.Tensor | None = field(default=None, repr=False)   # 1×3×H×W in [0,1], CPU, before colour keeping


class _Stop(Exception):
    """Raised inside the objective when the stage's budget of passes is spent."""


def default_device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


def default_precision(device: str) -> str:
    """bfloat16 where the hardware runs it fast (recent x86 CPUs, Ampere+ GPUs), else float32."""
    if device.startswith("cuda"):
        return "bfloat16" if torch.cuda.is_bf16_supported() else "float16"
    return "bfloat16" if torch.ops.mkldnn._is_mkldnn_bf16_supported() else "float32"


def stylize(content: Picture, style: Picture, size: int = 256,
            steps: int = 300, *, content_layers: Sequence[str] = CONTENT_LAYERS,
            style_layers: Sequence[str] = STYLE_LAYERS, content_weight: float = 1.0, style_weight: float = 10.0,
            tv_weight: float = 10.0, optimizer: str = "lbfgs", init: str = "content", lr: float | None = None,
            coarse_steps: int = 0, preserve_colors: bool = False, device: str | None = None,
            precision: str = "auto", preview_seconds: float = 1.0, seed: int = 0) -> Iterator[Frame]:
    """Optimise an image towards `content` in the style of `style`; yields Frames (see the module docstring).

    steps counts VGG forward/backward passes (L-BFGS's line search may take several per iteration).
    coarse_steps of them are spent first at half the size, then the image is upsampled and refined.
    precision: 'auto' (bfloat16 convolutions where fast, float32 elsewhere), 'float32', 'bfloat16', 'float16'.
    Closing the generator (GeneratorExit at the yield it waits at) stops the optimisation at once; its tensors
    and the optimiser's history go with the generator's frame."""
    optimizer = checks.one_of(optimizer, "optimizer", OPTIMIZERS)
    init = checks.one_of(init, "init", INITS)
    content_weight, style_weight, tv_weight = (checks.number(v, name, 0, math.inf) for name, v in (
        ("content_weight", content_weight), ("style_weight", style_weight), ("tv_weight", tv_weight)))
    size = checks.whole(size, "The size", 16, MAX_SIZE)
    steps = checks.whole(steps, "The number of steps", 1, MAX_STEPS)
    coarse_steps = checks.whole(coarse_steps, "coarse_steps", 0, steps - 1)
    preview_seconds = checks.number(preview_seconds, "preview_seconds", 0, math.inf)
    check_layers(content_layers, "content"), check_layers(style_layers, "style")
    device = device or default_device()
    precision = checks.one_of(precision, "precision", tuple(PRECISIONS))
    dtype = PRECISIONS[default_precision(device) if precision == "auto" else precision]

    start = time.perf_counter()
    content_img, style_img = (open_picture(content, max_side=2 * size, what="Photo"),
                              open_picture(style, max_side=2 * size, what="Painting"))
    vgg = load_vgg(device)
    wh = working_size(*content_img.size, int(size))
    style_wh = working_size(*style_img.size, int(size))
    content_full = to_tensor(content_img, wh).to(device)
    style_full = to_tensor(style_img, style_wh).to(device)
    settings = dict(content_layers=content_layers, style_layers=style_layers, content_weight=content_weight,
                    style_weight=style_weight, tv_weight=tv_weight, autocast_dtype=dtype)

    gen = torch.Generator(device="cpu").manual_seed(checks.seed(seed))
    stages = [(int(coarse_steps), 0.5), (int(steps) - int(coarse_steps), 1.0)] if coarse_steps else \
        [(int(steps), 1.0)]
    x = None
    best: dict = {"x": None, "loss": None, "terms": None}   # per stage; the next stage starts from the last one's
    done = 0
    last_preview = -math.inf

    def frame(img: torch.Tensor, losses: dict, final: bool = False) -> Frame:
        shown = keep_colours(img, content_stage) if preserve_colors else img
        return Frame(done, to_pil(shown), {k: float(v) for k, v in losses.items()},
                     time.perf_counter() - start, device, final, img.detach().float().cpu())

    for stage_steps, scale in stages:
        stage_wh = (max(16, round(wh[0] * scale)), max(16, round(wh[1] * scale)))
        content_stage = F.interpolate(content_full, size=stage_wh[::-1], mode="bilinear", antialias=True,
                                      align_corners=False) if scale != 1 else content_full
        style_stage = F.interpolate(style_full, scale_factor=scale, mode="bilinear", antialias=True,
                                    align_corners=False) if scale != 1 else style_full
        objective = StyleLoss(vgg, content_stage, style_stage, **settings)
        if x is None:
            if init == "content":
                x = content_stage.clone()
            else:
                x = torch.rand(content_stage.shape, generator=gen).to(device)
        else:   # the next stage starts from the best evaluated point of the last one, upsampled
            x = F.interpolate(best["x"], size=stage_wh[::-1], mode="bicubic", align_corners=False).clamp(0, 1)
        x = x.contiguous().requires_grad_(True)
        # the latest evaluated point, so a repeated evaluation at the same pixels is free (L-BFGS re-evaluates
        # the current point at the start of every step() call, which is where previews are taken)
        cache: dict = {"x": None, "loss": None, "grad": None, "terms": None}
        best: dict = {"x": None, "loss": None, "terms": None}     # the lowest loss seen: what previews show
        scale: dict = {"value": None}
        budget = done + stage_steps

        def closure() -> torch.Tensor:
            nonlocal done
            with torch.no_grad():
                x.clamp_(0, 1)
            if lbfgs and cache["x"] is not None and torch.equal(cache["x"], x):
                x.grad = cache["grad"].clone()
                return cache["loss"]
            if done >= budget:
                raise _Stop
            x.grad = None
            terms = objective.terms(x)
            if scale["value"] is None:
                scale["value"] = (terms["total"].detach() / LOSS_CEILING).clamp_min(1.0)
            # above LOSS_CEILING the optimiser sees the loss scaled down to it, so the line search's cubic
            # interpolation cannot overflow float32 at the 1e10 losses a strong style weight gives
            (terms["total"] / scale["value"]).backward()
            with torch.no_grad():   # project: no pull past the [0,1] box, where clamping would undo the step
                g = x.grad
                g.masked_fill_(((x <= 0) & (g > 0)) | ((x >= 1) & (g < 0)), 0.0)
            done += 1
            terms = {k: v.detach() for k, v in terms.items()}
            if not lbfgs:       # Adam: keep the best point on the device, no host round-trip per step
                if best["loss"] is None:
                    best.update(x=x.detach().clone(), loss=terms["total"], terms=terms)
                else:
                    better = terms["total"] < best["loss"]
                    best["x"] = torch.where(better, x.detach(), best["x"])
                    best["terms"] = {k: torch.where(better, v, best["terms"][k]) for k, v in terms.items()}
                    best["loss"] = torch.minimum(terms["total"], best["loss"])
                return terms["total"] / scale["value"]
            cache.update(x=x.detach().clone(), loss=terms["total"] / scale["value"], grad=x.grad.detach().clone(),
                         terms=terms)
            if best["loss"] is None or terms["total"] < best["loss"]:
                best.update(x=cache["x"], loss=terms["total"], terms=terms)
            return cache["loss"]

        lbfgs = optimizer == "lbfgs"
        if lbfgs:
            opt = torch.optim.LBFGS([x], lr=lr or 1.0, max_iter=1, max_eval=26, history_size=100, tolerance_grad=0.0,
                                    tolerance_change=0.0, line_search_fn="strong_wolfe")
        else:
            opt = torch.optim.Adam([x], lr=lr or 0.02)
        try:
            if optimizer == "lbfgs" and not lr:
                # L-BFGS's first step moves the pixels by 1/‖g‖₁ along -g: far too little to measure at these
                # loss scales (and lost in bfloat16 rounding). Make its largest pixel change FIRST_STEP instead;
                # the line search corrects it, and later steps take their size from the curvature history.
                closure()
                g = cache["grad"]
                t_first = min(1.0, 1.0 / max(g.abs().sum().item(), 1e-30))
                opt.param_groups[0]["lr"] = FIRST_STEP / max(g.abs().max().item() * t_first, 1e-30)
            while done < budget:
                if optimizer == "lbfgs":
                    before, t0 = done, time.perf_counter()
                    opt.step(closure)
                    opt.param_groups[0]["lr"] = lr or 1.0
                    # iterations per step() call: about one preview interval's worth (1 at first, for a quick
                    # first preview); the L-BFGS history carries over between calls
                    per_pass = (time.perf_counter() - t0) / max(1, done - before)
                    opt.param_groups[0]["max_iter"] = int(min(20, max(1, preview_seconds / per_pass / 1.3)))
                    # (the line search may use what max_eval leaves: keep it generous, the budget is `steps`)
                    opt.param_groups[0]["max_eval"] = opt.param_groups[0]["max_iter"] + 25
                    if done == before:          # converged: no new evaluation was needed
                        break
                else:
                    opt.zero_grad(set_to_none=True)
                    closure()
                    opt.step()
                if done < int(steps) and time.perf_counter() - last_preview >= preview_seconds:
                    last_preview = time.perf_counter()
                    yield frame(best["x"], best["terms"])
        except _Stop:
            pass
        finally:
            opt.state.clear()
    yield frame(best["x"], best["terms"], final=True)

