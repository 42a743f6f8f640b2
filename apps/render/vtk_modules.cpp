// VTK's object factories are registered by these statics (VTK has no CMake here to generate
// them). Linked into each executable directly, not through a static library, which would drop
// an object file nothing references.
#include <vtkAutoInit.h>

VTK_MODULE_INIT(vtkRenderingOpenGL2);
VTK_MODULE_INIT(vtkInteractionStyle);
VTK_MODULE_INIT(vtkRenderingFreeType);
VTK_MODULE_INIT(vtkRenderingVolumeOpenGL2);
