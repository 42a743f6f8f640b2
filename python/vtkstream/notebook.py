"""How serve() gets remote input applied on the program's own thread.

A script that calls interactor.Start() needs nothing more than the Publisher's own timer
(attach_interactor). A notebook never calls Start(): its thread runs the kernel's asyncio loop
between cells, so input is applied from a callback on that loop. It is a periodic callback, not
a wakeup, for the reason the C++ timer is one: the Publisher's input must be taken on the
window's thread, and neither VTK nor the ring offers a descriptor the loop could watch; an idle
tick costs a couple of atomic loads.
"""
import asyncio

INTERVAL_S = 0.015  # as the C++ default (Publisher input_interval_ms): one frame at 60 Hz


class LoopPump:
    """Applies input and renders from a repeating call_later() on `loop` (the caller's)."""

    def __init__(self, loop, publisher, render_window, interval=INTERVAL_S):
        self.loop = loop
        self.publisher = publisher
        self.window = render_window
        self.interval = interval
        self._handle = loop.call_soon(self._tick)

    def _tick(self):
        self._handle = None
        if self.publisher.closed:
            return
        if self.publisher.process_input():
            self.window.Render()  # publishes through the render observer
        elif self.publisher.publish_pending() and self.publisher.has_viewers():
            self.publisher.publish()  # a viewer arrived after a render nobody watched
        self._handle = self.loop.call_later(self.interval, self._tick)

    def stop(self):
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None


def _running_loop():
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _interactor_for(render_window):
    """The window's interactor, or a trackball-camera one made for it (a notebook often has
    none). It is not initialised: nothing opens an event loop or a window for it."""
    iren = render_window.GetInteractor()
    if iren is None:
        from vtkmodules.vtkRenderingCore import vtkRenderWindowInteractor
        from vtkmodules.vtkInteractionStyle import vtkInteractorStyleTrackballCamera
        iren = vtkRenderWindowInteractor()
        iren.SetRenderWindow(render_window)
        iren.SetInteractorStyle(vtkInteractorStyleTrackballCamera())
    return iren


def connect(publisher, render_window, pump):
    """Wires `publisher` for serve(). pump: None = a LoopPump when an asyncio loop runs on this
    thread, else the Publisher's interactor timer; True/False force the choice (False with an
    existing interactor still attaches the timer). Returns the LoopPump or None."""
    loop = _running_loop()
    if pump is None:
        pump = loop is not None
    if pump:
        if loop is None:
            raise RuntimeError("pump=True needs an asyncio loop running on this thread (Jupyter)")
        publisher.attach_interactor(None)  # publish after every render, no VTK timer
        publisher.set_interactor(_interactor_for(render_window))
        render_window.Render()  # the first picture, for the viewer that is about to come
        return LoopPump(loop, publisher, render_window)
    iren = render_window.GetInteractor()
    publisher.attach_interactor(iren)  # None: publish after renders only
    return None
