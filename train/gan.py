"""Train the DCGAN: python -m train.gan --dataset mnist|fashion.

Each step: one discriminator update on a real and a fake batch (BCE, real labels smoothed to 0.9), then one
generator update with the non-saturating loss. Samples come from an exponential moving average of the
generator's weights. Every epoch it records what the GAN tab's timeline shows: the losses and the
discriminator's mean output on real and fake images (every LOG_EVERY steps), a grid from a fixed noise batch,
and the classifier-FID / class-share metrics on EVAL_SAMPLES samples. All of it ships inside the checkpoint.
The shipped generator is the better (by classifier FID) of the live one and the recalibrated weight average.
"""
from __future__ import annotations

import copy
import time

import torch
from tqdm import tqdm

import genmodels
from genmodels import build_model
from genmodels.data import load_split
from genmodels.gan import DEFAULT_EPOCHS, discriminator_loss, generator_loss
from genmodels.metrics import classifier_features, sample_quality
from genmodels.registry import entry
from genmodels.weights import EXTRA_PREFIX, read_weights, save_weights, split_extras

from .common import base_parser, provenance, setup

LOG_EVERY = 50          # steps per point of the loss curves
FIXED_NOISE_SEED = 1234
GRID = 64               # images in each epoch's fixed-noise grid
EVAL_SAMPLES = 2000     # per-epoch metrics (the final ones use 10,000)


@torch.no_grad()
def recalibrate(gan, batches: int = 20, batch: int = 256):
    """Re-estimate the averaged generator's BatchNorm statistics on its own outputs: the running statistics
    belong to the live generator's weights, not to their average, and a mismatch spoils the samples."""
    G = gan.generator
    device = next(G.parameters()).device
    for m in G.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.reset_running_stats()
            m.momentum = None                       # a plain average over the calibration batches
    G.train()
    for _ in range(batches):
        G(torch.randn(batch, gan.latent_dim, device=device))
    return gan.eval()


