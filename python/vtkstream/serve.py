"""serve(): vtkstream-serve attached to a render window published from this program.

The server is a child process (`vtkstream-serve --shm NAME`): encoding and the web side never
run on the Python thread, so the program keeps the never-block guarantee of the Publisher. The
Server object owns that process and stops it, by its pid, on close(), on `with` exit, when it
is garbage-collected, or when the interpreter exits (weakref.finalize).
"""
import html
import itertools
import os
import selectors
import shutil
import subprocess
import threading
import time
import weakref

from ._config import BINDIR
from ._vtkstream import Publisher, sweep_stale
from . import notebook

_names = itertools.count(1)
_PRIVATE_PREFIX = "vtkstream-py-"
# Frames a notebook can embed from a Jupyter server on this machine (any port): CSP
# frame-ancestors sources for vtkstream-serve. The page still needs the token.
NOTEBOOK_ANCESTORS = "'self' http://localhost:* http://127.0.0.1:*"


def _find_program(program):
    """The vtkstream-serve to run: the argument, $VTKSTREAM_SERVE, the one installed with this
    package, else the one on PATH."""
    if program is not None:
        if not os.access(program, os.X_OK):
            raise FileNotFoundError("vtkstream-serve: %s is not an executable" % program)
        return program
    for candidate in (os.environ.get("VTKSTREAM_SERVE"), os.path.join(BINDIR, "vtkstream-serve")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("vtkstream-serve")
    if not found:
        raise FileNotFoundError("vtkstream-serve not found (install vtkstream, put it on PATH, "
                                "or pass program= / set VTKSTREAM_SERVE)")
    return found


def _exit_with_us():
    """A prefix that makes the server get SIGTERM when this program dies, even by SIGKILL (no
    finalizer runs then): util-linux's setpriv sets PR_SET_PDEATHSIG and execs the server (same
    pid). The signal follows the *thread* that started the child, so only the main thread uses
    it (a serve() from a short-lived thread would otherwise lose its server with the thread);
    Python's own preexec_fn could set it too, but is unsafe in a program with threads."""
    if threading.current_thread() is not threading.main_thread():
        return []
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "TERM", "--"] if setpriv else []


def _read_links(proc, timeout):
    """The control link (and the view-only link, when tokens are on) from the server's first
    stdout lines. Waits on the pipe (no polling); raises when the server exits or stays silent."""
    prefix_control = "vtkstream-serve: open "
    prefix_view = "vtkstream-serve: view-only link (share it to let people watch): "
    control = view = None
    buf = b""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while True:
            lines = buf.split(b"\n")
            for line in lines[:-1]:
                text = line.decode("utf-8", "replace")
                if text.startswith(prefix_control):
                    control = text[len(prefix_control):].split(" ", 1)[0]
                elif text.startswith(prefix_view):
                    view = text[len(prefix_view):].strip()
            buf = lines[-1]
            # The view line follows the control line at once when there is one; a server
            # without tokens (--no-auth) prints none, so a short grace period decides.
            if control and (view or time.monotonic() > deadline):
                return control, view
            left = deadline - time.monotonic()
            if left <= 0:
                if control:
                    return control, view
                raise TimeoutError("vtkstream-serve printed no link within %.0f s" % timeout)
            if not sel.select(left):
                continue
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                if control:
                    return control, view
                raise RuntimeError("vtkstream-serve exited (status %s) before it listened; its "
                                   "stderr says why" % proc.wait())
            buf += chunk
            if control:  # the view line comes in the same flush; do not wait the full timeout
                deadline = min(deadline, time.monotonic() + 1.0)


