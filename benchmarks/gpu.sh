#!/usr/bin/env bash
# The benchmarks on a machine with GPUs, as is: the sharded step on every visible GPU, then
# the einsum and LSTM benchmarks. Each writes its "<name>_gpu" section of RESULTS.md, headed
# by the card's name (the CPU sections stay). About 5 minutes on one H100.
#
#   bash benchmarks/gpu.sh            # uses python3; PYTHON=... to choose another
#
# Needs jax with CUDA, opt_einsum, safetensors, flatbuffers (and torch for the LSTM's
# PyTorch rows). Nothing is installed or downloaded: namedtensor is put on the path from
# this checkout. With $OUT set (the device tool), RESULTS.md and lstm.png are copied there.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}

# namedtensor from this checkout, laid out as installed (backends/ and grad/ inside it)
SITE=$(mktemp -d)
trap 'rm -rf "$SITE"' EXIT
mkdir "$SITE/namedtensor"
for f in ../namedtensor/*; do ln -s "$(realpath "$f")" "$SITE/namedtensor/"; done
ln -s "$(realpath ../backends)" "$SITE/namedtensor/backends"
ln -s "$(realpath ../grad)" "$SITE/namedtensor/grad"
export PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}"
export XLA_PYTHON_CLIENT_PREALLOCATE=false  # several processes share the GPUs in turn
export PYTHONUNBUFFERED=1

"$PY" -c "import jax, namedtensor as nt; assert jax.default_backend() == 'gpu', \
    jax.devices(); print('GPUs:', jax.devices(), '| namedtensor from', nt.__file__)"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true

status=0
timeout 240 "$PY" sharding.py --gpu || status=$?
timeout 150 "$PY" einsum.py || status=$?
timeout 300 "$PY" lstm.py --no-torch-compile || status=$?
if [ -n "${OUT:-}" ]; then
    cp RESULTS.md "$OUT"/
    cp lstm.png "$OUT"/ 2>/dev/null || true
fi
exit $status
