// One HTTP request with libsoup's synchronous API (a session of its own), for tests that need
// methods, headers and bodies (WHEP, /metrics). Call it from the test's thread while the server
// runs elsewhere (a child process, or a sink's own thread).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace vtkstream::test {

struct HttpResult {
  int status = -1;  // -1: no response (connection error, timeout)
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string error;
  std::string header(const std::string& name) const;  // case-insensitive; "" if absent
};

HttpResult http_call(const std::string& method, const std::string& url,
                     const std::vector<std::pair<std::string, std::string>>& headers = {},
                     const std::string& body = "", const std::string& content_type = "");

}  // namespace vtkstream::test
