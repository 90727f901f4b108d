"""Train the evaluation classifier: python -m train.classifier --dataset mnist|fashion."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader
from torchvision.transforms import v2
from tqdm import tqdm

from genmodels import build_model
from genmodels.data import DATASETS, load_split
from genmodels.registry import entry
from genmodels.weights import save_weights

from .common import base_parser, provenance, setup

DEFAULT_EPOCHS = {"mnist": 6, "fashion": 15}


@torch.no_grad()
def accuracy(model, images: torch.Tensor, labels: torch.Tensor, device, batch: int = 1000) -> float:
    model.eval()
    correct = sum((model(images[i:i + batch].to(device)).argmax(1).cpu() == labels[i:i + batch]).sum().item()
                  for i in range(0, len(images), batch))
    return correct / len(images)


def main() -> None:
    p = base_parser(__doc__)
    p.add_argument("--label-smoothing", type=float, default=0.0,
                   help="0 keeps the probabilities honest: the GAN benchmark reads them as confidence")
    args = p.parse_args()
    device = setup(args)
    epochs = args.epochs or DEFAULT_EPOCHS[args.dataset]
    lr = args.lr or 3e-3
    info = DATASETS[args.dataset]

    augment = v2.Compose([v2.ToImage(), v2.RandomAffine(degrees=8, translate=(0.08, 0.08)),
                          v2.ToDtype(torch.float32, scale=True)])
    train_set = info.torchvision_dataset(root=args.data_root, train=True, download=True, transform=augment)
    loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, drop_last=True)
    test_x, test_y = load_split(args.dataset, train=False, root=args.data_root)

    model = build_model("classifier").to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs * len(loader))
    for epoch in range(1, epochs + 1):
        model.train()
        bar = tqdm(loader, desc=f"epoch {epoch}/{epochs}", leave=False)
        for x, y in bar:
            x, y = x.to(device), y.to(device)
            loss = F.cross_entropy(model(x), y, label_smoothing=args.label_smoothing)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            bar.set_postfix(loss=f"{loss.item():.3f}")
        acc = accuracy(model, test_x, test_y, device)
        print(f"epoch {epoch}: test accuracy {acc:.4f}", flush=True)

    e = entry("classifier", args.dataset)
    out = args.out or e.path
    meta = {"kind": "classifier", "dataset": args.dataset, "config": model.config_dict(),
            "epochs": epochs, "batch_size": args.batch_size, "lr": lr, "label_smoothing": args.label_smoothing,
            "metrics": {"test_accuracy": round(acc, 4)}, **provenance(args, device)}
    save_weights(out, model.cpu().state_dict(), meta)
    print(f"saved {out}: test accuracy {acc:.4f}")


if __name__ == "__main__":
    main()
