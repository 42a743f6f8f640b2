#!/usr/bin/env python3
"""The Python half of bench/python/compare.py: bench_publish.cpp's scene and loop written
against the binding (python3-vtk9 + `import vtkstream`). Same arguments, same JSON line."""
import argparse
import json
import statistics
import sys
import time

from vtkmodules.vtkFiltersSources import vtkConeSource
from vtkmodules.vtkRenderingCore import vtkActor, vtkPolyDataMapper, vtkRenderer, vtkRenderWindow
import vtkmodules.vtkRenderingOpenGL2  # noqa: F401

import vtkstream


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shm", required=True)
    ap.add_argument("--size", default="640x480")
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--warmup", type=int, default=30)
    a = ap.parse_args()
    w, h = (int(v) for v in a.size.split("x"))

    cone = vtkConeSource()
    cone.SetResolution(48)
    mapper = vtkPolyDataMapper()
    mapper.SetInputConnection(cone.GetOutputPort())
    actor = vtkActor()
    actor.SetMapper(mapper)
    renderer = vtkRenderer()
    renderer.AddActor(actor)
    renderer.SetBackground(0.1, 0.2, 0.3)
    window = vtkRenderWindow()
    window.SetOffScreenRendering(1)
    window.SetMultiSamples(0)
    window.SetSize(w, h)
    window.AddRenderer(renderer)

    pub = vtkstream.Publisher(window, name=a.shm)
    window.Render()
    pub.publish()
    # As in the C++ half: no notification exists for a reader attaching; start-up only.
    t_wait = time.monotonic()
    while not pub.has_viewers():
        if time.monotonic() - t_wait > 20:
            sys.exit("bench_publish.py: no reader attached to '%s'" % a.shm)
        time.sleep(0.01)
    camera = renderer.GetActiveCamera()
    publish_s, frame_s, publish_cpu_s, frame_cpu_s = [], [], [], []
    clock = time.perf_counter
    cpu = time.process_time  # CLOCK_PROCESS_CPUTIME_ID, as in the C++ half
    for i in range(a.warmup + a.frames):
        t0, c0 = clock(), cpu()
        camera.Azimuth(1)
        window.Render()
        t1, c1 = clock(), cpu()
        if not pub.publish():
            sys.exit("bench_publish.py: frame %d not published: %s" % (i, pub.last_error()))
        c2, t2 = cpu(), clock()
        if i >= a.warmup:
            publish_s.append(t2 - t1)
            frame_s.append(t2 - t0)
            publish_cpu_s.append(c2 - c1)
            frame_cpu_s.append(c2 - c0)
    calls = 200000
    has_viewers = pub.has_viewers
    tc = clock()
    for _ in range(calls):
        has_viewers()
    out = {"lang": "python", "size": a.size, "frames": a.frames, "call_s": (clock() - tc) / calls}
    for key, v in (("publish", publish_s), ("frame", frame_s), ("publish_cpu", publish_cpu_s),
                   ("frame_cpu", frame_cpu_s)):
        out[key + "_median_s"] = statistics.median(v)
        out[key + "_mean_s"] = statistics.fmean(v)
    print(json.dumps(out))
    pub.close()


if __name__ == "__main__":
    main()
