// The idle warning on a real pipeline (docs/protocol.md `idle-warning`, `stay`): a quiet peer is
// warned before its idle `bye`, `stay` starts a whole new quiet spell, and without an answer the
// `bye` follows. idle-timeout=4: the warning comes 2 s before the end (half the timeout).
#include "sink_test_util.h"

namespace vtkstream::sinktest {
namespace {

TEST(SinkIdle, WarningThenStayThenBye) {
  Pipeline p("videotestsrc is-live=true ! video/x-raw,width=160,height=120,framerate=5/1 ! vtkstreamsink name=sink");
  ASSERT_TRUE(p.ok());
  g_object_set(p.sink(), "idle-timeout", 4u, nullptr);
  ASSERT_NE(p.set_state(GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  ASSERT_TRUE(p.log().wait_for(element_message("vtkstreamsink-links")));
  WsClient ws;
  ASSERT_TRUE(ws.connect(ws_url(p.sink())));
  ASSERT_FALSE(hello(ws, "mjpeg").empty());
  const gint64 t0 = g_get_monotonic_time();

  Json first(ws.wait_for("idle-warning", 6000));
  ASSERT_TRUE(first.ok()) << "no idle-warning within 6 s";
  const double first_s = double(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
  EXPECT_GE(first_s, 1.5);  // not before the lead (2 s before the 4 s timeout), give or take the 1 s tick
  EXPECT_GE(first.integer("seconds"), 1);
  EXPECT_LE(first.integer("seconds"), 2);

  ws.send(R"({"type":"stay"})");
  const gint64 t1 = g_get_monotonic_time();
  Json second(ws.wait_for("idle-warning", 6000));
  ASSERT_TRUE(second.ok()) << "no second idle-warning: stay did not start a new quiet spell";
  EXPECT_GE(double(g_get_monotonic_time() - t1) / G_USEC_PER_SEC, 1.5) << "warned again without a new quiet spell";
  for (const std::string& m : ws.messages()) EXPECT_EQ(Json(m).str("type") == "bye", false) << m;

  Json bye(ws.wait_for("bye", 6000));
  ASSERT_TRUE(bye.ok()) << "no bye after the second warning went unanswered";
  EXPECT_EQ(bye.str("code"), "idle");
  EXPECT_TRUE(ws.wait_closed());
  EXPECT_EQ(p.log().count(is_error()), 0u);
}

}  // namespace
}  // namespace vtkstream::sinktest
