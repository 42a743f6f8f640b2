// Supervisor with real child processes (/bin/sh): a child that keeps dying is started again
// with a growing back-off and restarts() counts up; exit status 2 ("bad command line") is final;
// stop() terminates a running child; every state goes through the callback. Everything is
// waited for on the default main context with timeouts; a child that outlived its test is
// killed by pid in TearDown.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include <string>
#include <vector>

#include "supervisor.h"
#include "test_main_context.h"

// apps/serve's namespace (the supervisor stays there when the rest becomes the sink).
namespace sv = vtkstream::serve;
using vtkstream::test::run_until;

namespace {

struct State {
  std::string state, detail;
};

// The pid in a "starting" detail ("renderer started (pid N)"), or -1.
pid_t pid_in(const std::string& detail) {
  const size_t at = detail.find("(pid ");
  return at == std::string::npos ? -1 : static_cast<pid_t>(std::atoi(detail.c_str() + at + 5));
}

// True while `pid` exists as a process that is not a zombie.
bool alive(pid_t pid) {
  if (pid <= 0 || kill(pid, 0) != 0) return false;
  FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
  if (!f) return false;
  char state = '?';
  const int n = std::fscanf(f, "%*d %*s %c", &state);
  std::fclose(f);
  return n == 1 && state != 'Z';
}

class SupervisorTest : public ::testing::Test {
 protected:
  // A Supervisor running `script` under /bin/sh, recording its states.
  std::unique_ptr<sv::Supervisor> make(const std::string& script) {
    return std::make_unique<sv::Supervisor>(std::vector<std::string>{"/bin/sh", "-c", script},
                                            [this](const std::string& s, const std::string& d) {
                                              states_.push_back({s, d});
                                              if (s == "starting") pids_.push_back(pid_in(d));
                                            });
  }
  int count(const std::string& state) const {
    int n = 0;
    for (const auto& s : states_) n += s.state == state;
    return n;
  }
  void TearDown() override {
    // Whatever failed above: no child of ours keeps running (by pid; the Supervisor reaps).
    for (pid_t p : pids_)
      if (alive(p)) {
        ADD_FAILURE() << "child " << p << " still running";
        kill(p, SIGKILL);
      }
  }

