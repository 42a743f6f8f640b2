// MjpegStreams against real HTTP: a libsoup SoupServer on 127.0.0.1 (port 0) whose handler hands
// each GET to MjpegStreams::add, and a libsoup client reading the multipart stream on the same
// main context. Checked: the first/last callbacks, whole pictures with the boundary and the right
// Content-Length, a reader that does not read skips pictures (the in-flight limit) instead of
// having them queued, end_peer ends the response, and a client going away removes its viewer.
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "mjpeg_stream.h"
#include "test_main_context.h"

using vtkstream::sink::MjpegStreams;
using vtkstream::test::run_until;

namespace {

constexpr int kTimeoutMs = 10000;

// A picture of `n` bytes whose content says which one it is (not a real JPEG: the streams do not
// look inside).
GBytes* picture(size_t n, char tag) {
  std::string s(n, tag);
  s[0] = '\xff';
  s[1] = '\xd8';
  return g_bytes_new(s.data(), s.size());
}

// One viewer: GET /mjpeg?peer=N, read asynchronously on the main context and split into parts.
class Viewer {
 public:
  Viewer(SoupSession* session, const std::string& url) : msg_(soup_message_new("GET", url.c_str())) {
    soup_session_send_async(session, msg_, G_PRIORITY_DEFAULT, cancel_,
                            [](GObject* s, GAsyncResult* r, gpointer d) {
                              GError* e = nullptr;
                              GInputStream* in = soup_session_send_finish(SOUP_SESSION(s), r, &e);
                              if (g_error_matches(e, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
                                g_error_free(e);
                                return;  // the Viewer may be gone
                              }
                              auto* self = static_cast<Viewer*>(d);
                              self->in_ = in;
                              self->responded_ = true;
                              if (!in) self->failed_ = true;
                              g_clear_error(&e);
                              self->read();
                            },
                            this);
  }
  ~Viewer() {
    g_cancellable_cancel(cancel_);
    run_until([&] { return !reading_; }, kTimeoutMs);  // the pending read completes cancelled
    if (in_) g_object_unref(in_);
    g_object_unref(msg_);
    g_object_unref(cancel_);
  }
  // A slow reader: stops asking for data (the server's writes then back up), and starts again.
  void pause() { paused_ = true; }
  void resume() {
    paused_ = false;
    read();
  }
  // Closes the connection as a browser tab does.
  void close() {
    g_cancellable_cancel(cancel_);
    run_until([&] { return !reading_; }, kTimeoutMs);
    if (in_) g_input_stream_close(in_, nullptr, nullptr);
  }
  bool responded() const { return responded_; }
  bool eof() const { return eof_; }
  bool failed() const { return failed_; }
  guint status() const { return soup_message_get_status(msg_); }
  std::string header(const char* name) const {
    const char* v = soup_message_headers_get_one(soup_message_get_response_headers(msg_), name);
    return v ? v : "";
  }
  // Complete parts so far (their bodies), and whether everything read so far was well formed.
  const std::vector<std::string>& parts() const { return parts_; }
  bool well_formed() const { return well_formed_; }
  size_t bytes() const { return total_; }

 private:
  void read() {
    if (!in_ || paused_ || reading_ || eof_) return;
    reading_ = true;
    g_input_stream_read_bytes_async(in_, 1 << 16, G_PRIORITY_DEFAULT, cancel_,
                                    [](GObject* s, GAsyncResult* r, gpointer d) {
                                      GError* e = nullptr;
                                      GBytes* b = g_input_stream_read_bytes_finish(G_INPUT_STREAM(s), r, &e);
                                      auto* self = static_cast<Viewer*>(d);  // alive: ~Viewer waits
                                      self->reading_ = false;
                                      if (!b || g_bytes_get_size(b) == 0) {
                                        if (!g_error_matches(e, G_IO_ERROR, G_IO_ERROR_CANCELLED)) self->eof_ = true;
                                      } else {
                                        gsize n = 0;
                                        const char* p = static_cast<const char*>(g_bytes_get_data(b, &n));
                                        self->buf_.append(p, n);
                                        self->total_ += n;
                                        self->parse();
                                        self->read();
                                      }
                                      if (b) g_bytes_unref(b);
                                      g_clear_error(&e);
                                    },
                                    this);
  }
  // The body: "--B\r\n" then parts "Content-Type: image/jpeg\r\nContent-Length: N\r\n\r\n<N
  // bytes>\r\n--B\r\n".
  void parse() {
    const std::string boundary = std::string("--") + MjpegStreams::kBoundary + "\r\n";
    if (!started_) {
      if (buf_.size() < boundary.size()) return;
      if (buf_.compare(0, boundary.size(), boundary) != 0) well_formed_ = false;
      buf_.erase(0, boundary.size());
      started_ = true;
    }
    for (;;) {
      const size_t head_end = buf_.find("\r\n\r\n");
      if (head_end == std::string::npos) return;
      const std::string head = buf_.substr(0, head_end);
      const std::string kType = "Content-Type: image/jpeg\r\nContent-Length: ";
      if (head.compare(0, kType.size(), kType) != 0) {
        well_formed_ = false;
        return;
      }
      const size_t len = std::stoul(head.substr(kType.size()));
      const size_t end = head_end + 4 + len;
      if (buf_.size() < end + 2 + boundary.size()) return;
      if (buf_.compare(end, 2 + boundary.size(), "\r\n" + boundary) != 0) well_formed_ = false;
      parts_.push_back(buf_.substr(head_end + 4, len));
      buf_.erase(0, end + 2 + boundary.size());
    }
  }

  SoupMessage* msg_;
  GCancellable* cancel_ = g_cancellable_new();
  GInputStream* in_ = nullptr;
  bool responded_ = false, reading_ = false, paused_ = false, eof_ = false, failed_ = false;
  bool started_ = false, well_formed_ = true;
  std::string buf_;
  size_t total_ = 0;
  std::vector<std::string> parts_;
};

class MjpegStreamTest : public ::testing::Test {
 public:  // broadcast() is called from a GLib callback too
  static void SetUpTestSuite() { gst_init(nullptr, nullptr); }  // the streams log through GStreamer

