// What every request must satisfy before libsoup reads its body: checked in early handlers
// (soup_server_add_early_handler runs once the headers are in). Our routes take GET and HEAD
// without a body; anything else is refused here.
//
// Refusing is not enough by itself: libsoup 3.2 reads (and keeps, in the message's request body)
// the whole body of a request even after an early handler set an error status, and only then
// writes the response. A request that carries a body is therefore answered on a stolen
// connection, which is then closed without reading the body.
#pragma once

#include <libsoup/soup.h>

#include <cstddef>

namespace vtkstream::sink {

// The largest request body accepted without complaint (a GET or HEAD has none; a client may
// still send a few bytes).
constexpr size_t kMaxRequestBody = 4096;

// True when `msg` was refused: 405 for a method other than GET/HEAD, 413 for a body over
// kMaxRequestBody (or of unknown length). The status is set, or the connection answered and
// closed when the request has a body.
bool refuse_early(SoupServerMessage* msg);

// Answers `status` with `text` on the connection of `msg`, taken from libsoup, and closes it:
// for a request whose body must not be read.
void answer_and_close(SoupServerMessage* msg, guint status, const char* text);

}  // namespace vtkstream::sink
