"""`vtksrc ! appsink` through PyGObject: the real element reading the ring the binding writes,
and sending navigation events upstream to it as a video sink would."""
import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstApp", "1.0")
gi.require_version("GstVideo", "1.0")
from gi.repository import Gst, GstApp, GstVideo  # noqa: E402,F401

import numpy  # noqa: E402  (python3-vtk9 depends on it)

Gst.init(None)
NONE = GstVideo.NavigationModifierType.NONE
BUTTON1 = GstVideo.NavigationModifierType.BUTTON1_MASK


class Frame:
    def __init__(self, sample):
        s = sample.get_caps().get_structure(0)
        self.width, self.height = s.get_value("width"), s.get_value("height")
        buf = sample.get_buffer()
        ok, info = buf.map(Gst.MapFlags.READ)
        assert ok
        try:
            stride = len(info.data) // self.height
            rows = numpy.frombuffer(info.data, dtype=numpy.uint8).reshape(self.height, stride)
            self.pixels = rows[:, :self.width * 4].reshape(self.height, self.width, 4).copy()
        finally:
            buf.unmap(info)

    def changed_fraction(self, other):
        if (self.width, self.height) != (other.width, other.height):
            return 1.0
        return float(numpy.any(self.pixels != other.pixels, axis=2).mean())

    def variance(self):
        return float(self.pixels[:, :, :3].astype(numpy.float64).var())


class VtksrcReader:
    def __init__(self, name):
        self.pipeline = Gst.parse_launch(
            "vtksrc shm-name=%s ! video/x-raw,format=RGBA ! appsink name=sink sync=false "
            "max-buffers=1 drop=true" % name)
        self.sink = self.pipeline.get_by_name("sink")
        self.pipeline.set_state(Gst.State.PLAYING)

    def pull(self, timeout_s):
        """The next frame, or None after timeout_s (a blocking pull, no polling)."""
        sample = self.sink.try_pull_sample(int(timeout_s * Gst.SECOND))
        return Frame(sample) if sample else None

    def send(self, event):
        assert self.sink.get_static_pad("sink").push_event(event)

    def drag(self, x, y, dx, steps=12):
        """A left-button drag from (x, y) dx pixels to the right, in frame pixels."""
        nav = GstVideo.Navigation
        self.send(nav.event_new_mouse_move(x, y, NONE))
        self.send(nav.event_new_mouse_button_press(1, x, y, NONE))
        for i in range(1, steps + 1):
            self.send(nav.event_new_mouse_move(x + dx * i / steps, y, BUTTON1))
        self.send(nav.event_new_mouse_button_release(1, x + dx, y, BUTTON1))

    def errors(self):
        bus = self.pipeline.get_bus()
        out = []
        while True:
            msg = bus.pop_filtered(Gst.MessageType.ERROR)
            if not msg:
                return out
            out.append(msg.parse_error()[0].message)

    def close(self):
        self.pipeline.set_state(Gst.State.NULL)
