// Access tokens, peer slots per role, control arbitration and the input rate limit, without sockets or GStreamer
// (apps/serve/auth.h, control.h, input_limiter.h), plus the `control` message through the
// signalling handler.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "admission.h"
#include "auth.h"
#include "control.h"
#include "handler.h"
#include "input_limiter.h"

using namespace vtkstream::sink;
using K = InputRecord::Kind;
using V = ControlArbiter::Verdict;

// ---- tokens ------------------------------------------------------------------------------------

TEST(Tokens, GeneratedTokensAreLongUrlSafeAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const std::string t = generate_token();
    EXPECT_EQ(t.size(), 32u);  // 192 bits
    EXPECT_TRUE(valid_token(t)) << t;
    EXPECT_EQ(t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos);
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 200u);
}

TEST(Tokens, Validity) {
  EXPECT_FALSE(valid_token(""));
  EXPECT_FALSE(valid_token("short"));
  EXPECT_TRUE(valid_token("abcdefghijklmnop"));
  EXPECT_FALSE(valid_token("abcdefghijklmnop&x=1"));
  EXPECT_FALSE(valid_token("abcdefgh ijklmnop"));
  EXPECT_FALSE(valid_token(std::string(257, 'a')));
}

TEST(Tokens, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_FALSE(constant_time_equal("", "a"));
  EXPECT_TRUE(constant_time_equal("", ""));
}

TEST(Tokens, TokenFileFormats) {
  Tokens t;
  std::string err;
  ASSERT_TRUE(parse_token_file("# tokens\ncontrol=AAAAAAAAAAAAAAAAAAAA\nview=BBBBBBBBBBBBBBBBBBBB\n", &t, &err)) << err;
  EXPECT_EQ(t.control, "AAAAAAAAAAAAAAAAAAAA");
  EXPECT_EQ(t.view, "BBBBBBBBBBBBBBBBBBBB");
  ASSERT_TRUE(parse_token_file("CCCCCCCCCCCCCCCCCCCC\r\n\nDDDDDDDDDDDDDDDDDDDD", &t, &err)) << err;
  EXPECT_EQ(t.control, "CCCCCCCCCCCCCCCCCCCC");
  EXPECT_EQ(t.view, "DDDDDDDDDDDDDDDDDDDD");
  ASSERT_TRUE(parse_token_file("view=BBBBBBBBBBBBBBBBBBBB\ncontrol=AAAAAAAAAAAAAAAAAAAA", &t, &err));
  EXPECT_EQ(t.control, "AAAAAAAAAAAAAAAAAAAA");
  ASSERT_TRUE(parse_token_file("EEEEEEEEEEEEEEEEEEEE\n", &t, &err));
  EXPECT_TRUE(t.view.empty());  // the caller generates one

  EXPECT_FALSE(parse_token_file("", &t, &err));
  EXPECT_FALSE(parse_token_file("view=BBBBBBBBBBBBBBBBBBBB\n", &t, &err));
  EXPECT_FALSE(parse_token_file("control=short\n", &t, &err));
  EXPECT_FALSE(parse_token_file("a\nb\nc\n", &t, &err));
  EXPECT_FALSE(parse_token_file("AAAAAAAAAAAAAAAAAAAA\nAAAAAAAAAAAAAAAAAAAA\n", &t, &err));
  EXPECT_FALSE(parse_token_file("control=AAAAAAAAAAAAAAAAAAAA\nBBBBBBBBBBBBBBBBBBBB\n", &t, &err));
}

