"""Shared bits of the training scripts: arguments, seeding, provenance metadata."""
from __future__ import annotations

import argparse
import datetime
import platform
import random
import shlex
import sys

import torch


def base_parser(description: str, channels: int | None = None) -> argparse.ArgumentParser:
    """The arguments every training script takes; `channels`: the model's default width (--channels)."""
    p = argparse.ArgumentParser(description=description)
    if channels is not None:
        p.add_argument("--channels", type=int, default=channels, help="the model's convolution width")
    p.add_argument("--dataset", choices=["mnist", "fashion"], required=True)
    p.add_argument("--data-root", default="data",
                   help="torchvision dataset root; downloaded there if missing and online")
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: all cores)")
    p.add_argument("--out", default=None, help="output file (default: the registry's file in weights/)")
    return p


def setup(args: argparse.Namespace) -> torch.device:
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    if args.threads:
        torch.set_num_threads(args.threads)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def provenance(args: argparse.Namespace, device: torch.device) -> dict:
    """Metadata every checkpoint carries: how it was made and on what."""
    return {
        "training_command": "python -m " + " ".join(
            [sys.modules["__main__"].__spec__.name] + [shlex.quote(a) for a in sys.argv[1:]]),
        "seed": args.seed,
        "torch_version": torch.__version__,
        "device": str(device) if device.type == "cpu" else torch.cuda.get_device_name(device),
        "machine": f"{platform.machine()}, {torch.get_num_threads()} threads",
        "trained_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def fit_restorer(model: torch.nn.Module, degrade, train_x: torch.Tensor, *, epochs: int, lr: float,
                 batch_size: int, device: torch.device, evaluate, seed: int, loss: str = "bce") -> dict:
    """Train an image-to-image model: each batch is degraded afresh by degrade(x, generator), the model
    learns to give back the clean x (per-pixel binary cross-entropy, or squared error for loss="mse", which
    is what PSNR measures). evaluate(model) → metrics each epoch."""
    import torch.nn.functional as F
    from tqdm import tqdm

    model.to(device)
    gen = torch.Generator(device).manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps = len(train_x) // batch_size
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs * steps, pct_start=0.15)
    metrics: dict = {}
    for epoch in range(1, epochs + 1):
        model.train()
        perm = torch.randperm(len(train_x))
        bar = tqdm(range(steps), desc=f"epoch {epoch}/{epochs}", leave=False)
        for b in bar:
            x = train_x[perm[b * batch_size:(b + 1) * batch_size]].to(device)
            logits = model.logits(degrade(x, gen))
            value = F.mse_loss(torch.sigmoid(logits), x) if loss == "mse" else \
                F.binary_cross_entropy_with_logits(logits, x)
            opt.zero_grad(set_to_none=True)
            value.backward()
            opt.step()
            sched.step()
            bar.set_postfix(loss=f"{value.item():.4f}")
        model.eval().cpu()
        metrics = evaluate(model)
        model.to(device)
        print(f"epoch {epoch}: " + ", ".join(f"{k} {v}" for k, v in metrics.items()), flush=True)
    return metrics