  std::vector<State> states_;
  std::vector<pid_t> pids_;
};

TEST_F(SupervisorTest, RestartsADyingChildWithGrowingBackoff) {
  auto s = make("exit 3");
  std::string err;
  ASSERT_TRUE(s->start(&err)) << err;
  ASSERT_EQ(states_.size(), 1u);
  EXPECT_EQ(states_[0].state, "starting");
  EXPECT_GT(pid_in(states_[0].detail), 0) << states_[0].detail;
  EXPECT_EQ(s->restarts(), 0);

  // Back-off 500 ms, then 1000 ms: two restarts within ~1.5 s (and more slack for a busy box).
  ASSERT_TRUE(run_until([&] { return s->restarts() >= 2 && count("restarting") >= 3; }, 10000))
      << "restarts: " << s->restarts();
  std::vector<std::string> restarting;
  for (const auto& st : states_)
    if (st.state == "restarting") restarting.push_back(st.detail);
  EXPECT_NE(restarting[0].find("exited with status 3"), std::string::npos) << restarting[0];
  EXPECT_NE(restarting[0].find("restarting in 500 ms"), std::string::npos) << restarting[0];
  EXPECT_NE(restarting[1].find("restarting in 1000 ms"), std::string::npos) << restarting[1];
  EXPECT_NE(restarting[2].find("restarting in 2000 ms"), std::string::npos) << restarting[2];
  // States alternate: starting, restarting, starting, ...
  for (size_t i = 0; i < states_.size(); ++i)
    EXPECT_EQ(states_[i].state, i % 2 == 0 ? "starting" : "restarting") << i;
  EXPECT_EQ(count("failed"), 0);
  // A restart pending on its timer is cancelled by stop(): nothing starts afterwards.
  const size_t before = states_.size();
  const int restarts = s->restarts();
  s->stop();
  bool tick = false;
  g_timeout_add(2500, [](gpointer d) { *static_cast<bool*>(d) = true; return G_SOURCE_REMOVE; }, &tick);
  run_until([&] { return tick; }, 5000);  // longer than the pending 2000 ms back-off
  EXPECT_EQ(states_.size(), before);
  EXPECT_EQ(s->restarts(), restarts);
}

TEST_F(SupervisorTest, ExitStatusTwoIsFinal) {
  auto s = make("exit 2");
  std::string err;
  ASSERT_TRUE(s->start(&err)) << err;
  ASSERT_TRUE(run_until([&] { return count("failed") == 1; }, 10000));
  EXPECT_NE(states_.back().detail.find("exited with status 2"), std::string::npos) << states_.back().detail;
  EXPECT_EQ(count("restarting"), 0);
  EXPECT_EQ(s->restarts(), 0);
}

TEST_F(SupervisorTest, StopTerminatesARunningChild) {
  // `exec`: the shell becomes the sleeper, so the reported pid is the process that must go.
  auto s = make("exec sleep 600");
  std::string err;
  ASSERT_TRUE(s->start(&err)) << err;
  ASSERT_EQ(pids_.size(), 1u);
  const pid_t pid = pids_[0];
  ASSERT_TRUE(alive(pid));
  s->stop();  // SIGTERM and a bounded wait, reaped
  EXPECT_FALSE(alive(pid));
  EXPECT_EQ(kill(pid, 0), -1) << "not reaped";
  // Stopping is not a death to report.
  EXPECT_EQ(count("restarting"), 0);
  EXPECT_EQ(count("failed"), 0);
  s->stop();  // twice is harmless
}

TEST_F(SupervisorTest, AChildKilledFromOutsideIsRestarted) {
  auto s = make("exec sleep 600");
  std::string err;
  ASSERT_TRUE(s->start(&err)) << err;
  ASSERT_EQ(pids_.size(), 1u);
  kill(pids_[0], SIGKILL);  // our own child, by pid
  ASSERT_TRUE(run_until([&] { return pids_.size() == 2; }, 10000)) << "not started again";
  EXPECT_NE(states_[1].detail.find("killed by signal 9"), std::string::npos) << states_[1].detail;
  EXPECT_EQ(s->restarts(), 1);
  EXPECT_TRUE(alive(pids_[1]));
  s.reset();  // the destructor stops it
  EXPECT_FALSE(alive(pids_[1]));
}

// A renderer that hangs never exits by itself: kill_unresponsive() (what vtkstream-serve calls on
// vtksrc's "lost, unresponsive" notice) kills even a stopped one, and it is started again.
TEST_F(SupervisorTest, AnUnresponsiveChildIsKilledAndRestarted) {
  auto s = make("exec sleep 600");
  std::string err;
  ASSERT_TRUE(s->start(&err)) << err;
  ASSERT_EQ(pids_.size(), 1u);
  EXPECT_EQ(s->pid(), pids_[0]);
  ASSERT_EQ(kill(pids_[0], SIGSTOP), 0);  // our own child, by pid: SIGTERM would stay pending
  ASSERT_TRUE(s->kill_unresponsive("renderer stopped responding"));
  ASSERT_TRUE(run_until([&] { return pids_.size() == 2; }, 10000)) << "not started again";
  EXPECT_FALSE(alive(pids_[0]));
  EXPECT_EQ(states_[1].state, "restarting");
  EXPECT_NE(states_[1].detail.find("renderer stopped responding (pid " + std::to_string(pids_[0]) + "); killed it"),
            std::string::npos) << states_[1].detail;
  EXPECT_EQ(s->restarts(), 1);
  EXPECT_EQ(s->pid(), pids_[1]);
  s->stop();
  EXPECT_FALSE(s->kill_unresponsive("after stop"));  // nothing running: nothing to kill
}

TEST_F(SupervisorTest, AMissingProgramIsAnError) {
  auto s = std::make_unique<sv::Supervisor>(std::vector<std::string>{"/nonexistent/vtkstream-render"},
                                            [this](const std::string& st, const std::string& d) {
                                              states_.push_back({st, d});
                                            });
  std::string err;
  EXPECT_FALSE(s->start(&err));
  EXPECT_NE(err.find("/nonexistent/vtkstream-render"), std::string::npos) << err;
  EXPECT_TRUE(states_.empty());
}

}  // namespace
