"""Datasets: MNIST and Fashion-MNIST through torchvision, plus the small test sample the app ships."""
from __future__ import annotations

import struct
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import torch
from safetensors.torch import load_file

from . import checks

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"


@dataclass(frozen=True)
class DatasetInfo:
    key: str
    title: str
    torchvision_name: str         # class in torchvision.datasets
    classes: tuple[str, ...]

    def torchvision_dataset(self, **kwargs):
        """The torchvision dataset object (torchvision is imported here, not at start-up: it costs ~1.3 s)."""
        import torchvision.datasets

        return getattr(torchvision.datasets, self.torchvision_name)(**kwargs)


DATASETS: dict[str, DatasetInfo] = {
    "mnist": DatasetInfo("mnist", "MNIST", "MNIST", tuple(str(d) for d in range(10))),
    "fashion": DatasetInfo(
        "fashion",
        "Fashion-MNIST",
        "FashionMNIST",
        ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
    ),
}
_ALIASES = {"mnist": "mnist", "fashion": "fashion", "fashionmnist": "fashion", "fashion_mnist": "fashion"}


def canonical_dataset(name: str) -> str:
    """Map 'MNIST', 'Fashion-MNIST', 'fashion', ... to a key of DATASETS, or raise ValueError."""
    key = _ALIASES.get(str(name).strip().lower().replace("-", "").replace(" ", ""))
    if key is None:
        titles = ", ".join(f"'{d.title}'" for d in DATASETS.values())
        raise ValueError(f"Unknown dataset {name!r}: choose one of {titles}.")
    return key


def load_split(dataset: str, train: bool, root: str | Path = "data", download: bool = True):
    """The whole split as tensors: images float N×1×28×28 in [0,1] and labels int64 N."""
    info = DATASETS[canonical_dataset(dataset)]
    try:
        ds = info.torchvision_dataset(root=str(root), train=train, download=download)
    except RuntimeError as err:  # torchvision: "Dataset not found. You can use download=True ..."
        raise RuntimeError(
            f"{info.title} not found under {root!r} and could not be downloaded ({err}). "
            "Pass --data-root pointing at a torchvision dataset root."
        ) from err
    images = ds.data.unsqueeze(1).float().div_(255.0)
    return images, ds.targets.long()


def sample_path(dataset: str) -> Path:
    return EXAMPLES_DIR / f"{canonical_dataset(dataset)}-test-sample.safetensors"


def train_subset_path(dataset: str) -> Path:
    return EXAMPLES_DIR / f"{canonical_dataset(dataset)}-train-subset.safetensors"


def test_subset_path(dataset: str) -> Path:
    return EXAMPLES_DIR / f"{canonical_dataset(dataset)}-test-subset.safetensors"


def held_out_images(dataset: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The shipped held-out set live training shows on its map (the first 200 test images of each class, 2,000 in
    all; python -m export.samples --split test-subset): images float N×1×28×28 in [0,1] and labels."""
    return _held_out(canonical_dataset(dataset))


@cache
def _held_out(dataset: str) -> tuple[torch.Tensor, torch.Tensor]:
    path = test_subset_path(dataset)
    if not path.exists():
        raise FileNotFoundError(f"Held-out images {path} are missing. Rebuild them with: "
                                f"python -m export.samples --dataset {dataset} --split test-subset")
    t = load_file(str(path))
    return t["images"].unsqueeze(1).float().div_(255.0), t["labels"].long()


def training_images(dataset: str, root: str | Path | None = None) -> tuple[torch.Tensor, torch.Tensor, str]:
    """Images to train on (float N×1×28×28 in [0,1]) and labels: the whole torchvision training split where it is
    under `root`, else the shipped subset (python -m export.samples --split train); and which it is."""
    info = DATASETS[canonical_dataset(dataset)]
    if root is not None:
        try:
            images, labels = load_split(info.key, train=True, root=root, download=False)
            return images, labels, f"the {info.title} training set ({len(images):,} images)"
        except RuntimeError:
            pass
    path = train_subset_path(info.key)
    if not path.exists():
        raise FileNotFoundError(f"No {info.title} training images: {path} is missing. Rebuild it with: "
                                f"python -m export.samples --dataset {info.key} --split train")
    t = load_file(str(path))
    images = t["images"].unsqueeze(1).float().div_(255.0)
    return images, t["labels"].long(), f"the shipped {info.title} subset ({len(images):,} training images)"


def load_sample(dataset: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The shipped test-set sample: images float N×1×28×28 in [0,1], labels, and their test-set indices
    (read once per process; do not modify them)."""
    return _sample(canonical_dataset(dataset))


@cache
def _sample(dataset: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    path = sample_path(dataset)
    if not path.exists():
        raise FileNotFoundError(
            f"Example images {path} are missing. Rebuild them with: "
            f"python -m export.samples --dataset {canonical_dataset(dataset)}"
        )
    t = load_file(str(path))
    return t["images"].unsqueeze(1).float().div_(255.0), t["labels"].long(), t["indices"].long()


def sample_image(dataset: str, index) -> tuple[torch.Tensor, str]:
    """The shipped test image at `index` (1×1×28×28) and its caption, e.g. 'test image #1234 (7)'."""
    key = canonical_dataset(dataset)
    images, labels, indices = load_sample(key)
    i = checks.whole(index, "The image index", 0, len(images) - 1)
    return images[i:i + 1], f"test image #{int(indices[i])} ({DATASETS[key].classes[int(labels[i])]})"


def write_sample_as_dataset(dataset: str, root: str | Path) -> Path:
    """The shipped test sample written as a torchvision dataset root (the four IDX files, the sample standing in
    for both the training and the test split), so that train/ scripts can be smoke-run where the dataset is not."""
    info = DATASETS[canonical_dataset(dataset)]
    images, labels, _ = load_sample(info.key)
    raw = Path(root) / info.torchvision_name / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    pixels = (images[:, 0] * 255).round().to(torch.uint8)
    for split in ("train", "t10k"):
        # IDX: a magic number (unsigned bytes, number of dimensions), then each dimension's size, big-endian
        with open(raw / f"{split}-images-idx3-ubyte", "wb") as f:
            f.write(struct.pack(">IIII", 0x803, *pixels.shape) + pixels.numpy().tobytes())
        with open(raw / f"{split}-labels-idx1-ubyte", "wb") as f:
            f.write(struct.pack(">II", 0x801, len(labels)) + labels.to(torch.uint8).numpy().tobytes())
    return Path(root)


def first_per_class(labels: torch.Tensor, per_class: int) -> list[int]:
    """Indices of the first `per_class` images of each class, class by class (the galleries' order)."""
    return torch.cat([torch.nonzero(labels == c).flatten()[:per_class]
                      for c in range(int(labels.max()) + 1)]).tolist()