TEST(Tokens, RolesFromQueryOrCookie) {
  Auth a(Tokens{"CONTROLCONTROLCONTROL", "VIEWVIEWVIEWVIEWVIEW"});
  a.set_port(8123);
  EXPECT_EQ(a.role_of("CONTROLCONTROLCONTROL"), Role::kOwner);
  EXPECT_EQ(a.role_of("VIEWVIEWVIEWVIEWVIEW"), Role::kViewer);
  EXPECT_EQ(a.role_of("CONTROLCONTROLCONTROX"), std::nullopt);
  EXPECT_EQ(a.role_of(""), std::nullopt);
  EXPECT_EQ(a.role_of_request(nullptr, nullptr), std::nullopt);
  EXPECT_EQ(a.role_of_request("VIEWVIEWVIEWVIEWVIEW", nullptr), Role::kViewer);
  EXPECT_EQ(a.role_of_request(nullptr, "x=1; vtkstream_token_8123=CONTROLCONTROLCONTROL"), Role::kOwner);
  // Another port's cookie is not ours; an explicit query token wins over the cookie.
  EXPECT_EQ(a.role_of_request(nullptr, "vtkstream_token_8000=CONTROLCONTROLCONTROL"), std::nullopt);
  EXPECT_EQ(a.role_of_request("VIEWVIEWVIEWVIEWVIEW", "vtkstream_token_8123=CONTROLCONTROLCONTROL"), Role::kViewer);
  EXPECT_EQ(a.role_of_request("wrong", "vtkstream_token_8123=CONTROLCONTROLCONTROL"), std::nullopt);
  const std::string c = a.set_cookie("CONTROLCONTROLCONTROL");
  EXPECT_NE(c.find("vtkstream_token_8123=CONTROLCONTROLCONTROL"), std::string::npos);
  EXPECT_NE(c.find("HttpOnly"), std::string::npos);
  EXPECT_NE(c.find("SameSite=Strict"), std::string::npos);
  // A Secure cookie is never stored from plain HTTP: the page would load and then lose its token.
  EXPECT_EQ(c.find("Secure"), std::string::npos) << c;
  a.set_secure(true);  // served over TLS
  EXPECT_NE(a.set_cookie("CONTROLCONTROLCONTROL").find("; Secure"), std::string::npos);

  Auth open;  // --no-auth
  EXPECT_FALSE(open.enabled());
  EXPECT_EQ(open.role_of_request(nullptr, nullptr), Role::kOwner);
}

TEST(Tokens, CookieValue) {
  EXPECT_EQ(cookie_value("a=1; b=2;c=3", "b"), "2");
  EXPECT_EQ(cookie_value("a=1; b=2;c=3", "c"), "3");
  EXPECT_EQ(cookie_value("ab=1", "a"), "");
  EXPECT_EQ(cookie_value(nullptr, "a"), "");
}

// ---- control arbitration -------------------------------------------------------------------------

namespace {
ControlRequest req(ControlRequest::Action a, uint32_t peer = 0) { return ControlRequest{a, peer}; }
using A = ControlRequest::Action;
}  // namespace

TEST(Control, ASingleOwnerSteersAtOnce) {
  ControlArbiter c;
  c.join(1, Role::kOwner, 0);
  EXPECT_EQ(c.controller(), 1u);
  EXPECT_EQ(c.on_input(1, K::kResize, 10).verdict, V::kForward);
  EXPECT_EQ(c.on_input(1, K::kPointerMove, 10).verdict, V::kForward);
  const std::string m = c.message_for(1);
  EXPECT_NE(m.find("\"controller\":1"), std::string::npos) << m;
  EXPECT_NE(m.find("\"you\":true"), std::string::npos) << m;
  EXPECT_NE(m.find("\"role\":\"owner\""), std::string::npos) << m;
}

TEST(Control, AViewerWatchesButItsInputIsDroppedWithOneErrorPerBurst) {
  ControlArbiter c;
  c.join(1, Role::kOwner, 0);
  c.join(2, Role::kViewer, 0);
  EXPECT_EQ(c.controller(), 1u);
  EXPECT_EQ(c.on_input(2, K::kPointerDown, 100).verdict, V::kDropWithError);
  EXPECT_EQ(c.on_input(2, K::kPointerMove, 150).verdict, V::kDrop);
  EXPECT_EQ(c.on_input(2, K::kPointerUp, 1900).verdict, V::kDrop);
  EXPECT_EQ(c.on_input(2, K::kResize, 5000).verdict, V::kDrop);  // silently
  EXPECT_EQ(c.on_input(2, K::kWheel, 5000 + ControlArbiter::kErrorQuietMs).verdict, V::kDropWithError);
  const std::string m = c.message_for(2);
  EXPECT_NE(m.find("\"you\":false"), std::string::npos) << m;
  EXPECT_NE(m.find("\"role\":\"viewer\""), std::string::npos) << m;
}

