"""Publish a VTK render window to vtkstream viewers from Python (python3-vtk9).

    import vtkstream
    pub = vtkstream.Publisher(render_window, name="mysim")
    pub.attach_interactor(interactor)   # then interactor.Start(); or, in your own loop:
    # if pub.process_input(): render_window.Render(); pub.publish()

    server = vtkstream.serve(render_window)   # vtkstream-serve attached to it: links, iframe

The Publisher is libvtkstream's C++ class (methods in snake_case); see docs/python.md.
"""
from ._vtkstream import Publisher
from .serve import Server, serve
from ._config import VERSION as __version__

__all__ = ["Publisher", "Server", "serve", "__version__"]
