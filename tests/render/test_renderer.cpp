// End-to-end tests of vtkstream-render: the real binary is spawned, its frames are read (a
// FrameReader) and its input fed (an InputWriter) through the shared-memory ring, exactly as
// vtksrc does.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>

#include "render_test_util.h"
#include "test_datasets.h"

namespace vtkstream::test {
namespace {

using shm::FrameReader;
using shm::InputKind;

constexpr int kStartMs = 20000;  // EGL start + file load + first render on a busy 2-core box
constexpr int kFrameMs = 10000;
constexpr int kExitMs = 10000;

class RendererTest : public ::testing::Test {
 protected:
  std::unique_ptr<Child> start(const std::vector<std::string>& extra,
                               const std::string& backend = "egl") {
    std::vector<std::string> argv = {build_file("apps/render/vtkstream-render"), "--shm", shm_,
                                     "--size", "320x240", "--backend", backend};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return std::make_unique<Child>(argv, tmp_.file("stderr-" + std::to_string(runs_++) + ".txt"));
  }

  // Starts the renderer and waits for its first frame.
  void start_and_get_frame(const std::vector<std::string>& extra, Frame* frame,
                           const std::string& backend = "egl") {
    child_ = start(extra, backend);
    ASSERT_TRUE(child_->started());
    reader_ = std::make_unique<FrameReader>(shm_);
    ASSERT_TRUE(next_frame(*reader_, frame, kStartMs))
        << "no frame; reader: " << reader_->error() << "; stderr: " << child_->stderr_text();
  }

  // A failing run: exit status 1 and one stderr line that names the file.
  void expect_load_failure(const std::string& file) {
    auto child = start({file});
    ASSERT_TRUE(child->started());
    EXPECT_EQ(child->wait_exit(kStartMs), 1);
    const std::string err = child->stderr_text();
    EXPECT_NE(err.find(file), std::string::npos) << err;
    ASSERT_FALSE(err.empty());
    EXPECT_EQ(err.find('\n'), err.size() - 1) << "expected exactly one line, got:\n" << err;
  }

  void TearDown() override {
    if (child_) {
      EXPECT_EQ(child_->terminate(kExitMs), 0) << child_->stderr_text();
    }
  }

