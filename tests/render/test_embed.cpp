// examples/embed-minimal, a desktop VTK program with an X11 window, publishes its frames and
// applies remote input through Publisher::AttachInteractor. Runs under xvfb-run.
#include <gtest/gtest.h>

#include <cstdlib>

#include "render_test_util.h"

namespace vtkstream::test {
namespace {

TEST(EmbedMinimal, PublishesAndAppliesRemoteInput) {
  if (!getenv("DISPLAY")) GTEST_SKIP() << "no DISPLAY (meson runs this under xvfb-run)";
  TempDir tmp;
  const std::string name = unique_name("render");
  Child child({build_file("examples/embed-minimal"), "--shm", name, "--frames", "60"},
              tmp.file("stderr.txt"));
  ASSERT_TRUE(child.started());
  shm::FrameReader reader(name);
  Frame first;
  ASSERT_TRUE(next_frame(reader, &first, 20000)) << reader.error() << child.stderr_text();
  EXPECT_EQ(first.info.width, 640u);
  EXPECT_EQ(first.info.height, 480u);
  dump_frame(first, "embed-minimal");
  EXPECT_GT(distinct_colours(first), 8u);

  // The input reaches the host only through AttachInteractor's timer on the GUI thread.
  shm::InputWriter input(name);
  ASSERT_TRUE(input.push(pointer_event(shm::InputKind::kPointerDown, 1, 0.5f, 0.5f)));
  ASSERT_TRUE(input.push(pointer_event(shm::InputKind::kPointerMove, 2, 0.6f, 0.4f)));
  ASSERT_TRUE(input.push(pointer_event(shm::InputKind::kPointerUp, 3, 0.6f, 0.4f)));
  Frame echoed;
  ASSERT_TRUE(frame_with_input(reader, 3, &echoed, 10000)) << child.stderr_text();
  EXPECT_EQ(echoed.info.input_seq, 3u);

  // --frames 60: the program quits by itself once 60 frames were watched.
  EXPECT_EQ(child.wait_exit(20000), 0) << child.stderr_text();
}

}  // namespace
}  // namespace vtkstream::test
