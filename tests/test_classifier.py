import pytest
import torch

import genmodels
from genmodels.classifier import Classifier
from genmodels.data import load_sample


def test_shapes():
    clf = Classifier().eval()
    x = torch.rand(3, 1, 28, 28)
    assert clf(x).shape == (3, 10)
    assert clf.features(x).shape == (3, clf.config.features)
    p = clf.predict_proba(x)
    assert torch.allclose(p.sum(1), torch.ones(3))


@pytest.mark.parametrize("dataset,min_acc", [("mnist", 0.98), ("fashion", 0.88)])
def test_shipped_classifier_accuracy_on_shipped_sample(dataset, min_acc):
    clf = genmodels.load_model("classifier", dataset)
    images, labels, _ = load_sample(dataset)
    acc = (clf(images).argmax(1) == labels).float().mean().item()
    assert acc >= min_acc
