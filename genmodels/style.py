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

The engine, in the manner of pystiche: `Settings` (every option checked once), `StyleLoss` (the weighted terms for
one content and one style image), `Objective` (one pyramid level's loss as the optimiser sees it, with named state:
passes so far, the loss scale, the last and the best point), one function per optimiser (`lbfgs_stage`,
`adam_stage`), and `stylize`, the pyramid loop that runs them level by level and streams Frames: one about every
`preview_seconds` and a final one.
"""
from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from . import checks, imaging
from .device import checked as checked_device
from .imaging import Picture, open_picture, to_pil
from .registry import load_model
from .vgg16 import MEAN_RGB, VGG_LAYERS, VGG16Features

CONTENT_LAYERS = ("conv4_2",)
STYLE_LAYERS = ("conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1")
FIRST_STEP = 0.05                 # L-BFGS's first step: the largest pixel change, in [0,1] units
LOSS_CEILING = 1e6                # the largest loss the optimiser sees (see Objective)
OPTIMIZERS, INITS = ("lbfgs", "adam"), ("content", "noise")
PRECISIONS = {"auto": None, "float32": None, "bfloat16": torch.bfloat16, "float16": torch.float16}
MAX_SIZE, MAX_STEPS = 4096, 10_000
MAX_LEVELS = 4                    # pyramid levels below the full size (each half the one above)
MULTISCALE = 4                    # coarser layers the image is optimised through (see Canvas; BENCHMARKS.md)


# ---------------------------------------------------------------- images in and out

def working_size(width: int, height: int, size: int) -> tuple[int, int]:
    """(w, h) with the longer side `size`, aspect ratio kept."""
    s = size / max(width, height)
    return max(16, round(width * s)), max(16, round(height * s))


def to_tensor(img: Image.Image, wh: tuple[int, int]) -> torch.Tensor:
    """RGB PIL image → 1×3×H×W float in [0,1] at size wh."""
    img = img.resize(wh, Image.Resampling.LANCZOS) if img.size != wh else img
    return torch.from_numpy(np.asarray(img, dtype=np.float32) / 255.0).permute(2, 0, 1)[None].contiguous()


def resized(x: torch.Tensor, hw: tuple[int, ...]) -> torch.Tensor:
    """x at height×width hw: antialiased when it shrinks, bicubic (clipped to [0,1]) when it grows."""
    if tuple(x.shape[-2:]) == tuple(hw):
        return x
    if hw[0] < x.shape[-2]:
        return F.interpolate(x, size=hw, mode="bilinear", antialias=True, align_corners=False)
    return F.interpolate(x, size=hw, mode="bicubic", align_corners=False).clamp(0, 1)


def keep_colours(stylized: torch.Tensor, content: torch.Tensor) -> torch.Tensor:
    """The stylized image's luminance with the content's colour (YCbCr chroma): the style's strokes and
    texture, the photo's colours."""
    def ycbcr(x):
        r, g, b = x[:, 0], x[:, 1], x[:, 2]
        y = 0.299 * r + 0.587 * g + 0.114 * b
        return y, -0.168736 * r - 0.331264 * g + 0.5 * b, 0.5 * r - 0.418688 * g - 0.081312 * b

    y, _, _ = ycbcr(stylized)
    _, cb, cr = ycbcr(resized(content, tuple(stylized.shape[-2:])))
    rgb = torch.stack([y + 1.402 * cr, y - 0.344136 * cb - 0.714136 * cr, y + 1.772 * cb], dim=1)
    return rgb.clamp(0, 1)


# ---------------------------------------------------------------- the settings, checked once

def default_device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


def default_precision(device: str) -> str:
    """bfloat16 where the hardware runs it fast (recent x86 CPUs, Ampere+ GPUs), else float32."""
    if device.startswith("cuda"):
        return "bfloat16" if torch.cuda.is_bf16_supported() else "float16"
    return "bfloat16" if torch.ops.mkldnn._is_mkldnn_bf16_supported() else "float32"


def check_layers(layers: Sequence[str], what: str) -> tuple[str, ...]:
    """One or more VGG layer names."""
    layers = tuple(layers) or ("(none given)",)
    return tuple(checks.one_of(n, f"{what} layer", tuple(VGG_LAYERS)) for n in layers)


