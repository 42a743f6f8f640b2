// Reading scientists' files by extension into a VTK data object.
#pragma once

#include <vtkSmartPointer.h>

#include <string>
#include <vector>

class vtkDataSet;

namespace vtkstream::render {

// Extensions we read, lower case with the dot: .vtp .vtu .vti .vtr .vts .vtk .stl .ply .obj
const std::vector<std::string>& supported_extensions();

// Reads `path`. On failure returns nullptr and sets `err` to a short reason without the file name
// ("no such file", "not a VTK XML file: ...", "contains no points").
vtkSmartPointer<vtkDataSet> load_dataset(const std::string& path, std::string* err);

}  // namespace vtkstream::render