class Server:
    """A running vtkstream-serve attached to a Publisher. Links: control_link (steer; with the
    token), view_link (watch only; None without tokens), url. In Jupyter the object shows
    itself as an iframe of the view."""

    def __init__(self, proc, publisher, owns_publisher, control_link, view_link, pump, size):
        self.process = proc
        self.pid = proc.pid
        self.publisher = publisher
        self._owns_publisher = owns_publisher
        self.control_link = control_link
        self.view_link = view_link
        self.url = control_link.split("?", 1)[0]
        self._pump = pump
        self._size = size
        self._finalizer = weakref.finalize(self, Server._stop, proc, pump,
                                           publisher if owns_publisher else None, os.getpid())

    @staticmethod
    def _stop(proc, pump, publisher, owner_pid=None):
        if owner_pid is not None and os.getpid() != owner_pid:
            # A fork of the program that started the server (its atexit and its garbage
            # collector run our finalizer too): the server and its ring are the parent's.
            return
        if pump is not None:
            pump.stop()
        if proc.poll() is None:
            proc.terminate()  # SIGTERM to our child's pid: it says bye to its viewers and exits
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stdout:
            proc.stdout.close()
        if publisher is not None:
            publisher.close()

    def close(self):
        """Stops the server this object started (and the publisher and input pump serve() made
        for it). Idempotent; also runs at interpreter exit."""
        self._finalizer()

    @property
    def closed(self):
        return not self._finalizer.alive

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        state = "stopped" if self.closed else "pid %d" % self.pid
        return "<vtkstream.Server %s (%s)>" % (self.control_link, state)

    def _repr_html_(self):
        width, height = self._size
        link = html.escape(self.control_link, quote=True)
        return ('<iframe src="%s" width="%d" height="%d" style="border:0" allow="fullscreen" '
                'title="vtkstream view"></iframe><div><a href="%s" target="_blank">open in a new '
                'tab</a></div>' % (link, width, height, link))


def _check_arguments(port, args, timeout):
    """Mistakes the server would report only as "exited (status 2)", or that would go wrong
    quietly (a string of args splits into one option per character)."""
    if isinstance(args, (str, bytes)):
        raise TypeError("args: a list of vtkstream-serve options, e.g. [%r], not a string" % args)
    if isinstance(port, bool) or not isinstance(port, int):
        raise TypeError("port must be an int (0: any free port), not %s" % type(port).__name__)
    if not 0 <= port <= 65535:
        raise ValueError("port must be between 0 and 65535, not %d" % port)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError("timeout must be a number of seconds, not %s" % type(timeout).__name__)


def serve(render_window, name=None, *, publisher=None, port=0, bind="127.0.0.1", args=(),
          program=None, frame_ancestors=NOTEBOOK_ANCESTORS, pump=None, timeout=20.0):
    """Starts vtkstream-serve attached to `render_window` and returns a Server with its links.

    publisher: an existing Publisher of that window; by default one is made (name: `name`, else
    a private one) and closed with the server. Input then reaches the window's interactor: in a
    program that calls interactor.Start() through the Publisher's timer; where an asyncio loop
    runs on this thread (Jupyter), through a periodic callback on that loop (pump=True forces
    it, pump=False leaves input to you: publisher.process_input()).
    port 0 picks a free port; args: further vtkstream-serve options (e.g. ["--codec", "h264"]).
    """
    _check_arguments(port, args, timeout)
    size = tuple(render_window.GetSize()) if hasattr(render_window, "GetSize") else (640, 480)
    owns = publisher is None
    if owns:
        if name is None:
            # Private rings of programs killed before they could remove theirs (SIGKILL, a
            # crash) stay in /dev/shm, tens of MiB each, until someone removes them.
            sweep_stale(_PRIVATE_PREFIX)
        publisher = Publisher(render_window, name or "%s%d-%d" % (_PRIVATE_PREFIX, os.getpid(), next(_names)))
    try:
        # A publisher of the caller's stays wired as it is unless pump= says otherwise.
        input_pump = (notebook.connect(publisher, render_window, pump)
                      if owns or pump is not None else None)
        command = [*_exit_with_us(), _find_program(program), "--shm", publisher.name(), "--bind", bind,
                   "--port", str(port), "--frame-ancestors", frame_ancestors, *args]
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
    except BaseException:
        if owns:
            publisher.close()
        raise
    try:
        control, view = _read_links(proc, timeout)
    except BaseException:
        Server._stop(proc, input_pump, publisher if owns else None)
        raise
    server = Server(proc, publisher, owns, control, view, input_pump, (max(size[0], 320) + 20, max(size[1], 240) + 60))
    return server