@dataclass(frozen=True)
class Settings:
    """Every option of a run, checked when it is made (ValueError with the message a user reads).

    steps counts VGG forward/backward passes (L-BFGS's line search may take several per iteration); coarse_steps
    of them are spent first on a pyramid of smaller images (coarse-to-fine), then the image is upsampled and
    refined at `size`. coarse_steps is one number (all at half the size) or one per level, coarsest first: (40, 60)
    spends 40 passes at a quarter of the size and 60 at half of it. multiscale: how many coarser layers the image is
    optimised through (see Canvas; 0: the pixels themselves); it changes the path, not the loss or its minimum."""
    size: int = 256
    steps: int = 300
    content_layers: tuple[str, ...] = CONTENT_LAYERS
    style_layers: tuple[str, ...] = STYLE_LAYERS
    content_weight: float = 1.0
    style_weight: float = 10.0
    tv_weight: float = 10.0
    optimizer: str = "lbfgs"
    init: str = "content"
    lr: float | None = None
    coarse_steps: int | tuple[int, ...] = 0
    multiscale: int = MULTISCALE
    preserve_colors: bool = False
    trim_borders: bool = False
    device: str | None = None
    precision: str = "auto"
    preview_seconds: float = 1.0
    max_seconds: float | None = None
    seed: int = 0

    def __post_init__(self):
        put = functools.partial(object.__setattr__, self)
        put("size", checks.whole(self.size, "The size", 16, MAX_SIZE))
        put("steps", checks.whole(self.steps, "The number of steps", 1, MAX_STEPS))
        put("content_layers", check_layers(self.content_layers, "content"))
        put("style_layers", check_layers(self.style_layers, "style"))
        for name in ("content_weight", "style_weight", "tv_weight"):
            put(name, checks.number(getattr(self, name), name, 0, math.inf))
        put("optimizer", checks.one_of(self.optimizer, "optimizer", OPTIMIZERS))
        put("init", checks.one_of(self.init, "init", INITS))
        if self.lr is not None:
            put("lr", checks.number(self.lr, "The learning rate", 1e-9, 1e3))
        coarse = self.coarse_steps if isinstance(self.coarse_steps, (tuple, list)) else (self.coarse_steps,)
        if len(coarse) > MAX_LEVELS:
            raise ValueError(f"coarse_steps takes at most {MAX_LEVELS} levels, got {len(coarse)}.")
        coarse = tuple(checks.whole(n, "coarse_steps", 0, MAX_STEPS) for n in coarse)
        if sum(coarse) >= self.steps:
            raise ValueError(f"coarse_steps must add up to fewer than the steps ({self.steps}), got {sum(coarse)}.")
        put("coarse_steps", coarse)
        put("multiscale", checks.whole(self.multiscale, "multiscale", 0, MAX_LEVELS))
        put("device", checked_device(self.device or default_device()))
        put("precision", checks.one_of(self.precision, "precision", tuple(PRECISIONS)))
        put("preview_seconds", checks.number(self.preview_seconds, "preview_seconds", 0, math.inf))
        if self.max_seconds is not None:
            put("max_seconds", checks.number(self.max_seconds, "max_seconds", 0, math.inf))
        put("seed", checks.seed(self.seed))

    @property
    def where(self) -> str:
        """The device the run uses (the one asked for, else the default one; set when the settings are made)."""
        assert self.device is not None
        return self.device

    @property
    def dtype(self) -> torch.dtype | None:
        """The convolutions' autocast dtype (None: float32)."""
        return PRECISIONS[default_precision(self.where) if self.precision == "auto" else self.precision]

    def pyramid(self) -> list[tuple[float, int]]:
        """(scale, passes) per level, coarsest first, ending with the full size; levels without passes left out."""
        coarse = self.coarse_steps if isinstance(self.coarse_steps, tuple) else (self.coarse_steps,)
        levels = [(0.5 ** (len(coarse) - i), passes) for i, passes in enumerate(coarse) if passes]
        return levels + [(1.0, self.steps - sum(coarse))]


# ---------------------------------------------------------------- the feature network and the loss

def load_vgg(device: str = "cpu") -> VGG16Features:
    """The shipped ImageNet VGG16 convolutions (conv1_1 … conv5_1) on `device`, loaded once per device."""
    return cast(VGG16Features, load_model("vgg16", "imagenet", device=device))


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

    @classmethod
    def of(cls, vgg: VGG16Features, content: torch.Tensor, style: torch.Tensor, s: Settings) -> StyleLoss:
        """The loss with a run's layers, weights and precision."""
        return cls(vgg, content, style, s.content_layers, s.style_layers, s.content_weight, s.style_weight,
                   s.tv_weight, s.dtype)

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
        content = total(F.mse_loss(f[n].float(), self.content_targets[n]) for n in self.content_layers)
        style = total(F.mse_loss(gram(f[n]), self.style_targets[n]) for n in self.style_layers)
        out = {"content": self.weights["content"] * content, "style": self.weights["style"] * style}
        if self.weights["tv"]:
            out["tv"] = self.weights["tv"] * tv_loss(x * 255.0)
        out["total"] = total(out.values())
        return out


