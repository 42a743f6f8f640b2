// WsMessageGuard (plugins/vtkstreamsink/http/ws_message_guard.h): whole WebSocket messages are
// limited however they are fragmented; what is under the limit reaches libsoup byte for byte,
// in any chunking; control frames always pass; nothing of an over-limit frame is buffered.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "ws_message_guard.h"

using vtkstream::sink::WsMessageGuard;

namespace {

// A client frame as RFC 6455 writes it (masked with a fixed key unless told otherwise).
std::string frame(bool fin, int opcode, const std::string& payload, bool masked = true, int64_t claimed = -1) {
  const uint64_t len = claimed >= 0 ? uint64_t(claimed) : payload.size();
  std::string f;
  f += char((fin ? 0x80 : 0) | (opcode & 0x0f));
  const char m = masked ? char(0x80) : 0;
  if (len < 126) {
    f += char(m | char(len));
  } else if (len < 65536) {
    f += char(m | 126);
    f += char(len >> 8);
    f += char(len & 0xff);
  } else {
    f += char(m | 127);
    for (int i = 7; i >= 0; --i) f += char((len >> (8 * i)) & 0xff);
  }
  const char key[4] = {0x11, 0x22, 0x33, 0x44};
  if (masked) f.append(key, 4);
  for (size_t i = 0; i < payload.size(); ++i) f += masked ? char(payload[i] ^ key[i % 4]) : payload[i];
  return f;
}

// Runs `in` through the guard in input chunks of `in_chunk` bytes and output room of `out_room`.
std::string run(WsMessageGuard& g, const std::string& in, size_t in_chunk = 4096, size_t out_room = 4096) {
  std::string out;
  std::string buf(out_room, '\0');
  size_t at = 0;
  for (int guard = 0; at < in.size() && guard < 10'000'000; ++guard) {
    const size_t n = std::min(in_chunk, in.size() - at);
    const auto s = g.feed(reinterpret_cast<const uint8_t*>(in.data() + at), n, reinterpret_cast<uint8_t*>(buf.data()),
                          buf.size());
    out.append(buf.data(), s.produced);
    at += s.consumed;
    EXPECT_TRUE(s.consumed || s.produced) << "no progress at byte " << at;
    if (!s.consumed && !s.produced) break;
  }
  // Flush a header still waiting for output room.
  for (auto s = g.feed(nullptr, 0, reinterpret_cast<uint8_t*>(buf.data()), buf.size()); s.produced;
       s = g.feed(nullptr, 0, reinterpret_cast<uint8_t*>(buf.data()), buf.size()))
    out.append(buf.data(), s.produced);
  return out;
}

TEST(WsMessageGuard, UnderTheLimitPassesByteForByteInAnyChunking) {
  const std::string in = frame(true, 1, R"({"type":"ping","t":1})") + frame(false, 1, std::string(300, 'a')) +
                         frame(true, 9, "p") /* a ping between fragments */ + frame(false, 0, std::string(70000, 'b')) +
                         frame(true, 0, std::string(10, 'c'));
  for (size_t in_chunk : {size_t(1), size_t(3), size_t(1024), in.size()})
    for (size_t room : {size_t(1), size_t(7), size_t(65536)}) {
      WsMessageGuard g(80000);
      EXPECT_EQ(run(g, in, in_chunk, room), in) << "chunk " << in_chunk << ", room " << room;
      EXPECT_FALSE(g.tripped());
    }
}

TEST(WsMessageGuard, FragmentsOverTheLimitAreDroppedControlFramesPass) {
  const uint64_t limit = 64 * 1024;
  const std::string first = frame(false, 1, std::string(1024, 'x'));
  std::string in = first;
  for (int i = 0; i < 100; ++i) in += frame(false, 0, std::string(1024, 'x'));  // 101 KiB in all
  const std::string close = frame(true, 8, std::string("\x03\xe8", 2));
  in += close;
  WsMessageGuard g(limit);
  const std::string out = run(g, in, 1000, 4096);
  EXPECT_TRUE(g.tripped());
  EXPECT_GT(g.tripped_total(), limit);
  // Everything up to the fragment that passed the limit (64 of 1 KiB), then only the close frame.
  const size_t per_frame = frame(false, 0, std::string(1024, 'x')).size();
  EXPECT_EQ(out.size(), first.size() + 63 * per_frame + close.size());
  EXPECT_EQ(out.substr(out.size() - close.size()), close);
}

TEST(WsMessageGuard, OneHugeFrameTripsAtItsHeader) {
  WsMessageGuard g(65536);
  // A length field claiming 2^62 bytes, followed by a little of the "payload".
  const std::string in = frame(true, 1, "", true, int64_t(1) << 62) + std::string(5000, 'z');
  EXPECT_EQ(run(g, in), "");
  EXPECT_TRUE(g.tripped());
  // Exactly at the limit is fine.
  WsMessageGuard ok(65536);
  const std::string at = frame(true, 2, std::string(65536, 'q'));
  EXPECT_EQ(run(ok, at), at);
  EXPECT_FALSE(ok.tripped());
}

TEST(WsMessageGuard, EachMessageHasItsOwnTotal) {
  WsMessageGuard g(1000);
  std::string in;
  for (int m = 0; m < 5; ++m) in += frame(false, 1, std::string(400, 'a')) + frame(true, 0, std::string(400, 'b'));
  EXPECT_EQ(run(g, in), in);
  EXPECT_FALSE(g.tripped());
  // Unfragmented messages too.
  std::string whole;
  for (int m = 0; m < 5; ++m) whole += frame(true, 1, std::string(900, 'c'));
  EXPECT_EQ(run(g, whole), whole);
  EXPECT_FALSE(g.tripped());
}

TEST(WsMessageGuard, AfterTrippingDataIsDroppedEvenNewMessages) {
  WsMessageGuard g(100);
  const std::string in = frame(true, 1, std::string(101, 'a')) + frame(true, 1, "{}") + frame(true, 10, "pong");
  EXPECT_EQ(run(g, in), frame(true, 10, "pong"));
  EXPECT_TRUE(g.tripped());
}

}  // namespace
