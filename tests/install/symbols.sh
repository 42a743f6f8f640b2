#!/bin/sh
# exported-symbols: the dynamic symbols each shared object defines, demangled and sorted, must
# equal the expected list (one per line; std::string spelled "std::string" for readability).
#   symbols.sh LIBVTKSTREAM PLUGIN LIBVTKSTREAM.symbols PLUGIN.symbols
# A difference is printed as a diff: "+" is exported but not expected (an internal leaking, or
# a new API to add to the list deliberately), "-" is expected but no longer exported.
set -u
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check() {
  so=$1 expected=$2
  # --defined-only: what the object provides (not what it imports). Linker-defined markers such
  # as _edata or __bss_start are not API; binutils lists them on some systems only.
  nm -D --defined-only -C "$so" | cut -d' ' -f3- |
    sed 's/std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >/std::string/g' |
    grep -v -x -e '_edata' -e '_end' -e '__bss_start' -e '_init' -e '_fini' | sort -u > "$tmp/actual"
  grep -v '^#' "$expected" | sed '/^$/d' | sort -u > "$tmp/expected"
  if ! diff -u "$tmp/expected" "$tmp/actual" > "$tmp/diff"; then
    echo "exported-symbols: $(basename "$so") exports something else than $(basename "$expected"):" >&2
    cat "$tmp/diff" >&2
    fail=1
  else
    echo "exported-symbols: $(basename "$so"): $(wc -l < "$tmp/actual") symbols, as expected"
  fi
}
check "$1" "$3"
check "$2" "$4"
exit "$fail"
