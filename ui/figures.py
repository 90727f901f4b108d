"""The app's plotly figures, one place: the latent map (tabs 2 and 6 share its look), the GAN's training curves
(tab 4), a style-transfer run's losses (tab 5) and a training run's curves (tab 6)."""
from __future__ import annotations

import math

import plotly.graph_objects as go
import torch
from plotly.colors import qualitative

from genmodels import latent, live
from genmodels.data import DATASETS
from genmodels.gan import resumed_after
from genmodels.latent import Encoding, LatentSpace, covering_radius, get_space, slider_radius

from .common import MODEBAR_REMOVE

TERM_COLOURS = {"content": "#1f77b4", "style": "#d62728", "tv": "#2ca02c", "total": "#444444"}   # style's terms
CURVE_POINTS = 300          # a training run's curves: at most this many points, each the mean of equal runs of steps
TRAINING_MAP_HEIGHT = 520


# ---------------------------------------------------------------- the latent map (tabs 2 and 6)

_base_figures: dict[str, dict] = {}


def codes_figure(mu: torch.Tensor, labels: torch.Tensor, classes: tuple[str, ...], radius: float, title: str,
                 height: int = 640, marker_size: int = 3) -> go.Figure:
    """Codes on the 2-D map, one WebGL trace per class (so the legend toggles classes): the latent map's look,
    which the training tab shares."""
    colors = qualitative.Plotly
    mu, labels = mu.numpy().round(3), labels.numpy()
    traces = []
    for c, name in enumerate(classes):
        sel = labels == c
        traces.append(go.Scattergl(
            x=mu[sel, 0], y=mu[sel, 1], mode="markers", name=name,
            marker=dict(size=marker_size, color=colors[c % len(colors)], opacity=0.6),
            hovertemplate=f"<b>{name}</b><br>z1=%{{x:.2f}}<br>z2=%{{y:.2f}}<extra></extra>",
        ))
    layout = go.Layout(
        xaxis=dict(title="z1", range=[-radius, radius], zeroline=False),
        yaxis=dict(title="z2", range=[-radius, radius], scaleanchor="x", zeroline=False),
        # the legend below the plot: the plot keeps the width, on a phone too; two columns, so that the longest
        # names ("μ of test #19 (4)", "±2σ posterior") fit on a 390 px phone and run into no other entry
        legend=dict(title=dict(text="class (click to hide)", side="top"), itemsizing="constant", orientation="h",
                    x=0, y=-0.12, yanchor="top", entrywidth=0.5, entrywidthmode="fraction"),
        margin=dict(l=40, r=10, t=40, b=40), height=height, dragmode="pan", modebar=dict(remove=MODEBAR_REMOVE),
        title=dict(text=title, font=dict(size=14)),
    )
    return go.Figure(data=traces, layout=layout)


def _base_figure(space: LatentSpace) -> dict:
    """The map without overlays; the shipped models' built once per dataset."""
    shipped = space is get_space(space.dataset)
    if shipped and space.dataset in _base_figures:
        return _base_figures[space.dataset]
    title = (f"{len(space.test_mu):,} test images encoded (posterior means)" if shipped else
             f"{len(space.test_mu):,} held-out test images encoded by your VAE")
    figure = codes_figure(space.test_mu, space.test_labels, space.classes, space.radius, title).to_dict()
    if shipped:
        _base_figures[space.dataset] = figure
    return figure


def latent_map_figure(space: LatentSpace, z: tuple[float, float] | None = None, encoded: Encoding | None = None,
               walk: dict | None = None) -> go.Figure:
    """The map with overlays: the sliders' point z, an encoded input (μ and its ±2σ ellipse), a walk A→B.
    The overlays are WebGL traces too: plotly draws every WebGL trace above every SVG one, so SVG markers would
    hide under a dense cluster."""
    fig = go.Figure(_base_figure(space), skip_invalid=True)
    if walk is not None:
        fig.add_trace(go.Scattergl(x=walk["z"][:, 0], y=walk["z"][:, 1], mode="lines+markers", name="walk A→B",
                                   line=dict(color="black", width=2, dash="dot"), marker=dict(size=5)))
    if encoded is not None:
        xs, ys = latent.posterior_ellipse(encoded.mu, encoded.logvar, n_sigma=2)
        fig.add_trace(go.Scattergl(x=xs, y=ys, mode="lines", name="±2σ posterior", line=dict(color="black")))
        fig.add_trace(go.Scattergl(x=[float(encoded.mu[0])], y=[float(encoded.mu[1])], mode="markers",
                                   name=f"μ of {encoded.name}", marker=dict(symbol="x", size=12, color="black")))
    if z is not None:
        fig.add_trace(go.Scattergl(x=[z[0]], y=[z[1]], mode="markers", name="sliders (z1, z2)",
                                   marker=dict(symbol="star", size=18, color="red", line=dict(color="white", width=1))))
    return fig


