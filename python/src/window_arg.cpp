// Why vtkPythonUtil: it is VTK's own conversion (the one its generated wrappers use for every
// argument), it checks the class with IsA() and sets a TypeError naming both classes, and Debian
// ships it (libvtkWrappingPythonCore, headers in libvtk9-dev). The alternative, parsing the
// "_0000...._p_vtkRenderWindow" string of `__this__`, trusts an address taken from a string that
// any Python object can fake, and would crash on a forged one instead of raising.
#include "window_arg.h"

#include <vtkObjectBase.h>
#include <vtkPythonUtil.h>

#include <string>

namespace py = pybind11;

namespace vtkstream::python {

vtkObjectBase* vtk_pointer(py::handle obj, const char* vtk_class, const char* what) {
  if (obj.is_none())
    throw py::type_error(std::string(what) + " must be a " + vtk_class + ", not None");
  vtkObjectBase* ptr = vtkPythonUtil::GetPointerFromObject(obj.ptr(), vtk_class);
  if (!ptr) {
    // vtkPythonUtil set a TypeError; say which argument it was about.
    std::string detail = "not a VTK object";
    if (PyErr_Occurred()) {
      py::error_already_set e;
      detail = e.what();
    }
    throw py::type_error(std::string(what) + " must be a " + vtk_class + " (" +
                         std::string(py::str(py::type::handle_of(obj).attr("__name__"))) +
                         " given: " + detail + ")");
  }
  return ptr;
}

}  // namespace vtkstream::python
