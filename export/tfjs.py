"""Vendor TensorFlow.js for the page's trainer: npm ci && python -m export.tfjs (or npm run vendor).

Trains nothing. Copies the files the page loads from node_modules (the versions pinned in package-lock.json) into
ui/static/vendor/tfjs/: tfjs-core's and the WebAssembly backend's minified scripts and its two WebAssembly binaries
(with and without SIMD; the threaded one needs a cross-origin-isolated page, which a Gradio app is not), and the
WebGPU backend's script (loaded only where the browser has a GPU). The app
serves them itself, so it works offline and never fetches code from a CDN. tests/test_page_trainer.py checks the
copies equal what npm installs.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "ui" / "static" / "vendor" / "tfjs"
FILES = {   # package: the files the page loads, from its dist/
    "@tensorflow/tfjs-core": ["tf-core.min.js"],
    "@tensorflow/tfjs-backend-wasm": ["tf-backend-wasm.min.js", "tfjs-backend-wasm.wasm",
                                      "tfjs-backend-wasm-simd.wasm"],
    "@tensorflow/tfjs-backend-webgpu": ["tf-backend-webgpu.min.js"],
}


def sources(modules: Path = ROOT / "node_modules") -> dict[str, Path]:
    """Each vendored file's name and where npm installed it."""
    return {name: modules / package / "dist" / name for package, names in FILES.items() for name in names}


def versions(modules: Path = ROOT / "node_modules") -> dict[str, str]:
    return {package: json.loads((modules / package / "package.json").read_text())["version"] for package in FILES}


def main() -> None:
    VENDOR.mkdir(parents=True, exist_ok=True)
    for name, source in sources().items():
        shutil.copyfile(source, VENDOR / name)
    listed = ", ".join(f"{package} {version}" for package, version in versions().items())
    (VENDOR / "README.md").write_text(
        f"# TensorFlow.js, vendored\n\n{listed} (Apache License 2.0, https://github.com/tensorflow/tfjs), copied "
        "from node_modules by `python -m export.tfjs` after `npm ci`. The page's trainer "
        "(ui/static/page/train_worker.js) loads them from the app itself.\n")
    print(f"copied {len(sources())} files ({listed}) to {VENDOR.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
