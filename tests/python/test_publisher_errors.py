"""Bad arguments are Python exceptions; the interpreter survives them and the next Publisher
works."""
import pytest
from vtkmodules.vtkFiltersSources import vtkConeSource

import vtkstream


@pytest.mark.parametrize("window", [None, object(), "window", 42, vtkConeSource()],
                         ids=["None", "object", "str", "int", "vtkConeSource"])
def test_bad_window_is_type_error(window, shm_name):
    with pytest.raises(TypeError, match="vtkRenderWindow"):
        vtkstream.Publisher(window, name=shm_name)


@pytest.mark.parametrize("name", ["", "a/b", ".hidden", "x" * 300, "sp ace"])
def test_bad_name_is_value_error(scene, name):
    with pytest.raises(ValueError, match="name"):
        vtkstream.Publisher(scene.window, name=name)


def test_bad_name_type_is_type_error(scene):
    with pytest.raises(TypeError):
        vtkstream.Publisher(scene.window, name=7)


def test_bad_slots_is_value_error(scene, shm_name):
    with pytest.raises(ValueError, match="slots"):
        vtkstream.Publisher(scene.window, name=shm_name, slots=2)


def test_bad_interactor_is_type_error(scene, shm_name):
    with vtkstream.Publisher(scene.window, name=shm_name) as pub:
        with pytest.raises(TypeError, match="vtkRenderWindowInteractor"):
            pub.attach_interactor(scene.window)
        with pytest.raises(TypeError, match="vtkRenderWindowInteractor"):
            pub.set_interactor(object())
        pub.attach_interactor(None)  # allowed: publish after each render, no input timer


def test_publishes_and_closes(scene, shm_name):
    pub = vtkstream.Publisher(scene.window, name=shm_name)
    assert pub.name() == shm_name
    scene.window.Render()
    # The first frame is published even without a reader (a late viewer gets a picture at
    # once); later ones are skipped until someone reads.
    assert pub.publish()
    assert pub.frames_published() == 1
    assert not pub.has_viewers()
    assert not pub.publish()
    assert pub.publish_pending()
    assert pub.last_error() == ""
    assert pub.size_pinned() is None
    pub.close()
    pub.close()  # idempotent
    assert pub.closed
    with pytest.raises(ValueError, match="closed"):
        pub.publish()
    # The name is free again.
    with vtkstream.Publisher(scene.window, name=shm_name) as again:
        assert again.name() == shm_name


def test_publisher_keeps_the_window_alive(shm_name):
    from conftest import Scene
    s = Scene()
    pub = vtkstream.Publisher(s.window, name=shm_name)
    window = s.window
    del s
    window.Render()
    del window  # only the publisher refers to it now
    assert pub.publish()
    pub.close()


def test_name_with_nul_says_so(scene):
    # The library's message quotes the name, and a C string stops at the NUL: the error used to
    # read "shared-memory name 'a" and nothing more.
    with pytest.raises(ValueError, match="NUL"):
        vtkstream.Publisher(scene.window, name="a\0b")


@pytest.mark.parametrize("interval", [0, -5, 2 ** 40])
def test_bad_input_interval_is_value_error(scene, shm_name, interval):
    # 0 and -5 used to be taken as 1 ms (a timer at 1 kHz), 2**40 gave pybind11's
    # "incompatible constructor arguments".
    with pytest.raises(ValueError, match="input_interval_ms"):
        vtkstream.Publisher(scene.window, name=shm_name, input_interval_ms=interval)
