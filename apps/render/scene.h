// What vtkstream-render shows: the demo scene or the user's files.
#pragma once

#include <string>

class vtkDataSet;
class vtkRenderer;

namespace vtkstream::render {

// A colour-mapped surface with a scalar bar, a few shaded props, a title, a light kit and a
// gradient background: exercises most of the pipeline a scientist's scene would.
void build_demo_scene(vtkRenderer* renderer);

// Adds one dataset: image data with point scalars is volume rendered, anything else becomes a
// surface coloured by its first point (else cell) array. The first coloured dataset gets a
// scalar bar titled with the array name.
// `software_gl`: the GL is a CPU rasteriser (llvmpipe): volumes then use VTK's multi-threaded
// CPU ray caster, which on llvmpipe is far faster than the GPU ray caster's shaders.
void add_dataset(vtkRenderer* renderer, vtkDataSet* data, bool software_gl);

// Background, lights and a camera that frames everything (keeping the view direction: the
// demo's oblique view, VTK's default -z view for files); call once after adding props.
void finish_scene(vtkRenderer* renderer);

}  // namespace vtkstream::render
