#!/usr/bin/env python3
"""Cost per published frame: a python3-vtk9 program through the binding vs the same program
through the C++ API, side by side in one run (docs/performance.md, "Python binding").

    /usr/bin/python3 bench/python/compare.py [--build build] [--rounds 5] [--frames 300]
        [--size 640x480 --size 1280x720]

Each round runs bench-publish-cpp and bench_publish.py once per size, alternating which goes
first, each with examples/ring-reader attached so that every frame is read back and published.
Prints each run and then, per size, the median over rounds of each program's median publish()
and whole-frame (camera step + Render + publish) cost, in process CPU time (what decides on a
loaded machine) and wall time, the Python/C++ ratios, and the time of a trivial call (what the
language adds per call, apart from the work). Needs an X display for VTK's window (re-runs itself under xvfb-run -a
when there is none). Run it with the Python that has python3-vtk9 (Debian's /usr/bin/python3).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def run_one(lang, build, size, frames, name):
    reader = subprocess.Popen([os.path.join(build, "examples", "ring-reader"), "--shm", name,
                               "--frames", "1000000000", "--timeout", "120"],
                              stdout=subprocess.DEVNULL)
    try:
        if lang == "c++":
            cmd = [os.path.join(build, "bench", "python", "bench-publish-cpp")]
        else:
            cmd = [sys.executable, os.path.join(HERE, "bench_publish.py")]
        env = dict(os.environ, PYTHONPATH=os.path.join(build, "python"))
        out = subprocess.run(cmd + ["--shm", name, "--size", size, "--frames", str(frames)],
                             env=env, check=True, stdout=subprocess.PIPE, text=True).stdout
        return json.loads(out.strip().splitlines()[-1])
    finally:
        reader.terminate()  # our child, by pid
        reader.wait()


def main():
    if not os.environ.get("DISPLAY") and shutil.which("xvfb-run"):
        os.execvp("xvfb-run", ["xvfb-run", "-a", sys.executable] + sys.argv)
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(REPO, "build"))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--size", action="append")
    a = ap.parse_args()
    sizes = a.size or ["640x480", "1280x720"]
    build = os.path.abspath(a.build)
    results = {}
    for r in range(a.rounds):
        for size in sizes:
            order = ["c++", "python"] if r % 2 == 0 else ["python", "c++"]
            for lang in order:
                name = "bench-python-%d-%d-%s" % (os.getpid(), r, lang.replace("+", "p"))
                res = run_one(lang, build, size, a.frames, name)
                print(json.dumps(res), flush=True)
                results.setdefault((size, lang), []).append(res)
    print()
    keys = ("publish_cpu", "frame_cpu", "publish", "frame")
    print("median over rounds of each run's median, ms per frame (cpu: process CPU time; wall: elapsed)")
    print("%-9s %-8s %11s %11s %11s %11s %9s" % ("size", "program", "publish cpu", "frame cpu",
                                                 "publish wall", "frame wall", "call us"))
    for size in sizes:
        med = {}
        for lang in ("c++", "python"):
            runs = results[(size, lang)]
            med[lang] = {k: statistics.median(x[k + "_median_s"] for x in runs) * 1e3 for k in keys}
            med[lang]["call"] = statistics.median(x["call_s"] for x in runs) * 1e6
            print("%-9s %-8s %11.3f %11.3f %11.3f %11.3f %9.3f" % (
                (size, lang) + tuple(med[lang][k] for k in keys) + (med[lang]["call"],)))
        print("%-9s %-8s" % (size, "py/c++") + "".join(
            " %10.1f%%" % (100 * (med["python"][k] / med["c++"][k] - 1)) for k in keys))

if __name__ == "__main__":
    main()
