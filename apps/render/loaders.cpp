#include "loaders.h"

#include <vtkAlgorithm.h>
#include <vtkDataObject.h>
#include <vtkDataSet.h>
#include <vtkErrorCode.h>
#include <vtkGenericDataObjectReader.h>
#include <vtkOBJReader.h>
#include <vtkPLYReader.h>
#include <vtkSTLReader.h>
#include <vtkXMLImageDataReader.h>
#include <vtkXMLPolyDataReader.h>
#include <vtkXMLRectilinearGridReader.h>
#include <vtkXMLStructuredGridReader.h>
#include <vtkXMLUnstructuredGridReader.h>

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>

#include "vtk_messages.h"

namespace vtkstream::render {

namespace {

std::string extension_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  const auto dot = path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return {};
  std::string ext = path.substr(dot);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

template <class Reader>
vtkSmartPointer<vtkAlgorithm> make_reader(const std::string& path) {
  auto r = vtkSmartPointer<Reader>::New();
  r->SetFileName(path.c_str());
  return r;
}

using Factory = std::function<vtkSmartPointer<vtkAlgorithm>(const std::string&)>;

const std::map<std::string, Factory>& factories() {
  static const std::map<std::string, Factory> table = {
      {".vtp", make_reader<vtkXMLPolyDataReader>},
      {".vtu", make_reader<vtkXMLUnstructuredGridReader>},
      {".vti", make_reader<vtkXMLImageDataReader>},
      {".vtr", make_reader<vtkXMLRectilinearGridReader>},
      {".vts", make_reader<vtkXMLStructuredGridReader>},
      // The generic legacy reader picks the concrete type from the file's DATASET line, so
      // structured points come out as image data (and are volume rendered).
      {".vtk", make_reader<vtkGenericDataObjectReader>},
      {".stl", make_reader<vtkSTLReader>},
      {".ply", make_reader<vtkPLYReader>},
      {".obj", make_reader<vtkOBJReader>},
  };
  return table;
}

// Cheap checks before handing the file to VTK, whose readers report a missing or unreadable
// file in many different ways (some not at all).
bool check_file(const std::string& path, std::string* err) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    *err = std::strerror(errno);
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    *err = "not a regular file";
    return false;
  }
  if (st.st_size == 0) {
    *err = "empty file";
    return false;
  }
  std::ifstream probe(path, std::ios::binary);
  if (!probe) {
    *err = std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace

const std::vector<std::string>& supported_extensions() {
  static const std::vector<std::string> list = [] {
    std::vector<std::string> v;
    for (const auto& [ext, _] : factories()) v.push_back(ext);
    return v;
  }();
  return list;
}

vtkSmartPointer<vtkDataSet> load_dataset(const std::string& path, std::string* err) {
  const std::string ext = extension_of(path);
  const auto it = factories().find(ext);
  if (it == factories().end()) {
    std::string list;
    for (const auto& e : supported_extensions()) list += (list.empty() ? "" : " ") + e;
    *err = "unsupported file type '" + ext + "' (supported: " + list + ")";
    return nullptr;
  }
  if (!check_file(path, err)) return nullptr;

  VtkMessageCapture capture;
  vtkSmartPointer<vtkAlgorithm> reader = it->second(path);
  reader->Update();
  auto* legacy = vtkGenericDataObjectReader::SafeDownCast(reader);
  // vtkXMLReader keeps its read-error flag private in 9.1; its errors reach the capture.
  const bool failed = capture.had_error() || reader->GetErrorCode() != vtkErrorCode::NoError;
  if (failed) {
    const std::string why = capture.summary();
    *err = why.empty() ? "the reader reported an error" : why;
    return nullptr;
  }
  vtkDataSet* out = vtkDataSet::SafeDownCast(reader->GetOutputDataObject(0));
  if (!out) {
    *err = legacy ? "not a legacy VTK dataset file (or an unsupported dataset type)"
                  : "the reader produced no dataset";
    return nullptr;
  }
  if (out->GetNumberOfPoints() == 0) {
    const std::string why = capture.summary();
    *err = "contains no points" + (why.empty() ? std::string() : " (" + why + ")");
    return nullptr;
  }
  return out;
}

}  // namespace vtkstream::render
