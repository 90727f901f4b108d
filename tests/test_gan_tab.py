"""The GAN tab: the sample grid and critic view, the walk, the timeline, bad input, and /generate."""
import gradio as gr
import numpy as np
import pytest
from PIL import Image

import genmodels
from genmodels.gan import resumed_after
from ui import gan_tab


@pytest.mark.parametrize("dataset", ["mnist", "fashion"])
def test_timeline_view_shows_the_epoch_and_the_resumes(dataset):
    meta = genmodels.load_model("gan", dataset).metadata
    grid, fig, text = gan_tab.timeline_view(dataset, 1)
    assert grid.size[0] > 200 and len(fig.data) == 4 and "Epoch 1 of" in text
    earlier_scorer = meta["timeline"][0].get("scored_by") != meta["timeline"][-1].get("scored_by")
    assert ("earlier evaluation classifier" in text) == earlier_scorer
    if earlier_scorer:                                    # a figure on another scale is not shown at all
        assert "no FID shown" in text and f"{meta['timeline'][0]['fid']:.1f}" not in text
    assert ("classifier FID" in gan_tab.timeline_view(dataset, len(meta["timeline"]))[2])
    resumes = resumed_after(meta)
    assert len(fig.layout.shapes) == 1 + len(resumes)                   # the epoch marker and one line per resume
    assert [a.text for a in fig.layout.annotations] == [f"resumed after<br>epoch {e}" for e in resumes]


@pytest.mark.parametrize("dataset", ["mnist", "fashion"])
def test_every_fid_the_timeline_shows_compares_with_the_last_epochs(dataset):
    """An early epoch must not seem to beat the final one: every FID shown was measured by the last epoch's
    classifier, so the figures shown fall (with noise) as training goes on and none is under the last one by much."""
    import re

    timeline = genmodels.load_model("gan", dataset).metadata["timeline"]
    shown = {e: float(m.group(1)) for e in range(1, len(timeline) + 1)
             if (m := re.search(r"classifier FID ([\d.]+)", gan_tab.epoch_caption({"timeline": timeline}, e)))}
    assert len(shown) >= len(timeline) // 2 and max(shown) == len(timeline)
    assert min(shown.values()) >= shown[len(timeline)] - 0.5          # none beats the last epoch
    assert shown[min(shown)] > 2 * shown[len(timeline)]               # the first shown is far worse, as it should


def test_switching_dataset_moves_the_epoch_slider_to_that_timeline():
    epochs = {d: len(genmodels.load_model("gan", d).metadata["timeline"]) for d in ("mnist", "fashion")}
    assert epochs["mnist"] != epochs["fashion"]                 # so a slider left at one's last epoch breaks the other
    for dataset, n in epochs.items():
        slider = gan_tab.epoch_slider(dataset)
        assert slider.maximum == n and slider.value == n
        assert f"Epoch {n} of {n}" in gan_tab.timeline_view(dataset, slider.value)[2]
    longest = max(epochs.values())     # a slider that has not caught up yet shows the shorter timeline's last epoch
    shortest = min(epochs, key=epochs.get)
    assert f"Epoch {epochs[shortest]} of {epochs[shortest]}" in gan_tab.timeline_view(shortest, longest)[2]
    for bad in (0, longest + 1, 2.5):
        with pytest.raises(gr.Error, match=f"epoch must be a whole number from 1 to {longest}"):
            gan_tab.timeline_view(shortest, bad)


def test_critic_view_and_interpolation():
    grid, text = gan_tab.generate_view("mnist", 5, 9, 1.0, 0.6, True)
    assert "realness" in text and grid.mode == "RGB"
    strip = gan_tab.interpolate("fashion", 1, 2, 7, 0.8)
    assert strip.size == (4 * 120 + 8, 2 * 120 + 8)      # 7 frames in rows of 4 (strip_columns), 28 px ×4 + padding
    with pytest.raises(gr.Error, match="The seed must be a whole number"):
        gan_tab.interpolate("mnist", 1.5, 2, 7, 0.8)
    with pytest.raises(gr.Error, match="number of steps must be a whole number"):
        gan_tab.interpolate("mnist", 1, 2, 7.5, 0.8)


@pytest.mark.parametrize("args,message", [
    (("mnist", 0, 0, 1.0), "count must be a whole number from 1 to 64"),
    (("mnist", 0, 10_000, 1.0), "count must be a whole number from 1 to 64"),
    (("mnist", -1, 4, 1.0), "seed must be a whole number from 0"),
    (("mnist", 0, 4, float("nan")), "truncation must be a number from 0 to 2"),
    (("cifar", 0, 4, 1.0), "Unknown dataset"),
    (("mnist", 0, 4, 1.0, 0.0), r"discriminator filter \(keep\) must be a number from 0.1 to 1"),
    (("mnist", 0, 4, 1.0, float("nan")), r"discriminator filter \(keep\) must be a number"),
    (("mnist", 1.5, 4, 1.0), "seed must be a whole number from 0"),
])
def test_bad_input_is_a_clear_error(args, message):
    with pytest.raises(gr.Error, match=message):
        gan_tab.generate(*args)


def test_generate_endpoint_through_gradio_client(app_client):
    client, _ = app_client
    a = np.asarray(Image.open(client.predict("mnist", 42, 16, 1.0, api_name="/generate")))
    b = np.asarray(Image.open(client.predict("mnist", 42, 16, 1.0, api_name="/generate")))
    c = np.asarray(Image.open(client.predict("mnist", 43, 16, 1.0, api_name="/generate")))
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    with pytest.raises(Exception, match="count|maximum"):
        client.predict("mnist", 0, 10_000, 1.0, api_name="/generate")
    assert Image.open(client.predict("fashion", 0, 1, 0.0, api_name="/generate")).size[0] > 50
    raw = np.asarray(Image.open(client.predict("mnist", 42, 16, 1.0, 1.0, api_name="/generate")))
    assert raw.shape == a.shape and not np.array_equal(raw, a)       # keep defaults to the filter; 1 turns it off
    with pytest.raises(Exception, match="keep|maximum value 1"):
        client.predict("mnist", 0, 4, 1.0, 5.0, api_name="/generate")


def test_the_timeline_x_axis_ends_with_the_data():
    """Plotly would widen the axis for the notes' text (to ~28k steps at phone width, where the data ends at 16k)."""
    fig = gan_tab.timeline_view("mnist", 3)[1]
    steps = genmodels.load_model("gan", "mnist").metadata["curves"]["step"]
    assert list(fig.layout.xaxis.range) == [0, steps[-1]]


@pytest.mark.parametrize("dataset", ["mnist", "fashion"])
def test_the_pages_timeline_file_holds_the_checkpoints_grids(dataset):
    """weights/page-timeline-*.safetensors (python -m export.page_models) is what tab 4's page draws from."""
    import json

    import torch
    from safetensors import safe_open

    from genmodels.browser import page_path
    with safe_open(str(page_path("timeline", dataset)), "pt") as f:
        grids, meta = f.get_tensor("grids"), {k: json.loads(v) for k, v in f.metadata().items()}
    assert torch.equal(grids, genmodels.load_extras("gan", dataset)["timeline_grids"])
    assert meta["steps"] == [t["step"] for t in genmodels.load_model("gan", dataset).metadata["timeline"]]
    assert meta["training_command"] == f"python -m export.page_models --kind timeline --dataset {dataset}"
