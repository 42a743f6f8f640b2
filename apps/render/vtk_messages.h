// VTK reports problems by printing to its output window (warnings from readers, errors from
// the pipeline). This routes them: while loading a file they are captured, so a bad file becomes
// one clear line from us instead of a page of VTK internals; otherwise they go to stderr.
#pragma once

#include <string>

namespace vtkstream::render {

// Installs the routing output window (idempotent).
void install_vtk_message_router();

// While alive, VTK messages are captured instead of printed.
class VtkMessageCapture {
 public:
  VtkMessageCapture();
  ~VtkMessageCapture();
  VtkMessageCapture(const VtkMessageCapture&) = delete;
  VtkMessageCapture& operator=(const VtkMessageCapture&) = delete;

  bool had_error() const;
  // The first message captured (a reader's own, before the pipeline's generic failure), reduced
  // to one line without VTK's source location and object address; empty when nothing came.
  std::string summary() const;
};

}  // namespace vtkstream::render