  TempDir tmp_;
  std::string shm_ = unique_name("render");
  std::unique_ptr<Child> child_;
  std::unique_ptr<FrameReader> reader_;
  shm::InputWriter input_{shm_};  // attaches on its first push, like vtksrc's
  int runs_ = 0;
};

TEST_F(RendererTest, HumanFrameIsNotBlank) {
  Frame f;
  start_and_get_frame({data_file("Human.vtp")}, &f);
  dump_frame(f, "human");
  EXPECT_EQ(f.info.width, 320u);
  EXPECT_EQ(f.info.height, 240u);
  EXPECT_EQ(f.info.format, shm::PixelFormat::kRGBA);
  EXPECT_GT(distinct_colours(f), 16u);
  EXPECT_NE(child_->stderr_text().find("backend egl"), std::string::npos);
}

// Upright means: the row the reader hands out first is the top of the picture as VTK's camera
// sees it (view-up +y). A triangle with its apex at +y must be narrow in the top rows of the
// copied frame and wide in the bottom rows.
TEST_F(RendererTest, PictureIsUpright) {
  const std::string file = tmp_.file("apex-up.vtp");
  ASSERT_TRUE(write_apex_up_triangle_vtp(file));
  Frame f;
  start_and_get_frame({file}, &f);
  dump_frame(f, "upright");
  // Coverage per row: pixels unlike the row's leftmost one (the gradient background changes
  // from row to row; the triangle never reaches the left edge).
  std::vector<int> coverage(f.info.height, 0);
  int first = -1, last = -1;
  for (uint32_t y = 0; y < f.info.height; ++y) {
    const uint8_t* bg = f.pixel(0, y);
    for (uint32_t x = 0; x < f.info.width; ++x) {
      const uint8_t* p = f.pixel(x, y);
      if (std::abs(p[0] - bg[0]) + std::abs(p[1] - bg[1]) + std::abs(p[2] - bg[2]) > 30)
        ++coverage[y];
    }
    if (coverage[y] > 0) {
      if (first < 0) first = static_cast<int>(y);
      last = static_cast<int>(y);
    }
  }
  ASSERT_GE(first, 0) << "triangle not visible";
  ASSERT_GT(last - first, 40) << "triangle too small to judge";
  const int span = last - first;
  const int upper = coverage[first + span / 4], lower = coverage[first + 3 * span / 4];
  EXPECT_LT(upper * 2, lower) << "rows near the top must be narrower (apex) than near the bottom";
}

TEST_F(RendererTest, DragChangesPictureAndEchoesSeq) {
  Frame before;
  start_and_get_frame({"--demo"}, &before);
  uint64_t seq = 100;
  ASSERT_TRUE(input_.push(pointer_event(InputKind::kPointerDown, ++seq, 0.5f, 0.5f)));
  for (int i = 1; i <= 8; ++i)
    ASSERT_TRUE(input_.push(pointer_event(InputKind::kPointerMove, ++seq, 0.5f + i * 0.04f, 0.5f)));
  ASSERT_TRUE(input_.push(pointer_event(InputKind::kPointerUp, ++seq, 0.82f, 0.5f)));
  Frame after;
  ASSERT_TRUE(frame_with_input(*reader_, seq, &after, kFrameMs)) << child_->stderr_text();
  dump_frame(after, "after-drag");
  EXPECT_EQ(after.info.input_seq, seq);
  EXPECT_GT(differing_pixels(before, after), before.rgba.size() / 4 / 20)
      << "a horizontal drag should rotate the camera";
}

// The renderer's policy (README, docs/performance.md): a steady cadence while someone interacts and for a short while after (it decides
// the latency tail), then nothing at all while the scene is still.
TEST_F(RendererTest, SteadyCadenceAfterInputThenIdle) {
  Frame f;
  start_and_get_frame({"--demo", "--fps", "30"}, &f);
  ASSERT_TRUE(input_.push(pointer_event(InputKind::kPointerDown, 1, 0.5f, 0.5f)));
  ASSERT_TRUE(input_.push(pointer_event(InputKind::kPointerMove, 2, 0.55f, 0.5f)));
  ASSERT_TRUE(input_.push(pointer_event(InputKind::kPointerUp, 3, 0.55f, 0.5f)));
  int frames = 0;
  const auto t0 = std::chrono::steady_clock::now();
  while (frames < 300 && next_frame(*reader_, &f, 1500)) ++frames;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  RecordProperty("frames_after_input", frames);
  std::printf("%d frames after one short drag\n", frames);
  // About 0.5 s at 30 fps after the last input: 15 frames; a loaded 2-core box may drop some.
  EXPECT_GE(frames, 8);
  EXPECT_LT(frames, 300) << "still sending frames with nobody interacting";
  EXPECT_LT(seconds, 1.5 + 3.0);  // the last frame came within ~1 s of the input
}

// While a drag lasts the renderer renders at the interactive size; when it ends, one full-size
// frame marked as the still follows (apps/render/render_policy.h).
TEST_F(RendererTest, DragRendersSmallerThenAFullSizeStill) {
  Frame f;
  start_and_get_frame({"--demo", "--interactive-scale", "0.5"}, &f);
  ASSERT_EQ(f.info.width, 320u);
  ASSERT_TRUE(input_.push(pointer_event(InputKind::kPointerDown, 1, 0.5f, 0.5f)));
  for (uint64_t i = 2; i <= 6; ++i)
    ASSERT_TRUE(input_.push(pointer_event(InputKind::kPointerMove, i, 0.5f + 0.03f * float(i), 0.5f)));
  // Interactive frames while the button is held.
  ASSERT_TRUE(frame_with_input(*reader_, 6, &f, kFrameMs)) << child_->stderr_text();
  EXPECT_EQ(f.info.width, 160u);
  EXPECT_EQ(f.info.height, 120u);
  EXPECT_FALSE(f.info.still);
  EXPECT_GT(distinct_colours(f), 16u);
  ASSERT_TRUE(input_.push(pointer_event(InputKind::kPointerUp, 7, 0.7f, 0.5f)));
  // Then the still: full size and marked; the frames after it (the cadence republishing it
  // until the scene goes idle) are the same picture, marked too.
  int stills = 0, unmarked_after_still = 0;
  Frame still;
  while (next_frame(*reader_, &f, 1500)) {
    if (f.info.still) {
      if (stills++ == 0) still = f;
      EXPECT_EQ(f.info.width, 320u);
    } else if (stills > 0) {
      ++unmarked_after_still;
    }
  }
  ASSERT_GE(stills, 1) << child_->stderr_text();
  EXPECT_EQ(still.info.width, 320u);
  EXPECT_EQ(still.info.height, 240u);
  EXPECT_EQ(still.info.input_seq, 7u);
  EXPECT_GT(distinct_colours(still), 16u);
  EXPECT_EQ(unmarked_after_still, 0) << "frames after the still must be the still";
}

TEST_F(RendererTest, ResizeRequestChangesFrameSize) {
  Frame f;
  start_and_get_frame({"--demo"}, &f);
  shm::InputEvent ev;
  ev.kind = static_cast<uint16_t>(InputKind::kResize);
  ev.seq = 7;
  ev.width = 400;
  ev.height = 300;
  ASSERT_TRUE(input_.push(ev));
  // After a grow the ring is re-created; the reader reattaches by itself.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kFrameMs);
  while (f.info.width != 400 && std::chrono::steady_clock::now() < deadline)
    ASSERT_TRUE(next_frame(*reader_, &f, kFrameMs));
  EXPECT_EQ(f.info.width, 400u);
  EXPECT_EQ(f.info.height, 300u);
  EXPECT_GT(distinct_colours(f), 16u);
}

// Viewers come and go (and crash); the renderer must not care.
TEST_F(RendererTest, KeepsPublishingAfterReadersLeave) {
  Frame f;
  start_and_get_frame({"--demo"}, &f);
  reader_.reset();  // a clean detach

  // A reader that dies without detaching: its entry stays behind with a dead pid.
  const pid_t crashed = fork();
  ASSERT_GE(crashed, 0);
  if (crashed == 0) {
    FrameReader r(shm_);
    Frame g;
    _exit(next_frame(r, &g, kFrameMs) ? 0 : 3);  // no destructor runs
  }
  // The child's first frame is the ring's latest slot, published before anyone left.
  int status = 0;
  ASSERT_EQ(waitpid(crashed, &status, 0), crashed);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  ASSERT_TRUE(child_->running()) << child_->stderr_text();

  reader_ = std::make_unique<FrameReader>(shm_);
  ASSERT_TRUE(next_frame(*reader_, &f, kFrameMs));  // the latest frame, already there
  ASSERT_TRUE(input_.push(pointer_event(InputKind::kPointerDown, 1, 0.5f, 0.5f)));
  ASSERT_TRUE(input_.push(pointer_event(InputKind::kPointerMove, 2, 0.3f, 0.6f)));
  ASSERT_TRUE(input_.push(pointer_event(InputKind::kPointerUp, 3, 0.3f, 0.6f)));
  ASSERT_TRUE(frame_with_input(*reader_, 3, &f, kFrameMs)) << child_->stderr_text();
  EXPECT_TRUE(child_->running());
}

TEST_F(RendererTest, SigtermExitsCleanlyAndRemovesRing) {
  Frame f;
  start_and_get_frame({"--demo"}, &f);
  reader_.reset();
  EXPECT_EQ(child_->terminate(kExitMs), 0) << child_->stderr_text();
  const int fd = shm_open(("/" + shm_).c_str(), O_RDONLY, 0);
  EXPECT_LT(fd, 0) << "the ring should be unlinked on exit";
  if (fd >= 0) close(fd);
  child_.reset();
}

TEST_F(RendererTest, MissingFileFails) { expect_load_failure(tmp_.file("no-such-file.vtp")); }

TEST_F(RendererTest, CorruptFileFails) {
  const std::string file = tmp_.file("corrupt.vtp");
  std::ofstream(file) << "this is not a VTK XML file\n\x01\x02\x03";
  expect_load_failure(file);
}

TEST_F(RendererTest, CorruptLegacyFileFails) {
  const std::string file = tmp_.file("corrupt.vtk");
  std::ofstream(file) << "# vtk DataFile Version 3.0\ngarbage\nASCII\nDATASET NONSENSE\n";
  expect_load_failure(file);
}

TEST_F(RendererTest, UnsupportedExtensionFails) {
  const std::string file = tmp_.file("table.csv");
  std::ofstream(file) << "a,b\n1,2\n";
  expect_load_failure(file);
}

TEST_F(RendererTest, BadCommandLineExitsWithUsageError) {
  auto child = std::make_unique<Child>(
      std::vector<std::string>{build_file("apps/render/vtkstream-render"), "--size", "12x"},
      tmp_.file("usage.txt"));
  EXPECT_EQ(child->wait_exit(kExitMs), 2);
  EXPECT_NE(child->stderr_text().find("--size"), std::string::npos);

  auto escaping = std::make_unique<Child>(
      std::vector<std::string>{build_file("apps/render/vtkstream-render"), "--shm", "../etc"},
      tmp_.file("usage-shm.txt"));
  EXPECT_EQ(escaping->wait_exit(kExitMs), 2);
  EXPECT_NE(escaping->stderr_text().find("--shm"), std::string::npos);
}

// Every supported extension, from the shared real datasets or written here.
struct LoadCase {
  const char* name;
  const char* shared_file;                   // in VTKSTREAM_DATA_DIR, or
  bool (*writer)(const std::string& path);   // written into a temp dir
  const char* extension;
};

class LoadTest : public RendererTest, public ::testing::WithParamInterface<LoadCase> {};

TEST_P(LoadTest, RendersAPicture) {
  const LoadCase& c = GetParam();
  std::string file;
  if (c.shared_file) {
    file = data_file(c.shared_file);
  } else {
    file = tmp_.file(std::string("data") + c.extension);
    ASSERT_TRUE(c.writer(file));
  }
  Frame f;
  start_and_get_frame({file}, &f);
  dump_frame(f, std::string("load-") + c.name);
  EXPECT_GT(distinct_colours(f), 16u) << "blank picture for " << file;
}

INSTANTIATE_TEST_SUITE_P(
    Formats, LoadTest,
    ::testing::Values(LoadCase{"vtp", "Human.vtp", nullptr, ""},
                      LoadCase{"vtp_horse", "horse.vtp", nullptr, ""},
                      LoadCase{"vti_volume", "hydrogen.vti", nullptr, ""},
                      LoadCase{"vtk_unstructured", "notch_stress.vtk", nullptr, ""},
                      LoadCase{"obj", "cow.obj", nullptr, ""},
                      LoadCase{"ply", "shark.ply", nullptr, ""},
                      LoadCase{"written_stl", nullptr, write_stl, ".stl"},
                      LoadCase{"written_vtu", nullptr, write_vtu, ".vtu"},
                      LoadCase{"written_vtr", nullptr, write_vtr, ".vtr"},
                      LoadCase{"written_vts", nullptr, write_vts, ".vts"},
                      LoadCase{"written_vtk_structured_points", nullptr,
                               write_legacy_structured_points, ".vtk"}),
    [](const auto& info) { return std::string(info.param.name); });

// Needs an X server: meson runs this one under xvfb-run.
TEST_F(RendererTest, X11BackendRenders) {
  if (!getenv("DISPLAY")) GTEST_SKIP() << "no DISPLAY";
  Frame f;
  start_and_get_frame({data_file("Human.vtp")}, &f, "x11");
  EXPECT_GT(distinct_colours(f), 16u);
  EXPECT_NE(child_->stderr_text().find("backend x11"), std::string::npos);
}

}  // namespace
}  // namespace vtkstream::test