def total(terms: Iterable[torch.Tensor]) -> torch.Tensor:
    """The sum of loss terms (at least one), added in order."""
    return cast(torch.Tensor, sum(terms))


# ---------------------------------------------------------------- one pyramid level's objective

class BudgetSpent(Exception):
    """Raised inside the objective when the level's passes are spent (it ends the optimiser's step)."""


class Stopped(Exception):
    """Raised inside the objective when the run was asked to stop (before a pass, so at most one pass runs on)."""


@dataclass
class Point:
    """An evaluated image: its pixels, its total loss and its weighted terms (tensors, on the run's device)."""
    x: torch.Tensor
    loss: torch.Tensor
    terms: dict[str, torch.Tensor]


class Canvas:
    """What the optimiser changes, and the image that makes. scales=0: the pixels themselves, kept in [0,1] (clamped
    before each evaluation; the gradient projected at the box, so that clamping does not undo a step). scales=n: a
    Laplacian-pyramid parameterisation: the image is a full-size layer plus n coarser ones (each half the size of
    the one above, upsampled and weighted 0.5ᵏ), clamped to [0,1]. One parameter of a coarse layer moves a whole
    patch of pixels, so changes at large scales take fewer passes; the loss and its minimum are the same."""

    def __init__(self, x: torch.Tensor, scales: int = 0):
        h, w = x.shape[-2:]
        self.scales, self.hw = scales, (h, w)
        self.params = [x.detach().clone().contiguous().requires_grad_(True)] + [
            torch.zeros(1, 3, max(1, math.ceil(h / 2 ** k)), max(1, math.ceil(w / 2 ** k)), device=x.device,
                        requires_grad=True) for k in range(1, scales + 1)]

    def image(self) -> torch.Tensor:
        """The image (1×3×H×W in [0,1]), with autograd back to the parameters."""
        if not self.scales:
            with torch.no_grad():
                self.params[0].clamp_(0, 1)
            return self.params[0]
        x = self.params[0]
        for k, layer in enumerate(self.params[1:], 1):
            x = x + 0.5 ** k * F.interpolate(layer, size=self.hw, mode="bilinear", align_corners=False)
        return x.clamp(0, 1)

    def project(self) -> None:
        """After a backward pass: no pull past the [0,1] box where the pixels are the parameters."""
        if not self.scales:
            x, g = self.params[0], self.params[0].grad
            assert g is not None, "project() follows a backward pass"
            with torch.no_grad():
                g.masked_fill_(((x <= 0) & (g > 0)) | ((x >= 1) & (g < 0)), 0.0)

    def grads(self) -> list[torch.Tensor]:
        """The parameters' gradients, after a backward pass."""
        grads = [p.grad for p in self.params]
        assert all(g is not None for g in grads), "grads() follows a backward pass"
        return cast(list[torch.Tensor], grads)


class Objective:
    """The loss as the optimiser sees it, one pyramid level: call it (a closure) to evaluate the canvas.

    State: `passes` (VGG forward/backward passes so far, in the whole run) and `budget` (where this level stops);
    `scale`, fixed at the first evaluation: losses above LOSS_CEILING are divided down to it, so the line search's
    cubic interpolation cannot overflow float32 at the 1e10 losses a strong style weight gives; `last`, the latest
    evaluated point with its gradient (L-BFGS re-evaluates the current point at the start of every step() call,
    which is where previews are taken: that costs nothing; reuse_last=False skips the check, for Adam, which never
    comes back to a point); `best`, the lowest loss seen, which previews show and the next level starts from.
    Keeping `best` needs no trip to the host. `should_stop`, asked before every pass, ends the run (Stopped)."""

    def __init__(self, loss: StyleLoss, budget: int, passes: int = 0, reuse_last: bool = True,
                 should_stop: Callable[[], bool] | None = None):
        self.loss, self.budget, self.passes, self.reuse_last = loss, budget, passes, reuse_last
        self.should_stop = should_stop
        self.scale: torch.Tensor | None = None
        self.last: Point | None = None
        self.last_grads: list[torch.Tensor] = []
        self.best: Point | None = None

    @property
    def spent(self) -> bool:
        return self.passes >= self.budget

    def __call__(self, canvas: Canvas) -> torch.Tensor:
        x = canvas.image()
        if self.reuse_last and self.last is not None and torch.equal(self.last.x, x.detach()):
            for p, g in zip(canvas.params, self.last_grads, strict=False):
                p.grad = g.clone()
            assert self.scale is not None           # set with the first point
            return self.last.loss / self.scale
        if self.spent:
            raise BudgetSpent
        if self.should_stop is not None and self.should_stop():
            raise Stopped
        for p in canvas.params:
            p.grad = None
        terms = self.loss.terms(x)
        if self.scale is None:
            self.scale = (terms["total"].detach() / LOSS_CEILING).clamp_min(1.0)
        (terms["total"] / self.scale).backward()
        canvas.project()
        self.passes += 1
        self.remember(Point(x.detach().clone(), terms["total"].detach(), {k: v.detach() for k, v in terms.items()}),
                      [g.detach().clone() for g in canvas.grads()])
        return terms["total"].detach() / self.scale

    def remember(self, point: Point, grads: list[torch.Tensor]) -> None:
        self.last, self.last_grads = point, grads
        if self.best is None:
            self.best = point
            return
        better = point.loss < self.best.loss           # stays on the device: torch.where, no Python branch
        self.best = Point(torch.where(better, point.x, self.best.x), torch.minimum(point.loss, self.best.loss),
                          {k: torch.where(better, v, self.best.terms[k]) for k, v in point.terms.items()})


