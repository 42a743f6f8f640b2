#include "answer_extmap.h"

#include <cstdlib>
#include <set>
#include <string>
#include <utility>

namespace vtkstream::sink {

namespace {

// "ID[/direction] URI [attributes]" -> (ID, URI); (-1, "") if it does not parse.
std::pair<int, std::string> id_and_uri(const char* value) {
  if (!value) return {-1, ""};
  char* end = nullptr;
  const long id = std::strtol(value, &end, 10);
  if (end == value || id < 1 || id > 255) return {-1, ""};
  while (*end && *end != ' ') ++end;  // a "/sendonly" after the id
  while (*end == ' ') ++end;
  const char* uri_end = end;
  while (*uri_end && *uri_end != ' ') ++uri_end;
  if (uri_end == end) return {-1, ""};
  return {int(id), std::string(static_cast<const char*>(end), uri_end)};
}

}  // namespace

unsigned keep_offered_extmaps(const GstSDPMessage* offer, GstSDPMessage* answer) {
  unsigned removed = 0;
  for (guint m = 0; m < gst_sdp_message_medias_len(answer); ++m) {
    std::set<std::pair<int, std::string>> offered;
    if (m < gst_sdp_message_medias_len(offer)) {
      const GstSDPMedia* om = gst_sdp_message_get_media(offer, m);
      for (guint a = 0; a < gst_sdp_media_attributes_len(om); ++a) {
        const GstSDPAttribute* attr = gst_sdp_media_get_attribute(om, a);
        if (g_strcmp0(attr->key, "extmap") == 0) offered.insert(id_and_uri(attr->value));
      }
    }
    // Also session-level extmaps in the offer apply to every media (RFC 8285 section 5).
    for (guint a = 0; a < gst_sdp_message_attributes_len(offer); ++a) {
      const GstSDPAttribute* attr = gst_sdp_message_get_attribute(offer, a);
      if (g_strcmp0(attr->key, "extmap") == 0) offered.insert(id_and_uri(attr->value));
    }
    GstSDPMedia* am = const_cast<GstSDPMedia*>(gst_sdp_message_get_media(answer, m));
    for (guint a = gst_sdp_media_attributes_len(am); a-- > 0;) {
      const GstSDPAttribute* attr = gst_sdp_media_get_attribute(am, a);
      if (g_strcmp0(attr->key, "extmap") != 0 || offered.count(id_and_uri(attr->value))) continue;
      gst_sdp_media_remove_attribute(am, a);
      ++removed;
    }
  }
  return removed;
}

}  // namespace vtkstream::sink
