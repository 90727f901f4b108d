"""GAN sample quality: python bench/gan_quality.py --data-root DIR [--baseline-minutes 15]

With the evaluation classifier, 10,000 samples of each shipped GAN against the 10,000 test images: classifier
FID (Fréchet distance in the classifier's 128-d penultimate features), each class's share of the samples, and
the mean top-class probability. "Ours" is measured twice: the raw generator (keep 1) and as the app samples by
default, with the discriminator filter (keep DEFAULT_KEEP: draw n / keep, show the n the discriminator finds most
real). The baseline is the course's DCGAN (below), trained here for
--baseline-minutes of wall time on this machine, scored the same way in the same run. Writes sample grids of
both to bench/out/gan-<dataset>-{ours,course}.png.

--classifier DATASET=FILE scores DATASET with another classifier file, e.g. the Fashion-MNIST one with label
smoothing 0.05 that the issue-19 targets were first set with (the file shipped until commit b7a7007: `git show
c9d08b2:weights/classifier-fashion.safetensors > FILE`): its FIDs are on a different scale from the shipped one's.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import torch
from torch import nn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import genmodels  # noqa: E402
from genmodels import gan_filter  # noqa: E402
from genmodels.data import DATASETS, load_split  # noqa: E402
from genmodels.gan import DEFAULT_KEEP  # noqa: E402
from genmodels.imaging import grid_pil  # noqa: E402
from genmodels.metrics import classifier_features, sample_quality  # noqa: E402
from genmodels.weights import read_weights, split_extras  # noqa: E402

OUT = ROOT / "bench" / "out"
N = 10_000


class CourseGenerator(nn.Sequential):
    def __init__(self, nz: int = 100):
        super().__init__(
            nn.ConvTranspose2d(nz, 256, 7, 1, 0, bias=False), nn.BatchNorm2d(256), nn.ReLU(True),     # 7×7
            nn.ConvTranspose2d(256, 128, 4, 2, 1, bias=False), nn.BatchNorm2d(128), nn.ReLU(True),   # 14×14
            nn.ConvTranspose2d(128, 64, 4, 2, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(True),     # 28×28
            nn.ConvTranspose2d(64, 1, 3, 1, 1, bias=False), nn.Tanh())


class CourseDiscriminator(nn.Sequential):
    def __init__(self):
        super().__init__(
            nn.Conv2d(1, 64, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True),                           # 14
            nn.Conv2d(64, 128, 4, 2, 1, bias=False), nn.BatchNorm2d(128), nn.LeakyReLU(0.2, True),    # 7
            nn.Conv2d(128, 256, 3, 2, 1, bias=False), nn.BatchNorm2d(256), nn.LeakyReLU(0.2, True),   # 4
            nn.Conv2d(256, 1, 4, 1, 0, bias=False), nn.Sigmoid(), nn.Flatten())


def train_course_dcgan(train_x: torch.Tensor, minutes: float, batch: int = 128, seed: int = 0) -> CourseGenerator:
    """The course's recipe: Adam 2e-4, β1 0.5, BCE, real label 1 / fake 0, one D then one G step per batch."""
    torch.manual_seed(seed)
    G, D = CourseGenerator(), CourseDiscriminator()
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCELoss()
    deadline, steps = time.time() + 60 * minutes, 0
    while time.time() < deadline:
        perm = torch.randperm(len(train_x))
        for i in range(0, len(train_x) - batch + 1, batch):
            real = train_x[perm[i:i + batch]] * 2 - 1
            fake = G(torch.randn(batch, 100, 1, 1))
            d_loss = bce(D(real), torch.ones(batch, 1)) + bce(D(fake.detach()), torch.zeros(batch, 1))
            opt_d.zero_grad()
            d_loss.backward()
            opt_d.step()
            g_loss = bce(D(fake), torch.ones(batch, 1))
            opt_g.zero_grad()
            g_loss.backward()
            opt_g.step()
            steps += 1
            if time.time() >= deadline:
                break
    print(f"  course DCGAN: {steps} steps ({steps * batch / len(train_x):.2f} epochs) in {minutes} min", flush=True)
    return G.eval()


