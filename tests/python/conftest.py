"""Shared pieces of the binding's tests: a fresh shm name per test and a real python3-vtk9
window (offscreen rendering; meson runs these tests under xvfb-run, like embed-minimal)."""
import itertools
import os

import pytest
from vtkmodules.vtkFiltersSources import vtkConeSource
from vtkmodules.vtkInteractionStyle import vtkInteractorStyleTrackballCamera
from vtkmodules.vtkRenderingCore import (vtkActor, vtkPolyDataMapper, vtkRenderer,
                                         vtkRenderWindow, vtkRenderWindowInteractor)
import vtkmodules.vtkRenderingOpenGL2  # noqa: F401

_counter = itertools.count(1)


@pytest.fixture
def shm_name():
    return "pytest-vtkstream-%d-%d" % (os.getpid(), next(_counter))


class Scene:
    """A cone in an offscreen window with a trackball-camera interactor."""

    def __init__(self, width=320, height=240, interactor=True):
        cone = vtkConeSource()
        cone.SetResolution(48)
        mapper = vtkPolyDataMapper()
        mapper.SetInputConnection(cone.GetOutputPort())
        actor = vtkActor()
        actor.SetMapper(mapper)
        self.renderer = vtkRenderer()
        self.renderer.AddActor(actor)
        self.renderer.SetBackground(0.1, 0.2, 0.3)
        self.window = vtkRenderWindow()
        self.window.SetOffScreenRendering(1)
        self.window.SetMultiSamples(0)
        self.window.SetSize(width, height)
        self.window.AddRenderer(self.renderer)
        self.iren = None
        if interactor:
            self.iren = vtkRenderWindowInteractor()
            self.iren.SetInteractorStyle(vtkInteractorStyleTrackballCamera())
            self.iren.SetRenderWindow(self.window)
            self.iren.Initialize()

    def camera_position(self):
        return tuple(self.renderer.GetActiveCamera().GetPosition())


@pytest.fixture
def scene():
    s = Scene()
    yield s
    s.window.Finalize()
