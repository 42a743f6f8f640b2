"""interactive_size_cap(): the largest size to render at while someone interacts, as the server
sends it (a vtkstream-interactive-cap event upstream into a real vtksrc, which writes the record
the binding's Publisher applies). The record is a setting, not input: process_input() says
nothing changed and last_input_seq() stays. A publisher that replaces the first one on the same
name gets the cap again from vtksrc without a new event."""
import time

from gi.repository import Gst

import vtkstream
from gst_reader import VtksrcReader


def cap_event(width, height):
    s = Gst.Structure.new_from_string(
        "vtkstream-interactive-cap, width=(uint)%d, height=(uint)%d" % (width, height))
    return Gst.Event.new_custom(Gst.EventType.CUSTOM_UPSTREAM, s)


def wait_for_cap(pub, want, timeout_s=20):
    """Applies input as it arrives (a futex wait, no polling) until the cap is `want`. Returns
    whether any record applied claimed to change the picture."""
    changed = False
    deadline = time.monotonic() + timeout_s
    while pub.interactive_size_cap() != want and time.monotonic() < deadline:
        pub.wait_input(int(max(deadline - time.monotonic(), 0.01) * 1000))
        changed |= pub.process_input()
    assert pub.interactive_size_cap() == want
    return changed


def test_cap_follows_the_event_and_is_not_input(scene, shm_name):
    pub = vtkstream.Publisher(scene.window, name=shm_name)
    pub.set_interactor(scene.iren)
    scene.window.Render()
    assert pub.publish()
    assert pub.interactive_size_cap() is None
    reader = VtksrcReader(shm_name)
    try:
        assert reader.pull(30) is not None, "vtksrc got no frame"
        seq = pub.last_input_seq()
        reader.send(cap_event(4096, 120))
        assert not wait_for_cap(pub, (4096, 120)), "a cap record claimed to change the picture"
        assert pub.last_input_seq() == seq, "a cap record counted as input"
        assert tuple(scene.window.GetSize()) == (320, 240), "the cap resized the window"

        reader.send(cap_event(0, 0))  # the controller moved to the top rung
        wait_for_cap(pub, None)

        # vtksrc refuses what the contract excludes; the last good cap stays.
        reader.send(cap_event(160, 90))
        wait_for_cap(pub, (160, 90))
        bad = Gst.Event.new_custom(Gst.EventType.CUSTOM_UPSTREAM, Gst.Structure.new_from_string(
            "vtkstream-interactive-cap, width=(uint)8, height=(uint)5000"))
        assert not reader.sink.get_static_pad("sink").push_event(bad)
        assert pub.interactive_size_cap() == (160, 90)

        # A new renderer on the same name: vtksrc gives it the last cap by itself.
        pub.close()
        pub = vtkstream.Publisher(scene.window, name=shm_name)
        scene.window.Render()
        pub.publish()
        assert pub.interactive_size_cap() is None
        wait_for_cap(pub, (160, 90))
        assert reader.errors() == []
    finally:
        reader.close()
        pub.close()
