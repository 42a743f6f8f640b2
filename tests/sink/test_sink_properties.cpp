// vtkstreamsink's properties as an application sees them: documented defaults, round-trips, the
// read-only links (filled from READY on, cleared at NULL), and settings that fail NULL -> READY
// with an ERROR naming the property (sink_properties.cpp, encoder_factory.cpp check_encoder).
#include <gio/gio.h>

#include <cstring>

#include "sink_test_util.h"

namespace vtkstream::sinktest {
namespace {

constexpr const char* kToken = "0123456789abcdefXYZ";
constexpr const char* kViewToken = "viewer-token-0123456789";

GParamSpec* pspec(GstElement* e, const char* name) {
  return g_object_class_find_property(G_OBJECT_GET_CLASS(e), name);
}

TEST(SinkProperties, EveryPropertyHasItsDocumentedDefault) {
  Ref<GstElement> fresh(GST_ELEMENT(gst_object_ref_sink(gst_element_factory_make("vtkstreamsink", nullptr))));
  ASSERT_TRUE(fresh);
  GstElement* e = fresh.get();
  gint port = -1;
  gboolean auth = FALSE, supervised = TRUE;
  guint bitrate = 0, max_peers = 0, max_msg = 0, handshake = 0, idle = 0, control_idle = 0, peers = 99;
  gdouble rate = 0;
  gchar** turn = nullptr;
  g_object_get(e, "port", &port, "auth", &auth, "bitrate", &bitrate, "max-peers", &max_peers, "max-message-bytes",
               &max_msg, "handshake-timeout", &handshake, "idle-timeout", &idle, "control-idle-timeout",
               &control_idle, "renderer-supervised", &supervised, "max-input-rate", &rate, "turn-servers", &turn,
               "peers", &peers, nullptr);
  EXPECT_EQ(port, 8000);
  EXPECT_TRUE(auth);
  EXPECT_EQ(bitrate, 1200u);
  EXPECT_EQ(max_peers, 32u);
  EXPECT_EQ(max_msg, 64u * 1024);
  EXPECT_EQ(handshake, 10u);
  EXPECT_EQ(idle, 3600u);
  EXPECT_EQ(control_idle, 60u);
  EXPECT_FALSE(supervised);
  EXPECT_DOUBLE_EQ(rate, 250.0);
  EXPECT_TRUE(turn == nullptr || g_strv_length(turn) == 0);
  g_strfreev(turn);
  EXPECT_EQ(peers, 0u);
  EXPECT_EQ(get_string(e, "address"), "127.0.0.1");
  for (const char* empty : {"token", "view-token", "encoder", "web-dir", "stun-server", "ice-address", "url",
                            "control-link", "view-link", "janus-url"})
    EXPECT_EQ(get_string(e, empty), "") << empty;
  gint codec = -1;
  g_object_get(e, "codec", &codec, nullptr);
  GEnumValue* v = g_enum_get_value(G_ENUM_CLASS(g_type_class_peek(pspec(e, "codec")->value_type)), codec);
  ASSERT_TRUE(v);
  EXPECT_STREQ(v->value_nick, "vp8");

  // What g_object_get says is also what the GParamSpecs advertise (gst-inspect shows those).
  guint n = 0;
  GParamSpec** specs = g_object_class_list_properties(G_OBJECT_GET_CLASS(e), &n);
  for (guint i = 0; i < n; ++i) {
    if (!(specs[i]->flags & G_PARAM_READABLE) || specs[i]->owner_type != G_OBJECT_TYPE(e)) continue;
    if (specs[i]->value_type == G_TYPE_STRV) continue;  // NULL default, read back as an empty list
    GValue val = G_VALUE_INIT;
    g_value_init(&val, specs[i]->value_type);
    g_object_get_property(G_OBJECT(e), specs[i]->name, &val);
    EXPECT_TRUE(g_param_value_defaults(specs[i], &val)) << specs[i]->name;
    g_value_unset(&val);
  }
  g_free(specs);
}

TEST(SinkProperties, SetGetRoundTrips) {
  StandaloneSink s;
  GstElement* e = s.get();
  for (const char* name : {"address", "token", "view-token", "encoder", "web-dir", "stun-server", "ice-address"}) {
    const std::string value = std::string("value-of-") + name + "-0123456789";
    g_object_set(e, name, value.c_str(), nullptr);
    EXPECT_EQ(get_string(e, name), value) << name;
  }
  // Unsigned ranges, at both ends.
  struct Range {
    const char* name;
    guint lo, hi;
  };
  for (const Range& r : {Range{"bitrate", 50, 100000}, Range{"max-peers", 1, 10000},
                         Range{"max-message-bytes", 1024, 1u << 20}, Range{"handshake-timeout", 0, G_MAXINT / 2},
                         Range{"idle-timeout", 0, G_MAXINT / 2}, Range{"control-idle-timeout", 0, G_MAXINT / 2}}) {
    auto* spec = G_PARAM_SPEC_UINT(pspec(e, r.name));
    ASSERT_TRUE(spec) << r.name;
    EXPECT_EQ(spec->minimum, r.lo) << r.name;
    EXPECT_EQ(spec->maximum, r.hi) << r.name;
    for (guint want : {r.lo, r.hi}) {
      guint got = want + 1;
      g_object_set(e, r.name, want, nullptr);
      g_object_get(e, r.name, &got, nullptr);
      EXPECT_EQ(got, want) << r.name;
    }
  }
  gint port = 0;
  g_object_set(e, "port", 65535, nullptr);
  g_object_get(e, "port", &port, nullptr);
  EXPECT_EQ(port, 65535);
  gdouble rate = 0;
  g_object_set(e, "max-input-rate", 12.5, nullptr);
  g_object_get(e, "max-input-rate", &rate, nullptr);
  EXPECT_DOUBLE_EQ(rate, 12.5);
  gboolean auth = TRUE, supervised = FALSE;
  g_object_set(e, "auth", FALSE, "renderer-supervised", TRUE, nullptr);
  g_object_get(e, "auth", &auth, "renderer-supervised", &supervised, nullptr);
  EXPECT_FALSE(auth);
  EXPECT_TRUE(supervised);

  // The codec enum by nick, both ways.
  gst_util_set_object_arg(G_OBJECT(e), "codec", "h264");
  GValue v = G_VALUE_INIT;
  g_value_init(&v, pspec(e, "codec")->value_type);
  g_object_get_property(G_OBJECT(e), "codec", &v);
  CharPtr nick(gst_value_serialize(&v));
  EXPECT_STREQ(nick.get(), "h264");
  g_value_unset(&v);
  gst_util_set_object_arg(G_OBJECT(e), "codec", "vp8");
  gint codec = -1;
  g_object_get(e, "codec", &codec, nullptr);
  EXPECT_STREQ(g_enum_get_value(G_ENUM_CLASS(g_type_class_peek(pspec(e, "codec")->value_type)), codec)->value_nick,
               "vp8");

  // turn-servers: a GStrv, kept in order; an empty list clears it.
  const gchar* servers[] = {"turn://a:b@turn1.example.org:3478", "turns://c:d@turn2.example.org:5349", nullptr};
  g_object_set(e, "turn-servers", servers, nullptr);
  gchar** got = nullptr;
  g_object_get(e, "turn-servers", &got, nullptr);
  ASSERT_TRUE(got);
  ASSERT_EQ(g_strv_length(got), 2u);
  EXPECT_STREQ(got[0], servers[0]);
  EXPECT_STREQ(got[1], servers[1]);
  g_strfreev(got);
  const gchar* none[] = {nullptr};
  g_object_set(e, "turn-servers", none, nullptr);
  g_object_get(e, "turn-servers", &got, nullptr);
  EXPECT_TRUE(got == nullptr || g_strv_length(got) == 0);
  g_strfreev(got);

  // The links are read-only.
  for (const char* ro : {"url", "control-link", "view-link", "peers"})
    EXPECT_FALSE(pspec(e, ro)->flags & G_PARAM_WRITABLE) << ro;
}

// READY: url has the real port; the links carry the given tokens; NULL clears them again.
TEST(SinkProperties, LinksAppearAtReadyWithTheTokensAndGoAtNull) {
  StandaloneSink s;
  GstElement* e = s.get();
  g_object_set(e, "token", kToken, "view-token", kViewToken, nullptr);
  for (const char* p : {"url", "control-link", "view-link"}) EXPECT_EQ(get_string(e, p), "") << p;
  ASSERT_EQ(s.set_state(GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  const std::string url = get_string(e, "url");
  ASSERT_EQ(url.rfind("http://127.0.0.1:", 0), 0u) << url;
  const int port = std::atoi(url.c_str() + std::strlen("http://127.0.0.1:"));
  EXPECT_GT(port, 0);
  EXPECT_EQ(url, "http://127.0.0.1:" + std::to_string(port) + "/");
  EXPECT_EQ(get_string(e, "control-link"), url + "?token=" + kToken);
  EXPECT_EQ(get_string(e, "view-link"), url + "?token=" + kViewToken);
  // The same links on the bus.
  MessagePtr links = s.log().wait_for(element_message("vtkstreamsink-links", "control-link", url + "?token=" + kToken));
  ASSERT_TRUE(links);
  EXPECT_STREQ(gst_structure_get_string(gst_message_get_structure(links.get()), "view-link"),
               (url + "?token=" + kViewToken).c_str());
  // /healthz answers on that port.
  EXPECT_NE(http_get_body(url + "healthz").find("\"ok\""), std::string::npos);

  ASSERT_EQ(s.set_state(GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  for (const char* p : {"url", "control-link", "view-link"}) EXPECT_EQ(get_string(e, p), "") << p;
}

TEST(SinkProperties, EmptyTokensAreGeneratedAtReadyAndKept) {
  StandaloneSink s;
  GstElement* e = s.get();
  ASSERT_EQ(s.set_state(GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  const std::string token = get_string(e, "token"), view = get_string(e, "view-token");
  EXPECT_EQ(token.size(), 32u) << token;
  EXPECT_EQ(view.size(), 32u) << view;
  EXPECT_NE(token, view);
  const std::string url = get_string(e, "url");
  EXPECT_EQ(get_string(e, "control-link"), url + "?token=" + token);
  EXPECT_EQ(get_string(e, "view-link"), url + "?token=" + view);
  // READY -> NULL -> READY keeps the generated tokens (the links stay valid).
  ASSERT_EQ(s.set_state(GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  ASSERT_EQ(s.set_state(GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  EXPECT_EQ(get_string(e, "token"), token);
  EXPECT_EQ(get_string(e, "view-token"), view);
}

TEST(SinkProperties, NoAuthMeansLinksWithoutToken) {
  StandaloneSink s;
  GstElement* e = s.get();
  g_object_set(e, "auth", FALSE, nullptr);
  ASSERT_EQ(s.set_state(GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  const std::string url = get_string(e, "url");
  ASSERT_FALSE(url.empty());
  EXPECT_EQ(get_string(e, "control-link"), url);
  EXPECT_EQ(get_string(e, "control-link").find("token="), std::string::npos);
  EXPECT_EQ(get_string(e, "view-link").find("token="), std::string::npos);
}

// A setting that cannot work fails NULL -> READY, with an ERROR that names the property.
struct BadSetting {
  const char* name;
  std::function<void(GstElement*)> apply;
  const char* named;  // what the error text must contain
};

class SinkBadSetting : public ::testing::TestWithParam<int> {};

const std::vector<BadSetting>& bad_settings() {
  static const std::vector<BadSetting> v = {
      {"ShortToken", [](GstElement* e) { g_object_set(e, "token", "short", nullptr); }, "token:"},
      {"ShortViewToken", [](GstElement* e) { g_object_set(e, "view-token", "short", nullptr); }, "view-token"},
      {"EqualTokens", [](GstElement* e) { g_object_set(e, "token", kToken, "view-token", kToken, nullptr); },
       "view-token"},
      {"BadStun", [](GstElement* e) { g_object_set(e, "stun-server", "http://stun.example.org", nullptr); },
       "stun-server"},
      {"BadTurn",
       [](GstElement* e) {
         const gchar* t[] = {"turn://nobody-at-host.example.org:3478", nullptr};
         g_object_set(e, "turn-servers", t, nullptr);
       },
       "turn-servers"},
      {"UnknownEncoder", [](GstElement* e) { g_object_set(e, "encoder", "nonexistent", nullptr); }, "encoder"},
      {"EncoderWithoutPay", [](GstElement* e) { g_object_set(e, "encoder", "videoconvert ! vp8enc", nullptr); },
       "encoder"},
      // Janus forwarding (janus/janus_config.cpp): a host name (the RTCP socket and the RTP need
      // an address), a URL without the mountpoint's port, the two ports equal.
      {"JanusHostName",
       [](GstElement* e) {
         g_object_set(e, "janus-url", "http://localhost:8088/janus", "janus-video-port", 5004, nullptr);
       },
       "janus-url"},
      {"JanusUrlWithoutPort", [](GstElement* e) { g_object_set(e, "janus-url", "http://127.0.0.1:8088/janus", nullptr); },
       "janus-video-port"},
      {"JanusSamePorts",
       [](GstElement* e) {
         g_object_set(e, "janus-url", "http://127.0.0.1:8088/janus", "janus-video-port", 5004, "janus-rtcp-port", 5004,
                      nullptr);
       },
       "janus-rtcp-port"},
      // janus-rungs (rung N: the ports + 2N): a rung the ladder lacks, a rung named twice, rung
      // ports that land on another rung's, past 65535.
      {"JanusRungNotInLadder",
       [](GstElement* e) {
         g_object_set(e, "janus-url", "http://127.0.0.1:8088/janus", "janus-video-port", 5004, "janus-rungs", "0,3",
                      nullptr);
       },
       "janus-rungs: '0,3' is not 'all' or distinct rung numbers 0-2"},
      {"JanusRungTwice",
       [](GstElement* e) {
         g_object_set(e, "janus-url", "http://127.0.0.1:8088/janus", "janus-video-port", 5004, "janus-rungs", "1,1",
                      nullptr);
       },
       "janus-rungs"},
      // Spaces were removed before the numbers were read: "0 2" was rung 2 alone, accepted.
      {"JanusRungsSpaceNotComma",
       [](GstElement* e) {
         g_object_set(e, "janus-url", "http://127.0.0.1:8088/janus", "janus-video-port", 5004, "janus-rungs", "0 2",
                      nullptr);
       },
       "janus-rungs: '0 2' is not 'all' or distinct rung numbers 0-2"},
      {"JanusRungPortsCollide",
       [](GstElement* e) {
         g_object_set(e, "janus-url", "http://127.0.0.1:8088/janus", "janus-video-port", 5004, "janus-rtcp-port", 5006,
                      nullptr);
       },
       "janus-rtcp-port: port 5006 would serve two rungs' mountpoints"},
      {"JanusRungPortPast65535",
       [](GstElement* e) {
         g_object_set(e, "janus-url", "http://127.0.0.1:8088/janus", "janus-video-port", 65532, "janus-rtcp-port", 65533,
                      nullptr);
       },
       "janus-video-port: rung 2's mountpoint would need port 65536"},
      {"JanusTwoOnOneHost",
       [](GstElement* e) {
         g_object_set(e, "janus-url", "http://127.0.0.1:8088/janus,http://127.0.0.1:8090/janus", "janus-video-port",
                      5004, nullptr);
       },
       "two Janus on 127.0.0.1"},
      // The same host spelled two ways was two Janus: the stream went to it twice.
      {"JanusTwoOnOneHostSpelledTwoWays",
       [](GstElement* e) {
         g_object_set(e, "janus-url", "http://[::1]:8088/janus,http://[0:0::1]:8090/janus", "janus-video-port", 5004,
                      nullptr);
       },
       "two Janus on ::1"},
      // Accepted before: credentials (shown in /metrics to view-only links), a query (the probe's
      // /info went into it), a multicast address (the RTP left for a group, off this host).
      {"JanusUrlWithCredentials",
       [](GstElement* e) {
         g_object_set(e, "janus-url", "http://admin:s3cret@127.0.0.1:8088/janus", "janus-video-port", 5004, nullptr);
       },
       "janus-url: the URL has credentials in it"},
      {"JanusUrlWithQuery",
       [](GstElement* e) {
         g_object_set(e, "janus-url", "http://127.0.0.1:8088/janus?x=1", "janus-video-port", 5004, nullptr);
       },
       "janus-url: the URL has a query"},
      {"JanusUrlWithNewline",
       [](GstElement* e) {
         g_object_set(e, "janus-url", "http://127.0.0.1:8088/ja\nnus", "janus-video-port", 5004, nullptr);
       },
       "janus-url: the URL has a space or a control character"},
      {"JanusMulticast",
       [](GstElement* e) { g_object_set(e, "janus-url", "http://224.0.0.1:8088/janus", "janus-video-port", 5004, nullptr); },
       "janus-url: the URL is not one host's address"},
      // 250 Janus took the server to 1021 file descriptors (each: a thread, sockets, a stream copy).
      {"JanusTooMany",
       [](GstElement* e) {
         std::string urls;
         for (int i = 1; i <= 50; ++i) urls += (i > 1 ? "," : "") + ("http://127.0.0." + std::to_string(i) + ":8088/janus");
         g_object_set(e, "janus-url", urls.c_str(), "janus-video-port", 5004, nullptr);
       },
       "janus-url: 50 URLs; at most 16"},
  };
  return v;
}

TEST_P(SinkBadSetting, FailsReadyWithAnErrorNamingTheProperty) {
  const BadSetting& b = bad_settings()[static_cast<size_t>(GetParam())];
  StandaloneSink s;
  b.apply(s.get());
  EXPECT_EQ(s.set_state(GST_STATE_READY), GST_STATE_CHANGE_FAILURE);
  MessagePtr err = s.log().wait_for(is_error(), 5000);
  ASSERT_TRUE(err) << "no ERROR on the bus";
  EXPECT_NE(error_text(err.get()).find(b.named), std::string::npos) << error_text(err.get());
  EXPECT_EQ(get_string(s.get(), "url"), "");
  // The web side did not stay behind (the thread is joined before set_state returns).
  EXPECT_EQ(threads_named("vtkstreamsink"), 0);
  EXPECT_EQ(s.set_state(GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
}

INSTANTIATE_TEST_SUITE_P(Settings, SinkBadSetting, ::testing::Range(0, 17),
                         [](const ::testing::TestParamInfo<int>& i) {
                           return std::string(bad_settings()[static_cast<size_t>(i.param)].name);
                         });

TEST(SinkProperties, PortInUseFailsReadyWithAnError) {
  StandaloneSink first;
  ASSERT_EQ(first.set_state(GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  const std::string url = get_string(first.get(), "url");
  const int port = std::atoi(url.c_str() + std::strlen("http://127.0.0.1:"));
  ASSERT_GT(port, 0);
  StandaloneSink second;
  g_object_set(second.get(), "port", port, nullptr);
  EXPECT_EQ(second.set_state(GST_STATE_READY), GST_STATE_CHANGE_FAILURE);
  MessagePtr err = second.log().wait_for(is_error(), 5000);
  ASSERT_TRUE(err);
  EXPECT_NE(error_text(err.get()).find(std::to_string(port)), std::string::npos) << error_text(err.get());
  EXPECT_EQ(get_string(second.get(), "url"), "");
  EXPECT_EQ(second.set_state(GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  // The first one still serves.
  EXPECT_NE(http_get_body(url + "healthz").find("\"ok\""), std::string::npos);
}

}  // namespace
}  // namespace vtkstream::sinktest
