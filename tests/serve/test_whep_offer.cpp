// WHEP offers as the server checks them before it builds anything (signalling/whep_offer.h):
// what a browser sends passes, and each way an offer can be unanswerable is refused with a
// reason that says which.
#include <gtest/gtest.h>

#include <string>

#include "answer_extmap.h"
#include "whep_offer.h"

namespace vtkstream::sink {
namespace {

std::string video(const std::string& direction = "recvonly", const std::string& codecs = "96 VP8/90000",
                  const std::string& proto = "UDP/TLS/RTP/SAVPF") {
  return "m=video 9 " + proto + " 96 97\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=" + direction +
         "\r\na=rtcp-mux\r\na=rtpmap:" + codecs + "\r\na=rtpmap:98 VP9/90000\r\n";
}

std::string offer(const std::string& media, bool ice = true, bool fingerprint = true) {
  std::string s = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n";
  if (ice) s += "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789012345678901\r\n";
  if (fingerprint) s += "a=fingerprint:sha-256 AB:CD\r\n";
  return s + media;
}

TEST(WhepOffer, BrowserLikeOfferPasses) {
  const WhepOffer o = check_whep_offer(offer(video()), Codec::kVP8);
  ASSERT_TRUE(o.ok) << o.reason;
  EXPECT_EQ(o.payload, 96);
  EXPECT_EQ(o.video_mline, 0u);
  const WhepOffer h = check_whep_offer(offer(video("recvonly", "96 H264/90000")), Codec::kH264);
  ASSERT_TRUE(h.ok) << h.reason;
  EXPECT_EQ(h.payload, 96);
}

// Every viewer gets the same packets: a codec under another number cannot be served (yet).
TEST(WhepOffer, AnotherPayloadNumberIsRefusedWithTheReason) {
  const WhepOffer o = check_whep_offer(offer(video("recvonly", "120 VP8/90000")), Codec::kVP8);
  EXPECT_FALSE(o.ok);
  EXPECT_NE(o.reason.find("payload type 120"), std::string::npos) << o.reason;
}

TEST(WhepOffer, AudioBeforeVideoAndSendrecvAreFine) {
  const std::string audio = "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:a\r\na=recvonly\r\na=rtpmap:111 opus/48000/2\r\n";
  const WhepOffer o = check_whep_offer(offer(audio + video("sendrecv")), Codec::kVP8);
  ASSERT_TRUE(o.ok) << o.reason;
  EXPECT_EQ(o.video_mline, 1u);
}

TEST(WhepOffer, EachDefectIsNamed) {
  auto reason = [](const std::string& sdp) { return check_whep_offer(sdp, Codec::kVP8).reason; };
  EXPECT_NE(reason("").find("empty"), std::string::npos);
  EXPECT_NE(reason("hello world").find("v=0"), std::string::npos);
  EXPECT_NE(reason(std::string("v=0\r\n\0x", 7)).find("not text"), std::string::npos);
  EXPECT_NE(reason("v=0\r\n\xff\xfe").find("not text"), std::string::npos);
  EXPECT_NE(reason(offer("")).find("no m-line"), std::string::npos);
  EXPECT_NE(reason(offer(video("sendonly"))).find("can receive"), std::string::npos);
  EXPECT_NE(reason(offer(video("recvonly", "100 VP9/90000"))).find("VP8"), std::string::npos);
  EXPECT_NE(reason(offer(video("recvonly", "96 VP8/90000", "RTP/AVP"))).find("SAVPF"), std::string::npos);
  EXPECT_NE(reason(offer(video(), false)).find("ICE"), std::string::npos);
  EXPECT_NE(reason(offer(video(), true, false)).find("fingerprint"), std::string::npos);
  std::string many;
  for (int i = 0; i < 17; ++i) many += video();
  EXPECT_NE(reason(offer(many)).find("m-lines"), std::string::npos);
  std::string big = offer(video());
  big += std::string(kMaxWhepOfferBytes, 'a');
  EXPECT_NE(reason(big).find("too large"), std::string::npos);
}

// Our answer may only take extensions the viewer offered, under its ids (media/answer_extmap.h):
// webrtcbin put the payloaders' playout-delay under 14 into every answer, over Chromium's toffset.
TEST(WhepAnswer, ExtensionsTheOfferLacksAreLeftOut) {
  constexpr const char* kPlayout = "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay";
  auto parse = [](const std::string& text) {
    GstSDPMessage* m = nullptr;
    EXPECT_EQ(gst_sdp_message_new_from_text(text.c_str(), &m), GST_SDP_OK);
    return m;
  };
  auto extmaps = [](const GstSDPMessage* m) {
    std::string out;
    const GstSDPMedia* media = gst_sdp_message_get_media(m, 0);
    for (guint a = 0; a < gst_sdp_media_attributes_len(media); ++a)
      if (g_strcmp0(gst_sdp_media_get_attribute(media, a)->key, "extmap") == 0)
        out += std::string(gst_sdp_media_get_attribute(media, a)->value) + ";";
    return out;
  };
  const std::string answer_media =
      video("sendonly") + "a=extmap:14 " + kPlayout + "\r\na=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n";
  struct Case {
    std::string offer_extmaps, kept;
  };
  const Case cases[] = {
      // Chromium: toffset under 14, playout-delay under 5.
      {"a=extmap:14 urn:ietf:params:rtp-hdrext:toffset\r\na=extmap:5 " + std::string(kPlayout) +
           "\r\na=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n",
       "4 urn:ietf:params:rtp-hdrext:sdes:mid;"},
      {"", ""},  // no extmap at all
      {"a=extmap:14/recvonly " + std::string(kPlayout) + "\r\n", std::string("14 ") + kPlayout + ";"},
  };
  for (const Case& c : cases) {
    GstSDPMessage* offered = parse(offer(video() + c.offer_extmaps));
    GstSDPMessage* answer = parse(offer(answer_media));
    keep_offered_extmaps(offered, answer);
    EXPECT_EQ(extmaps(answer), c.kept) << c.offer_extmaps;
    gst_sdp_message_free(offered);
    gst_sdp_message_free(answer);
  }
}

}  // namespace
}  // namespace vtkstream::sink
