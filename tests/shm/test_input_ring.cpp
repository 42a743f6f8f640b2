// Input ring: order, overflow policy (moves coalesce, nothing else is dropped), sanitising.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cmath>
#include <cstring>
#include <thread>
#include <vector>

#include "shm_test_util.h"

using namespace vtkstream;
using namespace vtkstream::test;
using shm::InputEvent;
using shm::InputKind;

namespace {

InputEvent ev(InputKind k, uint64_t seq, float x = 0.5f) {
  InputEvent e;
  e.kind = uint16_t(k);
  e.seq = seq;
  e.x = x;
  e.y = 0.25f;
  e.button = 1;
  return e;
}

// A renderer and the producer of its input (what vtksrc holds).
struct Pair {
  std::unique_ptr<shm::FrameWriter> w;
  std::unique_ptr<shm::InputWriter> in;
  Pair() {
    std::string name = unique_name("input"), err;
    w = shm::FrameWriter::create(name, 8, 8, &err);
    EXPECT_TRUE(w) << err;
    in = std::make_unique<shm::InputWriter>(name);
  }
};

}  // namespace

TEST(InputRing, EventsArriveInOrderWithAllFields) {
  Pair p;
  InputEvent k = ev(InputKind::kKeyDown, 1);
  std::strcpy(k.key, "Left");
  k.modifiers = shm::kModShift | shm::kModControl;
  k.peer_id = 7;
  ASSERT_TRUE(p.in->push(k));
  ASSERT_TRUE(p.in->push(ev(InputKind::kPointerDown, 2, 0.1f)));
  std::vector<InputEvent> got;
  ASSERT_EQ(p.w->drain_input(&got), 2u);
  EXPECT_STREQ(got[0].key, "Left");
  EXPECT_EQ(got[0].modifiers, shm::kModShift | shm::kModControl);
  EXPECT_EQ(got[0].peer_id, 7u);
  EXPECT_EQ(got[1].seq, 2u);
  EXPECT_FLOAT_EQ(got[1].x, 0.1f);
  got.clear();
  EXPECT_EQ(p.w->drain_input(&got), 0u);
}

TEST(InputRing, FullRingCoalescesMovesButKeepsEveryPressReleaseAndKey) {
  Pair p;
  // Nobody drains: 2000 moves with a press/release pair and a key every 50 events.
  uint64_t seq = 0;
  std::vector<uint64_t> must_arrive;
  for (int i = 0; i < 2000; ++i) {
    if (i % 50 == 0) {
      for (auto k : {InputKind::kPointerDown, InputKind::kPointerUp, InputKind::kKeyDown}) {
        must_arrive.push_back(++seq);
        ASSERT_TRUE(p.in->push(ev(k, seq)));
      }
    }
    ASSERT_TRUE(p.in->push(ev(InputKind::kPointerMove, ++seq, float(i) / 2000)));
  }
  const uint64_t last_move = seq;
  std::vector<InputEvent> got;
  // The backlog flushes as the consumer makes room: drain until nothing is left.
  for (int round = 0; round < 10 && (p.in->backlog() || round == 0); ++round) {
    p.w->drain_input(&got);
    p.in->push(ev(InputKind::kPointerMove, ++seq, 1.f));  // producers retry on their next push
  }
  p.w->drain_input(&got);
  EXPECT_EQ(p.in->backlog(), 0u);

  std::vector<uint64_t> non_moves;
  size_t moves = 0;
  bool saw_last_move = false;
  uint64_t prev = 0;
  for (auto& e : got) {
    EXPECT_GT(e.seq, prev) << "order broken";
    prev = e.seq;
    if (e.kind == uint16_t(InputKind::kPointerMove)) {
      ++moves;
      saw_last_move |= e.seq == last_move;
    } else {
      non_moves.push_back(e.seq);
    }
  }
  EXPECT_EQ(non_moves, must_arrive);
  EXPECT_TRUE(saw_last_move) << "the newest move must survive coalescing";
  EXPECT_LT(moves, 2000u) << "moves should have been coalesced";
}

TEST(InputRing, KeysBeyondCapacityWaitInTheBacklog) {
  Pair p;
  const int n = shm::kInputCapacity + 50;
  for (int i = 1; i <= n; ++i) ASSERT_TRUE(p.in->push(ev(InputKind::kKeyDown, i)));
  EXPECT_EQ(p.in->backlog(), 50u);
  std::vector<InputEvent> got;
  p.w->drain_input(&got);
  ASSERT_TRUE(p.in->push(ev(InputKind::kKeyUp, n + 1)));
  p.w->drain_input(&got);
  ASSERT_EQ(got.size(), size_t(n + 1));
  for (int i = 0; i <= n; ++i) EXPECT_EQ(got[i].seq, uint64_t(i + 1));
}

