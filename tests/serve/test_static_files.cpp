// Static files: traversal in every spelling is refused, symlinks may not lead out of web/, and
// JavaScript modules get a JavaScript MIME type.
#include <gtest/gtest.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <string>

#include "static_files.h"

using namespace vtkstream::sink;

namespace {

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gchar* tmp = g_dir_make_tmp("vtkserve-static-XXXXXX", nullptr);
    ASSERT_NE(tmp, nullptr);
    char real[PATH_MAX];
    ASSERT_NE(realpath(tmp, real), nullptr);
    g_free(tmp);
    base = real;
    root = base + "/web";
    ASSERT_EQ(g_mkdir(root.c_str(), 0755), 0);
    ASSERT_EQ(g_mkdir((root + "/js").c_str(), 0755), 0);
    write(root + "/index.html", "<!doctype html>");
    write(root + "/js/app.js", "export {}");
    write(root + "/.secret", "x");
    write(base + "/outside.txt", "secret");
    ASSERT_EQ(symlink((base + "/outside.txt").c_str(), (root + "/leak.txt").c_str()), 0);
    ASSERT_EQ(symlink("js/app.js", (root + "/alias.js").c_str()), 0);
  }
  void TearDown() override {
    for (const char* f : {"/web/index.html", "/web/js/app.js", "/web/.secret", "/web/leak.txt", "/web/alias.js",
                          "/outside.txt"})
      g_unlink((base + f).c_str());
    g_rmdir((root + "/js").c_str());
    g_rmdir(root.c_str());
    g_rmdir(base.c_str());
  }
  static void write(const std::string& p, const char* text) {
    ASSERT_TRUE(g_file_set_contents(p.c_str(), text, -1, nullptr));
  }
  std::string base, root;
};

}  // namespace

TEST_F(StaticFilesTest, ServesFilesWithTypes) {
  auto idx = resolve_static(root, "/");
  EXPECT_EQ(idx.status, 200);
  EXPECT_EQ(idx.path, root + "/index.html");
  EXPECT_EQ(idx.mime, "text/html; charset=utf-8");
  auto js = resolve_static(root, "/js/app.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.mime, "text/javascript; charset=utf-8");
  EXPECT_EQ(resolve_static(root, "/js/%61pp.js").status, 200);  // encoded letters are fine
  EXPECT_EQ(resolve_static(root, "/alias.js").status, 200);    // symlink inside web/
  EXPECT_EQ(resolve_static(root, "/missing.js").status, 404);
  EXPECT_EQ(resolve_static(root, "/js").status, 404);  // directory
}

TEST_F(StaticFilesTest, RefusesTraversal) {
  for (const char* p : {"/../outside.txt", "/js/../../outside.txt", "/%2e%2e/outside.txt", "/%2E%2E/outside.txt",
                        "/.%2e/outside.txt", "/js%2f..%2f..%2foutside.txt", "/..%5coutside.txt", "/%00",
                        "/.secret", "/leak.txt", "/./index.html"}) {
    const int status = resolve_static(root, p).status;
    EXPECT_TRUE(status == 403 || status == 404) << p << " -> " << status;
    EXPECT_NE(status, 200) << p;
  }
  EXPECT_EQ(resolve_static(root, "/leak.txt").status, 403);
  EXPECT_EQ(resolve_static(root, "relative").status, 404);
  EXPECT_EQ(resolve_static(root, "").status, 404);
}

TEST(MimeTypes, Known) {
  EXPECT_STREQ(mime_type_for("a.mjs"), "text/javascript; charset=utf-8");
  EXPECT_STREQ(mime_type_for("a.css"), "text/css; charset=utf-8");
  EXPECT_STREQ(mime_type_for("a.svg"), "image/svg+xml");
  EXPECT_STREQ(mime_type_for("a.bin"), "application/octet-stream");
}