  void SetUp() override {
    streams_ = std::make_unique<MjpegStreams>([this] { ++firsts_; }, [this] { ++lasts_; });
    server_ = soup_server_new(nullptr, nullptr);
    soup_server_add_handler(
        server_, "/mjpeg",
        [](SoupServer*, SoupServerMessage* msg, const char*, GHashTable* query, gpointer d) {
          const char* peer = query ? static_cast<const char*>(g_hash_table_lookup(query, "peer")) : nullptr;
          static_cast<MjpegStreamTest*>(d)->streams_->add(msg, peer ? std::atoi(peer) : 0);
        },
        this, nullptr);
    GError* err = nullptr;
    // Loopback only (127.0.0.1), a port the kernel picks.
    ASSERT_TRUE(soup_server_listen_local(server_, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &err))
        << (err ? err->message : "");
    GSList* uris = soup_server_get_uris(server_);
    ASSERT_TRUE(uris);
    gchar* s = g_uri_to_string(static_cast<GUri*>(uris->data));
    base_ = s;  // http://127.0.0.1:PORT/
    g_free(s);
    g_slist_free_full(uris, reinterpret_cast<GDestroyNotify>(g_uri_unref));
    session_ = soup_session_new();
  }
  void TearDown() override {
    viewers_.clear();
    streams_.reset();  // ends what is left
    // Let the server finish the connections the viewers closed.
    run_until([] { return !g_main_context_pending(nullptr); }, 1000);
    if (server_) {
      soup_server_disconnect(server_);
      g_object_unref(server_);
    }
    g_object_unref(session_);
  }

  Viewer& watch(int peer) {
    viewers_.push_back(std::make_unique<Viewer>(session_, base_ + "mjpeg?peer=" + std::to_string(peer)));
    return *viewers_.back();
  }
  // Sends one picture and lets the server write what it can.
  void broadcast(size_t n, char tag) {
    GBytes* b = picture(n, tag);
    streams_->broadcast(b);
    g_bytes_unref(b);
  }

