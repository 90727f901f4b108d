"""Export the shipped VAE's decoder for the browser: python -m export.vae_decoder --dataset mnist|fashion.

Trains nothing. Reads weights/vae-<dataset>.safetensors, keeps the decoder's tensors in float16 (half the page
weight; decoded pixels stay within 1 grey level of the float32 model, see tests/test_vae_decoder.py) and writes
weights/vae-decoder-<dataset>.safetensors. Its metadata lists the layers in order (`layers`), so the plain-JS
forward pass in ui/static/runtime.js needs no architecture of its own, and records the source file's SHA-256.
"""
from __future__ import annotations

import argparse
import hashlib

from genmodels.browser import layer_list
from genmodels.data import DATASETS
from genmodels.registry import entry, load_weights
from genmodels.vae import VAEConfig, decoder_layers
from genmodels.weights import save_weights, split_extras


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", choices=sorted(DATASETS), required=True)
    p.add_argument("--out", default=None)
    args = p.parse_args()
    source = entry("vae", args.dataset)
    tensors, meta = load_weights("vae", args.dataset)
    state, _ = split_extras(tensors)
    decoder = {k: v.half() for k, v in state.items() if k.startswith("decoder.")}
    meta_out = {
        "kind": "vae-decoder", "dataset": args.dataset, "config": meta["config"], "dtype": "float16",
        "layers": layer_list(decoder_layers(VAEConfig(**meta["config"])), "decoder") + [{"op": "sigmoid"}],
        "source": source.path.name, "source_sha256": hashlib.sha256(source.path.read_bytes()).hexdigest(),
        "source_training_command": meta["training_command"], "epochs": meta["epochs"], "metrics": meta["metrics"],
        "torch_version": meta["torch_version"],
        "training_command": f"python -m export.vae_decoder --dataset {args.dataset}",
    }
    out = args.out or entry("vae-decoder", args.dataset).path
    save_weights(out, decoder, meta_out)
    print(f"saved {out}: {len(decoder) // 2} layers, {sum(t.numel() for t in decoder.values()):,} parameters")


if __name__ == "__main__":
    main()
