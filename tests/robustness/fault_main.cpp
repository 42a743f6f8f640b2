// main() of test-renderer-faults: argv[1..3] are vtkstream-serve, vtkstream-render and
// gst-launch-1.0 (the real binaries under test).
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <cstdio>

#include "fault_util.h"

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s vtkstream-serve vtkstream-render gst-launch-1.0\n", argv[0]);
    return 2;
  }
  faults::g_server = argv[1];
  faults::g_renderer = argv[2];
  faults::g_gst_launch = argv[3];
  return RUN_ALL_TESTS();
}