  std::unique_ptr<MjpegStreams> streams_;
  int firsts_ = 0, lasts_ = 0;
  SoupServer* server_ = nullptr;
  SoupSession* session_ = nullptr;
  std::string base_;
  std::vector<std::unique_ptr<Viewer>> viewers_;
};

TEST_F(MjpegStreamTest, PicturesArriveWholeWithBoundaryAndLength) {
  Viewer& v = watch(1);
  ASSERT_TRUE(run_until([&] { return streams_->count() == 1; }, kTimeoutMs));
  EXPECT_EQ(firsts_, 1);
  EXPECT_EQ(lasts_, 0);
  // The response head goes out with the first part.
  broadcast(1000, 'a');
  ASSERT_TRUE(run_until([&] { return v.parts().size() == 1; }, kTimeoutMs));
  EXPECT_EQ(v.status(), SOUP_STATUS_OK);
  EXPECT_EQ(v.header("Content-Type"), std::string("multipart/x-mixed-replace; boundary=") + MjpegStreams::kBoundary);
  EXPECT_EQ(v.header("Cache-Control"), "no-store");
  for (int i = 0; i < 5; ++i) {
    broadcast(20000 + i, char('b' + i));
    ASSERT_TRUE(run_until([&] { return v.parts().size() == size_t(i) + 2; }, kTimeoutMs)) << i;
  }
  EXPECT_TRUE(v.well_formed());
  ASSERT_EQ(v.parts().size(), 6u);
  EXPECT_EQ(v.parts()[0].size(), 1000u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(v.parts()[i + 1].size(), 20000u + i);
    EXPECT_EQ(v.parts()[i + 1].back(), char('b' + i));
  }
  // A second viewer is not a "first" one.
  Viewer& w = watch(2);
  ASSERT_TRUE(run_until([&] { return streams_->count() == 2; }, kTimeoutMs));
  EXPECT_EQ(firsts_, 1);
  broadcast(100, 'z');
  ASSERT_TRUE(run_until([&] { return w.parts().size() == 1 && v.parts().size() == 7; }, kTimeoutMs));
  EXPECT_TRUE(w.well_formed());
}

TEST_F(MjpegStreamTest, ASlowReaderSkipsPicturesInsteadOfQueueingThem) {
  Viewer& v = watch(1);
  ASSERT_TRUE(run_until([&] { return streams_->count() == 1; }, kTimeoutMs));
  broadcast(100, 'a');
  ASSERT_TRUE(run_until([&] { return v.parts().size() == 1; }, kTimeoutMs));
  v.pause();
  // Pictures much larger than what the kernel buffers on loopback (a few MiB): the first cannot
  // be written out while nobody reads, so later ones find the viewer busy.
  constexpr size_t kBig = 32u << 20;
  constexpr int kSent = 6;
  for (int i = 0; i < kSent; ++i) {
    broadcast(kBig, char('b' + i));
    // Let the server write until the socket is full (no more ready sources).
    run_until([] { return !g_main_context_pending(nullptr); }, 1000);
  }
  v.resume();
  // What was queued drains; then a small picture shows the viewer is ready again.
  ASSERT_TRUE(run_until([&] { return v.parts().size() >= 2; }, 30000)) << v.parts().size();
  run_until([] { return !g_main_context_pending(nullptr); }, 5000);
  const size_t big_parts = v.parts().size() - 1;
  broadcast(100, 'z');
  ASSERT_TRUE(run_until([&] { return v.parts().size() == big_parts + 2; }, 30000))
      << "after draining: " << v.parts().size() << " parts";
  EXPECT_TRUE(v.well_formed());
  EXPECT_GE(big_parts, 1u);
  EXPECT_LT(big_parts, size_t(kSent)) << "every picture was queued for a reader that did not read";
  for (size_t i = 1; i <= big_parts; ++i) EXPECT_EQ(v.parts()[i].size(), kBig);  // whole, never cut
  EXPECT_EQ(v.parts().back(), std::string("\xff\xd8") + std::string(98, 'z'));
}

TEST_F(MjpegStreamTest, EndPeerEndsOnlyThatPeersResponse) {
  Viewer& a = watch(1);
  Viewer& b = watch(2);
  ASSERT_TRUE(run_until([&] { return streams_->count() == 2; }, kTimeoutMs));
  broadcast(500, 'a');
  ASSERT_TRUE(run_until([&] { return a.parts().size() == 1 && b.parts().size() == 1; }, kTimeoutMs));
  streams_->end_peer(1);
  ASSERT_TRUE(run_until([&] { return a.eof() && streams_->count() == 1; }, kTimeoutMs))
      << "eof " << a.eof() << ", viewers " << streams_->count();
  EXPECT_TRUE(a.well_formed());
  EXPECT_EQ(lasts_, 0);
  broadcast(500, 'b');
  ASSERT_TRUE(run_until([&] { return b.parts().size() == 2; }, kTimeoutMs));
  EXPECT_EQ(a.parts().size(), 1u);
  streams_->end_peer(2);
  ASSERT_TRUE(run_until([&] { return b.eof() && streams_->count() == 0; }, kTimeoutMs));
  EXPECT_EQ(lasts_, 1);
  streams_->end_peer(3);  // nobody: nothing happens
}

TEST_F(MjpegStreamTest, AClientThatGoesAwayIsRemoved) {
  Viewer& v = watch(1);
  ASSERT_TRUE(run_until([&] { return streams_->count() == 1; }, kTimeoutMs));
  broadcast(500, 'a');
  ASSERT_TRUE(run_until([&] { return v.parts().size() == 1; }, kTimeoutMs));
  v.close();
  // The server learns of it when it writes (or reads) next; pictures keep coming, as from the
  // pipeline, until the viewer is gone.
  guint feeder = g_timeout_add(20, [](gpointer d) {
    auto* self = static_cast<MjpegStreamTest*>(d);
    self->broadcast(500, 'x');
    return gboolean(G_SOURCE_CONTINUE);
  }, this);
  const bool removed = run_until([&] { return streams_->count() == 0; }, kTimeoutMs);
  g_source_remove(feeder);
  EXPECT_TRUE(removed) << "viewers: " << streams_->count();
  EXPECT_EQ(lasts_, 1);
}

}  // namespace
