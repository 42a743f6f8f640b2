#!/bin/sh
# installed-tree: what `meson install` gives a user, checked in a staged copy.
#   installed_tree.sh BUILD_DIR SOURCE_DIR PREFIX LIBDIR BINDIR INCLUDEDIR DATADIR [UNITDIR]
# 1. `meson install --destdir` into a temporary directory (nothing is rebuilt, nothing leaves it).
# 2. The files are where the docs say: library, headers, pkg-config and CMake files, programs,
#    plugin, web client, the service unit (whose Documentation= and ExecStart= name installed
#    files), its drop-ins and the docs.
# 3. examples/ built against the staged tree: with CMake (find_package(vtkstream) ->
#    vtkstream::vtkstream; ring-reader and embed-minimal) and with pkg-config (ring-reader).
#    Both must resolve headers and library in the staged tree, never in the source tree.
# 4. Run: the installed vtkstream-render publishes, both ring-readers read its frames through
#    the installed libvtkstream.
# 5. The installed vtkstream-serve finds its own plugin (no GST_PLUGIN_PATH, a registry of its
#    own) wherever it is installed, and its /healthz answers.
# 6. The installed vtksrc-contract.h compiles alone with the flags of vtkstream-gst.pc.
# 7. With VTKSTREAM_PYTHON set (builds with the Python binding): that Python imports the staged
#    package, whose module loads the staged libvtkstream and whose serve() names the installed
#    vtkstream-serve; under /usr and /usr/local the package is where that Python looks.
set -eu
build=$1 src=$2 prefix=$3 libdir=$4 bindir=$5 includedir=$6 datadir=$7 unitdir=${8:-}
tmp=$(mktemp -d)
renderer_pid= serve_pid=
cleanup() {
  [ -n "$renderer_pid" ] && kill "$renderer_pid" 2>/dev/null && wait "$renderer_pid" 2>/dev/null
  [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "installed-tree: $*" >&2; exit 1; }

root=$tmp/root
meson install -C "$build" --no-rebuild --quiet --destdir "$root" > "$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log" >&2; fail "meson install failed"; }
case $libdir in /*) ;; *) libdir=$prefix/$libdir ;; esac
case $bindir in /*) ;; *) bindir=$prefix/$bindir ;; esac
case $includedir in /*) ;; *) includedir=$prefix/$includedir ;; esac
case $datadir in /*) ;; *) datadir=$prefix/$datadir ;; esac
[ -n "$unitdir" ] || unitdir=$prefix/lib/systemd/system
docdir=$datadir/doc/vtkstream

# --- 2. files
for f in "$libdir/libvtkstream.so.0" "$libdir/libvtkstream.so" "$libdir/pkgconfig/vtkstream.pc" \
         "$libdir/cmake/vtkstream/vtkstreamConfig.cmake" "$libdir/cmake/vtkstream/vtkstreamConfigVersion.cmake" \
         "$includedir/vtkstream/publisher.h" "$includedir/vtkstream/shm.h" "$includedir/vtkstream/shm_layout.h" \
         "$includedir/vtkstream/export.h" "$includedir/vtkstream/vtksrc-contract.h" \
         "$libdir/pkgconfig/vtkstream-gst.pc" "$bindir/vtkstream-serve" "$bindir/vtkstream-render" "$libdir/gstreamer-1.0/libgstvtkstream.so" \
         "$datadir/vtkstream/web/index.html" "$unitdir/vtkstream@.service" \
         "$docdir/README.md" "$docdir/security.md" "$docdir/systemd/README.md" \
         "$docdir/systemd/gpu.conf" "$docdir/systemd/internet.conf"; do
  [ -e "$root$f" ] || fail "not installed: $f"
done
unit=$root$unitdir/vtkstream@.service
grep -q "^ExecStart=$bindir/vtkstream-serve " "$unit" || fail "the unit does not start $bindir/vtkstream-serve"
grep -q "^Environment=VTKSTREAM_WEB_DIR=$datadir/vtkstream/web$" "$unit" || fail "the unit's web dir is not the installed one"
docs=$(sed -n 's/^Documentation=//p' "$unit")
[ -n "$docs" ] || fail "the unit has no Documentation="
for url in $docs; do
  case $url in file://*) ;; *) fail "Documentation= $url is not a file:// URL" ;; esac
  [ -f "$root${url#file://}" ] || fail "Documentation= names $url, which meson install did not install"
done
if grep -q '@[A-Z]*@' "$unit"; then fail "unsubstituted @VARIABLE@ in the installed unit"; fi

# --- 3a. CMake: only the staged prefix is searched; the build must pick our package from it.
cmake -S "$src/examples" -B "$tmp/cmake" -G Ninja -DCMAKE_PREFIX_PATH="$root$prefix" \
      -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON > "$tmp/cmake.log" 2>&1 ||
  { cat "$tmp/cmake.log" >&2; fail "cmake configure of examples/ failed"; }
grep -qx "vtkstream_DIR:PATH=$root$libdir/cmake/vtkstream" "$tmp/cmake/CMakeCache.txt" ||
  fail "find_package(vtkstream) did not find the staged package ($(grep '^vtkstream_DIR' "$tmp/cmake/CMakeCache.txt"))"
cmake --build "$tmp/cmake" > "$tmp/cmake-build.log" 2>&1 ||
  { cat "$tmp/cmake-build.log" >&2; fail "cmake build of examples/ failed"; }
# The include path is the staged one (not the source tree's lib/ directories).
grep -q -- "-isystem $root$includedir\|-I$root$includedir" "$tmp/cmake/build.ninja" ||
  fail "the CMake build does not use the staged include directory"

# --- 3b. pkg-config: PKG_CONFIG_SYSROOT_DIR maps the .pc file's paths into the staged tree.
PKG_CONFIG_PATH=$root$libdir/pkgconfig PKG_CONFIG_SYSROOT_DIR=$root pkg-config --cflags --libs vtkstream > "$tmp/pc" ||
  fail "pkg-config does not know vtkstream"
# shellcheck disable=SC2046
c++ -std=c++17 -O1 -o "$tmp/ring-reader-pc" "$src/examples/ring-reader.cpp" $(cat "$tmp/pc") ||
  fail "ring-reader does not build with pkg-config's flags: $(cat "$tmp/pc")"

# --- 4. run against the staged library only.
export LD_LIBRARY_PATH="$root$libdir"
name="vtkstream-installtest-$$"
"$root$bindir/vtkstream-render" --version | grep -qx "vtkstream-render [0-9.]*" || fail "installed renderer --version"
"$root$bindir/vtkstream-render" --shm "$name" --size 320x240 2> "$tmp/render.log" &
renderer_pid=$!
for reader in "$tmp/ring-reader-pc" "$tmp/cmake/ring-reader"; do
  ldd "$reader" | grep -q "libvtkstream.so.0 => $root$libdir/" || fail "$reader does not load the staged libvtkstream"
  out=$("$reader" --shm "$name" --frames 1 --timeout 60) || { cat "$tmp/render.log" >&2; fail "$reader read no frame"; }
  echo "$out" | grep -q "^frame [0-9]*: 320x240" || fail "$reader: unexpected output: $out"
  echo "installed-tree: $(basename "$reader"): $out"
done
ldd "$tmp/cmake/embed-minimal" | grep -q "libvtkstream.so.0 => $root$libdir/" || fail "embed-minimal does not link the staged libvtkstream"

# --- 5. the installed server and its plugin, found without GST_PLUGIN_PATH.
mkfifo "$tmp/serve.out"
env -u GST_PLUGIN_PATH -u GST_PLUGIN_SYSTEM_PATH GST_REGISTRY="$tmp/registry.bin" \
  "$root$bindir/vtkstream-serve" --port 0 --no-auth --no-renderer > "$tmp/serve.out" 2> "$tmp/serve.log" &
serve_pid=$!
exec 3< "$tmp/serve.out"
read -r line <&3 || { cat "$tmp/serve.log" >&2; fail "the installed vtkstream-serve did not start"; }
url=$(echo "$line" | sed -n 's|^vtkstream-serve: open \(http://[^ ]*\) in a browser$|\1|p')
[ -n "$url" ] || fail "unexpected first line of the installed vtkstream-serve: $line"
health=$(python3 -c "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())" "${url%/}/healthz") || fail "the installed vtkstream-serve's /healthz does not answer"
echo "installed-tree: vtkstream-serve at $url, /healthz: $health"
kill "$serve_pid"; wait "$serve_pid" || fail "the installed vtkstream-serve did not exit cleanly on SIGTERM"
serve_pid=
exec 3<&-

# --- 6. the contract header alone, with the flags its own pkg-config file gives.
# Not PKG_CONFIG_SYSROOT_DIR: it would move GStreamer's own -I paths into the staged tree too.
# Our file alone is relocated, by its prefix= line.
mkdir "$tmp/pc-gst"
sed "s|^prefix=.*|prefix=$root$prefix|" "$root$libdir/pkgconfig/vtkstream-gst.pc" > "$tmp/pc-gst/vtkstream-gst.pc"
PKG_CONFIG_PATH=$tmp/pc-gst pkg-config --cflags vtkstream-gst > "$tmp/gst-pc" ||
  fail "pkg-config does not know vtkstream-gst"
grep -q -- "-I$root$includedir" "$tmp/gst-pc" || fail "vtkstream-gst.pc does not name the staged include directory"
printf '#include <vtkstream/vtksrc-contract.h>\nint main() { return vtkstream::contract::resize_event(8, 8) ? 0 : 1; }\n' > "$tmp/contract.cpp"
# shellcheck disable=SC2046
c++ -std=c++17 -c -o "$tmp/contract.o" "$tmp/contract.cpp" $(cat "$tmp/gst-pc") ||
  fail "vtksrc-contract.h does not compile alone with vtkstream-gst.pc's flags: $(cat "$tmp/gst-pc")"

# --- 7. the Python package, from the staged site/dist-packages.
if [ -n "${VTKSTREAM_PYTHON:-}" ]; then
  init=$(find "$root$prefix" -path '*-packages/vtkstream/__init__.py' | head -n 1)
  [ -n "$init" ] || fail "the Python package was not installed under $prefix"
  pkgdir=$(dirname "$(dirname "$init")")
  ldd "$(dirname "$init")"/_vtkstream*.so | grep -q "libvtkstream.so.0 => $root$libdir/" ||
    fail "the Python module does not load the staged libvtkstream"
  PYTHONPATH=$pkgdir "$VTKSTREAM_PYTHON" -c '
import sys, vtkstream, vtkstream._config as c
assert vtkstream.__file__.startswith(sys.argv[1]), vtkstream.__file__
assert c.BINDIR == sys.argv[2], c.BINDIR
assert vtkstream.Publisher.__module__ == "vtkstream._vtkstream"' "$pkgdir" "$bindir" ||
    fail "the installed Python package does not import"
  # Under /usr and /usr/local, `import vtkstream` must work without PYTHONPATH after an install.
  case $prefix in /usr|/usr/local)
    "$VTKSTREAM_PYTHON" -c 'import sys; sys.exit(sys.argv[1] not in sys.path)' "${pkgdir#"$root"}" ||
      fail "the Python package went to ${pkgdir#"$root"}, which $VTKSTREAM_PYTHON does not search" ;;
  esac
  echo "installed-tree: Python package at ${pkgdir#"$root"}"
fi
echo "installed-tree: ok"
