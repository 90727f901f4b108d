"""Train the super-resolution autoencoder: python -m train.superres --dataset mnist|fashion [--factor 4].

The small input is made the way the course makes it: factor×factor averaging (genmodels.noise.downscale).
"""
from __future__ import annotations

from genmodels import build_model, noise
from genmodels.data import load_split
from genmodels.metrics import restoration_scores
from genmodels.registry import entry
from genmodels.superres import bicubic_upscale, kind_for
from genmodels.weights import save_weights

from .common import base_parser, fit_restorer, provenance, setup


def main() -> None:
    p = base_parser(__doc__, channels=32)
    p.add_argument("--factor", type=int, choices=[2, 4], default=2)
    args = p.parse_args()
    device = setup(args)
    epochs, lr = args.epochs or 6, args.lr or 2e-3
    kind = kind_for(args.factor)

    train_x, _ = load_split(args.dataset, train=True, root=args.data_root)
    test_x, _ = load_split(args.dataset, train=False, root=args.data_root)
    small = noise.downscale(test_x, args.factor)
    bicubic = restoration_scores(lambda s: bicubic_upscale(s, args.factor), small, test_x)

    def evaluate(model) -> dict:
        scores = restoration_scores(model, small, test_x)
        return {"psnr": round(scores["psnr"], 2), "ssim": round(scores["ssim"], 4),
                "bicubic_psnr": round(bicubic["psnr"], 2), "bicubic_ssim": round(bicubic["ssim"], 4)}

    model = build_model(kind, {"factor": args.factor, "channels": args.channels})
    metrics = fit_restorer(model, lambda x, gen: noise.downscale(x, args.factor), train_x, epochs=epochs, lr=lr,
                           batch_size=args.batch_size, device=device, evaluate=evaluate, seed=args.seed)
    out = args.out or entry(kind, args.dataset).path
    meta = {"kind": kind, "dataset": args.dataset, "config": model.config_dict(), "epochs": epochs,
            "batch_size": args.batch_size, "lr": lr, "metrics": metrics, **provenance(args, device)}
    save_weights(out, model.cpu().state_dict(), meta)
    print(f"saved {out}: {metrics}")


if __name__ == "__main__":
    main()
