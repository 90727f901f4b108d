"""The style-transfer engine: losses, streaming, early close, bad settings."""
import numpy as np
import pytest
import torch
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


@pytest.mark.parametrize("kwargs,message", [
    (dict(style_layers=["conv9_9"]), "Unknown style layer"),
    (dict(optimizer="sgd"), "Unknown optimizer"),
    (dict(style_weight=float("nan")), "style_weight must be a number ≥ 0, got nan"),
    (dict(size=5), "size must be a whole number from 16 to 4,096"),
    (dict(steps=2.5), "number of steps must be a whole number"),
    (dict(precision="int8"), "Unknown precision"),
    (dict(steps=30, coarse_steps=(10, 20)), "coarse_steps must add up to fewer than the steps"),
    (dict(coarse_steps=(1, 1, 1, 1, 1)), "at most 4 levels"),
    (dict(multiscale=9), "multiscale must be a whole number from 0 to 4"),
    (dict(max_seconds=-1), "max_seconds must be a number ≥ 0"),
    (dict(device="gpu"), "Device 'gpu' is not available here"),
])
def test_bad_settings_are_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        next(style.stylize(photo(), stripes(), **kwargs))


def test_coarse_to_fine_ends_at_full_size_and_counts_all_passes():
    frames = list(style.stylize(photo((64, 64)), stripes(), size=64, steps=24, coarse_steps=12, preview_seconds=0.0))
    assert frames[-1].image.size == (64, 64) and frames[-1].step == 24
    assert any(f.image.size == (32, 32) for f in frames[:-1])        # the coarse stage's previews




def test_a_pyramid_of_coarse_levels_previews_each_size_and_ends_at_full_size():
    frames = list(style.stylize(photo((64, 64)), stripes(), size=64, steps=30, coarse_steps=(8, 10),
                                preview_seconds=0.0))
    sizes = [f.image.size for f in frames]
    assert (16, 16) in sizes and (32, 32) in sizes and sizes[-1] == (64, 64)
    assert sizes.index((16, 16)) < sizes.index((32, 32)) < sizes.index((64, 64))     # coarsest first
    assert frames[-1].step == 30 and [f.step for f in frames] == sorted(f.step for f in frames)


def test_the_multiscale_canvas_is_the_sum_of_its_layers_clamped():
    canvas = style.Canvas(torch.full((1, 3, 16, 12), 0.5), scales=2)
    assert [tuple(p.shape[-2:]) for p in canvas.params] == [(16, 12), (8, 6), (4, 3)]
    with torch.no_grad():
        canvas.params[2].fill_(0.4)                  # the 4×3 layer, weighted ¼: +0.1 on every pixel
    assert torch.allclose(canvas.image(), torch.full((1, 3, 16, 12), 0.6))
    with torch.no_grad():
        canvas.params[1].fill_(4.0)                  # far past white: the image stays in [0, 1]
    assert canvas.image().max() == 1.0
    pixels = style.Canvas(torch.full((1, 3, 8, 8), 1.5))
    assert pixels.image().max() == 1.0 and pixels.params[0].max() == 1.0     # the pixels clamped in place


def test_the_multiscale_run_lowers_the_loss():
    frames = list(style.stylize(photo(), stripes(), size=40, steps=10, multiscale=3, precision="float32",
                                preview_seconds=0.0))
    assert frames[-1].losses["total"] < 0.5 * frames[0].losses["total"]
    assert 0 <= frames[-1].pixels.min() and frames[-1].pixels.max() <= 1


def test_the_objective_keeps_the_best_point_serves_a_repeat_for_free_and_keeps_to_its_budget():
    to = lambda img: style.to_tensor(img, (40, 40))       # noqa: E731
    loss = style.StyleLoss(style.load_vgg("cpu"), to(photo((40, 40))), to(stripes()))
    objective = style.Objective(loss, budget=3)
    canvas = style.Canvas(to(photo((40, 40))))
    first = objective(canvas)
    assert objective(canvas) == first and objective.passes == 1          # the same pixels: no second pass
    with torch.no_grad():
        canvas.params[0].add_(torch.rand_like(canvas.params[0]) * 0.5)   # a worse image
    assert objective(canvas) > first and objective.passes == 2
    assert torch.equal(objective.best.x, to(photo((40, 40)))) and objective.best.loss == first * objective.scale
    with torch.no_grad():
        canvas.params[0].add_(0.01)
    objective(canvas)
    with torch.no_grad():
        canvas.params[0].add_(0.01)
    with pytest.raises(style.BudgetSpent):
        objective(canvas)


def test_a_time_limit_ends_the_run_with_the_best_image_at_full_size():
    frames = list(style.stylize(photo((64, 64)), stripes(), size=64, steps=5000, coarse_steps=(2000, 2000),
                                max_seconds=1.0, preview_seconds=0.2))
    last = frames[-1]
    assert last.final and last.timed_out and last.step < 5000 and last.elapsed >= 1.0
    assert last.image.size == (64, 64)                 # stopped on a coarse level, shown at the size asked for
    assert not any(f.timed_out for f in frames[:-1])


def test_trim_borders_takes_a_frame_off_the_painting():
    framed = Image.new("RGB", (56, 56))
    framed.paste(stripes(), (8, 8))
    trimmed, bare = (list(style.stylize(photo(), painting, size=40, steps=2, precision="float32", trim_borders=True))
                     for painting in (framed, stripes()))
    untrimmed = list(style.stylize(photo(), framed, size=40, steps=2, precision="float32"))
    assert trimmed[0].losses == bare[0].losses != untrimmed[0].losses