def training_map_figure(frame: live.Frame, dataset: str) -> go.Figure:
    """The held-out codes, the latent map's look; the axes grow with the codes (uirevision keeps a zoom)."""
    radius = max(slider_radius(), min(covering_radius(frame.test_mu), 50.0))
    fig = codes_figure(frame.test_mu, frame.test_labels, DATASETS[dataset].classes, radius,
                       f"{len(frame.test_mu):,} held-out test images encoded, step {frame.step:,}",
                       height=TRAINING_MAP_HEIGHT, marker_size=4)
    fig.update_layout(uirevision="train")
    return fig


def binned(steps: list, values: list, points: int = CURVE_POINTS) -> tuple[list[float], list[float]]:
    """Means over equal runs of consecutive steps, at most `points` of them."""
    size = max(1, math.ceil(len(values) / points))
    xs = [sum(steps[i:i + size]) / len(steps[i:i + size]) for i in range(0, len(values), size)]
    ys = [sum(values[i:i + size]) / len(values[i:i + size]) for i in range(0, len(values), size)]
    return xs, ys


def training_curves_figure(history: dict[str, list[float]]) -> go.Figure:
    """The two loss terms per step (means over runs of steps once there are many): reconstruction on the left axis,
    KL on the right."""
    fig = go.Figure()
    for term, axis, colour in (("reconstruction", "y", "#1f77b4"), ("kl", "y2", "#d62728")):
        xs, ys = binned(history["step"], history[term])
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name="KL" if term == "kl" else "reconstruction",
                                 yaxis=axis, line=dict(color=colour)))
    fig.update_layout(
        xaxis=dict(title="step"), yaxis=dict(title="reconstruction (nats)", rangemode="tozero"),
        yaxis2=dict(title="KL (nats)", overlaying="y", side="right", rangemode="tozero", showgrid=False),
        legend=dict(orientation="h", x=0, y=-0.25, yanchor="top"), margin=dict(l=50, r=50, t=40, b=70), height=320,
        modebar=dict(remove=MODEBAR_REMOVE), uirevision="train")
    return fig


# ---------------------------------------------------------------- the GAN's curves (tab 4)

def gan_curves_figure(meta: dict, epoch: int) -> go.Figure:
    """The loss curves and the discriminator's outputs, resumes marked, a dashed marker at `epoch`."""
    c = meta["curves"]
    fig = go.Figure()
    for key, name in (("d_loss", "discriminator loss"), ("g_loss", "generator loss"),
                      ("d_real", "D(real): mean output"), ("d_fake", "D(fake): mean output")):
        fig.add_trace(go.Scatter(x=c["step"], y=c[key], name=name, mode="lines",
                                 yaxis="y2" if key.startswith("d_r") or key == "d_fake" else "y"))
    # one note per resume, on two short lines (at phone width it ends before the next), each lifted
    # by a note's height (three levels), so resumes a few epochs apart do not overlap
    for i, e in enumerate(resumed_after(meta)):
        fig.add_vline(x=meta["timeline"][e - 1]["step"], line_dash="dot", line_color="grey",
                      annotation_text=f"resumed after<br>epoch {e}", annotation_position="bottom right",
                      annotation_yshift=34 * (i % 3))
    fig.add_vline(x=meta["timeline"][epoch - 1]["step"], line_dash="dash", line_color="black")
    fig.update_layout(height=420, margin=dict(l=10, r=10, t=30, b=10),
                      xaxis=dict(title="training step", range=[0, c["step"][-1]]),   # not widened by the notes
                      yaxis=dict(title="loss"), yaxis2=dict(title="D output", overlaying="y", side="right",
                                                            range=[0, 1]),
                      legend=dict(orientation="h", x=0, y=-0.22, yanchor="top"), uirevision="keep",
                      modebar=dict(remove=MODEBAR_REMOVE))
    return fig


# ---------------------------------------------------------------- a style-transfer run's losses (tab 5)

def style_loss_figure(history: list[tuple[int, dict[str, float]]]) -> go.Figure:
    """Each weighted loss term of a style-transfer run per step, on a log scale."""
    fig = go.Figure()
    if history:
        steps = [s for s, _ in history]
        for term in history[-1][1]:
            fig.add_trace(go.Scatter(x=steps, y=[max(h.get(term, 0.0), 1e-3) for _, h in history], name=term,
                                     mode="lines+markers", line=dict(color=TERM_COLOURS.get(term),
                                                                     dash="dot" if term == "total" else None)))
    fig.update_layout(height=320, margin=dict(l=10, r=10, t=10, b=10), xaxis_title="step (VGG passes)",
                      yaxis_title="weighted loss", yaxis_type="log", legend=dict(orientation="h", x=0, y=-0.3),
                      modebar=dict(remove=MODEBAR_REMOVE), uirevision="keep")
    return fig