def main() -> None:
    p = base_parser(__doc__, channels=48)
    p.add_argument("--latent-dim", type=int, default=64)
    p.add_argument("--ema", type=float, default=0.999, help="decay of the generator's weight average")
    p.add_argument("--top-k", type=float, default=1.0,
                   help="generator loss on only this fraction of each batch's fakes, "
                        "those the discriminator rates best")
    p.add_argument("--train-limit", type=int, default=None, help="use only the first N training images (smoke test)")
    p.add_argument("--resume", default=None, help="continue from this checkpoint: its generator and discriminator, "
                   "timeline and curves (fresh optimiser state; the weight average restarts from its generator)")
    args = p.parse_args()
    device = setup(args)
    epochs, lr = args.epochs or DEFAULT_EPOCHS, args.lr or 2e-4

    train_x, _ = load_split(args.dataset, train=True, root=args.data_root)
    train_x = train_x[:args.train_limit]
    test_x, _ = load_split(args.dataset, train=False, root=args.data_root)
    classifier = genmodels.load_model("classifier", args.dataset)
    test_feats, _ = classifier_features(classifier, test_x)
    scored_by = f"evaluation classifier trained {classifier.metadata['trained_at']}"

    curves = {k: [] for k in ("step", "g_loss", "d_loss", "d_real", "d_fake")}
    timeline, grids, previous, done, step = [], [], {}, 0, 0
    if args.resume:
        tensors, meta = read_weights(args.resume, f"python -m train.gan --dataset {args.dataset}")
        state, extras = split_extras(tensors)
        gan = build_model("gan", meta["config"])
        gan.load_state_dict(state)
        curves, timeline, done = meta["curves"], meta["timeline"], meta["epochs"]
        for t in timeline:      # checkpoints from before "scored_by" was recorded
            t.setdefault("scored_by", "an earlier evaluation classifier")
        grids, step = list(extras["timeline_grids"]), timeline[-1]["step"]
        previous = {"previous_commands": meta.get("previous_commands", []) + [meta["training_command"]]}
    else:
        gan = build_model("gan", {"channels": args.channels, "latent_dim": args.latent_dim})
    gan.to(device)
    G, D = gan.generator, gan.discriminator
    ema = copy.deepcopy(gan).eval()                     # ema.generator: the weight average used for sampling
    opt_g = torch.optim.Adam(G.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=lr, betas=(0.5, 0.999))
    fixed_z = gan.latents(GRID, FIXED_NOISE_SEED).to(device)
    steps = len(train_x) // args.batch_size
    run = {k: 0.0 for k in ("g_loss", "d_loss", "d_real", "d_fake")}
    start = time.time() - 60 * (timeline[-1]["minutes"] if timeline else 0)
    epochs += done

    out = args.out or entry("gan", args.dataset).path

    def save(final, q: dict, samples: int, chosen: str, epoch: int) -> None:
        metrics = {"classifier_fid": round(q["fid"], 3), "mean_top_probability": round(q["mean_top_probability"], 4),
                   "class_shares": q["class_shares"], "samples": samples, "generator": chosen}
        tensors = dict(final.state_dict())
        tensors[EXTRA_PREFIX + "timeline_grids"] = torch.stack(grids)        # epochs × 64 × 28 × 28, uint8
        meta = {"kind": "gan", "dataset": args.dataset, "config": final.config_dict(), "epochs": epoch,
                "batch_size": args.batch_size, "lr": lr, "ema": args.ema, "top_k": args.top_k, "metrics": metrics,
                "timeline": timeline, "curves": curves, "log_every": LOG_EVERY, "fixed_noise_seed": FIXED_NOISE_SEED,
                **previous, **provenance(args, device)}
        save_weights(out, tensors, meta)
        print(f"saved {out} after epoch {epoch}: {metrics}", flush=True)

    for epoch in range(done + 1, epochs + 1):
        G.train(), D.train()
        perm = torch.randperm(len(train_x))
        bar = tqdm(range(steps), desc=f"epoch {epoch}/{epochs}", leave=False)
        for b in bar:
            real = train_x[perm[b * args.batch_size:(b + 1) * args.batch_size]].to(device) * 2 - 1
            z = torch.randn(len(real), gan.latent_dim, device=device)
            fake = G(z)
            real_logits, fake_logits = D(real), D(fake.detach())
            d_loss = discriminator_loss(real_logits, fake_logits)
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()
            g_loss = generator_loss(D(fake), args.top_k)
            opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
            opt_g.step()
            with torch.no_grad():
                decay = min(args.ema, (1 + step) / (10 + step))     # warm-up: early weights fade fast
                for pe, pg in zip(ema.generator.parameters(), G.parameters(), strict=False):
                    pe.lerp_(pg, 1 - decay)
                for be, bg in zip(ema.generator.buffers(), G.buffers(), strict=False):
                    be.copy_(bg)
            step += 1
            for k, v in (("g_loss", g_loss), ("d_loss", d_loss), ("d_real", torch.sigmoid(real_logits).mean()),
                         ("d_fake", torch.sigmoid(fake_logits).mean())):
                run[k] += v.item() / LOG_EVERY
            if step % LOG_EVERY == 0:
                curves["step"].append(step)
                for k in run:
                    curves[k].append(round(run[k], 4))
                    run[k] = 0.0
                bar.set_postfix(g=curves["g_loss"][-1], d=curves["d_loss"][-1])
        ema.discriminator.load_state_dict(D.state_dict())
        # two candidates: the live generator and the recalibrated weight average; the better one (classifier
        # FID on EVAL_SAMPLES) is what this epoch's grid shows and, after the last epoch, what ships
        candidates = {"live": copy.deepcopy(gan).cpu().eval(), "ema": recalibrate(copy.deepcopy(ema)).cpu()}
        scores = {k: sample_quality(classifier, g.sample(EVAL_SAMPLES, seed=epoch), test_feats)
                  for k, g in candidates.items()}
        chosen = min(scores, key=lambda k: scores[k]["fid"])
        sampler, q = candidates[chosen], scores[chosen]
        grids.append((sampler.generate(fixed_z.cpu()) * 255).round().to(torch.uint8)[:, 0])
        timeline.append({"epoch": epoch, "step": step, "minutes": round((time.time() - start) / 60, 2),
                         "fid": round(q["fid"], 3), "mean_top_probability": round(q["mean_top_probability"], 4),
                         "class_shares": q["class_shares"], "generator": chosen,
                         "fid_live": round(scores["live"]["fid"], 3), "fid_ema": round(scores["ema"]["fid"], 3),
                         "scored_by": scored_by})
        print(f"epoch {epoch}: classifier FID live {scores['live']['fid']:.2f} / average {scores['ema']['fid']:.2f}; "
              f"{chosen}: mean top-class probability {q['mean_top_probability']:.3f}, class shares "
              f"{[round(v, 3) for v in q['class_shares']]}", flush=True)
        if epoch < epochs:          # a checkpoint after every epoch, so a long run can be stopped and resumed
            save(sampler, q, EVAL_SAMPLES, chosen, epoch)

    q = sample_quality(classifier, sampler.sample(10_000, seed=0), test_feats)
    save(sampler, q, 10_000, chosen, epochs)


if __name__ == "__main__":
    main()