TEST(Control, RequestGrantRelease) {
  ControlArbiter c;
  c.join(1, Role::kOwner, 0);
  c.join(2, Role::kViewer, 0);
  c.join(3, Role::kViewer, 0);
  // A viewer cannot take or grant.
  EXPECT_TRUE(c.on_control(2, req(A::kTake), 0).error);
  EXPECT_TRUE(c.on_control(2, req(A::kGrant, 2), 0).error);
  EXPECT_TRUE(c.on_control(2, req(A::kRequest), 0).changed);
  EXPECT_FALSE(c.on_control(2, req(A::kRequest), 0).changed);  // once
  EXPECT_TRUE(c.on_control(3, req(A::kRequest), 0).changed);
  EXPECT_EQ(c.requests(), (std::vector<uint32_t>{2, 3}));
  EXPECT_NE(c.message_for(1).find("\"requests\":[2,3]"), std::string::npos) << c.message_for(1);
  // The controller grants to the oldest request.
  auto r = c.on_control(1, req(A::kGrant), 10);
  EXPECT_TRUE(r.changed);
  EXPECT_FALSE(r.error);
  EXPECT_EQ(c.controller(), 2u);
  EXPECT_EQ(c.requests(), (std::vector<uint32_t>{3}));
  EXPECT_EQ(c.on_input(2, K::kPointerDown, 20).verdict, V::kForward);
  // A viewer in control hands over to another viewer, then that one releases.
  EXPECT_TRUE(c.on_control(2, req(A::kGrant, 3), 30).changed);
  EXPECT_EQ(c.controller(), 3u);
  EXPECT_EQ(c.on_input(2, K::kPointerDown, 40).verdict, V::kDropWithError);
  EXPECT_TRUE(c.on_control(3, req(A::kRelease), 50).changed);
  EXPECT_EQ(c.controller(), std::nullopt);
  EXPECT_NE(c.message_for(1).find("\"controller\":null"), std::string::npos);
  // Granting to nobody or to a stranger is an error.
  EXPECT_TRUE(c.on_control(1, req(A::kGrant), 60).error);
  EXPECT_TRUE(c.on_control(1, req(A::kGrant, 99), 60).error);
  // A request can be withdrawn.
  c.on_control(3, req(A::kRequest), 70);
  EXPECT_TRUE(c.on_control(3, req(A::kRelease), 70).changed);
  EXPECT_TRUE(c.requests().empty());
}

TEST(Control, TheOwnerTakesBack) {
  ControlArbiter c;
  c.join(1, Role::kOwner, 0);
  c.join(2, Role::kViewer, 0);
  c.on_control(2, req(A::kRequest), 0);
  c.on_control(1, req(A::kGrant, 2), 0);
  ASSERT_EQ(c.controller(), 2u);
  // A granted viewer keeps control against the owner's stray input...
  EXPECT_EQ(c.on_input(1, K::kPointerDown, 10).verdict, V::kDropWithError);
  EXPECT_EQ(c.controller(), 2u);
  // ...until the owner takes it.
  EXPECT_TRUE(c.on_control(1, req(A::kTake), 20).changed);
  EXPECT_EQ(c.controller(), 1u);
  EXPECT_EQ(c.on_input(2, K::kPointerDown, 30).verdict, V::kDropWithError);
}

TEST(Control, OwnersTakeImplicitlyFromEachOtherWithADeliberateAct) {
  ControlArbiter c;
  c.join(1, Role::kOwner, 0);
  c.join(2, Role::kOwner, 0);
  EXPECT_EQ(c.controller(), 1u);
  EXPECT_EQ(c.on_input(2, K::kPointerMove, 10).verdict, V::kDrop);  // hovering is not steering
  EXPECT_EQ(c.on_input(2, K::kResize, 10).verdict, V::kDrop);
  auto r = c.on_input(2, K::kPointerDown, 20);
  EXPECT_EQ(r.verdict, V::kForward);
  EXPECT_TRUE(r.changed);
  EXPECT_EQ(c.controller(), 2u);
}