# ---------------------------------------------------------------- the optimisers, one function each

def lbfgs_stage(objective: Objective, canvas: Canvas, lr: float | None, preview_seconds: float
                ) -> Iterator[None]:
    """L-BFGS with the strong-Wolfe line search until the level's passes are spent; yields between step() calls,
    about every preview_seconds (the curvature history carries over between calls)."""
    opt = torch.optim.LBFGS(canvas.params, lr=lr or 1.0, max_iter=1, max_eval=26, history_size=100,
                            tolerance_grad=0.0, tolerance_change=0.0, line_search_fn="strong_wolfe")
    closure = functools.partial(objective, canvas)
    try:
        if not lr:
            # L-BFGS's first step moves the parameters by 1/‖g‖₁ along -g: far too little to measure at these loss
            # scales (and lost in bfloat16 rounding). Make its largest change FIRST_STEP instead; the line search
            # corrects it, and later steps take their size from the curvature history.
            closure()
            g = torch.cat([g.flatten() for g in objective.last_grads])
            t_first = min(1.0, 1.0 / max(g.abs().sum().item(), 1e-30))
            opt.param_groups[0]["lr"] = FIRST_STEP / max(g.abs().max().item() * t_first, 1e-30)
        while not objective.spent:
            before, t0 = objective.passes, time.perf_counter()
            opt.step(closure)
            if objective.passes == before:          # converged: no new evaluation was needed
                return
            group = opt.param_groups[0]
            group["lr"] = lr or 1.0
            # iterations per step() call: about one preview interval's worth (1 at first, for a quick first
            # preview); the line search may use what max_eval leaves: keep it generous, the budget is the passes
            per_pass = (time.perf_counter() - t0) / (objective.passes - before)
            group["max_iter"] = int(min(20, max(1, preview_seconds / per_pass / 1.3)))
            group["max_eval"] = group["max_iter"] + 25
            yield
    except BudgetSpent:
        pass
    finally:
        opt.state.clear()


def adam_stage(objective: Objective, canvas: Canvas, lr: float | None) -> Iterator[None]:
    """Adam until the level's passes are spent; yields after every step."""
    opt = torch.optim.Adam(canvas.params, lr=lr or 0.02)
    try:
        while not objective.spent:
            opt.zero_grad(set_to_none=True)
            objective(canvas)
            opt.step()
            yield
    finally:
        opt.state.clear()


# ---------------------------------------------------------------- the pyramid loop

@dataclass
class Frame:
    step: int                     # VGG forward/backward passes so far
    image: Image.Image
    losses: dict[str, float]      # weighted terms and 'total'
    elapsed: float                # seconds since the generator started
    device: str
    final: bool = False
    pixels: torch.Tensor | None = field(default=None, repr=False)   # 1×3×H×W in [0,1], CPU, before colour keeping
    timed_out: bool = False       # the final frame came at max_seconds, before the passes were spent


def first_image(content: torch.Tensor, s: Settings) -> torch.Tensor:
    """Where the optimisation starts: the photo, or uniform noise (the same for the same seed)."""
    if s.init == "content":
        return content.clone()
    gen = torch.Generator(device="cpu").manual_seed(s.seed)
    return torch.rand(content.shape, generator=gen).to(content.device)


