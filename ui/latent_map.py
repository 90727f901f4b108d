"""The plotly figure of tab 2: the encoded test set, the current point, an encoded input, a walk."""
from __future__ import annotations

import plotly.graph_objects as go
from plotly.colors import qualitative

from genmodels import latent

from .latent_space import LatentSpace

_base_cache: dict[str, dict] = {}


def _base_figure(space: LatentSpace) -> dict:
    """One WebGL trace per class (so the legend toggles classes); built once per dataset."""
    if space.dataset not in _base_cache:
        colors = qualitative.Plotly
        mu, labels = space.test_mu.numpy().round(3), space.test_labels.numpy()
        traces = []
        for c, name in enumerate(space.classes):
            sel = labels == c
            traces.append(go.Scattergl(
                x=mu[sel, 0], y=mu[sel, 1], mode="markers", name=name,
                marker=dict(size=3, color=colors[c % len(colors)], opacity=0.6),
                hovertemplate=f"<b>{name}</b><br>z1=%{{x:.2f}}<br>z2=%{{y:.2f}}<extra></extra>",
            ))
        r = space.radius
        layout = go.Layout(
            xaxis=dict(title="z1", range=[-r, r], zeroline=False),
            yaxis=dict(title="z2", range=[-r, r], scaleanchor="x", zeroline=False),
            legend=dict(title="class (click to hide)", itemsizing="constant"),
            margin=dict(l=40, r=10, t=40, b=40), height=560, dragmode="pan",
            title=dict(text=f"{len(mu):,} test images encoded (posterior means)", font=dict(size=14)),
        )
        _base_cache[space.dataset] = go.Figure(data=traces, layout=layout).to_dict()
    return _base_cache[space.dataset]


def latent_map_figure(space: LatentSpace, z: tuple[float, float] | None = None,
                      encoded: dict | None = None, walk: dict | None = None) -> go.Figure:
    """The map with overlays: the sliders' point z, an encoded input (μ and its ±2σ ellipse), a walk A→B.
    The overlays are WebGL traces too: plotly draws every WebGL trace above every SVG one, so SVG markers would
    hide under a dense cluster."""
    fig = go.Figure(_base_figure(space), skip_invalid=True)
    if walk is not None:
        fig.add_trace(go.Scattergl(x=walk["z"][:, 0], y=walk["z"][:, 1], mode="lines+markers", name="walk A→B",
                                   line=dict(color="black", width=2, dash="dot"), marker=dict(size=5)))
    if encoded is not None:
        xs, ys = latent.posterior_ellipse(encoded["mu"], encoded["logvar"], n_sigma=2)
        fig.add_trace(go.Scattergl(x=xs, y=ys, mode="lines", name="±2σ posterior", line=dict(color="black")))
        fig.add_trace(go.Scattergl(x=[float(encoded["mu"][0])], y=[float(encoded["mu"][1])], mode="markers",
                                   name=f"μ of {encoded['name']}",
                                   marker=dict(symbol="x", size=12, color="black")))
    if z is not None:
        fig.add_trace(go.Scattergl(x=[z[0]], y=[z[1]], mode="markers", name="sliders (z1, z2)",
                                   marker=dict(symbol="star", size=18, color="red", line=dict(color="white", width=1))))
    return fig
