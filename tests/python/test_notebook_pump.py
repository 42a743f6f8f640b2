"""The notebook path of serve(): no interactor.Start(), an asyncio loop on the program's thread
(as in a Jupyter kernel) applies remote input through vtkstream.notebook.LoopPump. Read and
steered by a real vtksrc pipeline, as in test_steer.py."""
import asyncio
import threading

import vtkstream
from vtkstream import notebook
from conftest import Scene
from test_steer import assert_steered, drag_and_watch


def test_loop_pump_applies_input_on_the_loop_thread(shm_name):
    scene = Scene(interactor=False)  # a notebook usually has none: connect() makes one
    pub = vtkstream.Publisher(scene.window, name=shm_name)
    camera_before = scene.camera_position()
    loop_thread = threading.get_ident()
    rendered_on = set()
    scene.window.AddObserver("EndEvent", lambda *_: rendered_on.add(threading.get_ident()))
    result = {}

    async def cell():
        loop = asyncio.get_running_loop()
        pump = notebook.connect(pub, scene.window, None)  # a running loop: pump chosen
        assert isinstance(pump, notebook.LoopPump)
        assert scene.window.GetInteractor() is not None
        try:
            # The viewer runs on a thread of its own; the loop wakes when it is done.
            await loop.run_in_executor(None, drag_and_watch, shm_name, result)
        finally:
            pump.stop()

    asyncio.run(cell())
    assert_steered(result)
    assert pub.last_input_seq() > 0
    assert scene.camera_position() != camera_before, "the drag never reached the camera"
    assert rendered_on == {loop_thread}, "rendered off the program's thread"
    pub.close()
    scene.window.Finalize()


def test_without_a_loop_serve_uses_the_interactor_timer(scene, shm_name):
    pub = vtkstream.Publisher(scene.window, name=shm_name)
    assert notebook.connect(pub, scene.window, None) is None
    try:
        notebook.connect(pub, scene.window, True)
        raise AssertionError("pump=True without a loop must raise")
    except RuntimeError as e:
        assert "asyncio" in str(e)
    pub.close()
