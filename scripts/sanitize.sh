#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer build with clang (build-asan), running the unit
# and integration tests plus the libFuzzer targets for a bounded time (fuzz_seconds).
#   scripts/sanitize.sh [FUZZ_SECONDS]        (default 60)
# Left to the normal build: the browser suite (real browsers against a sanitized server and
# renderer would take most of CI's time) and the robustness suite (its RSS baselines do not hold
# under ASan's allocator). Processes that load the GL driver run without leak checking
# (apps/render/sanitizer_options.cpp).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
build=build-asan
if [ ! -f "$build/build.ninja" ]; then
  CC=clang CXX=clang++ meson setup "$build" -Dfuzzing=true -Dfuzz_seconds="$seconds" \
    -Db_sanitize=address,undefined -Db_lundef=false
else
  meson configure "$build" -Dfuzz_seconds="$seconds"
fi
ninja -C "$build"
# The sanitizer runtime must be in the process that loads our plugin: no gst-plugin-scanner.
export GST_REGISTRY_FORK=no
# Scan the system plugins into the tests' private registry first, in an unsanitized process:
# some of them leak by design when loaded (OpenNI2 drivers, fontconfig), and with the registry
# warm the sanitized tests only load what they use plus our plugin.
GST_REGISTRY_1_0="$build/tests/registry.bin" GST_PLUGIN_PATH_1_0= gst-inspect-1.0 >/dev/null
# Leak checking is on by default; processes that load the GL driver turn it off themselves
# (apps/render/sanitizer_options.cpp).
export ASAN_OPTIONS=abort_on_error=0:strict_string_checks=1
export LSAN_OPTIONS=suppressions=$PWD/tests/sanitizers/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
meson test -C "$build" --print-errorlogs --num-processes 2 --no-suite browser --no-suite robustness
