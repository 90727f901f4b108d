"""Train a VAE live and watch it learn: python -c "from genmodels.live import train_vae; ..."

train_vae yields a Frame at least once a second (frame_seconds): the step, the seconds, the two loss terms since
the last frame (and every step's), the model so far (a VAE, as genmodels.load_model returns it) and the held-out
images' encodings, so a view can draw the map organising itself. The model is the lessons' first VAE, fully
connected (two 256-wide layers each side of the 2-D code): on a 2-core CPU it takes ~140 steps of 64 images a
second, 5× the images of the convolutional one, and its map sorts itself into clusters within a minute. The
training step is the library's one (genmodels.vae.training_step, as train/vae.py uses). Everything random comes
from the seed: the same seed and settings give the same run, step for step. Stop by closing the
generator (or by `stop()` returning True).
"""
from __future__ import annotations

import copy
import json
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import safetensors.torch
import torch
from torch import nn

from . import checks
from .data import canonical_dataset, held_out_images, training_images
from .metrics import encode_all
from .vae import VAE, VAEConfig, training_step

# the live model: fully connected, so that a 2-core CPU shows clusters within a minute (BENCHMARKS.md, "Live VAE
# training": k-NN 0.76 after 60 s against 0.68 for the convolutional model at 16 channels)
LIVE_CONFIG = VAEConfig(latent_dim=2, channels=0, hidden=256, mlp_layers=2)
BETA_RANGE = (0.1, 10.0)
LR_RANGE = (1e-4, 1e-2)
MAX_LIVE_SECONDS = 3600
BATCH_SIZE = 64
DEFAULT_LR = 1e-3
NEIGHBOURS = 5            # the frames' k-NN: a 5-nearest-neighbour vote of each held-out code among the others
MODEL_BYTES = 4 * 2**20     # a trained live VAE's file: 2.1 MB of float32 weights and its metadata
WARMUP_STEPS = 200   # the KL weight rises from 0 to β over the first steps, as in train/vae.py (no early collapse)


@dataclass
class Frame:
    """One look at the training: where it is, what it costs, and the model so far."""
    step: int
    seconds: float
    loss: float                   # mean over the steps since the last frame, nats per image (β-weighted)
    reconstruction: float
    kl: float
    model: VAE                    # a copy in eval mode: later steps do not change it
    test_mu: torch.Tensor         # the shown held-out images' posterior means, N×2
    test_labels: torch.Tensor
    knn: float                    # how often a 5-nearest-neighbour vote among the other shown codes gets the class
    history: dict[str, list[float]] = field(default_factory=dict)   # every step: step, seconds, reconstruction, kl
    source: str = ""              # what it trains on, e.g. "the shipped MNIST subset (10,000 training images)"
    done: bool = False            # the last frame (time or steps used up)


def check_settings(beta: float, lr: float, seed: int, max_seconds: float | None) -> tuple[float, float, int, float]:
    """The live settings as the library wants them; ValueError with the sentence the user reads otherwise."""
    beta = checks.number(beta, "The KL weight β", *BETA_RANGE)
    lr = checks.number(lr, "The learning rate", *LR_RANGE)
    seed = checks.seed(seed)
    seconds = MAX_LIVE_SECONDS if max_seconds is None else checks.number(max_seconds, "The time limit (seconds)", 1,
                                                                         MAX_LIVE_SECONDS)
    return beta, lr, seed, seconds


