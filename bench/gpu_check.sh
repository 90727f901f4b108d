#!/usr/bin/env bash
# The GPU check on a bare GPU machine (Python 3 with torch, torchvision, safetensors, numpy, pillow and tqdm; no
# Gradio, no dataset): one command, under 5 minutes. Arguments go to bench/gpu_check.py (--help).
# Prints a Markdown table for BENCHMARKS.md and keeps it in bench/out/gpu_check.md (and in $OUT where that is set).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/out
export PYTHONUNBUFFERED=1
status=0
python3 bench/gpu_check.py "$@" | tee bench/out/gpu_check.md || status=$?
if [ -n "${OUT:-}" ]; then cp bench/out/gpu_check.md bench/out/gpu_check.json "$OUT"/ 2>/dev/null || true; fi
exit "$status"
