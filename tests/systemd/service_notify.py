#!/usr/bin/env python3
"""service-notify: vtkstream-serve speaks systemd's notification protocol (sd_notify(3)) and
logs to the journal natively, tested by playing systemd's part with real sockets:

* notify: NOTIFY_SOCKET names a datagram socket of ours. READY=1 must come only once the HTTP
  port answers, with a STATUS= line naming the URL; with WATCHDOG_USEC=300000, WATCHDOG=1 comes
  every 150 ms from the main loop (each gap under 300 ms); STATUS= follows the renderer's
  state and counts viewers (a WebSocket joining and leaving); SIGTERM gives STOPPING=1 and exit status 0. Without
  WATCHDOG_USEC no WATCHDOG=1 is sent. Without NOTIFY_SOCKET nothing changes (every other server
  test runs that way). Log levels: info and debug lines only with G_MESSAGES_DEBUG.
* journal: with stderr connected to the journal's stream socket (as systemd connects a service's
  stderr), diagnostics go as native journal entries (PRIORITY=, MESSAGE=, GLIB_DOMAIN=,
  SYSLOG_IDENTIFIER=) to /run/systemd/journal/socket, and not to stderr. Both sockets are the
  test's own, in a private mount namespace (unshare -m).

Every wait is a blocking receive with a deadline: no sleeps, no polling.

* watchdog-limits: a WATCHDOG_USEC too large for a millisecond timer pings once, not in a loop;
  a notification socket whose queue is full (a manager that stopped reading) neither freezes the
  main loop nor keeps SIGTERM from ending the server.
* web-stall: with the sink's web thread stopped (ptrace on that thread alone) the pings stop
  within WATCHDOG_USEC (at least 1 s) and resume when it runs again (exit 77 where ptrace is not allowed).

  service_notify.py VTKSTREAM_SERVE notify|watchdog-limits|web-stall|journal   (77: skipped)
"""
import base64
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

SERVE = os.path.abspath(sys.argv[1])
failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        failures.append(what)


def receive(sock, deadline):
    """Next datagram as text, or None once the deadline passes."""
    left = deadline - time.monotonic()
    if left <= 0:
        return None
    sock.settimeout(left)
    try:
        return sock.recv(65536).decode()
    except socket.timeout:
        return None


