// Defaults for sanitizer builds (scripts/sanitize.sh); compiled into every build, read only by the
// sanitizer runtime when present. The GL driver (Mesa llvmpipe) leaks small blocks from modules
// it unloads at eglTerminate, which LeakSanitizer can neither name nor suppress; leak checking is
// therefore off in processes that load it. Address checks and UBSan stay fully on.
extern "C" __attribute__((visibility("default"), used)) const char* __asan_default_options() {
  return "detect_leaks=0";
}
