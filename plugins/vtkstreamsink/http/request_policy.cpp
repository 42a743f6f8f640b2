#include "request_policy.h"

#include <cstring>
#include <string>

namespace vtkstream::sink {

namespace {

struct Answer {
  GIOStream* stream;
  std::string bytes;
};

void plain(SoupServerMessage* msg, guint status, const char* text) {
  soup_server_message_set_status(msg, status, nullptr);
  soup_server_message_set_response(msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY, text, std::strlen(text));
}

}  // namespace

void answer_and_close(SoupServerMessage* msg, guint status, const char* text) {
  std::string head = "HTTP/1.1 " + std::to_string(status) + " " + soup_status_get_phrase(status) +
                     "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " +
                     std::to_string(std::strlen(text)) + "\r\nConnection: close\r\n";
  // The headers already chosen for the response (security headers, Allow) go out too.
  SoupMessageHeadersIter it;
  const char *name, *value;
  soup_message_headers_iter_init(&it, soup_server_message_get_response_headers(msg));
  while (soup_message_headers_iter_next(&it, &name, &value))
    if (g_ascii_strcasecmp(name, "Connection") != 0 && g_ascii_strcasecmp(name, "Content-Type") != 0 &&
        g_ascii_strcasecmp(name, "Content-Length") != 0)
      head += std::string(name) + ": " + value + "\r\n";
  GIOStream* stream = soup_server_message_steal_connection(msg);  // libsoup reads no more of it
  if (!stream) return;
  auto* a = new Answer{stream, head + "\r\n" + text};
  g_output_stream_write_all_async(
      g_io_stream_get_output_stream(stream), a->bytes.data(), a->bytes.size(), G_PRIORITY_DEFAULT, nullptr,
      [](GObject*, GAsyncResult* res, gpointer d) {
        auto* a = static_cast<Answer*>(d);
        g_output_stream_write_all_finish(G_OUTPUT_STREAM(g_io_stream_get_output_stream(a->stream)), res, nullptr,
                                         nullptr);
        // Closing with the body still arriving resets the connection; the answer is out by then.
        g_io_stream_close(a->stream, nullptr, nullptr);
        g_object_unref(a->stream);
        delete a;
      },
      a);
}

bool refuse_early(SoupServerMessage* msg) {
  SoupMessageHeaders* req = soup_server_message_get_request_headers(msg);
  const SoupEncoding enc = soup_message_headers_get_encoding(req);
  const goffset length = enc == SOUP_ENCODING_CONTENT_LENGTH ? soup_message_headers_get_content_length(req) : 0;
  const bool has_body = enc == SOUP_ENCODING_CHUNKED || enc == SOUP_ENCODING_EOF || length > 0;
  const char* method = soup_server_message_get_method(msg);
  guint status = 0;
  const char* text = nullptr;
  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD) {
    status = SOUP_STATUS_METHOD_NOT_ALLOWED;
    text = "only GET and HEAD\n";
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow", "GET, HEAD");
  } else if (enc == SOUP_ENCODING_CHUNKED || enc == SOUP_ENCODING_EOF ||
             length > static_cast<goffset>(kMaxRequestBody)) {
    status = SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE;
    text = "request body too large: GET and HEAD take none\n";
  }
  if (!status) return false;
  if (has_body) answer_and_close(msg, status, text);
  else plain(msg, status, text);
  return true;
}

}  // namespace vtkstream::sink
