#include "vtk_messages.h"

#include <glib.h>
#include <vtkLogger.h>
#include <vtkObjectFactory.h>
#include <vtkOutputWindow.h>
#include <vtkSmartPointer.h>

#include <cstdio>
#include <cstring>
#include <regex>
#include <sstream>

namespace vtkstream::render {

namespace {

class RoutingOutputWindow : public vtkOutputWindow {
 public:
  static RoutingOutputWindow* New();
  vtkTypeMacro(RoutingOutputWindow, vtkOutputWindow);

  void DisplayErrorText(const char* t) override { record(t, true); }
  void DisplayWarningText(const char* t) override { record(t, false); }
  void DisplayGenericWarningText(const char* t) override { record(t, false); }
  void DisplayText(const char* t) override {
    if (capturing == 0) log(G_LOG_LEVEL_MESSAGE, t);
  }
  void DisplayDebugText(const char*) override {}

  int capturing = 0;
  bool had_error = false;
  std::string first_message, pipeline_message;

 private:
  // VTK's text ends in newlines (and errors span lines); the log takes one entry without them.
  static void log(GLogLevelFlags level, const char* t) {
    if (!t) return;
    std::string text = t;
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    if (!text.empty()) g_log_structured(G_LOG_DOMAIN, level, "MESSAGE", "%s", text.c_str());
  }
  void record(const char* t, bool error) {
    if (capturing == 0) {
      log(G_LOG_LEVEL_WARNING, t);
      return;
    }
    if (!t) return;
    if (error) had_error = true;
    // The reader's own message says what is wrong with the file; the executive's "Algorithm
    // ... returned failure" that follows it says only that something was.
    const bool from_pipeline = std::strstr(t, "returned failure for request") != nullptr;
    std::string& slot = from_pipeline ? pipeline_message : first_message;
    if (slot.empty()) slot = t;
  }
};
vtkStandardNewMacro(RoutingOutputWindow);

RoutingOutputWindow* router() {
  static vtkSmartPointer<RoutingOutputWindow> instance;
  if (!instance) {
    instance = vtkSmartPointer<RoutingOutputWindow>::New();
    vtkOutputWindow::SetInstance(instance);
    // VTK 9.1 also sends every error through vtkLogger (loguru), which prints to stderr by
    // itself; the output window above is the one place that decides.
    vtkLogger::SetStderrVerbosity(vtkLogger::VERBOSITY_OFF);
  }
  return instance;
}

// "ERROR: In /path/vtkXMLReader.cxx, line 321\nvtkXMLPolyDataReader (0x55..): Error parsing XML
// in stream at line 1...\n\n" -> "Error parsing XML in stream at line 1..."
// Only the message's first line is kept: pipeline errors go on with a dump of the request.
std::string one_line(const std::string& text) {
  std::istringstream in(text);
  std::string line, first;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (line.find(": In ") != std::string::npos && line.find(", line ") != std::string::npos)
      continue;  // the "ERROR: In file.cxx, line N" header
    first = line;
    break;
  }
  static const std::regex object_prefix(R"(^\s*\w+ \(0x[0-9a-fA-F]+\):\s*)");
  first = std::regex_replace(first, object_prefix, "");
  while (!first.empty() && (first.back() == ' ' || first.back() == '\r')) first.pop_back();
  return first;
}

}  // namespace

void install_vtk_message_router() { router(); }

VtkMessageCapture::VtkMessageCapture() {
  RoutingOutputWindow* r = router();
  if (r->capturing++ == 0) {
    r->had_error = false;
    r->first_message.clear();
    r->pipeline_message.clear();
  }
}

VtkMessageCapture::~VtkMessageCapture() { --router()->capturing; }

bool VtkMessageCapture::had_error() const { return router()->had_error; }

std::string VtkMessageCapture::summary() const {
  const RoutingOutputWindow* r = router();
  return one_line(!r->first_message.empty() ? r->first_message : r->pipeline_message);
}

}  // namespace vtkstream::render
