#!/usr/bin/env bash
# CI step: build the native TensorFlow backend (@tensorflow/tfjs-node's addon) when this machine can,
# within a time budget, so that the backend parity tests also cover `tensorflow`. Run it before the
# test suite. It never fails CI because the machine *cannot* build (no compiler, no library source,
# budget exceeded); it fails (exit 1) only when a build that should work breaks.
#
#   scripts/ci-native.sh [extra build-native.ts arguments, e.g. --from-pip or --wheel FILE]
#
# Environment:
#   RFM_NATIVE=0                 skip entirely (exit 0)
#   RFM_NATIVE_BUDGET=SECONDS    time budget for the whole build (default 600)
#   RFM_NATIVE_OPTIONAL=1        also exit 0 when a build breaks (prints the error)
#   XDG_CACHE_HOME               cache root (library ~850 MB + addon under rfm-js/native); keep it between CI runs
set -uo pipefail

cd "$(dirname "$0")/.."
budget="${RFM_NATIVE_BUDGET:-600}"

if [[ "${RFM_NATIVE:-1}" == "0" ]]; then
  echo "ci-native: skipped (RFM_NATIVE=0); tests run on wasm and cpu."
  exit 0
fi
if [[ "$(uname -s)" != "Linux" ]]; then
  echo "ci-native: not built: the offline build supports Linux only; tests run on wasm and cpu."
  exit 0
fi
if [[ ! -x node_modules/.bin/tsx ]]; then
  echo "ci-native: not built: node_modules/.bin/tsx is missing (run pnpm install first)."
  exit 0
fi

start=$(date +%s)
timeout --kill-after=15 "$budget" \
  node_modules/.bin/tsx --tsconfig tsconfig.run.json --conditions=@rfm/source packages/cli/src/bin.ts backend build-native "$@"
rc=$?
elapsed=$(( $(date +%s) - start ))

case "$rc" in
  0)
    echo "ci-native: native TensorFlow backend ready (${elapsed} s)."
    exit 0 ;;
  3)
    echo "ci-native: this machine cannot build the native TensorFlow backend (see above); tests run on wasm and cpu. (${elapsed} s)"
    exit 0 ;;
  124|137)
    echo "ci-native: not built: time budget of ${budget} s exceeded (raise RFM_NATIVE_BUDGET); tests run on wasm and cpu."
    exit 0 ;;
  *)
    echo "ci-native: the native build FAILED (exit ${rc}) although the machine has what it needs (see above). (${elapsed} s)"
    if [[ "${RFM_NATIVE_OPTIONAL:-0}" == "1" ]]; then exit 0; fi
    exit 1 ;;
esac