TEST(InputRing, HostileFieldsAreSanitised) {
  Pair p;
  InputEvent e = ev(InputKind::kPointerMove, 1);
  e.x = NAN;
  e.y = 7.f;
  e.wheel_dy = INFINITY;
  std::memset(e.key, 'A', sizeof e.key);  // no terminator
  p.in->push(e);
  InputEvent unknown = ev(InputKind::kPointerMove, 2);
  unknown.kind = 999;
  p.in->push(unknown);
  InputEvent resize = ev(InputKind::kResize, 3);
  resize.width = 0;
  p.in->push(resize);
  std::vector<InputEvent> got;
  p.w->drain_input(&got);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].x, 0.f);
  EXPECT_EQ(got[0].y, 1.f);
  EXPECT_TRUE(std::isfinite(got[0].wheel_dy));
  EXPECT_EQ(got[0].key[sizeof got[0].key - 1], '\0');
}

// An interactive size cap is 0x0 (none) or a size; one side zero is garbage.
TEST(InputRing, InteractiveCapRecordsAreChecked) {
  Pair p;
  InputEvent none = ev(InputKind::kInteractiveCap, 1);
  p.in->push(none);
  InputEvent cap = ev(InputKind::kInteractiveCap, 2);
  cap.width = 4096;
  cap.height = 360;
  p.in->push(cap);
  InputEvent half = ev(InputKind::kInteractiveCap, 3);
  half.height = 360;
  p.in->push(half);
  InputEvent huge = ev(InputKind::kInteractiveCap, 4);
  huge.width = huge.height = shm::kMaxDimension + 1;
  p.in->push(huge);
  std::vector<InputEvent> got;
  p.w->drain_input(&got);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].seq, 1u);
  EXPECT_EQ(got[1].seq, 2u);
  EXPECT_EQ(got[1].height, 360u);
}

TEST(InputRing, WriterWakesWhenInputArrives) {
  Pair p;
  EXPECT_FALSE(p.w->wait_input(0));
  std::thread t([&] { p.in->push(ev(InputKind::kKeyDown, 1)); });
  bool woke = p.w->wait_input(10000);
  t.join();
  EXPECT_TRUE(woke || p.w->wait_input(0));
  std::vector<InputEvent> got;
  EXPECT_EQ(p.w->drain_input(&got), 1u);
  // wake_input() unblocks a waiting renderer from another thread (shutdown).
  std::thread t2([&] { p.w->wake_input(); });
  EXPECT_TRUE(p.w->wait_input(10000));
  t2.join();
}

TEST(InputRing, PushWithoutWriterReportsFalse) {
  shm::InputWriter in(unique_name("nowriter"));
  EXPECT_FALSE(in.push(ev(InputKind::kKeyDown, 1)));
  EXPECT_EQ(in.error_kind(), shm::ErrorKind::kNoObject);
}

TEST(InputRing, BacklogFlushesWithoutAnotherPush) {
  Pair p;
  const int n = shm::kInputCapacity + 10;
  for (int i = 1; i <= n; ++i) ASSERT_TRUE(p.in->push(ev(InputKind::kKeyDown, i)));
  ASSERT_EQ(p.in->backlog(), 10u);
  std::vector<InputEvent> got;
  p.w->drain_input(&got);
  // No further push: the release at the end of a drag must not wait for the next event (vtksrc
  // flushes whenever a new frame shows the renderer drained its ring).
  EXPECT_EQ(p.in->flush(), 0u);
  EXPECT_EQ(p.in->backlog(), 0u);
  p.w->drain_input(&got);
  EXPECT_EQ(got.size(), size_t(n));
}

TEST(InputRing, PushFromAnotherThreadWhileAReaderWaits) {
  Pair p;
  shm::FrameReader r(p.w->name());
  std::thread t([&] {
    for (int i = 1; i <= 100; ++i) p.in->push(ev(InputKind::kKeyDown, i));
    r.interrupt();
  });
  EXPECT_EQ(r.wait(10000), shm::FrameReader::Status::kInterrupted);
  t.join();
  std::vector<InputEvent> got;
  EXPECT_EQ(p.w->drain_input(&got), 100u);
}

TEST(InputRing, OverflowRecordLeftHalfWrittenDoesNotWakeTheWriterForever) {
  Pair p;
  // A producer that died inside the overflow seqlock leaves an odd sequence behind.
  int fd = shm_open(("/" + p.w->name()).c_str(), O_RDWR, 0);
  ASSERT_GE(fd, 0);
  auto* h = static_cast<shm::Header*>(
      mmap(nullptr, sizeof(shm::Header), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
  h->overflow_seq.store(1);
  EXPECT_FALSE(p.w->wait_input(0));
  std::vector<InputEvent> got;
  EXPECT_EQ(p.w->drain_input(&got), 0u);
  munmap(h, sizeof(shm::Header));
  close(fd);
}
