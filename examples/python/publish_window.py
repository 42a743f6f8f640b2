#!/usr/bin/env python3
"""An ordinary python3-vtk9 program (a cone, or a mesh file, in a window with the usual mouse
interaction) that also publishes its window, so a vtkstream viewer sees and steers it. The
vtkstream part is the lines marked below.

    python3 publish_window.py [--shm NAME] [--offscreen] [FILE]

Then, in another terminal: `vtkstream-serve --shm NAME` (browsers) or
`gst-launch-1.0 vtksrc shm-name=NAME ! videoconvert ! autovideosink`. FILE is a mesh or a
dataset (.vtp .vtu .vtk .stl .ply .obj; its surface is shown); without it a cone is shown.
--serve starts vtkstream-serve itself and prints its link. --offscreen renders without showing a window (still needs an X
display, e.g. under xvfb-run).
"""
import argparse
import os
import sys

from vtkmodules.vtkFiltersSources import vtkConeSource
from vtkmodules.vtkInteractionStyle import vtkInteractorStyleTrackballCamera
from vtkmodules.vtkRenderingCore import (vtkActor, vtkPolyDataMapper, vtkRenderer,
                                         vtkRenderWindow, vtkRenderWindowInteractor)
import vtkmodules.vtkRenderingOpenGL2  # noqa: F401  (the OpenGL render window)

import vtkstream  # vtkstream (1/3)


def read_mesh(path):
    """A reader for `path` followed by a geometry filter (any dataset -> its surface)."""
    from vtkmodules.vtkFiltersGeometry import vtkGeometryFilter
    from vtkmodules.vtkIOGeometry import vtkOBJReader, vtkSTLReader
    from vtkmodules.vtkIOLegacy import vtkDataSetReader
    from vtkmodules.vtkIOPLY import vtkPLYReader
    from vtkmodules.vtkIOXML import vtkXMLPolyDataReader, vtkXMLUnstructuredGridReader
    readers = {".vtp": vtkXMLPolyDataReader, ".vtu": vtkXMLUnstructuredGridReader,
               ".vtk": vtkDataSetReader, ".stl": vtkSTLReader, ".ply": vtkPLYReader,
               ".obj": vtkOBJReader}
    if not os.path.isfile(path):
        sys.exit("publish_window.py: %s: no such file" % path)
    ext = os.path.splitext(path)[1].lower()
    if ext not in readers:
        sys.exit("publish_window.py: %s: unsupported format (%s)" % (path, " ".join(readers)))
    reader = readers[ext]()
    reader.SetFileName(path)
    surface = vtkGeometryFilter()
    surface.SetInputConnection(reader.GetOutputPort())
    surface.Update()
    if surface.GetOutput().GetNumberOfPoints() == 0:
        sys.exit("publish_window.py: %s: no points read" % path)
    # The caller keeps the filter (and the filter its reader): an output port alone does not
    # keep its algorithm alive in Python.
    return surface


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shm", default="vtkstream", help="shared-memory name (vtksrc shm-name)")
    ap.add_argument("--serve", action="store_true", help="also start vtkstream-serve on it")
    ap.add_argument("--offscreen", action="store_true", help="render without a visible window")
    ap.add_argument("file", nargs="?", help="a mesh to show instead of the cone")
    args = ap.parse_args()

    mapper = vtkPolyDataMapper()
    if args.file:
        reader = read_mesh(args.file)
        mapper.SetInputConnection(reader.GetOutputPort())
        mapper.SetScalarVisibility(0)  # one colour, whatever arrays the file has
    else:
        cone = vtkConeSource()
        cone.SetResolution(48)
        mapper.SetInputConnection(cone.GetOutputPort())
    actor = vtkActor()
    actor.SetMapper(mapper)
    renderer = vtkRenderer()
    renderer.AddActor(actor)
    renderer.SetBackground(0.1, 0.2, 0.3)
    window = vtkRenderWindow()
    window.SetSize(640, 480)
    window.SetMultiSamples(0)  # not required; saves a resolve per published frame
    window.SetOffScreenRendering(1 if args.offscreen else 0)
    window.AddRenderer(renderer)
    iren = vtkRenderWindowInteractor()
    iren.SetInteractorStyle(vtkInteractorStyleTrackballCamera())
    iren.SetRenderWindow(window)

    try:  # vtkstream (2/3)
        pub = vtkstream.Publisher(window, name=args.shm)
    except (ValueError, OSError) as e:
        sys.exit("publish_window.py: %s" % e)
    pub.attach_interactor(iren)  # vtkstream (3/3): publish each render, apply remote input

    server = None
    if args.serve:
        server = vtkstream.serve(window, publisher=pub)
        print("open", server.control_link, flush=True)
    print("publishing as shm '%s'" % pub.name(), flush=True)
    iren.Initialize()
    window.Render()
    iren.Start()
    if server:
        server.close()
    pub.close()


if __name__ == "__main__":
    main()