@torch.no_grad()
def course_samples(G: CourseGenerator, n: int, seed: int = 0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.cat([(G(torch.randn(1000, 100, 1, 1, generator=gen)) + 1) / 2 for _ in range(n // 1000)]).clamp(0, 1)


def report(name: str, q: dict, classes) -> None:
    shares = ", ".join(f"{c} {100 * s:.1f}%" for c, s in zip(classes, q["class_shares"], strict=False))
    print(f"  {name}: classifier FID {q['fid']:.2f}, mean top-class probability {q['mean_top_probability']:.4f}, "
          f"class shares {min(q['class_shares']) * 100:.1f}–{max(q['class_shares']) * 100:.1f}% ({shares})",
          flush=True)


def filter_sweep(gan, classifier, test_feats, kinds=(5, 10, 20, 40)) -> None:
    """The filter (keep DEFAULT_KEEP, seeds 0–9) with a plain cut and with k kinds: the table behind CLUSTERS."""
    draws = [gan.generate(gan.latents(math.ceil(1000 / DEFAULT_KEEP - 1e-9), s)) for s in range(N // 1000)]
    judged = [gan.judge(x) for x in draws]
    calibration = gan.calibration_draw()
    cuts = {"plain cut": lambda r, f: r.topk(1000).indices.sort().values}
    for k in kinds:
        cal = gan_filter.calibrate(calibration[1], calibration[0], k=k)
        cuts[f"{k} kinds"] = lambda r, f, cal=cal: gan_filter.keep_most_real(cal, f, r, 1000)
    for name, cut in cuts.items():
        kept = torch.cat([x[cut(r, f)] for x, (r, f) in zip(draws, judged, strict=False)])
        report(f"filter sweep, {name}", sample_quality(classifier, kept, test_feats), [""] * 10)


def classifier_from_file(path: str) -> nn.Module:
    tensors, meta = read_weights(path, "python -m train.classifier --help")
    model = genmodels.build_model("classifier", meta["config"])
    model.load_state_dict(split_extras(tensors)[0])
    return model.eval()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-root", default="data")
    p.add_argument("--baseline-minutes", type=float, default=15.0)
    p.add_argument("--baseline-datasets", default="mnist", help="comma-separated; 'none' to skip the baseline")
    p.add_argument("--datasets", default="mnist,fashion", help="comma-separated")
    p.add_argument("--classifier", action="append", default=[], metavar="DATASET=FILE",
                   help="score DATASET with this classifier file instead of the shipped one")
    p.add_argument("--filter-sweep", action="store_true", help="also the filter with a plain cut and 5/10/20/40 kinds")
    args = p.parse_args()
    other_classifiers = dict(c.split("=", 1) for c in args.classifier)
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    results = {}
    for d in args.datasets.split(","):
        print(f"{DATASETS[d].title}:", flush=True)
        test_x, _ = load_split(d, train=False, root=args.data_root)
        if d in other_classifiers:
            print(f"  scored with the classifier in {other_classifiers[d]}")
        classifier = (classifier_from_file(other_classifiers[d]) if d in other_classifiers
                      else genmodels.load_model("classifier", d))
        test_feats, _ = classifier_features(classifier, test_x)
        gan = genmodels.load_model("gan", d)
        raw = torch.cat([gan.sample(1000, seed=s) for s in range(N // 1000)])
        q_raw = sample_quality(classifier, raw, test_feats)
        report("ours, raw generator (keep 1)", q_raw, DATASETS[d].classes)
        samples = torch.cat([gan.sample(1000, seed=s, keep=DEFAULT_KEEP) for s in range(N // 1000)])
        q = sample_quality(classifier, samples, test_feats)
        report(f"ours, as the app samples (discriminator filter, keep {DEFAULT_KEEP})", q, DATASETS[d].classes)
        grid_pil(raw[:64], nrow=8, scale=2, padding=2).save(OUT / f"gan-{d}-ours-raw.png")
        grid_pil(samples[:64], nrow=8, scale=2, padding=2).save(OUT / f"gan-{d}-ours.png")
        results[d] = {"ours": q, "ours_raw": q_raw}
        if args.filter_sweep:
            filter_sweep(gan, classifier, test_feats)
        ref = sample_quality(classifier, test_x[torch.randperm(len(test_x), generator=torch.Generator()
                                                                .manual_seed(0))[:N]], test_feats)
        print(f"  (test images against themselves: FID {ref['fid']:.2f}, mean top {ref['mean_top_probability']:.4f})")
        if d in args.baseline_datasets.split(","):
            train_x, _ = load_split(d, train=True, root=args.data_root)
            G = train_course_dcgan(train_x, args.baseline_minutes)
            cs = course_samples(G, N)
            qc = sample_quality(classifier, cs, test_feats)
            report("course DCGAN", qc, DATASETS[d].classes)
            grid_pil(cs[:64], nrow=8, scale=2, padding=2).save(OUT / f"gan-{d}-course.png")
            results[d]["course"] = qc
            print(f"  FID ratio ours / course: {q['fid'] / qc['fid']:.3f} as the app samples, "
                  f"{q_raw['fid'] / qc['fid']:.3f} raw (target ≤ 0.333)")

    print()
    checks = {}
    m = results.get("mnist", {})
    for key, how in (("ours", "as the app samples"), ("ours_raw", "raw generator")):
        if not m:
            break
        checks[f"MNIST every class 7–13% ({how})"] = all(0.07 <= s <= 0.13 for s in m[key]["class_shares"])
        checks[f"MNIST mean top-class probability ≥ 0.95 ({how})"] = m[key]["mean_top_probability"] >= 0.95
        if "course" in m:
            checks[f"MNIST FID ≤ course DCGAN / 3 ({how})"] = m[key]["fid"] <= m["course"]["fid"] / 3
    if "fashion" in results:
        f = results["fashion"]
        checks["Fashion-MNIST every class 7–13% (as the app samples)"] = all(
            0.07 <= s <= 0.13 for s in f["ours"]["class_shares"])
        checks["Fashion-MNIST: the filter lowers FID"] = f["ours"]["fid"] < f["ours_raw"]["fid"]
    for name, ok in checks.items():
        print(("PASS " if ok else "FAIL ") + name)


if __name__ == "__main__":
    main()
