// Python objects -> VTK C++ pointers for the binding's arguments.
#pragma once

#include <pybind11/pybind11.h>

class vtkObjectBase;

namespace vtkstream::python {

// The C++ object behind a python3-vtk9 object when it is (a subclass of) `vtk_class`. Throws
// pybind11::type_error naming what was given for None, a non-VTK object or another VTK class:
// it never returns null, so a bad argument is a Python exception rather than a crash later.
vtkObjectBase* vtk_pointer(pybind11::handle obj, const char* vtk_class, const char* what);

}  // namespace vtkstream::python
