"""The style-transfer engine: losses, streaming, early close, bad settings."""
import numpy as np
import pytest
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
])
def test_bad_settings_are_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        next(style.stylize(photo(), stripes(), **kwargs))


def test_coarse_to_fine_ends_at_full_size_and_counts_all_passes():
    frames = list(style.stylize(photo((64, 64)), stripes(), size=64, steps=24, coarse_steps=12, preview_seconds=0.0))
    assert frames[-1].image.size == (64, 64) and frames[-1].step == 24
    assert any(f.image.size == (32, 32) for f in frames[:-1])        # the coarse stage's previews


