"""Train the blind denoising autoencoder: python -m train.denoiser --dataset mnist|fashion.

Blind: every batch gets fresh noise, each image a random kind (genmodels.noise.KINDS) at a random level
over the tab's range, so one model serves every setting of the tab.
"""
from __future__ import annotations

from genmodels import build_model, noise
from genmodels.data import load_split
from genmodels.metrics import restoration_scores
from genmodels.registry import entry
from genmodels.weights import read_weights, save_weights

from .common import base_parser, fit_restorer, provenance, setup

# The settings the per-epoch log and the checkpoint's headline metrics report (fixed noise seed).
EVAL_SETTINGS = [("gaussian", 0.5), ("salt_pepper", 0.2)]


def main() -> None:
    p = base_parser(__doc__, channels=48)
    p.add_argument("--code", type=int, default=16, help="bottleneck channels at 7×7")
    p.add_argument("--depth", type=int, default=0, help="extra 3×3 convolutions at 7×7 on each side of the code")
    p.add_argument("--loss", choices=["bce", "mse"], default="bce")
    p.add_argument("--resume", default=None, help="continue from this checkpoint (its architecture; a fresh "
                   "learning-rate schedule)")
    args = p.parse_args()
    device = setup(args)
    epochs, lr = args.epochs or 10, args.lr or 2e-3

    train_x, _ = load_split(args.dataset, train=True, root=args.data_root)
    test_x, _ = load_split(args.dataset, train=False, root=args.data_root)
    noisy = {s: noise.add_noise(test_x, *s, seed=1234) for s in EVAL_SETTINGS}

    def evaluate(model) -> dict:
        out = {}
        for (kind, level), x_noisy in noisy.items():
            scores = restoration_scores(model, x_noisy, test_x)
            out[f"{kind}_{level}_psnr"] = round(scores["psnr"], 2)
            out[f"{kind}_{level}_ssim"] = round(scores["ssim"], 4)
        return out

    model = build_model("denoiser", {"channels": args.channels, "code": args.code, "depth": args.depth})
    previous = {}
    if args.resume:
        tensors, meta = read_weights(args.resume, entry("denoiser", args.dataset).train_command)
        model = build_model("denoiser", meta["config"])
        model.load_state_dict(tensors)
        previous = {"previous_epochs": meta["epochs"],
                    "previous_commands": meta.get("previous_commands", []) + [meta["training_command"]]}
    metrics = fit_restorer(model, noise.random_noise, train_x, epochs=epochs, lr=lr, batch_size=args.batch_size,
                           device=device, evaluate=evaluate, seed=args.seed, loss=args.loss)
    out = args.out or entry("denoiser", args.dataset).path
    meta = {"kind": "denoiser", "dataset": args.dataset, "config": model.config_dict(),
            "epochs": previous.get("previous_epochs", 0) + epochs, **previous, "loss": args.loss,
            "batch_size": args.batch_size, "lr": lr, "noise": "blind: random kind and level per image",
            "metrics": metrics, **provenance(args, device)}
    save_weights(out, model.cpu().state_dict(), meta)
    print(f"saved {out}: {metrics}")


if __name__ == "__main__":
    main()
