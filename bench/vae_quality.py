"""VAE quality on the full test set: python bench/vae_quality.py --data-root ../shared/datasets

For each shipped 2-D VAE: test negative ELBO (nats/image, z sampled 10× per image), k-NN (k=5) accuracy of
test posterior means among train posterior means, and whether every class appears confidently (evaluation
classifier probability ≥ 0.9) in some cell of the manifold grid the app shows over the sliders' range.
Writes bench/out/vae_quality.json and a grid image per dataset with each cell's confident class.

--references adds what the figures can be read against: k-NN (k=5) on the raw pixels (784-d) and on their
2-D PCA, and per class the share of real test images the classifier itself gives ≥ 0.9 (what "confident" asks
of a decoded cell).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import genmodels  # noqa: E402
from genmodels import latent  # noqa: E402
from genmodels.data import DATASETS, load_split  # noqa: E402
from genmodels.imaging import grid_pil  # noqa: E402
from genmodels.latent import GRID_N, slider_radius  # noqa: E402
from genmodels.metrics import encode_all, knn_accuracy, vae_negative_elbo  # noqa: E402

CONFIDENT = 0.9
OUT = Path(__file__).resolve().parent / "out"


def evaluate(dataset: str, root: str) -> dict:
    vae = genmodels.load_model("vae", dataset)
    clf = genmodels.load_model("classifier", dataset)
    test_x, test_y = load_split(dataset, train=False, root=root)
    train_x, train_y = load_split(dataset, train=True, root=root)
    elbo = vae_negative_elbo(vae, test_x, samples=10)
    test_mu, _ = encode_all(vae, test_x)
    train_mu, _ = encode_all(vae, train_x)
    knn = knn_accuracy(train_mu, train_y, test_mu, test_y, k=5)

    radius = slider_radius()
    grid = latent.decode_grid(vae, radius, GRID_N)
    probs = clf.predict_proba(grid)
    conf, cls = probs.max(1)
    confident = sorted({int(c) for c, p in zip(cls, conf, strict=False) if p >= CONFIDENT})
    best = {DATASETS[dataset].classes[c]: round(float(probs[:, c].max()), 3) for c in range(10)}
    inside = (test_mu.abs() <= radius).all(1).float().mean().item()
    OUT.mkdir(exist_ok=True)
    grid_pil(grid, nrow=GRID_N, scale=2).save(OUT / f"manifold-{dataset}.png")
    return {
        "dataset": dataset, "test_neg_elbo": round(elbo["neg_elbo"], 2),
        "test_reconstruction": round(elbo["reconstruction"], 2), "test_kl": round(elbo["kl"], 2),
        "knn5_accuracy": round(knn, 4), "slider_radius": radius, "grid": f"{GRID_N}x{GRID_N}",
        "test_means_inside_slider_range": round(inside, 4),
        "classes_confident_in_grid": [DATASETS[dataset].classes[c] for c in confident],
        "all_classes_confident": len(confident) == 10, "best_cell_probability_per_class": best,
        "shipped_metadata_metrics": vae.metadata.get("metrics"),
    }


def references(dataset: str, root: str) -> dict:
    """k-NN on pixels and on a 2-D PCA of them; per class, the share of real test images classified confidently."""
    train_x, train_y = load_split(dataset, train=True, root=root)
    test_x, test_y = load_split(dataset, train=False, root=root)
    torch.manual_seed(0)                        # pca_lowrank is randomised
    train_p, test_p = train_x.flatten(1), test_x.flatten(1)
    mean = train_p.mean(0)
    pcs = torch.pca_lowrank(train_p - mean, q=2, center=False, niter=8)[2]
    probs = genmodels.load_model("classifier", dataset).predict_proba(test_x)
    confident = {DATASETS[dataset].classes[c]: round(float((probs[test_y == c, c] >= CONFIDENT).float().mean()), 3)
                 for c in range(10)}
    return {"knn5_pixels": round(knn_accuracy(train_p, train_y, test_p, test_y, k=5), 4),
            "knn5_pca2": round(knn_accuracy((train_p - mean) @ pcs, train_y, (test_p - mean) @ pcs, test_y, k=5), 4),
            "real_test_images_confident_per_class": confident}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data-root", default="data")
    p.add_argument("--datasets", nargs="+", default=["mnist", "fashion"])
    p.add_argument("--references", action="store_true", help="also k-NN on pixels / 2-D PCA, real images' confidence")
    args = p.parse_args()
    torch.set_grad_enabled(False)
    results = [evaluate(d, args.data_root) for d in args.datasets]
    if args.references:
        for r in results:
            r["references"] = references(r["dataset"], args.data_root)
    OUT.mkdir(exist_ok=True)
    (OUT / "vae_quality.json").write_text(json.dumps(results, indent=2))
    print("| dataset | test −ELBO (nats) | rec | KL | k-NN (k=5) | classes confident in grid | test μ inside range |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['dataset']} | {r['test_neg_elbo']} | {r['test_reconstruction']} | {r['test_kl']} | "
              f"{r['knn5_accuracy']} | {len(r['classes_confident_in_grid'])}/10 | "
              f"{r['test_means_inside_slider_range']} |")
    for r in results:
        print(r["dataset"], "best cell probability per class:", r["best_cell_probability_per_class"])
        if "references" in r:
            print(r["dataset"], "references:", r["references"])


if __name__ == "__main__":
    main()
