// Where vtkstream-serve's access tokens come from: --no-auth (none), --token-file, the
// environment (VTKSTREAM_TOKEN / VTKSTREAM_VIEW_TOKEN), else the sink generates them. The token
// format and the file format are the sink's (auth.h); reading them from the outside is ours.
#pragma once

#include <string>

#include "auth.h"

namespace vtkstream::serve {

// Fills *out (empty fields: let the sink generate them). False with *err: print it and exit 2.
bool resolve_tokens(const char* token_file, sink::Tokens* out, std::string* err);

}  // namespace vtkstream::serve
