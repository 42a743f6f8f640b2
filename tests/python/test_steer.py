"""A python3-vtk9 window published through the binding, read by a real vtksrc pipeline, and
steered by navigation events from that pipeline: both ways a program can run (its own loop with
wait_input/process_input/publish, and attach_interactor + interactor.Start())."""
import os
import signal
import subprocess
import sys
import threading
import time

import vtkstream
from gst_reader import VtksrcReader

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def drag_and_watch(name, result):
    """What a viewer does: first picture, a drag across the middle, then frames until one
    differs. Fills result with the frames and the reader's errors."""
    reader = VtksrcReader(name)
    try:
        before = reader.pull(30)
        result["before"] = before
        if before is None:
            return
        reader.drag(before.width // 2, before.height // 2, before.width // 3)
        deadline = time.monotonic() + 20
        after = None
        while time.monotonic() < deadline:
            frame = reader.pull(max(deadline - time.monotonic(), 0.01))
            if frame is None:
                break
            after = frame
            if after.changed_fraction(before) > 0.01:
                break
        result["after"] = after
    finally:
        result["errors"] = reader.errors()
        reader.close()


def assert_steered(result):
    before, after = result.get("before"), result.get("after")
    assert before is not None, "vtksrc got no frame from the Python publisher"
    assert (before.width, before.height) == (320, 240)
    assert before.variance() > 50, "the published picture is blank"
    assert after is not None, "no frame after the drag"
    assert after.changed_fraction(before) > 0.01, "the drag did not change the picture"
    assert result["errors"] == []


def test_own_loop_publishes_and_applies_input(scene, shm_name):
    pub = vtkstream.Publisher(scene.window, name=shm_name)
    pub.set_interactor(scene.iren)
    scene.window.Render()
    assert pub.publish()
    camera_before = scene.camera_position()

    result = {}
    done = threading.Event()

    def viewer():
        try:
            drag_and_watch(shm_name, result)
        finally:
            done.set()
            pub.wake()  # the one method safe from another thread: ends our wait_input

    t = threading.Thread(target=viewer)
    t.start()
    deadline = time.monotonic() + 60
    applied = 0
    # The program's own loop, on its own thread: sleep until input (the GIL is released),
    # apply it, render, publish.
    while not done.is_set() and time.monotonic() < deadline:
        pub.wait_input(1000)
        if pub.process_input():
            applied += 1
            scene.window.Render()
            pub.publish()
        elif pub.publish_pending() and pub.has_viewers():
            pub.publish()
    t.join()
    assert_steered(result)
    assert applied > 0
    assert pub.last_input_seq() > 0
    assert scene.camera_position() != camera_before, "the drag never reached the camera"
    pub.close()


def start_example(shm_name, *args):
    return subprocess.Popen([sys.executable, os.path.join(REPO, "examples", "python", "publish_window.py"),
                             "--shm", shm_name, "--offscreen", *args], stdout=subprocess.PIPE, text=True)


def stop_example(proc, shm_name):
    proc.send_signal(signal.SIGTERM)  # our child, by pid
    proc.wait(timeout=10)
    # SIGTERM's default action leaves the ring behind (a stale object a new publisher would
    # replace); it is this test's, so remove it.
    if os.path.exists("/dev/shm/" + shm_name):
        os.unlink("/dev/shm/" + shm_name)


def test_example_shows_a_mesh_file(shm_name):
    data = os.path.join(os.environ["VTKSTREAM_DATA_DIR"], "Human.vtp")
    proc = start_example(shm_name, data)
    try:
        assert proc.stdout.readline().strip() == "publishing as shm '%s'" % shm_name
        reader = VtksrcReader(shm_name)
        try:
            frame = reader.pull(30)
            assert frame is not None and (frame.width, frame.height) == (640, 480)
            assert frame.variance() > 50, "the mesh did not show"
        finally:
            reader.close()
    finally:
        stop_example(proc, shm_name)


def test_attach_interactor_in_a_vtk_program(shm_name):
    """examples/python/publish_window.py, as a user runs it (iren.Start() owns the thread)."""
    proc = start_example(shm_name)
    try:
        # It prints this once the publisher exists, just before the first render.
        assert proc.stdout.readline().strip() == "publishing as shm '%s'" % shm_name
        result = {}
        drag_and_watch(shm_name, result)
        assert result.get("before") is not None
        # The example's window is 640x480.
        assert (result["before"].width, result["before"].height) == (640, 480)
        assert result["after"] is not None and result["after"].changed_fraction(result["before"]) > 0.01
        assert result["errors"] == []
        assert proc.poll() is None, "the program died"
    finally:
        stop_example(proc, shm_name)
