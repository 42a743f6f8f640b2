// Whether the built web client (scripts/bundle_web.py: the page's modules in one file, made by
// ninja in the build tree) still matches the sources it was built from.
//
// Why at run time: the sink serves the build tree's bundle in preference to the repository's
// web/, and someone who edits web/js and builds only the plugin (or nothing) would otherwise get
// yesterday's page with no hint. A bundle older than any source file is not used: the sources
// are served module by module (slower over https, but what was written), with a warning.
#pragma once

#include <string>

namespace vtkstream::sink {

// True when `bundle_dir`/js/main.js exists and is at least as new as every regular file under
// `source_dir` (the files the bundle is made from). Otherwise false, with *why saying which file
// is newer (or that the bundle is missing).
bool web_bundle_current(const std::string& bundle_dir, const std::string& source_dir, std::string* why);

}  // namespace vtkstream::sink