TEST(Control, DisconnectReleasesToTheOldestOwner) {
  ControlArbiter c;
  c.join(1, Role::kOwner, 0);
  c.join(2, Role::kViewer, 0);
  c.join(3, Role::kOwner, 0);
  c.on_control(2, req(A::kRequest), 0);
  c.on_control(1, req(A::kGrant, 2), 0);
  EXPECT_TRUE(c.leave(2, 10));
  EXPECT_EQ(c.controller(), 1u);
  EXPECT_TRUE(c.leave(1, 20));
  EXPECT_EQ(c.controller(), 3u);
  EXPECT_TRUE(c.leave(3, 30));
  EXPECT_EQ(c.controller(), std::nullopt);
  EXPECT_FALSE(c.leave(3, 30));
  // With viewers only, nobody steers until an owner comes.
  c.join(4, Role::kViewer, 40);
  EXPECT_EQ(c.controller(), std::nullopt);
  EXPECT_EQ(c.on_input(4, K::kPointerDown, 40).verdict, V::kDropWithError);
  c.on_control(4, req(A::kRequest), 40);
  EXPECT_EQ(c.controller(), std::nullopt);
  c.join(5, Role::kOwner, 50);
  EXPECT_EQ(c.controller(), 5u);
  // An owner leaving while a viewer steers leaves the viewer in control.
  c.on_control(5, req(A::kGrant, 4), 60);
  EXPECT_FALSE(c.leave(5, 70));  // nothing changed for the others
  EXPECT_EQ(c.controller(), 4u);
}

TEST(Control, IdleControllerIsReleasedWhenSomebodyWaits) {
  ControlArbiter c(1000);
  c.join(1, Role::kOwner, 0);
  c.join(2, Role::kViewer, 0);
  EXPECT_FALSE(c.tick(5000));  // an idle owner with nobody waiting keeps control
  c.on_input(1, K::kPointerMove, 5000);
  c.on_control(2, req(A::kRequest), 5100);
  EXPECT_FALSE(c.tick(5900));
  EXPECT_TRUE(c.tick(6000));
  EXPECT_EQ(c.controller(), std::nullopt);
  // A viewer in control idles out even with nobody waiting.
  c.on_control(1, req(A::kGrant, 2), 7000);
  EXPECT_FALSE(c.tick(7500));
  c.on_input(2, K::kPointerMove, 7600);
  EXPECT_FALSE(c.tick(8500));
  EXPECT_TRUE(c.tick(8600));
  ControlArbiter never(0);
  never.join(1, Role::kViewer, 0);
  EXPECT_FALSE(never.tick(1000000));
}

// ---- the input rate limit -------------------------------------------------------------------------

namespace {
InputRecord rec(K k, uint64_t s, double x = 0) {
  InputRecord r;
  r.kind = k;
  r.seq = s;
  r.x = x;
  return r;
}
}  // namespace

TEST(InputLimit, UnlimitedPassesEverything) {
  InputLimiter l(0);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(l.offer(rec(K::kPointerDown, i), 0).forward.size(), 1u);
}

TEST(InputLimit, MovesAreCoalescedPressesDroppedReleasesKept) {
  InputLimiter l(10);  // 10/s, burst 10
  int forwarded = 0;
  for (int i = 0; i < 10; ++i) forwarded += static_cast<int>(l.offer(rec(K::kPointerMove, i), 0).forward.size());
  EXPECT_EQ(forwarded, 10);
  // Over the rate: moves wait, the newest one wins.
  EXPECT_TRUE(l.offer(rec(K::kPointerMove, 10, 0.1), 1000).forward.empty());
  EXPECT_TRUE(l.offer(rec(K::kPointerMove, 11, 0.2), 2000).forward.empty());
  EXPECT_TRUE(l.has_waiting());
  // A press over the rate is dropped; a release always passes, after the waiting move.
  auto d = l.offer(rec(K::kPointerDown, 12), 3000);
  EXPECT_TRUE(d.dropped);
  EXPECT_TRUE(d.forward.empty());
  auto u = l.offer(rec(K::kPointerUp, 13), 4000);
  ASSERT_EQ(u.forward.size(), 2u);
  EXPECT_EQ(u.forward[0].seq, 11u);
  EXPECT_DOUBLE_EQ(u.forward[0].x, 0.2);
  EXPECT_EQ(u.forward[1].seq, 13u);
  EXPECT_FALSE(l.has_waiting());
  // The bucket refills: 100 ms = one token.
  EXPECT_TRUE(l.offer(rec(K::kPointerMove, 14), 5000).forward.empty());
  EXPECT_GT(l.next_token_in_us(5000), 0);
  EXPECT_TRUE(l.take_due(50000).empty());
  auto due = l.take_due(110000);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].seq, 14u);
  // Over a second, at most rate + burst events get through.
  InputLimiter m(100);
  int through = 0;
  for (int i = 0; i < 10000; ++i) {
    auto o = m.offer(rec(K::kWheel, i), int64_t(i) * 100);  // 10000 wheels in one second
    through += static_cast<int>(o.forward.size());
  }
  EXPECT_LE(through, 201);
  EXPECT_GE(through, 150);
}