def stylize(content: Picture, style: Picture, size: int = 256, steps: int = 300, *,
            content_layers: Sequence[str] = CONTENT_LAYERS, style_layers: Sequence[str] = STYLE_LAYERS,
            content_weight: float = 1.0, style_weight: float = 10.0, tv_weight: float = 10.0,
            optimizer: str = "lbfgs", init: str = "content", lr: float | None = None,
            coarse_steps: int | Sequence[int] = 0, multiscale: int = MULTISCALE, preserve_colors: bool = False,
            trim_borders: bool = False, device: str | None = None, precision: str = "auto",
            preview_seconds: float = 1.0, max_seconds: float | None = None, seed: int = 0,
            should_stop: Callable[[], bool] | None = None) -> Iterator[Frame]:
    """Optimise an image towards `content` in the style of `style`; yields Frames (see the module docstring).

    The options are those of Settings. precision: 'auto' (bfloat16 convolutions where fast, float32 elsewhere),
    'float32', 'bfloat16', 'float16'. trim_borders: cut uniform borders (a frame, a canvas edge) off the style
    image first. max_seconds: stop with the best image so far once the run has taken that long (Frame.timed_out).
    Closing the generator (GeneratorExit at the yield it waits at) stops the optimisation at once; its tensors and
    the optimiser's history go with the generator's frame. should_stop, asked before every VGG pass (from any
    thread), ends the run without another frame when it says True: a Stop that comes while a step is under way
    costs at most the pass in progress."""
    s = Settings(size=size, steps=steps, content_layers=tuple(content_layers), style_layers=tuple(style_layers),
                 content_weight=content_weight, style_weight=style_weight, tv_weight=tv_weight, optimizer=optimizer,
                 init=init, lr=lr, coarse_steps=tuple(coarse_steps) if isinstance(coarse_steps, Sequence) else
                 coarse_steps, multiscale=multiscale, preserve_colors=preserve_colors, trim_borders=trim_borders,
                 device=device, precision=precision, preview_seconds=preview_seconds, max_seconds=max_seconds,
                 seed=seed)
    start = time.perf_counter()
    photo = open_picture(content, max_side=2 * s.size, what="Photo")
    painting = open_picture(style, max_side=2 * s.size, what="Painting")
    if s.trim_borders:
        painting = imaging.trim_borders(painting)
    vgg = load_vgg(s.where)
    content_full = to_tensor(photo, working_size(*photo.size, s.size)).to(s.where)
    style_full = to_tensor(painting, working_size(*painting.size, s.size)).to(s.where)

    def frame(objective: Objective, final: bool = False, timed_out: bool = False) -> Frame:
        best = objective.best
        assert best is not None, "a frame follows the first evaluation"
        # a run stopped by its time limit on a coarse level still ends at the size asked for
        x = resized(best.x, tuple(content_full.shape[-2:])) if timed_out else best.x
        shown = keep_colours(x, content_full) if s.preserve_colors else x
        return Frame(objective.passes, to_pil(shown), {k: float(v) for k, v in best.terms.items()},
                     time.perf_counter() - start, s.where, final, x.detach().float().cpu(), timed_out)

    try:
        x, passes, last_preview = None, 0, -math.inf
        for scale, level_passes in s.pyramid():
            if should_stop is not None and should_stop():
                raise Stopped
            hw = tuple(max(16, round(side * scale)) for side in content_full.shape[-2:])
            style_hw = tuple(max(16, round(side * scale)) for side in style_full.shape[-2:])
            content_level = resized(content_full, hw)
            objective = Objective(StyleLoss.of(vgg, content_level, resized(style_full, style_hw), s),
                                  budget=passes + level_passes, passes=passes, reuse_last=s.optimizer == "lbfgs",
                                  should_stop=should_stop)
            # the first level starts from the photo (or noise); each next one from the best point of the last,
            # upsampled
            canvas = Canvas(first_image(content_level, s) if x is None else resized(x, hw), s.multiscale)
            stage = lbfgs_stage(objective, canvas, s.lr, s.preview_seconds) if s.optimizer == "lbfgs" else \
                adam_stage(objective, canvas, s.lr)
            for _ in stage:
                if s.max_seconds is not None and time.perf_counter() - start >= s.max_seconds:
                    yield frame(objective, final=True, timed_out=True)
                    return
                if objective.passes < s.steps and time.perf_counter() - last_preview >= s.preview_seconds:
                    last_preview = time.perf_counter()
                    yield frame(objective)
            assert objective.best is not None, "every level evaluates its start"
            passes, x = objective.passes, objective.best.x
        yield frame(objective, final=True)
    except Stopped:       # asked before every pass and every level: no more frames
        return
