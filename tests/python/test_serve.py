"""vtkstream.serve(): the real vtkstream-serve started on the binding's ring, its links (with
the tokens), the notebook iframe, and the server stopped by pid."""
import os
import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest

import vtkstream


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, ""


def test_serve_links_iframe_and_stop(scene):
    server = vtkstream.serve(scene.window, pump=False)
    try:
        assert server.publisher.name().startswith("vtkstream-py-%d-" % os.getpid())
        parts = urlsplit(server.control_link)
        assert parts.scheme == "http" and parts.hostname == "127.0.0.1" and parts.port > 0
        assert parts.query.startswith("token=") and len(parts.query) > len("token=") + 16
        assert server.view_link and "token=" in server.view_link
        assert server.view_link != server.control_link
        html = server._repr_html_()
        assert '<iframe src="%s"' % server.control_link in html
        # The link works, and the server really wants its token.
        status, page = get(server.control_link)
        assert status == 200 and "<html" in page.lower()
        assert get(server.url)[0] == 401
        pid = server.pid
        os.kill(pid, 0)  # running
    finally:
        server.close()
    assert server.closed
    assert server.process.returncode is not None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", parts.port), timeout=5).close()
    assert server.publisher.closed  # serve() made it, close() removed it
    assert "stopped" in repr(server)


def test_serve_with_the_callers_publisher_leaves_it_open(scene, shm_name):
    pub = vtkstream.Publisher(scene.window, name=shm_name)
    with vtkstream.serve(scene.window, publisher=pub) as server:
        assert server.publisher is pub
    assert not pub.closed
    pub.close()


def test_serve_failure_raises_and_leaves_nothing(scene, shm_name):
    # A port the server refuses: it exits at once; serve() says so and frees the name.
    with pytest.raises(RuntimeError, match="exited"):
        vtkstream.serve(scene.window, shm_name, args=["--port", "70000"])
    with vtkstream.Publisher(scene.window, name=shm_name):
        pass
    with pytest.raises(FileNotFoundError):
        vtkstream.serve(scene.window, shm_name, program="/nonexistent/vtkstream-serve")


def test_server_stops_when_the_program_exits():
    """A program that never calls close(): the server it started goes with it."""
    import subprocess
    import sys
    script = (
        "import conftest, vtkstream\n"
        "s = conftest.Scene()\n"
        "server = vtkstream.serve(s.window, pump=False)\n"
        "print(server.pid, flush=True)\n")
    here = os.path.dirname(os.path.abspath(__file__))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.environ.get("PYTHONPATH", ""), here]))
    out = subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=60,
                         stdout=subprocess.PIPE, text=True).stdout
    pid = int(out.split()[0])
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_server_stops_when_the_program_is_killed():
    """SIGKILL runs no finalizer: the server must still not outlive the program (it used to run
    on, serving a ring nobody writes, until someone found its pid)."""
    import select
    import signal
    import subprocess
    import sys
    script = (
        "import os, signal, conftest, vtkstream\n"
        "s = conftest.Scene()\n"
        "server = vtkstream.serve(s.window, pump=False)\n"
        "print(server.pid, server.publisher.name(), flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n")
    here = os.path.dirname(os.path.abspath(__file__))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.environ.get("PYTHONPATH", ""), here]))
    done = subprocess.run([sys.executable, "-c", script], env=env, timeout=60,
                          stdout=subprocess.PIPE, text=True)
    assert done.returncode == -signal.SIGKILL
    pid = int(done.stdout.split()[0])
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return  # already gone
    try:
        # A pidfd becomes readable when the process exits: a wakeup, not a poll.
        gone = select.select([fd], [], [], 15)[0]
        if not gone:
            os.kill(pid, signal.SIGTERM)  # do not leave it behind for the next test
        assert gone, "vtkstream-serve outlived the killed program"
    finally:
        os.close(fd)
    # Its ring stayed (nothing ran to remove it); the next serve() sweeps it.
    ring = "/dev/shm/" + done.stdout.split()[1]
    assert os.path.exists(ring)
    import conftest
    s = conftest.Scene()
    with vtkstream.serve(s.window, pump=False):
        assert not os.path.exists(ring)
    s.window.Finalize()


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(args="--no-auth"), TypeError, "list"),  # used to be split into characters
    (dict(port=None), TypeError, "port"),         # used to be passed on as "None"
    (dict(port=-1), ValueError, "port"),
    (dict(port=70000), ValueError, "port"),
    (dict(timeout=None), TypeError, "timeout"),
])
def test_serve_bad_arguments_say_which(scene, kwargs, error, match):
    with pytest.raises(error, match=match):
        vtkstream.serve(scene.window, pump=False, **kwargs)
    assert not [n for n in os.listdir("/dev/shm") if n.startswith("vtkstream-py-%d-" % os.getpid())]
