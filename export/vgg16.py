"""Ship the ImageNet VGG16 convolutions style transfer needs (conv1_1 … conv5_1), as float16 safetensors.

    python -m export.vgg16 --source ../shared/weights/vgg16-imagenet-features.safetensors

The source holds the 13 convolutions of VGG16 (Simonyan & Zisserman 2014, CC BY 4.0) with keys of
torchvision's vgg16().features and Caffe's input convention (RGB 0..255 minus the ImageNet mean). Nothing is
trained: the layers after conv5_1 are dropped and the weights stored in float16 (half the size; the engine
computes in float32 or bfloat16), keeping the source's provenance in the metadata.
"""
from __future__ import annotations

import argparse
import hashlib
import json

from safetensors import safe_open

from genmodels.registry import entry
from genmodels.vgg16 import VGG_LAYERS
from genmodels.weights import save_weights


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--source", required=True, help="safetensors with vgg16().features keys, Caffe convention")
    p.add_argument("--out", default=None)
    args = p.parse_args()
    last = max(VGG_LAYERS.values())
    with safe_open(args.source, framework="pt") as f:
        source_meta = f.metadata() or {}
        tensors = {k: f.get_tensor(k).half() for k in f.keys() if int(k.split(".")[1]) <= last}
    with open(args.source, "rb") as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()
    meta = {
        "kind": "vgg16-features", "layers": list(VGG_LAYERS), "dtype": "float16",
        "input": "RGB 0..255 minus mean_rgb (Caffe convention), no division by a standard deviation",
        "mean_rgb": json.loads(source_meta.get("mean_rgb", "[123.68, 116.779, 103.939]")),
        "source": source_meta.get("source", "ImageNet VGG16"), "license": source_meta.get("license", "CC BY 4.0"),
        "source_file_sha256": digest, "training_command": entry("vgg16", "imagenet").train_command,
        "epochs": 0, "metrics": {}, "config": {"last_layer": "conv5_1"},
    }
    out = args.out or entry("vgg16", "imagenet").path
    save_weights(out, tensors, meta)
    n = sum(t.numel() for t in tensors.values())
    print(f"saved {out}: {len(tensors) // 2} convolutions, {n:,} parameters")


if __name__ == "__main__":
    main()
