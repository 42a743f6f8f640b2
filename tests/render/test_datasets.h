// Small datasets written by the tests themselves, for formats ../shared/data does not cover and
// for scenes whose picture we can predict.
#pragma once

#include <string>

namespace vtkstream::test {

// Each writes `path` and returns false on failure.
bool write_stl(const std::string& path);                 // a sphere
bool write_vtu(const std::string& path);                 // a tetrahedral block with a point array
bool write_vtr(const std::string& path);                 // a rectilinear grid with a point array
bool write_vts(const std::string& path);                 // a curved structured grid
bool write_legacy_structured_points(const std::string& path);  // image data -> volume path
// One triangle with its apex up (+y) and base down, facing +z: VTK's default camera sees it
// upright, so the rendered picture must be narrow at the top and wide at the bottom.
bool write_apex_up_triangle_vtp(const std::string& path);

}  // namespace vtkstream::test
