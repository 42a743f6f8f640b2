#include "whep_offer.h"

#include <gst/sdp/sdp.h>

#include <cstring>
#include <memory>

namespace vtkstream::sink {

namespace {

WhepOffer refuse(std::string why) {
  WhepOffer o;
  o.reason = std::move(why);
  return o;
}

bool has_attribute(const GstSDPMessage* msg, const GstSDPMedia* media, const char* key) {
  return gst_sdp_media_get_attribute_val(media, key) || gst_sdp_message_get_attribute_val(msg, key);
}

// The payload type whose rtpmap names `codec` ("96 VP8/90000"), or -1.
int payload_for(const GstSDPMedia* media, Codec codec) {
  const std::string want = std::string(codec_name(codec)) + "/90000";
  for (guint i = 0; i < gst_sdp_media_attributes_len(media); ++i) {
    const GstSDPAttribute* a = gst_sdp_media_get_attribute(media, i);
    if (g_strcmp0(a->key, "rtpmap") != 0 || !a->value) continue;
    const char* space = strchr(a->value, ' ');
    if (!space || g_ascii_strcasecmp(space + 1, want.c_str()) != 0) continue;
    guint64 pt = 0;
    const std::string num(a->value, space - a->value);
    if (g_ascii_string_to_unsigned(num.c_str(), 10, 0, 127, &pt, nullptr)) return static_cast<int>(pt);
  }
  return -1;
}

}  // namespace

WhepOffer check_whep_offer(std::string_view sdp, Codec codec) {
  if (sdp.size() > kMaxWhepOfferBytes)
    return refuse("SDP offer too large: " + std::to_string(sdp.size()) + " bytes, at most " +
                  std::to_string(kMaxWhepOfferBytes));
  if (sdp.empty()) return refuse("empty body: POST an SDP offer");
  if (sdp.find('\0') != std::string_view::npos || !g_utf8_validate(sdp.data(), static_cast<gssize>(sdp.size()), nullptr))
    return refuse("the SDP offer is not text");
  if (sdp.substr(0, 4) != "v=0\n" && sdp.substr(0, 5) != "v=0\r\n") return refuse("the SDP offer must start with v=0");
  GstSDPMessage* raw = nullptr;
  const std::string text(sdp);
  if (gst_sdp_message_new_from_text(text.c_str(), &raw) != GST_SDP_OK || !raw)
    return refuse("the SDP offer could not be parsed");
  std::unique_ptr<GstSDPMessage, decltype(&gst_sdp_message_free)> msg(raw, gst_sdp_message_free);
  const guint n = gst_sdp_message_medias_len(msg.get());
  if (n == 0) return refuse("the SDP offer has no m-line");
  if (n > kMaxWhepOfferMedia)
    return refuse("the SDP offer has " + std::to_string(n) + " m-lines, at most " + std::to_string(kMaxWhepOfferMedia));
  for (guint i = 0; i < n; ++i) {
    const GstSDPMedia* m = gst_sdp_message_get_media(msg.get(), i);
    if (g_strcmp0(gst_sdp_media_get_media(m), "video") != 0) continue;
    const char* proto = gst_sdp_media_get_proto(m);
    if (!proto || !g_str_has_suffix(proto, "SAVPF"))
      return refuse(std::string("video m-line ") + std::to_string(i) + " is not WebRTC media (UDP/TLS/RTP/SAVPF)");
    if (gst_sdp_media_get_attribute_val(m, "sendonly") || gst_sdp_media_get_attribute_val(m, "inactive"))
      continue;  // this one does not receive
    WhepOffer o;
    o.payload = payload_for(m, codec);
    if (o.payload < 0)
      return refuse(std::string("the offer's video does not list ") + codec_name(codec) +
                    ", the codec this server streams");
    if (o.payload != kStreamPayloadType)
      return refuse(std::string("the offer maps ") + codec_name(codec) + " to payload type " +
                    std::to_string(o.payload) + "; this server sends it as " + std::to_string(kStreamPayloadType) +
                    " to every viewer and cannot renumber it yet");
    if (!has_attribute(msg.get(), m, "ice-ufrag") || !has_attribute(msg.get(), m, "ice-pwd"))
      return refuse("the SDP offer has no ICE credentials (a=ice-ufrag, a=ice-pwd)");
    if (!has_attribute(msg.get(), m, "fingerprint")) return refuse("the SDP offer has no DTLS fingerprint");
    o.ok = true;
    o.video_mline = i;
    return o;
  }
  return refuse("the SDP offer has no video m-line that can receive (recvonly or sendrecv)");
}

}  // namespace vtkstream::sink