def start_server(env, extra_args=()):
    # --no-renderer: the pipeline waits for a renderer that never comes; the server is up anyway.
    return subprocess.Popen([SERVE, "--port", "0", "--no-auth", "--no-renderer", *extra_args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def open_websocket(url):
    """A viewer as far as the server counts them: a WebSocket on /ws (the handshake, no more)."""
    host, port = url.split("/")[2].split(":")
    conn = socket.create_connection((host, int(port)), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    conn.sendall((f"GET /ws HTTP/1.1\r\nHost: {host}:{port}\r\nOrigin: http://{host}:{port}\r\n"
                  f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                  "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = conn.recv(4096)
        if not chunk:
            break
        head += chunk
    return conn, head.split(b"\r\n", 1)[0].decode(errors="replace")


def wait_status(sock, text, deadline, seen):
    """Reads notifications until a STATUS= line containing `text` (True) or the deadline."""
    while True:
        m = receive(sock, deadline)
        if m is None:
            return False
        seen += m.splitlines()
        if any(l.startswith("STATUS=") and text in l for l in m.splitlines()):
            return True


def notify_env(path, **extra):
    env = dict(os.environ, NOTIFY_SOCKET=path)
    for var in ("WATCHDOG_USEC", "WATCHDOG_PID", "G_MESSAGES_DEBUG"):
        env.pop(var, None)
    env.update(extra)
    return env


def read_until_ready(sock, label):
    """Notifications up to READY=1; checks READY=1, the URL in STATUS= and /healthz. -> (messages, url)"""
    deadline = time.monotonic() + 30
    messages, url = [], None
    while True:
        m = receive(sock, deadline)
        if m is None:
            break
        messages.append(m)
        for line in m.splitlines():
            if line.startswith("STATUS=serving "):
                url = line.split()[1].rstrip(";")
        if "READY=1" in m.splitlines():
            break
    check(any("READY=1" in m.splitlines() for m in messages), f"{label}: READY=1 arrives ({messages})")
    check(url is not None and url.startswith("http://127.0.0.1:"), f"{label}: STATUS= names the URL ({url})")
    if url:
        # READY=1 means "the links work": the port must answer now, not a moment later.
        with urllib.request.urlopen(url.rstrip("/") + "/healthz", timeout=10) as r:
            check(r.status == 200, f"{label}: /healthz answers at READY=1")
    return messages, url


def check_ping_gaps(sock, watchdog_usec, count):
    """`count` WATCHDOG=1 pings; each gap must stay under WATCHDOG_USEC (systemd's limit) and, on
    average, not far under half of it (a busy loop of pings is a defect too). -> STATUS= lines seen"""
    times, statuses = [], []
    deadline = time.monotonic() + 10 + count * watchdog_usec / 1e6
    while len(times) < count:
        m = receive(sock, deadline)
        if m is None:
            break
        now = time.monotonic()
        times += [now] * m.splitlines().count("WATCHDOG=1")
        statuses += [l for l in m.splitlines() if l.startswith("STATUS=")]
    check(len(times) >= count, f"watchdog: WATCHDOG=1 repeats ({len(times)} pings)")
    gaps = [b - a for a, b in zip(times, times[1:])]
    limit = watchdog_usec / 1e6
    check(gaps and max(gaps) < limit, f"watchdog: every gap under WATCHDOG_USEC {limit:.3f} s ({gaps})")
    check(gaps and sum(gaps) / len(gaps) > limit / 4, f"watchdog: pings about every half interval ({gaps})")
    return statuses


def check_viewer_status(sock, url):
    """STATUS= counts viewers: one WebSocket joins, then leaves. -> STATUS= lines seen"""
    seen = []
    ws, answer = open_websocket(url)
    check(" 101 " in answer, f"viewer: WebSocket accepted ({answer})")
    check(wait_status(sock, "; 1 viewer", time.monotonic() + 10, seen), f"viewer: STATUS= says 1 viewer ({seen[-3:]})")
    ws.close()
    check(wait_status(sock, "; 0 viewers", time.monotonic() + 10, seen), f"viewer: STATUS= back to 0 viewers ({seen[-3:]})")
    return seen


def stop_server(proc, sock, label):
    """SIGTERM; checks STOPPING=1 and exit status 0. -> (notifications after SIGTERM, stdout, stderr)"""
    proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 20
    rest = []
    while True:
        m = receive(sock, deadline)
        if m is None:
            break
        rest.append(m)
        if "STOPPING=1" in m.splitlines():
            break
    check(any("STOPPING=1" in m.splitlines() for m in rest), f"{label}: STOPPING=1 on SIGTERM")
    out, err = proc.communicate(timeout=20)
    check(proc.returncode == 0, f"{label}: exit status 0 after SIGTERM ({proc.returncode}; {err[-500:]})")
    check("vtkstream-serve: open http://127.0.0.1:" in out, f"{label}: the link line is still on stdout")
    check("vtkstream-serve: renderer waiting" in err, f"{label}: the renderer's state is logged on stderr")
    return rest, out, err


def notify_test(watchdog):
    label = "watchdog" if watchdog else "no watchdog"
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "notify")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        # Without watchdog: log levels, info and debug lines too.
        env = notify_env(path, **({"WATCHDOG_USEC": "300000"} if watchdog else {"G_MESSAGES_DEBUG": "vtkstream-serve"}))
        proc = start_server(env)
        messages, url = read_until_ready(sock, label)
        statuses = []
        if watchdog and url:
            statuses += check_ping_gaps(sock, 300000, 6)
            statuses += [l for l in check_viewer_status(sock, url) if l.startswith("STATUS=")]
        else:
            # READY=1 says the links work; the renderer's first state ("waiting", as none runs)
            # may come a moment after it (since the sink warms WebRTC up before giving out its
            # links, CI saw SIGTERM land first). Wait for that STATUS= before stopping.
            seen = []
            wait_status(sock, "renderer waiting", time.monotonic() + 10, seen)
            statuses += [l for l in seen if l.startswith("STATUS=")]
        rest, out, err = stop_server(proc, sock, label)
        if not watchdog:
            check(not any("WATCHDOG=1" in m.splitlines() for m in messages + rest),
                  "no watchdog: no WATCHDOG=1 without WATCHDOG_USEC")
        statuses += [l for m in messages + rest for l in m.splitlines() if l.startswith("STATUS=")]
        check(any("renderer waiting" in s for s in statuses),
              f"{label}: STATUS= follows the renderer's state ({statuses})")
        if watchdog:
            check("debug:" not in err and "info:" not in err, "without G_MESSAGES_DEBUG: no info or debug lines")
            check("has not answered" not in err, f"watchdog: the web probe is answered ({err[-300:]})")
        else:
            check("vtkstream-serve: debug: vtkstreamsink port=0" in err and
                  "vtkstream-serve: info: told the service manager READY=1" in err,
                  f"G_MESSAGES_DEBUG=vtkstream-serve: info and debug lines ({err[-600:]})")
        sock.close()


def huge_interval_test():
    """WATCHDOG_USEC beyond what a guint of milliseconds holds (2000 * 2^32 us, about 50 days of
    pings at half of it): one ping at READY=1 and no more, not a busy loop. The viewer's STATUS=
    round trip bounds the time watched without a sleep."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "notify")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        proc = start_server(notify_env(path, WATCHDOG_USEC=str(2000 * 2**32)))
        messages, url = read_until_ready(sock, "huge WATCHDOG_USEC")
        seen = []
        if url:
            seen = check_viewer_status(sock, url)
        rest, _, _ = stop_server(proc, sock, "huge WATCHDOG_USEC")
        pings = sum(m.splitlines().count("WATCHDOG=1") for m in messages + rest) + seen.count("WATCHDOG=1")
        check(pings == 1, f"huge WATCHDOG_USEC: one ping at READY=1, no ping loop ({pings} pings)")
        sock.close()


def full_queue_test():
    """A service manager that stops reading: the notification socket's queue is full before the
    server starts (filled by the test until the kernel says EAGAIN), WATCHDOG_USEC=2000 asks for
    a ping every millisecond. The server must keep serving and end promptly on SIGTERM: sending a
    notification must never block its main loop."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "notify")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        filler = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        filler.setblocking(False)
        queued = 0
        try:
            while True:
                filler.sendto(b"X", path)
                queued += 1
        except BlockingIOError:
            pass
        check(queued > 0, f"full queue: the test filled the socket ({queued} datagrams)")
        proc = start_server(notify_env(path, WATCHDOG_USEC="2000"))
        line = proc.stdout.readline()
        check(line.startswith("vtkstream-serve: open http://127.0.0.1:"), f"full queue: the server starts ({line!r})")
        if line.startswith("vtkstream-serve: open "):
            url = line.split()[2]
            with urllib.request.urlopen(url.split("?")[0].split("#")[0].rstrip("/") + "/healthz", timeout=10) as r:
                check(r.status == 200, "full queue: /healthz answers")
        proc.send_signal(signal.SIGTERM)
        try:
            _, err = proc.communicate(timeout=10)
            check(proc.returncode == 0, f"full queue: SIGTERM ends the server, status 0 ({proc.returncode})")
            check("does not take notifications" in err, f"full queue: the dropping is logged once ({err[-300:]})")
            check(err.count("does not take notifications") == 1, "full queue: logged only once")
        except subprocess.TimeoutExpired:
            check(False, "full queue: SIGTERM ends the server within 10 s (it is stuck sending)")
            proc.kill()
            proc.communicate()
        filler.close()
        sock.close()


def stopped_thread(pid, name):
    """Stops one thread of `pid` (by its name) with ptrace (PTRACE_SEIZE + PTRACE_INTERRUPT stop
    that thread only; SIGSTOP would stop them all). -> a function that lets it go again."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
    tids = [t for t in os.listdir(f"/proc/{pid}/task")
            if open(f"/proc/{pid}/task/{t}/comm").read().strip() == name]
    if len(tids) != 1:
        raise RuntimeError(f"expected one thread named {name}: {tids}")
    tid = int(tids[0])
    PTRACE_SEIZE, PTRACE_INTERRUPT, PTRACE_DETACH, WALL = 0x4206, 0x4207, 17, 0x40000000
    for req in (PTRACE_SEIZE, PTRACE_INTERRUPT):
        if libc.ptrace(req, tid, None, None) != 0:
            print(f"SKIP: ptrace {req:#x} on thread {tid}: {os.strerror(ctypes.get_errno())}")
            os.kill(pid, signal.SIGKILL)
            sys.exit(77)  # meson's "skipped": this system does not let us stop one thread
    os.waitpid(tid, WALL)  # returns once the thread is in its stop
    return lambda: libc.ptrace(PTRACE_DETACH, tid, None, None)


def web_stall_test():
    """The web side (the sink's own thread, which serves HTTP and WebSockets) stops while the main
    loop turns: the pings must stop within WATCHDOG_USEC, so systemd would restart the server,
    and come back once the thread runs again."""
    usec = 300000
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "notify")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        proc = start_server(notify_env(path, WATCHDOG_USEC=str(usec)))
        read_until_ready(sock, "web stall")
        check_ping_gaps(sock, usec, 3)  # the probe answers: pings flow
        resume = stopped_thread(proc.pid, "vtkstreamsink")
        stopped_at = time.monotonic()
        # The server tolerates a silent web side for WATCHDOG_USEC, but at least 1 s (a round
        # trip must fit). Watched for 3 s (10 intervals): pings due from answers before the stop
        # may come in the first second, then none.
        late, deadline = [], stopped_at + 3
        while True:
            m = receive(sock, deadline)
            if m is None:
                break
            late += [time.monotonic() - stopped_at] * m.splitlines().count("WATCHDOG=1")
        check(all(t < 1.5 for t in late),
              f"web stall: no WATCHDOG=1 once the web thread is stopped for a second ({late})")
        resume()
        back = False
        deadline = time.monotonic() + 10
        while not back:
            m = receive(sock, deadline)
            if m is None:
                break
            back = "WATCHDOG=1" in m.splitlines()
        check(back, "web stall: pings come back once the web thread runs again")
        _, _, err = stop_server(proc, sock, "web stall")
        check("has not answered /healthz" in err, f"web stall: the stop is logged ({err[-300:]})")
        sock.close()


JOURNAL_CHILD = r"""
import os, socket, subprocess, sys
# In our own mount namespace: a private /run/systemd/journal with our sockets in it. GLib takes
# stderr for the journal when it is a socket connected to one under /run/systemd/journal/ (as
# systemd's stdout stream is), and then sends entries to /run/systemd/journal/socket.
os.makedirs("/run/systemd/journal", exist_ok=True)
subprocess.run(["mount", "-t", "tmpfs", "tmpfs", "/run/systemd/journal"], check=True)
entries = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
entries.bind("/run/systemd/journal/socket")
stream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
stream.bind("/run/systemd/journal/stdout")
stream.listen(1)
stderr = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
stderr.connect("/run/systemd/journal/stdout")
peer, _ = stream.accept()
env = dict(os.environ)
env.pop("NOTIFY_SOCKET", None)
# A bad --codec is a usage error: one critical entry, exit status 2.
proc = subprocess.Popen([sys.argv[1], "--port", "0", "--no-auth", "--codec", "vp9"],
                        env=env, stderr=stderr.fileno(), stdout=subprocess.DEVNULL)
stderr.close()
entries.settimeout(20)
entry = entries.recv(65536).decode(errors="replace")
proc.wait(timeout=20)
peer.settimeout(20)
text = b""
while True:  # until the server's end closes (it has exited)
    chunk = peer.recv(65536)
    if not chunk:
        break
    text += chunk
print(repr(entry))
print("STDERR:" + repr(text.decode(errors="replace")))
print("STATUS:%d" % proc.returncode)
"""


def journal_test():
    if os.geteuid() != 0 or subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode != 0:
        print("SKIP: the journal test needs root and unshare -m")
        sys.exit(77)  # meson's "skipped"
    res = subprocess.run(["unshare", "-m", "--propagation", "private", sys.executable, "-c", JOURNAL_CHILD, SERVE],
                         capture_output=True, text=True, timeout=60)
    out = res.stdout
    check(res.returncode == 0, f"journal: the namespace helper ran ({res.stderr[-500:]})")
    check("PRIORITY=3" in out and "PRIORITY=4" not in out and "GLIB_DOMAIN=vtkstream-serve" in out and
          "MESSAGE=--codec must be vp8 or h264" in out,
          f"journal: a usage error is a native journal entry with priority 3, err ({out[:400]})")
    check("SYSLOG_IDENTIFIER=vtkstream-serve" in out, "journal: the entry names the program")
    check("STDERR:''" in out, "journal: nothing goes to stderr when it is the journal")
    check("STATUS:2" in out, "journal: the exit status stays 2")


TESTS = {
    "notify": lambda: (notify_test(watchdog=True), notify_test(watchdog=False)),
    "watchdog-limits": lambda: (huge_interval_test(), full_queue_test()),
    "web-stall": web_stall_test,
    "journal": journal_test,
}
TESTS[sys.argv[2]]()
print(f"service-{sys.argv[2]}: {len(failures)} failure(s)")
sys.exit(1 if failures else 0)
