#include "scene.h"

#include <vtkActor.h>
#include <vtkActor2DCollection.h>
#include <vtkCamera.h>
#include <vtkCellData.h>
#include <vtkColorTransferFunction.h>
#include <vtkDataArray.h>
#include <vtkDataSetMapper.h>
#include <vtkDataSetSurfaceFilter.h>
#include <vtkFloatArray.h>
#include <vtkImageData.h>
#include <vtkLightKit.h>
#include <vtkLookupTable.h>
#include <vtkNew.h>
#include <vtkOutlineFilter.h>
#include <vtkParametricFunctionSource.h>
#include <vtkParametricTorus.h>
#include <vtkPiecewiseFunction.h>
#include <vtkPlaneSource.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkPolyDataNormals.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkScalarBarActor.h>
#include <vtkSmartVolumeMapper.h>
#include <vtkSphereSource.h>
#include <vtkTextActor.h>
#include <vtkTextProperty.h>
#include <vtkVolume.h>
#include <vtkVolumeProperty.h>

#include <algorithm>
#include <cmath>

namespace vtkstream::render {

namespace {

// Viridis sampled at five points: perceptually uniform and readable by colour-blind viewers.
constexpr double kViridis[5][3] = {
    {0.267, 0.005, 0.329}, {0.231, 0.322, 0.545}, {0.129, 0.569, 0.549},
    {0.369, 0.788, 0.384}, {0.993, 0.906, 0.144}};

vtkSmartPointer<vtkLookupTable> viridis(double lo, double hi) {
  vtkNew<vtkColorTransferFunction> ctf;
  for (int i = 0; i < 5; ++i) ctf->AddRGBPoint(i / 4.0, kViridis[i][0], kViridis[i][1], kViridis[i][2]);
  auto lut = vtkSmartPointer<vtkLookupTable>::New();
  lut->SetNumberOfTableValues(256);
  for (int i = 0; i < 256; ++i) {
    double rgb[3];
    ctf->GetColor(i / 255.0, rgb);
    lut->SetTableValue(i, rgb[0], rgb[1], rgb[2], 1.0);
  }
  lut->SetTableRange(lo, hi < lo ? lo : (hi == lo ? lo + 1 : hi));
  return lut;
}

void add_scalar_bar(vtkRenderer* renderer, vtkLookupTable* lut, const std::string& title) {
  vtkNew<vtkScalarBarActor> bar;
  bar->SetLookupTable(lut);
  bar->SetTitle(title.c_str());
  bar->SetNumberOfLabels(5);
  bar->SetLabelFormat("%.3g");
  // Anchored away from the right edge so a long array name stays inside the picture.
  bar->SetPosition(0.80, 0.18);
  bar->SetWidth(0.12);
  bar->SetHeight(0.64);
  bar->SetBarRatio(0.3);
  bar->UnconstrainedFontSizeOn();
  bar->GetTitleTextProperty()->SetFontSize(15);
  bar->GetLabelTextProperty()->SetFontSize(13);
  bar->GetTitleTextProperty()->ShadowOff();
  bar->GetLabelTextProperty()->ShadowOff();
  bar->GetLabelTextProperty()->ItalicOff();
  renderer->AddActor2D(bar);
}

bool has_scalar_bar(vtkRenderer* renderer) {
  auto* props = renderer->GetActors2D();
  props->InitTraversal();
  while (auto* p = props->GetNextActor2D())
    if (vtkScalarBarActor::SafeDownCast(p)) return true;
  return false;
}

// A damped ripple z = A*sin(r)/r over a grid, with its height as the point scalar.
vtkSmartPointer<vtkPolyData> ripple_surface() {
  vtkNew<vtkPlaneSource> plane;
  plane->SetOrigin(-9, -9, 0);
  plane->SetPoint1(9, -9, 0);
  plane->SetPoint2(-9, 9, 0);
  plane->SetResolution(110, 110);
  plane->Update();
  auto surface = vtkSmartPointer<vtkPolyData>::New();
  surface->DeepCopy(plane->GetOutput());
  vtkPoints* pts = surface->GetPoints();
  vtkNew<vtkFloatArray> height;
  height->SetName("height");
  height->SetNumberOfTuples(pts->GetNumberOfPoints());
  for (vtkIdType i = 0; i < pts->GetNumberOfPoints(); ++i) {
    double p[3];
    pts->GetPoint(i, p);
    const double r = std::hypot(p[0], p[1]);
    const double z = r < 1e-6 ? 3.0 : 3.0 * std::sin(r) / r;
    pts->SetPoint(i, p[0], p[1], z);
    height->SetValue(i, static_cast<float>(z));
  }
  surface->GetPointData()->SetScalars(height);
  vtkNew<vtkPolyDataNormals> normals;
  normals->SetInputData(surface);
  normals->SplittingOff();
  normals->Update();
  return normals->GetOutput();
}

vtkSmartPointer<vtkActor> shaded_actor(vtkAlgorithmOutput* port, double r, double g, double b) {
  vtkNew<vtkPolyDataMapper> mapper;
  mapper->SetInputConnection(port);
  auto actor = vtkSmartPointer<vtkActor>::New();
  actor->SetMapper(mapper);
  actor->GetProperty()->SetColor(r, g, b);
  actor->GetProperty()->SetSpecular(0.6);
  actor->GetProperty()->SetSpecularPower(40);
  return actor;
}

// The array to colour by: the active scalars, else the first numeric point array, else the
// first cell array. Multi-component arrays are coloured by magnitude.
vtkDataArray* colour_array(vtkDataSet* data, bool* on_cells) {
  *on_cells = false;
  if (auto* s = data->GetPointData()->GetScalars()) return s;
  for (int i = 0; i < data->GetPointData()->GetNumberOfArrays(); ++i)
    if (auto* a = data->GetPointData()->GetArray(i)) return a;
  *on_cells = true;
  if (auto* s = data->GetCellData()->GetScalars()) return s;
  for (int i = 0; i < data->GetCellData()->GetNumberOfArrays(); ++i)
    if (auto* a = data->GetCellData()->GetArray(i)) return a;
  return nullptr;
}

// 3 or 4 components that are bytes, or floats within [0, 1]: colours rather than a quantity.
bool looks_like_rgb(vtkDataArray* array) {
  const int n = array->GetNumberOfComponents();
  if (n != 3 && n != 4) return false;
  if (array->GetDataType() == VTK_UNSIGNED_CHAR) return true;
  for (int c = 0; c < n; ++c) {
    double r[2];
    array->GetRange(r, c);
    if (r[0] < 0 || r[1] > 1) return false;
  }
  return true;
}

void add_volume(vtkRenderer* renderer, vtkImageData* image, bool software_gl) {
  vtkDataArray* scalars = image->GetPointData()->GetScalars();
  double range[2];
  scalars->GetRange(range, -1);
  const double lo = range[0], span = std::max(range[1] - range[0], 1e-12);
  // Low values transparent, rising opacity towards the maximum: shows the structure inside
  // instead of the bounding box of the background value.
  // Scientific volumes (densities, probabilities) keep most of their structure in the low part
  // of the range, so opacity rises early.
  vtkNew<vtkPiecewiseFunction> opacity;
  opacity->AddPoint(lo, 0.0);
  opacity->AddPoint(lo + 0.02 * span, 0.0);
  opacity->AddPoint(lo + 0.1 * span, 0.3);
  opacity->AddPoint(lo + 0.4 * span, 0.7);
  opacity->AddPoint(lo + span, 0.95);
  vtkNew<vtkColorTransferFunction> colour;
  for (int i = 0; i < 5; ++i)
    colour->AddRGBPoint(lo + span * i / 4.0, kViridis[i][0], kViridis[i][1], kViridis[i][2]);
  vtkNew<vtkVolumeProperty> prop;
  prop->SetColor(colour);
  prop->SetScalarOpacity(opacity);
  prop->SetInterpolationTypeToLinear();
  prop->ShadeOn();
  prop->SetAmbient(0.3);
  prop->SetDiffuse(0.7);
  vtkNew<vtkSmartVolumeMapper> mapper;
  mapper->SetInputData(image);
  if (software_gl) mapper->SetRequestedRenderModeToRayCast();
  vtkNew<vtkVolume> volume;
  volume->SetMapper(mapper);
  volume->SetProperty(prop);
  renderer->AddVolume(volume);
  if (!has_scalar_bar(renderer)) {
    auto lut = viridis(range[0], range[1]);
    add_scalar_bar(renderer, lut, scalars->GetName() ? scalars->GetName() : "value");
  }
}

}  // namespace

void build_demo_scene(vtkRenderer* renderer) {
  auto surface = ripple_surface();
  double range[2];
  surface->GetPointData()->GetScalars()->GetRange(range);
  auto lut = viridis(range[0], range[1]);
  vtkNew<vtkPolyDataMapper> surface_mapper;
  surface_mapper->SetInputData(surface);
  surface_mapper->SetLookupTable(lut);
  surface_mapper->UseLookupTableScalarRangeOn();
  vtkNew<vtkActor> surface_actor;
  surface_actor->SetMapper(surface_mapper);
  surface_actor->GetProperty()->SetSpecular(0.3);
  surface_actor->GetProperty()->SetSpecularPower(20);
  renderer->AddActor(surface_actor);
  add_scalar_bar(renderer, lut, "height");

  vtkNew<vtkOutlineFilter> outline;
  outline->SetInputData(surface);
  vtkNew<vtkPolyDataMapper> outline_mapper;
  outline_mapper->SetInputConnection(outline->GetOutputPort());
  vtkNew<vtkActor> outline_actor;
  outline_actor->SetMapper(outline_mapper);
  outline_actor->GetProperty()->SetColor(0.75, 0.78, 0.85);
  outline_actor->GetProperty()->SetLineWidth(1.5);
  renderer->AddActor(outline_actor);

  vtkNew<vtkSphereSource> sphere;
  sphere->SetCenter(0, 0, 5.2);
  sphere->SetRadius(1.3);
  sphere->SetThetaResolution(64);
  sphere->SetPhiResolution(48);
  renderer->AddActor(shaded_actor(sphere->GetOutputPort(), 0.85, 0.25, 0.2));

  vtkNew<vtkParametricTorus> torus_fn;
  torus_fn->SetRingRadius(2.6);
  torus_fn->SetCrossSectionRadius(0.35);
  vtkNew<vtkParametricFunctionSource> torus;
  torus->SetParametricFunction(torus_fn);
  torus->SetUResolution(96);
  torus->SetVResolution(32);
  auto ring = shaded_actor(torus->GetOutputPort(), 0.95, 0.75, 0.3);
  ring->SetPosition(0, 0, 5.2);
  ring->RotateX(70);
  renderer->AddActor(ring);

  vtkNew<vtkTextActor> title;
  title->SetInput("vtkstream demo: drag to rotate, wheel to zoom, r to reset");
  title->GetTextProperty()->SetFontSize(18);
  title->GetTextProperty()->SetColor(0.92, 0.94, 0.97);
  title->SetDisplayPosition(14, 12);
  renderer->AddActor2D(title);

  // Looking at the ripple from above and to the side, z up.
  vtkCamera* camera = renderer->GetActiveCamera();
  camera->SetPosition(0, -1, 0.55);
  camera->SetFocalPoint(0, 0, 0);
  camera->SetViewUp(0, 0, 1);
}

void add_dataset(vtkRenderer* renderer, vtkDataSet* data, bool software_gl) {
  if (auto* image = vtkImageData::SafeDownCast(data); image && image->GetPointData()->GetScalars()) {
    add_volume(renderer, image, software_gl);
    return;
  }
  vtkNew<vtkDataSetSurfaceFilter> surface;
  surface->SetInputData(data);
  vtkNew<vtkPolyDataNormals> normals;  // smooth shading for scanned meshes without normals
  normals->SetInputConnection(surface->GetOutputPort());
  normals->SplittingOff();
  vtkNew<vtkPolyDataMapper> mapper;
  mapper->SetInputConnection(normals->GetOutputPort());
  vtkNew<vtkActor> actor;
  actor->SetMapper(mapper);
  actor->GetProperty()->SetSpecular(0.25);
  actor->GetProperty()->SetSpecularPower(20);

  bool on_cells = false;
  vtkDataArray* array = colour_array(data, &on_cells);
  if (!array) {
    actor->GetProperty()->SetColor(0.85, 0.82, 0.75);
    mapper->ScalarVisibilityOff();
    renderer->AddActor(actor);
    return;
  }
  if (!array->GetName()) array->SetName("values");  // the mapper selects arrays by name
  if (looks_like_rgb(array)) {
    // Per-point colours (scanners, photogrammetry) are shown as they are, not through a map.
    mapper->SetColorModeToDirectScalars();
    if (on_cells) mapper->SetScalarModeToUseCellFieldData();
    else mapper->SetScalarModeToUsePointFieldData();
    mapper->SelectColorArray(array->GetName());
    mapper->ScalarVisibilityOn();
    renderer->AddActor(actor);
    return;
  }
  double range[2];
  array->GetRange(range, array->GetNumberOfComponents() > 1 ? -1 : 0);
  auto lut = viridis(range[0], range[1]);
  if (array->GetNumberOfComponents() > 1) lut->SetVectorModeToMagnitude();
  mapper->SetLookupTable(lut);
  mapper->UseLookupTableScalarRangeOn();
  mapper->SetColorModeToMapScalars();  // also map 8-bit arrays through the table: one look
  if (on_cells) mapper->SetScalarModeToUseCellFieldData();
  else mapper->SetScalarModeToUsePointFieldData();
  mapper->SelectColorArray(array->GetName());
  mapper->ScalarVisibilityOn();
  renderer->AddActor(actor);
  if (!has_scalar_bar(renderer))
    add_scalar_bar(renderer, lut, array->GetName());
}

void finish_scene(vtkRenderer* renderer) {
  renderer->GradientBackgroundOn();
  renderer->SetBackground(0.06, 0.07, 0.10);   // bottom
  renderer->SetBackground2(0.24, 0.28, 0.36);  // top
  vtkNew<vtkLightKit> lights;
  lights->AddLightsToRenderer(renderer);
  renderer->ResetCamera();
  renderer->GetActiveCamera()->Zoom(1.2);  // ResetCamera frames the bounding sphere: loose
  renderer->ResetCameraClippingRange();
}

}  // namespace vtkstream::render
