#!/usr/bin/env bash
# The benchmark on a machine with a GPU and no browser: the engine on WebGPU in Node (Dawn's
# binding, the `webgpu` npm package, over Vulkan) against tfjs's model.fit and, where a Python
# whose torch sees CUDA is present, PyTorch on the same GPU; tiny, small (Fashion-MNIST) and the
# ResNet (CIFAR-10), batch 64 and 256, each row with a time budget: about 8 minutes in all.
# Writes bench/results/<timestamp>.json and prints the same tables and budget lines as
# `npm run bench`.
#
#   bench/gpu.sh                          # everything (needs a Vulkan driver for the GPU)
#   bench/gpu.sh --quick                  # one timed step a round (a smoke run)
#   bench/gpu.sh --models tiny --batches 64 --row-seconds 30
#   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json bench/gpu.sh --quick --models tiny
#                                         # the same on SwiftShader (CPU emulation), as tested here
#
# Installs what is missing: libvulkan1 (Debian/Ubuntu apt), node_modules (npm ci), the datasets
# (npm run data -- fetch: the publishers' files, as users get them) unless ../shared/datasets has them.
# PyTorch is not installed: Debian's python3-torch has no CUDA; set ITRA_PYTHON to a Python whose
# torch has CUDA, or the script looks for one (python3, /usr/bin/python3) and goes on without.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '[gpu.sh] %s\n' "$*" >&2; }
SUDO=""
[ "$(id -u)" != 0 ] && command -v sudo >/dev/null && SUDO="sudo"

# 1. Node >= 20.19 (package.json's engines), from Debian's packages if there is none.
if ! command -v node >/dev/null; then
  say "no node: apt-get install nodejs npm"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq nodejs npm
fi
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
  say "node $(node --version) is older than 20.19: install a newer one (Debian 13's nodejs, or nodejs.org) and rerun"
  exit 2
fi

# 2. The Vulkan loader Dawn opens (libvulkan.so.1); the driver (ICD) comes with the GPU's.
# (grep reads it all: with pipefail, grep -q's early exit would fail the pipe.)
if ! ldconfig -p 2>/dev/null | grep 'libvulkan.so.1' >/dev/null; then
  if command -v apt-get >/dev/null; then
    say "installing libvulkan1 (the Vulkan loader)"
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq libvulkan1
  else
    say "no libvulkan.so.1 and no apt-get: install your distribution's Vulkan loader"
  fi
fi
if [ -z "${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:-}" ] && command -v nvidia-smi >/dev/null; then
  if ! ls /usr/share/vulkan/icd.d/nvidia* /etc/vulkan/icd.d/nvidia* >/dev/null 2>&1; then
    say "nvidia-smi works but no NVIDIA Vulkan ICD file: in a container, NVIDIA_DRIVER_CAPABILITIES must include 'graphics' (or 'all')"
  fi
fi

# 3. node_modules (the exact lockfile).
if [ ! -d node_modules/webgpu ] || [ ! -x node_modules/.bin/tsx ]; then
  say "npm ci"
  npm ci --no-audit --no-fund
fi

# 4. Data: the shared copy beside the repository, else the product's own download.
if [ ! -d "${ITRA_SHARED_DIR:-../shared}/datasets" ]; then
  say "fetching Fashion-MNIST and CIFAR-10 into the dev server's cache (npm run data -- fetch)"
  npm run -s data -- fetch fmnist cifar10
fi

# 5. A Python whose torch has CUDA, for the PyTorch row (optional).
if [ -z "${ITRA_PYTHON:-}" ]; then
  for py in python3 /usr/bin/python3; do
    if command -v "$py" >/dev/null && "$py" -c 'import torch, numpy, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
      export ITRA_PYTHON="$py"
      break
    fi
  done
fi
[ -n "${ITRA_PYTHON:-}" ] && say "PyTorch CUDA: $ITRA_PYTHON" || say "no Python with torch+CUDA: PyTorch rows are skipped (set ITRA_PYTHON)"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader >&2 || true

# 6. The benchmark (Node WebGPU only; every row stops at its time budget).
exec npx tsx bench/run.ts --gpu "$@"
