"""Train the 2-D convolutional VAE: python -m train.vae --dataset mnist|fashion.

Saves weights/vae-<dataset>.safetensors with the encoded test set (posterior μ, log σ², labels)
beside the weights, so the app's latent map needs neither the dataset nor start-up work.
"""
from __future__ import annotations

import math

import torch
from tqdm import tqdm

from genmodels import build_model
from genmodels.data import load_split
from genmodels.metrics import encode_all, knn_accuracy, vae_negative_elbo
from genmodels.registry import entry
from genmodels.vae import training_step
from genmodels.weights import EXTRA_PREFIX, read_weights, save_weights, split_extras

from .common import base_parser, provenance, setup


def main() -> None:
    p = base_parser(__doc__, channels=32)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--mlp-layers", type=int, default=1, help="hidden fully-connected layers each side of the latent")
    p.add_argument("--warmup-epochs", type=float, default=1.0,
                   help="KL weight moves linearly from --beta-start to 1 over this many epochs")
    p.add_argument("--beta-start", type=float, default=0.0,
                   help="KL weight at the first step (0: the usual warm-up; >1: start with a tighter bottleneck)")
    p.add_argument("--resume", default=None,
                   help="continue from this checkpoint's weights (a fresh LR schedule; no KL warm-up)")
    p.add_argument("--encoder-only", action="store_true",
                   help="with --resume: train only the encoder on the same ELBO, decoder frozen")
    args = p.parse_args()
    device = setup(args)
    epochs = args.epochs or 30
    lr = args.lr or 2e-3

    train_x, train_y = load_split(args.dataset, train=True, root=args.data_root)
    test_x, test_y = load_split(args.dataset, train=False, root=args.data_root)
    model = build_model("vae", {"channels": args.channels, "hidden": args.hidden, "mlp_layers": args.mlp_layers})
    previous_epochs, previous_commands = 0, []
    if args.resume:
        tensors, meta = read_weights(args.resume, "python -m train.vae --dataset " + args.dataset)
        model = build_model("vae", meta["config"])
        model.load_state_dict(split_extras(tensors)[0])
        previous_epochs = meta["epochs"]
        previous_commands = meta.get("previous_commands", []) + [meta["training_command"]]
        args.warmup_epochs = 0
    if args.encoder_only:
        if not args.resume:
            p.error("--encoder-only needs --resume")
        model.decoder.requires_grad_(False)
    model.to(device)
    opt = torch.optim.Adam([q for q in model.parameters() if q.requires_grad], lr=lr)
    steps_per_epoch = len(train_x) // args.batch_size
    total_steps = epochs * steps_per_epoch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=total_steps, pct_start=0.1)
    warmup = max(1, int(args.warmup_epochs * steps_per_epoch))

    step = 0
    for epoch in range(1, epochs + 1):
        model.train()
        perm = torch.randperm(len(train_x))
        bar = tqdm(range(steps_per_epoch), desc=f"epoch {epoch}/{epochs}", leave=False)
        for b in bar:
            x = train_x[perm[b * args.batch_size:(b + 1) * args.batch_size]].to(device)
            beta = args.beta_start + (1 - args.beta_start) * min(1.0, (step + 1) / warmup)
            loss, _, kl = training_step(model, opt, x, beta)
            sched.step()
            step += 1
            bar.set_postfix(loss=f"{loss:.1f}", kl=f"{kl:.2f}")
        model.eval()
        test = vae_negative_elbo(model.cpu(), test_x)
        knn = knn_accuracy(encode_all(model, train_x)[0], train_y, encode_all(model, test_x)[0], test_y, k=5)
        model.to(device)
        print(f"epoch {epoch}: test -ELBO {test['neg_elbo']:.2f} "
              f"(rec {test['reconstruction']:.2f} + KL {test['kl']:.2f}), k-NN {knn:.4f}", flush=True)

    model.eval().cpu()
    test = vae_negative_elbo(model, test_x, samples=10)
    test_mu, test_logvar = encode_all(model, test_x)
    train_mu, _ = encode_all(model, train_x)
    knn = knn_accuracy(train_mu, train_y, test_mu, test_y, k=5)
    assert all(math.isfinite(v) for v in test.values())

    e = entry("vae", args.dataset)
    out = args.out or e.path
    tensors = dict(model.state_dict())
    tensors[EXTRA_PREFIX + "test_mu"] = test_mu
    tensors[EXTRA_PREFIX + "test_logvar"] = test_logvar
    tensors[EXTRA_PREFIX + "test_labels"] = test_y.to(torch.uint8)
    metrics = {"test_neg_elbo": round(test["neg_elbo"], 2), "test_reconstruction": round(test["reconstruction"], 2),
               "test_kl": round(test["kl"], 2), "knn5_accuracy": round(knn, 4)}
    meta = {"kind": "vae", "dataset": args.dataset, "config": model.config_dict(),
            "epochs": previous_epochs + epochs, **({"previous_commands": previous_commands} if args.resume else {}),
            "batch_size": args.batch_size, "lr": lr, "metrics": metrics, **provenance(args, device)}
    save_weights(out, tensors, meta)
    print(f"saved {out}: {metrics}")


if __name__ == "__main__":
    main()
