#include "auth.h"

#include <glib.h>
#include <sys/random.h>

#include <cerrno>
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

namespace vtkstream::sink {

const char* role_name(Role r) { return r == Role::kOwner ? "owner" : "viewer"; }

std::string generate_token() {
  uint8_t raw[24];
  size_t got = 0;
  while (got < sizeof(raw)) {
    const ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) g_error("getrandom failed: no secure random source for the access tokens");  // not outside input
    got += static_cast<size_t>(n);
  }
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  for (size_t i = 0; i < sizeof(raw); i += 3) {  // 24 bytes -> 32 characters, no padding
    const uint32_t v = (uint32_t(raw[i]) << 16) | (uint32_t(raw[i + 1]) << 8) | raw[i + 2];
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(v >> s) & 63]);
  }
  return out;
}

bool valid_token(std::string_view t) {
  if (t.size() < kMinTokenChars || t.size() > kMaxTokenChars) return false;
  for (char c : t)
    if (!g_ascii_isalnum(c) && c != '-' && c != '_' && c != '.' && c != '~') return false;
  return true;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  // Walk the longer length so the time does not leak the position of a difference.
  const size_t n = std::max(a.size(), b.size());
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

bool parse_token_file(std::string_view text, Tokens* out, std::string* err) {
  Tokens t;
  std::vector<std::string> bare;
  bool keyed = false;
  size_t line_no = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string line(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    g_strstrip(line.data());
    line.resize(std::strlen(line.c_str()));
    if (line.empty() || line[0] == '#') continue;
    const size_t eq = line.find('=');
    std::string* slot = nullptr;
    std::string value = line;
    if (eq != std::string::npos && (line.compare(0, eq, "control") == 0 || line.compare(0, eq, "view") == 0)) {
      keyed = true;
      slot = line.compare(0, eq, "control") == 0 ? &t.control : &t.view;
      value = line.substr(eq + 1);
    } else {
      bare.push_back(line);
    }
    if (!valid_token(value)) {
      *err = "line " + std::to_string(line_no) + ": a token is " + std::to_string(kMinTokenChars) + " to " +
             std::to_string(kMaxTokenChars) + " characters of A-Z a-z 0-9 - _ . ~";
      return false;
    }
    if (slot) *slot = value;
  }
  if (keyed && !bare.empty()) {
    *err = "mix of control=/view= lines and bare lines";
    return false;
  }
  if (!keyed) {
    if (bare.size() > 2) {
      *err = "more than two tokens";
      return false;
    }
    if (!bare.empty()) t.control = bare[0];
    if (bare.size() > 1) t.view = bare[1];
  }
  if (t.control.empty()) {
    *err = "no control token";
    return false;
  }
  if (!t.view.empty() && constant_time_equal(t.control, t.view)) {
    *err = "the control and view tokens must differ";
    return false;
  }
  *out = t;
  return true;
}

std::optional<Role> Auth::role_of(std::string_view token) const {
  if (!enabled()) return Role::kOwner;
  // Both comparisons always run: the time says nothing about which token matched.
  const bool owner = constant_time_equal(token, tokens_.control);
  const bool viewer = !tokens_.view.empty() && constant_time_equal(token, tokens_.view);
  if (owner) return Role::kOwner;
  if (viewer) return Role::kViewer;
  return std::nullopt;
}

std::optional<Role> Auth::role_of_request(const char* query_token, const char* cookie_header) const {
  if (!enabled()) return Role::kOwner;
  if (query_token && *query_token) return role_of(query_token);  // an explicit token wins
  const std::string c = cookie_value(cookie_header, cookie_name());
  if (c.empty()) return std::nullopt;
  return role_of(c);
}

std::string Auth::set_cookie(std::string_view token) const {
  return cookie_name() + "=" + std::string(token) + "; Path=/; HttpOnly; SameSite=Strict" + (secure_ ? "; Secure" : "");
}

std::string bearer_token(const char* header) {
  if (!header) return "";
  std::string_view h(header);
  while (!h.empty() && h.front() == ' ') h.remove_prefix(1);
  if (h.size() < 7 || g_ascii_strncasecmp(h.data(), "Bearer ", 7) != 0) return "";
  h.remove_prefix(7);
  while (!h.empty() && h.front() == ' ') h.remove_prefix(1);
  while (!h.empty() && h.back() == ' ') h.remove_suffix(1);
  return std::string(h);
}

std::string cookie_value(const char* header, std::string_view name) {
  if (!header) return "";
  std::string_view h(header);
  while (!h.empty()) {
    const size_t semi = h.find(';');
    std::string_view part = h.substr(0, semi);
    h = semi == std::string_view::npos ? std::string_view() : h.substr(semi + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    const size_t eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) return std::string(part.substr(eq + 1));
  }
  return "";
}

}  // namespace vtkstream::sink
