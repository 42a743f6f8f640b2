"""A careless program's lifecycle mistakes: close() from another thread during wait_input(),
Ctrl-C during wait_input(), a fork that inherits a Publisher or a Server, two Publishers on one
name. Each must end in a Python exception or a clean result, never a crash, a hang, or damage to
what the parent process publishes. The fork cases run in a child interpreter (forking pytest
itself would duplicate the test session)."""
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

import vtkstream

HERE = os.path.dirname(os.path.abspath(__file__))


def run_script(script, timeout=60):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.environ.get("PYTHONPATH", ""), HERE]))
    done = subprocess.run([sys.executable, "-c", script], env=env, timeout=timeout,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert done.returncode == 0, done.stdout
    return done.stdout


def test_close_from_another_thread_ends_a_wait(scene, shm_name):
    pub = vtkstream.Publisher(scene.window, name=shm_name)
    waiting = threading.Event()
    outcome = []

    def waiter():
        waiting.set()
        try:
            outcome.append(pub.wait_input(-1))
        except ValueError as e:  # close() came first: the closed publisher says so
            outcome.append(e)

    t = threading.Thread(target=waiter)
    t.start()
    waiting.wait()
    pub.close()  # used to unmap the ring under the sleeping thread: a segfault
    t.join(10)
    assert not t.is_alive(), "wait_input(-1) kept sleeping after close()"
    assert len(outcome) == 1 and outcome[0] in (True, False) or isinstance(outcome[0], ValueError)
    assert pub.closed
    assert not os.path.exists("/dev/shm/" + shm_name)


def in_shared_futex_wait(tid):
    """True while thread `tid` sleeps in FUTEX_WAIT (op 0) on a shared word: the ring's input
    futex, as opposed to the GIL's or a mutex's (private futexes, op 128)."""
    with open("/proc/self/task/%d/syscall" % tid) as f:
        fields = f.read().split()
    return fields[0] == "202" and int(fields[2], 16) == 0  # x86_64 SYS_futex, FUTEX_WAIT


def test_keyboard_interrupt_breaks_wait_input(scene, shm_name):
    main_tid = threading.get_native_id()
    with vtkstream.Publisher(scene.window, name=shm_name) as pub:
        def sender():
            # The signal must land while the main thread sleeps in the ring's futex; nothing
            # announces that moment, so read its state from /proc until it does (microseconds).
            deadline = time.monotonic() + 10
            while not in_shared_futex_wait(main_tid) and time.monotonic() < deadline:
                pass
            os.kill(os.getpid(), signal.SIGINT)

        t = threading.Thread(target=sender)
        start = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            t.start()
            pub.wait_input(20000)
        t.join()
        assert time.monotonic() - start < 10, "Ctrl-C waited for the timeout"
        assert not pub.closed


def test_forked_child_cannot_use_or_remove_the_parents_ring(shm_name):
    out = run_script(
        "import os, sys, conftest, vtkstream\n"
        "s = conftest.Scene(); s.window.Render()\n"
        "pub = vtkstream.Publisher(s.window, name=%r)\n"
        "assert pub.publish()\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    try:\n"
        "        pub.publish(); print('child published')\n"
        "    except RuntimeError as e:\n"
        "        print('child refused:', e)\n"
        "    pub.close()\n"
        "    sys.exit(0)  # interpreter teardown in the child too\n"
        "_, status = os.waitpid(pid, 0)\n"
        "print('child status', status)\n"
        "print('ring kept', os.path.exists('/dev/shm/' + pub.name()))\n"
        "print('parent publishes', pub.publish(), repr(pub.last_error()))\n"
        "pub.close()\n"
        "print('ring removed', not os.path.exists('/dev/shm/%s'))\n" % (shm_name, shm_name),
        timeout=60)
    assert "child refused: " in out and "fork" in out, out
    assert "child status 0" in out and "ring kept True" in out and "ring removed True" in out, out
    # Skipped (no reader), not failed: the child neither closed nor replaced the parent's ring.
    assert "parent publishes False ''" in out, out


def test_forked_child_leaves_the_parents_server_running():
    out = run_script(
        "import os, sys, conftest, vtkstream\n"
        "s = conftest.Scene(); s.window.Render()\n"
        "server = vtkstream.serve(s.window, pump=False)\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    sys.exit(0)  # runs the atexit finalizers it inherited\n"
        "os.waitpid(pid, 0)\n"
        "print('server running', server.process.poll() is None)\n"
        "server.close()\n")
    assert "server running True" in out, out


def test_two_publishers_on_one_name_in_one_process(scene, shm_name):
    with vtkstream.Publisher(scene.window, name=shm_name) as first:
        with pytest.raises(ValueError, match="already publishing"):
            vtkstream.Publisher(scene.window, name=shm_name)
        scene.window.Render()
        assert first.publish()
        assert first.last_error() == ""
    with vtkstream.Publisher(scene.window, name=shm_name):  # free again once closed
        pass


@pytest.mark.parametrize("slots", [-1, 2 ** 40])
def test_out_of_range_slots_is_value_error(scene, shm_name, slots):
    with pytest.raises(ValueError, match="slots"):
        vtkstream.Publisher(scene.window, name=shm_name, slots=slots)


def test_close_removes_the_timer_from_the_attached_interactor(scene, shm_name):
    """attach_interactor(a), then set_interactor(b): close() used to remove the timer observer
    from b (not there) and leave it on a, pointing at the freed publisher for a's next timer
    tick (a crash as soon as a's event loop ran)."""
    from vtkmodules.vtkRenderingCore import vtkRenderWindowInteractor
    first, other = vtkRenderWindowInteractor(), vtkRenderWindowInteractor()
    first.SetInteractorStyle(None)  # a style observes TimerEvent too: keep only ours
    assert not first.HasObserver("TimerEvent")
    pub = vtkstream.Publisher(scene.window, name=shm_name)
    pub.attach_interactor(first)
    assert first.HasObserver("TimerEvent")
    pub.set_interactor(other)
    pub.close()
    assert not first.HasObserver("TimerEvent"), "the timer observer outlived the publisher"
    assert not scene.window.HasObserver("EndEvent")
