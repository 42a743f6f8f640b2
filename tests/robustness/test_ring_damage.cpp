// A ring truncated, shrunk or scribbled over while the real binaries stream from it (issue 12):
//  * the server (vtksrc ! vtkstreamsink, supervising vtkstream-render) and the renderer keep
//    running (before the fix both died of SIGBUS within half a second), the server prints one
//    warning naming the object, the renderer publishes a fresh object by itself (no restart),
//    and the server reads frames from it again;
//  * the same for `gst-launch-1.0 vtksrc shm-name=X ! fakesink`: one WARNING naming the object,
//    then vtksrc attaches to the fresh object and pushes a new frame.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "child.h"
#include "fault_util.h"
#include "line_process.h"
#include "test_main_context.h"
#include "unique_name.h"

using namespace faults;
using vtkstream::test::run_until;
using vtkstream::test::unique_name;

namespace {

bool names(const std::string& line, const std::string& shm) {
  return line.find("'" + shm + "'") != std::string::npos;
}

size_t warnings_naming(const std::vector<std::string>& lines, const std::string& shm, const char* marker) {
  return std::count_if(lines.begin(), lines.end(),
                       [&](const std::string& l) { return l.find(marker) != std::string::npos && names(l, shm); });
}

// "offset: N" of a fakesink chain message: the renderer's frame number.
long offset_of(const std::string& line) {
  const size_t at = line.find("offset: ");
  return at == std::string::npos ? -1 : std::strtol(line.c_str() + at + 8, nullptr, 10);
}

class RingDamage : public ::testing::TestWithParam<Damage> {};

}  // namespace

TEST_P(RingDamage, ServerAndRendererSurviveWarnOnceAndResume) {
  const std::string shm = unique_name("dmgserve");
  auto server = start_server(shm);
  ASSERT_TRUE(server->started()) << "the server printed no link";
  ASSERT_TRUE(wait_running(*server, shm, 30000)) << "the renderer never ran: " << server->health();
  const RingPeek before = peek(shm);
  ASSERT_TRUE(before.ok);
  const size_t from = server->stderr_lines().size();

  damage(shm, GetParam());
  auto warned = [&] {
    const auto& l = server->stderr_lines();
    return warnings_naming({l.begin() + from, l.end()}, shm, "warning") > 0;
  };
  ASSERT_TRUE(run_until(warned, 5000)) << "no warning naming '" << shm << "' on the server's stderr";
  // The renderer published a fresh object (new session) and the server reads from it again:
  // it registered as a reader there and the renderer published a frame for it.
  const bool resumed = poll_until([&] {
    const RingPeek p = peek(shm);
    return p.ok && p.session != before.session && p.latest != 0 &&
           std::find(p.readers.begin(), p.readers.end(), server->pid()) != p.readers.end();
  }, 15000);
  EXPECT_TRUE(resumed) << "the server did not attach to a fresh object with a frame";
  EXPECT_TRUE(poll_until([&] { return renderer_field(*server, "state") == "running"; }, 10000)) << server->health();
  EXPECT_TRUE(server->alive()) << "the server died";
  EXPECT_TRUE(pid_running(before.writer_pid)) << "the renderer died";
  EXPECT_EQ(peek(shm).writer_pid, before.writer_pid) << "the renderer was restarted instead of republishing";
  EXPECT_EQ(renderer_field(*server, "restarts"), "0");
  const auto& l = server->stderr_lines();
  EXPECT_EQ(warnings_naming({l.begin() + from, l.end()}, shm, "warning"), 1u);
  EXPECT_EQ(server->terminate(), 0) << "unclean shutdown on SIGTERM";
  EXPECT_FALSE(object_exists(shm)) << "the renderer left its object behind";
}

TEST_P(RingDamage, GstLaunchSurvivesWarnsOnceAndResumes) {
  const std::string shm = unique_name("dmggst");
  vtkstream::test::Child renderer({g_renderer, "--shm", shm, "--size", "160x120", "--demo"});
  ASSERT_TRUE(renderer.started());
  robust::LineProcess gst({g_gst_launch, "-m", "-v", "vtksrc", "shm-name=" + shm, "!", "fakesink", "silent=false"});
  ASSERT_TRUE(gst.started());
  auto attached = [](const std::string& l) {
    return l.find("vtksrc-renderer") != std::string::npos && l.find("state=(string)attached") != std::string::npos;
  };
  auto chain = [](const std::string& l) { return l.find("last-message = chain") != std::string::npos; };
  const int a0 = gst.wait_line(attached, 30000);
  ASSERT_GE(a0, 0) << "vtksrc never attached";
  const int c0 = gst.wait_line(chain, 10000, a0);
  ASSERT_GE(c0, 0) << "no frame before the damage";
  const RingPeek before = peek(shm);
  ASSERT_TRUE(before.ok);
  const size_t from = gst.lines().size();

  damage(shm, GetParam());
  const int w = gst.wait_line([&](const std::string& l) { return l.find("WARNING") != std::string::npos && names(l, shm); },
                              5000, from);
  ASSERT_GE(w, 0) << "no WARNING naming '" << shm << "'";
  const int a1 = gst.wait_line(attached, 15000, w);
  ASSERT_GE(a1, 0) << "vtksrc did not attach to a fresh object";
  long last_before = -1;
  for (size_t i = 0; i < from; ++i) last_before = std::max(last_before, offset_of(gst.lines()[i]));
  // Keep-alive repeats carry the old frame number; a new frame from the fresh object a larger one.
  const int c1 = gst.wait_line([&](const std::string& l) { return chain(l) && offset_of(l) > last_before; }, 15000, a1);
  EXPECT_GE(c1, 0) << "no new frame after the renderer republished";
  EXPECT_TRUE(gst.running()) << "gst-launch-1.0 died (status " << gst.status() << ")";
  EXPECT_TRUE(renderer.running()) << "the renderer died";
  EXPECT_EQ(peek(shm).writer_pid, before.writer_pid);
  const std::vector<std::string> after(gst.lines().begin() + from, gst.lines().end());
  EXPECT_EQ(warnings_naming(after, shm, "WARNING"), 1u);
  EXPECT_EQ(renderer.stop(), 0) << "the renderer did not exit cleanly on SIGTERM";
  EXPECT_FALSE(object_exists(shm)) << "the renderer left its object behind";
}

INSTANTIATE_TEST_SUITE_P(Faults, RingDamage,
                         ::testing::Values(Damage::kTruncateToZero, Damage::kTruncateToHalf, Damage::kScribbleHeader),
                         [](const ::testing::TestParamInfo<Damage>& i) { return damage_name(i.param); });
