# Thin wrapper: every target installs what is missing, builds, then does its job.
#   make demo         serve the demo scene to browsers: prints the URL to open
#   make demo-gst     the demo scene in a GStreamer window (or demo.mp4 without a display)
#   make test         the whole test suite; ends with "N passed, N failed, N skipped"
#   make demo-render  only the renderer, publishing as shm "demo" (attach with vtksrc shm-name=demo)
#   make deps         install missing Debian packages (apt-get; idempotent)
#   make bench        print the benchmarks (docs/performance.md)
#   make install      meson install (programs, library, plugin, the Python package; PREFIX as set up)
BUILD ?= build
MESON_TEST_ARGS ?=

.PHONY: all deps setup build install test demo demo-gst demo-render bench clean

all: build

deps:
	@scripts/deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD)

setup: deps $(BUILD)/build.ninja

build: setup
	ninja -C $(BUILD)

install: build
	meson install -C $(BUILD)

test: build
	@meson test -C $(BUILD) --print-errorlogs $(MESON_TEST_ARGS); \
	  python3 scripts/test-summary.py $(BUILD)

demo: build
	@launch/demo.sh $(BUILD)

demo-gst: build
	@launch/gst-demo.sh $(BUILD)

demo-render: build
	meson devenv -C $(BUILD) vtkstream-render --shm demo --size 1280x720 --demo

bench: build
	$(BUILD)/bench/transport/bench-transport
	$(BUILD)/bench/wake/bench-wake
	$(BUILD)/bench/render/bench-render

clean:
	rm -rf $(BUILD)
