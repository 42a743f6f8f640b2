#include "test_datasets.h"

#include <vtkAppendFilter.h>
#include <vtkCellArray.h>
#include <vtkDoubleArray.h>
#include <vtkFloatArray.h>
#include <vtkImageData.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkRectilinearGrid.h>
#include <vtkSTLWriter.h>
#include <vtkSphereSource.h>
#include <vtkStructuredGrid.h>
#include <vtkStructuredPointsWriter.h>
#include <vtkUnstructuredGrid.h>
#include <vtkXMLPolyDataWriter.h>
#include <vtkXMLRectilinearGridWriter.h>
#include <vtkXMLStructuredGridWriter.h>
#include <vtkXMLUnstructuredGridWriter.h>

#include <cmath>

namespace vtkstream::test {

bool write_stl(const std::string& path) {
  vtkNew<vtkSphereSource> sphere;
  sphere->SetThetaResolution(24);
  sphere->SetPhiResolution(16);
  vtkNew<vtkSTLWriter> w;
  w->SetInputConnection(sphere->GetOutputPort());
  w->SetFileName(path.c_str());
  return w->Write() == 1;
}

bool write_vtu(const std::string& path) {
  vtkNew<vtkSphereSource> sphere;
  vtkNew<vtkAppendFilter> to_grid;  // polydata -> unstructured grid
  to_grid->AddInputConnection(sphere->GetOutputPort());
  to_grid->Update();
  vtkUnstructuredGrid* grid = to_grid->GetOutput();
  vtkNew<vtkFloatArray> z;
  z->SetName("z");
  for (vtkIdType i = 0; i < grid->GetNumberOfPoints(); ++i) z->InsertNextValue(grid->GetPoint(i)[2]);
  grid->GetPointData()->SetScalars(z);
  vtkNew<vtkXMLUnstructuredGridWriter> w;
  w->SetInputData(grid);
  w->SetFileName(path.c_str());
  return w->Write() == 1;
}

bool write_vtr(const std::string& path) {
  vtkNew<vtkRectilinearGrid> grid;
  grid->SetDimensions(8, 6, 4);
  vtkNew<vtkDoubleArray> x, y, z;
  for (int i = 0; i < 8; ++i) x->InsertNextValue(i * i * 0.1);
  for (int i = 0; i < 6; ++i) y->InsertNextValue(i * 0.3);
  for (int i = 0; i < 4; ++i) z->InsertNextValue(i * 0.5);
  grid->SetXCoordinates(x);
  grid->SetYCoordinates(y);
  grid->SetZCoordinates(z);
  vtkNew<vtkFloatArray> v;
  v->SetName("index");
  for (vtkIdType i = 0; i < grid->GetNumberOfPoints(); ++i) v->InsertNextValue(static_cast<float>(i));
  grid->GetPointData()->SetScalars(v);
  vtkNew<vtkXMLRectilinearGridWriter> w;
  w->SetInputData(grid);
  w->SetFileName(path.c_str());
  return w->Write() == 1;
}

bool write_vts(const std::string& path) {
  vtkNew<vtkStructuredGrid> grid;
  const int nx = 12, ny = 6, nz = 3;
  grid->SetDimensions(nx, ny, nz);
  vtkNew<vtkPoints> pts;
  vtkNew<vtkFloatArray> r;
  r->SetName("radius");
  for (int k = 0; k < nz; ++k)
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i) {
        const double angle = i * 3.14159 / (nx - 1), radius = 1.0 + j * 0.2;
        pts->InsertNextPoint(radius * std::cos(angle), radius * std::sin(angle), k * 0.3);
        r->InsertNextValue(static_cast<float>(radius));
      }
  grid->SetPoints(pts);
  grid->GetPointData()->SetScalars(r);
  vtkNew<vtkXMLStructuredGridWriter> w;
  w->SetInputData(grid);
  w->SetFileName(path.c_str());
  return w->Write() == 1;
}

bool write_legacy_structured_points(const std::string& path) {
  vtkNew<vtkImageData> image;
  image->SetDimensions(24, 24, 24);
  image->AllocateScalars(VTK_FLOAT, 1);
  auto* values = static_cast<float*>(image->GetScalarPointer());
  for (int k = 0; k < 24; ++k)
    for (int j = 0; j < 24; ++j)
      for (int i = 0; i < 24; ++i)
        *values++ = static_cast<float>(std::exp(-((i - 12) * (i - 12) + (j - 12) * (j - 12) +
                                                 (k - 12) * (k - 12)) / 40.0));
  vtkNew<vtkStructuredPointsWriter> w;
  w->SetInputData(image);
  w->SetFileName(path.c_str());
  return w->Write() == 1;
}

bool write_apex_up_triangle_vtp(const std::string& path) {
  vtkNew<vtkPoints> pts;
  pts->InsertNextPoint(-1, -1, 0);
  pts->InsertNextPoint(1, -1, 0);
  pts->InsertNextPoint(0, 1, 0);
  vtkNew<vtkCellArray> polys;
  const vtkIdType tri[3] = {0, 1, 2};
  polys->InsertNextCell(3, tri);
  vtkNew<vtkPolyData> pd;
  pd->SetPoints(pts);
  pd->SetPolys(polys);
  vtkNew<vtkXMLPolyDataWriter> w;
  w->SetInputData(pd);
  w->SetFileName(path.c_str());
  return w->Write() == 1;
}

}  // namespace vtkstream::test
