"""The evaluation classifier: a small CNN used as an instrument (benchmarks, captions), not a demo."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

from .device import on_model_device


@dataclass
class ClassifierConfig:
    channels: int = 32
    features: int = 128   # penultimate width: the feature space for classifier FID
    dropout: float = 0.3


def _block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(), nn.MaxPool2d(2))


class Classifier(nn.Module):
    def __init__(self, config: ClassifierConfig | None = None, num_classes: int = 10):
        super().__init__()
        self.config = c = config or ClassifierConfig()
        ch = c.channels
        self.body = nn.Sequential(
            _block(1, ch), _block(ch, 2 * ch), _block(2 * ch, 4 * ch),   # 28 → 14 → 7 → 3
            nn.Flatten(), nn.Dropout(c.dropout),
            nn.Linear(4 * ch * 9, c.features), nn.ReLU(),
        )
        self.head = nn.Sequential(nn.Dropout(c.dropout), nn.Linear(c.features, num_classes))

    @on_model_device
    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate-layer features, N×features, for x: N×1×28×28 in [0,1]."""
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))

    @torch.no_grad()
    @on_model_device
    def predict_proba(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self(x), dim=1)

    def config_dict(self) -> dict:
        return asdict(self.config)
