// web_bundle_current (http/web_bundle.h): the build tree's bundled page is served only while no
// source file is newer than it.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "web_bundle.h"

namespace fs = std::filesystem;
using vtkstream::sink::web_bundle_current;

namespace {

class WebBundle : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("vtkstream-web-bundle-" + std::to_string(::getpid()));
    src_ = root_ / "web";
    out_ = root_ / "build-web";
    fs::remove_all(root_);
    fs::create_directories(src_ / "js");
    fs::create_directories(out_ / "js");
    write(src_ / "index.html", 100);
    write(src_ / "js" / "main.js", 100);
    write(src_ / "js" / "input.js", 100);
  }
  void TearDown() override { fs::remove_all(root_); }
  // A file with modification time `t` (seconds since the epoch).
  static void write(const fs::path& p, time_t t) {
    std::ofstream(p) << "x";
    const struct timespec times[2] = {{t, 0}, {t, 0}};
    ASSERT_EQ(utimensat(AT_FDCWD, p.c_str(), times, 0), 0);
  }
  fs::path root_;
  fs::path src_, out_;  // under root_
};

}  // namespace

TEST_F(WebBundle, MissingBundleIsNotCurrent) {
  std::string why;
  EXPECT_FALSE(web_bundle_current(out_, src_, &why));
  EXPECT_NE(why.find("missing"), std::string::npos) << why;
}

TEST_F(WebBundle, BundleNewerThanEverySourceIsCurrent) {
  write(out_ / "js" / "main.js", 200);
  std::string why;
  EXPECT_TRUE(web_bundle_current(out_, src_, &why)) << why;
  write(src_ / "js" / "input.js", 200);  // same second: built from it
  EXPECT_TRUE(web_bundle_current(out_, src_, &why)) << why;
}

TEST_F(WebBundle, AnEditedModuleMakesItStale) {
  write(out_ / "js" / "main.js", 200);
  write(src_ / "js" / "input.js", 300);
  std::string why;
  EXPECT_FALSE(web_bundle_current(out_, src_, &why));
  EXPECT_NE(why.find("input.js"), std::string::npos) << why;
}

TEST_F(WebBundle, AnEditedPageMakesItStale) {
  write(out_ / "js" / "main.js", 200);
  write(src_ / "index.html", 201);
  std::string why;
  EXPECT_FALSE(web_bundle_current(out_, src_, &why));
  EXPECT_NE(why.find("index.html"), std::string::npos) << why;
}