// ---- the control message through the handler ------------------------------------------------

TEST(ControlMessage, ParsedAndHandedToTheServer) {
  ServerInfo info;
  Handler h(3, &info);
  auto early = h.on_text(R"({"type":"control","action":"request"})");
  ASSERT_EQ(early.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<action::Send>(early[0]));  // hello first
  h.on_text(R"({"type":"hello","version":1,"codecs":[],"transport":"mjpeg"})");
  auto a = h.on_text(R"({"type":"control","action":"grant","peer":5})");
  ASSERT_EQ(a.size(), 1u);
  auto* c = std::get_if<action::Control>(&a[0]);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->request.action, ControlRequest::Action::kGrant);
  EXPECT_EQ(c->request.peer, 5u);
  for (const char* bad : {R"({"type":"control"})", R"({"type":"control","action":"steal"})",
                          R"({"type":"control","action":"grant","peer":-1})",
                          R"({"type":"control","action":"grant","peer":"x"})"}) {
    auto e = h.on_text(bad);
    ASSERT_EQ(e.size(), 1u) << bad;
    auto* s = std::get_if<action::Send>(&e[0]);
    ASSERT_NE(s, nullptr) << bad;
    EXPECT_NE(s->text.find("bad-field"), std::string::npos) << bad << " -> " << s->text;
  }
}

TEST(ControlMessage, MessageSizeLimitFollowsTheServerSetting) {
  ServerInfo info;
  info.max_message_bytes = 2048;
  Handler h(3, &info);
  const std::string big = R"({"type":"ping","t":1,"pad":")" + std::string(3000, 'x') + "\"}";
  auto a = h.on_text(big);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_NE(std::get<action::Send>(a[0]).text.find("too-large"), std::string::npos);
}

// ---- slots per role ----------------------------------------------------------------------------

TEST(Slots, ViewOnlyPeersCannotFillTheServer) {
  const Slots s;  // the defaults: 32 peers, 4 kept for the control link
  EXPECT_EQ(view_slots(s), 28u);
  EXPECT_FALSE(refuse_peer(Role::kViewer, 27, 27, s));
  const auto r = refuse_peer(Role::kViewer, 28, 28, s);
  ASSERT_TRUE(r);
  EXPECT_NE(r->find("view-only"), std::string::npos) << *r;
  // Owners still get the reserve, and any slot view-only peers left free.
  for (size_t peers = 28; peers < 32; ++peers) EXPECT_FALSE(refuse_peer(Role::kOwner, peers, 28, s)) << peers;
  EXPECT_FALSE(refuse_peer(Role::kOwner, 10, 0, s));
  EXPECT_TRUE(refuse_peer(Role::kOwner, 32, 28, s));
  EXPECT_TRUE(refuse_peer(Role::kOwner, 32, 0, s));
  // A viewer may join when owners, not viewers, hold the slots.
  EXPECT_FALSE(refuse_peer(Role::kViewer, 31, 5, s));
  EXPECT_TRUE(refuse_peer(Role::kViewer, 32, 5, s));
}

TEST(Slots, TheReserveNeverTakesTheLastViewSlot) {
  EXPECT_EQ(view_slots({2, 4}), 1u);
  EXPECT_EQ(view_slots({1, 4}), 1u);
  EXPECT_EQ(view_slots({5, 4}), 1u);
  EXPECT_EQ(view_slots({6, 4}), 2u);
  EXPECT_EQ(view_slots({32, 0}), 32u);  // no reserve: as before
  EXPECT_FALSE(refuse_peer(Role::kViewer, 0, 0, {2, 4}));
  EXPECT_TRUE(refuse_peer(Role::kViewer, 1, 1, {2, 4}));
  EXPECT_FALSE(refuse_peer(Role::kOwner, 1, 1, {2, 4}));
}
