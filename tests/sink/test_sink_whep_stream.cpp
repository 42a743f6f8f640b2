// WHEP answers and the stream they describe (webrtc_answer.cpp): a WHEP answer must announce the
// SSRC the server then sends (Chromium presented no frame otherwise: connected, 0 frames).
// webrtcbin names the SSRC of the caps its sink pad has received, and named none when it answered
// before the stream reached the new branch: what every WHEP viewer after a page viewer met, since
// a webrtcbin made after another answers within a millisecond. A 5 fps source leaves up to 200 ms
// between a branch's creation and its first buffer, so an answer made too early is the rule here.
//   WhepStream.AnswerAnnouncesTheSsrcItSends  a page-protocol viewer comes and goes, then WHEP
//       viewers one after another: each answer's a=ssrc names the SSRC its packets carry.
//   WhepStream.NoVideoYetIs503                a source that never produced a frame: 503 with the
//       reason and Retry-After, and no webrtcbin left behind.
#include <gst/gst.h>

#include <algorithm>

#include "http_call.h"
#include "receiver.h"
#include "sink_test_util.h"
#include "whep_client.h"

namespace vtkstream::sinktest {
namespace {

using test::http_call;
using test::HttpResult;
using test::Receiver;
using test::WhepClient;

std::string ssrc_list(const std::vector<uint32_t>& v) {
  std::string out;
  for (uint32_t s : v) out += std::to_string(s) + " ";
  return out;
}

TEST(WhepStream, AnswerAnnouncesTheSsrcItSends) {
  Pipeline p("videotestsrc is-live=true ! video/x-raw,width=160,height=120,framerate=5/1 ! vtkstreamsink name=sink");
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(p.go(GST_STATE_PLAYING));
  const std::string base = get_string(p.sink(), "url");
  const std::string token = get_string(p.sink(), "view-token");

  {  // a page viewer (our WebSocket protocol, the server offers) watches and leaves
    WsClient ws;
    ASSERT_TRUE(ws.connect(ws_url(p.sink())));
    ASSERT_FALSE(hello(ws, "webrtc").empty());
    Receiver rx(ws);
    ASSERT_TRUE(rx.watch(3, 20000)) << "frames " << rx.frames();
  }
  ASSERT_TRUE(wait_webrtcbins(p.sink(), 0)) << webrtcbins(p.sink());

  for (int i = 0; i < 3; ++i) {
    WhepClient viewer;
    const HttpResult r = viewer.start(base + "whep", token);
    ASSERT_EQ(r.status, 201) << r.error << r.body;
    const std::vector<uint32_t> announced = WhepClient::ssrcs_named(r.body);
    ASSERT_FALSE(announced.empty()) << r.body;
    ASSERT_TRUE(run_until([&] { return viewer.frames() >= 3; }, 20000))
        << "viewer " << i << ": frames " << viewer.frames();
    EXPECT_NE(std::find(announced.begin(), announced.end(), viewer.ssrc()), announced.end())
        << "viewer " << i << " receives SSRC " << viewer.ssrc() << ", the answer names " << ssrc_list(announced);
    EXPECT_EQ(http_call("DELETE", base + r.header("Location").substr(1), {{"Authorization", "Bearer " + token}}).status,
              200);
    ASSERT_TRUE(wait_webrtcbins(p.sink(), 0)) << webrtcbins(p.sink());
  }
}

TEST(WhepStream, NoVideoYetIs503) {
  Pipeline p("appsrc name=src is-live=true format=time ! vtkstreamsink name=sink");  // never pushes
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(p.go(GST_STATE_PLAYING));
  WhepClient viewer;
  const int64_t t0 = g_get_monotonic_time();
  const HttpResult r = viewer.start(get_string(p.sink(), "url") + "whep", get_string(p.sink(), "view-token"));
  const double waited_s = double(g_get_monotonic_time() - t0) / 1e6;
  EXPECT_EQ(r.status, 503) << r.error << r.body;
  EXPECT_NE(r.body.find("no video to send yet"), std::string::npos) << r.body;
  EXPECT_EQ(r.header("Retry-After"), "5");
  EXPECT_LT(waited_s, 15) << "the answer should give up after about 5 s";
  EXPECT_TRUE(wait_webrtcbins(p.sink(), 0)) << webrtcbins(p.sink());
}

}  // namespace
}  // namespace vtkstream::sinktest