def new_model(seed: int, config: VAEConfig = LIVE_CONFIG) -> VAE:
    """An untrained VAE whose initial weights depend on the seed only: PyTorch's default initialisation, drawn from
    a generator of its own (torch's global one is shared by every thread of a server)."""
    with torch.device("meta"):
        model = VAE(copy.deepcopy(config))
    model = model.to_empty(device="cpu")
    gen = torch.Generator().manual_seed(seed)
    for module in model.modules():
        if isinstance(module, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            init_default(module, gen)
        elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
            module.reset_parameters()        # no random draws: normalisation layers' ones and zeros
        elif any(True for _ in module.parameters(recurse=False)) or any(True for _ in module.buffers(recurse=False)):
            raise TypeError(f"no initialisation for {type(module).__name__}")
    return model


def init_default(module: nn.Linear | nn.Conv2d | nn.ConvTranspose2d, gen: torch.Generator) -> None:
    """nn.Linear's and nn.Conv*'s own reset_parameters, drawing from `gen`."""
    nn.init.kaiming_uniform_(module.weight, a=math.sqrt(5), generator=gen)
    if module.bias is not None:
        fan_in, _ = nn.init._calculate_fan_in_and_fan_out(module.weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        nn.init.uniform_(module.bias, -bound, bound, generator=gen)


def leave_one_out_knn(z: torch.Tensor, labels: torch.Tensor, k: int = NEIGHBOURS) -> float:
    """k-NN accuracy of each code among the other codes (itself left out)."""
    d = torch.cdist(z, z)
    d.fill_diagonal_(math.inf)
    votes = labels[d.topk(k, largest=False).indices]
    return (torch.mode(votes, dim=1).values == labels).float().mean().item()


def train_vae(dataset: str, *, beta: float = 1.0, seed: int = 0, lr: float = DEFAULT_LR,
              max_seconds: float | None = None, max_steps: int | None = None, frame_seconds: float = 1.0,
              data_root: str | None = None, shown: tuple[torch.Tensor, torch.Tensor] | None = None,
              stop: Callable[[], bool] | None = None, device: str = "cpu") -> Iterator[Frame]:
    """Train a fresh 2-D VAE on `dataset`, yielding a Frame when it starts and then every `frame_seconds`; the last
    frame has done=True. shown: (images, labels) whose encodings each frame carries (default: the shipped 2,000
    held-out test images). data_root: a torchvision root to use the whole training set (default: the shipped 10,000
    images). device: where it trains ("cuda" on a GPU); frames are always on the CPU."""
    beta, lr, seed, max_seconds = check_settings(beta, lr, seed, max_seconds)
    images, _, source = training_images(canonical_dataset(dataset), data_root)
    images = images.to(device)
    shown_x, shown_y = shown if shown is not None else held_out_images(dataset)
    gen = torch.Generator().manual_seed(seed)
    noise = gen if device == "cpu" else torch.Generator(device).manual_seed(seed)
    model = new_model(seed).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history: dict[str, list[float]] = {"step": [], "seconds": [], "reconstruction": [], "kl": []}
    start, step = time.monotonic(), 0
    since: list[tuple[float, float, float]] = []      # each step's loss terms since the last frame

    def frame(done: bool = False) -> Frame:
        snapshot = copy.deepcopy(model).cpu().eval().requires_grad_(False)
        mu = encode_all(snapshot, shown_x)[0]
        loss, rec, kl = (sum(v) / len(since) for v in zip(*since, strict=True)) if since else (math.nan,) * 3
        since.clear()
        return Frame(step, time.monotonic() - start, loss, rec, kl, model=snapshot, test_mu=mu, test_labels=shown_y,
                     knn=leave_one_out_knn(mu, shown_y),
                     history={k: list(v) for k, v in history.items()}, done=done, source=source)

    yield frame()
    last = time.monotonic()
    while True:
        perm = torch.randperm(len(images), generator=gen).to(device)
        for b in range(len(images) // BATCH_SIZE):
            model.train()
            batch = images[perm[b * BATCH_SIZE:(b + 1) * BATCH_SIZE]]
            loss, rec, kl = training_step(model, optimizer, batch, beta * min(1.0, (step + 1) / WARMUP_STEPS),
                                          generator=noise)
            step += 1
            since.append((loss, rec, kl))
            for key, value in zip(history, (step, time.monotonic() - start, rec, kl), strict=False):
                history[key].append(value)
            finished = (max_steps is not None and step >= max_steps) or time.monotonic() - start >= max_seconds
            if finished or (stop is not None and stop()):
                yield frame(done=True)
                return
            if time.monotonic() - last >= frame_seconds:
                yield frame()
                last = time.monotonic()


def load_trained(data: str | bytes) -> tuple[VAE, dict]:
    """A live VAE saved by the page's trainer (its Download: safetensors, the state_dict's keys, float32), as bytes or
    base64 text: (the model in eval mode, its metadata). ValueError with the sentence the user reads if it is not
    one (too large, not safetensors, other keys or shapes, values that are not finite)."""
    data = checks.model_file(data, MODEL_BYTES)
    try:
        tensors = safetensors.torch.load(data)         # never unpickles
        metadata = json.loads(data[8:8 + int.from_bytes(data[:8], "little")]).get("__metadata__") or {}
    except Exception:   # safetensors raises several types for garbled bytes
        raise ValueError("The model file is not a safetensors file.") from None
    model = new_model(0)
    try:
        model.load_state_dict({k: v.float() for k, v in tensors.items()}, strict=True)
    except RuntimeError as err:       # its first line names the model, the next what differs
        detail = [line.strip() for line in str(err).splitlines() if line.strip()][-1]
        raise ValueError(f"The model file is not this tab's VAE: {detail}") from None
    if not all(torch.isfinite(v).all() for v in tensors.values()):
        raise ValueError("The model file holds values that are not finite numbers.")
    about = {}
    for key, value in metadata.items():
        try:
            about[key] = json.loads(value)
        except (TypeError, ValueError):
            about[key] = value
    return model.eval().requires_grad_(False), about
