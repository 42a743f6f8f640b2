// vtkstream._vtkstream: libvtkstream's Publisher for python3-vtk9 programs. Only the public C++
// API (vtkstream/publisher.h, vtkstream/shm.h) is used, so the binding is a client of the
// installed library like any other program. Method names are the C++ ones in snake_case; the
// Python package (vtkstream/__init__.py) re-exports the class and adds serve().
//
// Threads and the GIL: every method runs on the caller's thread with the GIL held, because
// applying input and publishing call into VTK, whose Python observers need it; that is also the
// C++ rule (everything on the window's thread). Only wait_input() releases the GIL while it
// sleeps, and wake(), the one method safe from any thread, needs no VTK at all.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <vtkRenderWindow.h>
#include <vtkRenderWindowInteractor.h>

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "vtkstream/publisher.h"
#include "vtkstream/shm.h"
#include "window_arg.h"

namespace py = pybind11;

namespace vtkstream::python {
namespace {

// The C++ publisher plus the Python objects it points at: the C++ side holds only weak
// pointers, so keeping the Python window and interactor alive here makes publish() keep
// working for as long as the Python publisher exists (a program that drops its own reference
// to the window still gets frames).
class PyPublisher {
 public:
  // slots is taken as a Python int of any size so that -1 or 2**40 get the ValueError below,
  // not pybind11's "incompatible constructor arguments".
  PyPublisher(py::object window, const std::string& name, py::int_ slots, py::int_ input_interval_ms,
              bool allow_resize, std::vector<std::string> extra_keys) {
    auto* w = static_cast<vtkRenderWindow*>(vtk_pointer(window, "vtkRenderWindow", "render_window"));
    // Said here: the library's message quotes the name, and Python's C-string error message
    // would end at the NUL.
    if (name.find('\0') != std::string::npos)
      throw py::value_error("name: a shared-memory name cannot contain a NUL character");
    std::string err;
    const std::string key = shm::posix_name(name, &err);
    if (key.empty()) throw py::value_error("name: " + err);
    if (slots < py::int_(3) || slots > py::int_(16))
      throw py::value_error("slots must be between 3 and 16");
    // The library takes anything below 1 ms as 1 ms: a 1 kHz timer nobody asked for.
    if (input_interval_ms < py::int_(1) || input_interval_ms > py::int_(3'600'000))
      throw py::value_error("input_interval_ms must be between 1 and 3600000");
    // The library refuses a name another live process publishes, but lets its own process
    // replace the ring (a restart); two live Publishers of one program would then take the
    // name from each other at every frame, each "repairing" the other's overwrite.
    if (names_in_use().count(key))
      throw py::value_error("name: this program is already publishing as '" + name +
                            "'; close that Publisher or pick another name");
    Publisher::Options options;
    options.slots = slots.cast<uint32_t>();
    options.input_interval_ms = input_interval_ms.cast<int>();
    options.allow_resize = allow_resize;
    options.extra_keys = std::move(extra_keys);
    pub_ = Publisher::create(name, w, options, &err);
    if (!pub_) {
      // The name was valid, so this is the system refusing the shared-memory object.
      PyErr_SetString(PyExc_OSError, ("vtkstream: " + err).c_str());
      throw py::error_already_set();
    }
    window_ = std::move(window);
    key_ = key;
    names_in_use().insert(key_);
  }

  ~PyPublisher() { close(); }

  Publisher& get() {
    check_process();
    if (!pub_ || closing_) throw py::value_error("the publisher is closed");
    return *pub_;
  }

  void attach_interactor(py::object iren) {
    get().AttachInteractor(interactor_arg(iren));
    iren_ = std::move(iren);
  }
  void set_interactor(py::object iren) {
    get().SetInteractor(interactor_arg(iren));
    iren_ = std::move(iren);
  }

  // The GIL is released while the futex sleeps. close() may then run on another thread: it
  // waits (see close()) until this call has left the Publisher. Ctrl-C ends the sleep early
  // (the library returns on a signal) and raises KeyboardInterrupt here.
  bool wait_input(int timeout_ms) {
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    Publisher& p = get();
    bool woke;
    {
      std::lock_guard lock(mutex_);
      ++waiters_;
    }
    {
      py::gil_scoped_release unlocked;
      woke = p.WaitInput(timeout_ms);
      std::lock_guard lock(mutex_);
      if (--waiters_ == 0) left_.notify_all();
    }
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    return woke;
  }

  // Removes the observers and the ring (readers see the writer leave). Idempotent.
  void close() {
    if (!pub_) return;
    if (getpid() != owner_pid_) {
      // A forked child: the ring, the observers and the writer's heartbeat thread are the
      // parent's (the thread does not even exist here; joining it would hang). Let go of the
      // C++ object without running its destructor.
      (void)pub_.release();
    } else {
      closing_ = true;  // get() refuses new calls from here on
      wait_for_waiters();
      names_in_use().erase(key_);
      pub_.reset();
    }
    closing_ = false;
    iren_ = py::none();
    window_ = py::none();
  }
  bool closed() const { return !pub_; }

 private:
  // None is allowed: attach_interactor(None) only publishes after each render.
  static vtkRenderWindowInteractor* interactor_arg(const py::object& iren) {
    if (iren.is_none()) return nullptr;
    return static_cast<vtkRenderWindowInteractor*>(
        vtk_pointer(iren, "vtkRenderWindowInteractor", "interactor"));
  }

  static std::set<std::string>& names_in_use() {
    static std::set<std::string> names;  // guarded by the GIL
    return names;
  }

  void check_process() const {
    if (getpid() != owner_pid_)
      throw std::runtime_error("this Publisher belongs to process " +
                               std::to_string(owner_pid_) +
                               "; a fork cannot use it (make a new one, with another name)");
  }

  // Threads sleeping in wait_input() use the ring: wake them and wait, without the GIL (they
  // need it to return), until they are out. Wake() is lost when it lands just before a waiter
  // reads the futex word, hence the retry every 50 ms.
  void wait_for_waiters() {
    {
      std::lock_guard lock(mutex_);
      if (waiters_ == 0) return;
    }
    py::gil_scoped_release unlocked;
    std::unique_lock lock(mutex_);
    while (waiters_ > 0) {
      pub_->Wake();
      left_.wait_for(lock, std::chrono::milliseconds(50));
    }
  }

  py::object window_ = py::none();
  py::object iren_ = py::none();
  std::string key_;
  const pid_t owner_pid_ = getpid();
  bool closing_ = false;
  std::mutex mutex_;
  std::condition_variable left_;
  int waiters_ = 0;  // threads in wait_input(), under mutex_
  // Declared last, destroyed first: the observers come off while the window still exists.
  std::unique_ptr<Publisher> pub_;
};

}  // namespace
}  // namespace vtkstream::python

PYBIND11_MODULE(_vtkstream, m) {
  using vtkstream::python::PyPublisher;
  m.doc() = "libvtkstream for python3-vtk9: publish a VTK render window to vtkstream viewers";

  m.def("sweep_stale", &vtkstream::shm::sweep_stale, py::arg("prefix"),
        "Removes the rings whose name starts with PREFIX and whose writer process is gone "
        "(killed before it could remove its own). Returns their names.");

  py::class_<PyPublisher>(m, "Publisher", R"(Publishes a VTK render window through the vtkstream
shared-memory ring NAME, for vtksrc / vtkstream-serve (`vtkstream-serve --shm NAME`).

Nothing waits for a viewer: publish() reads the window back into a free slot and returns; with
no reader attached it skips the readback. Remote input is applied only by process_input() (or
the timer attach_interactor() installs), on the calling thread. Use it from the thread that
renders the window; wake() is the one method safe from any thread.

Raises TypeError for a render_window that is not a vtkRenderWindow, ValueError for a bad name,
OSError when the shared-memory object cannot be created.)")
      .def(py::init<py::object, const std::string&, py::int_, py::int_, bool, std::vector<std::string>>(),
           py::arg("render_window"), py::arg("name") = "vtkstream", py::arg("slots") = 4,
           py::arg("input_interval_ms") = 15, py::arg("allow_resize") = true,
           py::arg("extra_keys") = std::vector<std::string>{})
      .def("publish", [](PyPublisher& s, bool still) { return s.get().Publish(still); },
           py::arg("still") = false,
           "Reads the last rendered image back and publishes it. True when a frame was published; "
           "False when skipped (no viewer) or on error (last_error()).")
      .def("attach_interactor", &PyPublisher::attach_interactor, py::arg("interactor"),
           "Publish after every render and apply remote input from a repeating timer of the "
           "interactor. Call before interactor.Start().")
      .def("set_interactor", &PyPublisher::set_interactor, py::arg("interactor"),
           "Names the interactor process_input() drives; installs no observer or timer.")
      .def("process_input", [](PyPublisher& s) { return s.get().ProcessInput(); },
           "Applies queued remote input to the interactor. True when the scene may have changed "
           "(render, then publish).")
      .def("wait_input", &PyPublisher::wait_input, py::arg("timeout_ms"),
           "Sleeps (without the GIL) until input arrives, wake() or timeout_ms (< 0: no limit).")
      .def("wake", [](PyPublisher& s) { s.get().Wake(); }, "Breaks a wait_input(); any thread.")
      .def("has_viewers", [](PyPublisher& s) { return s.get().HasViewers(); })
      .def("publish_pending", [](PyPublisher& s) { return s.get().PublishPending(); })
      .def("interacting", [](PyPublisher& s) { return s.get().Interacting(); })
      .def("interaction_active", [](PyPublisher& s) { return s.get().InteractionActive(); })
      .def("interaction_starts", [](PyPublisher& s) { return s.get().InteractionStarts(); })
      .def("size_pinned",
           [](PyPublisher& s) -> std::optional<std::pair<int, int>> {
             int w = 0, h = 0;
             if (!s.get().SizePinned(&w, &h)) return std::nullopt;
             return std::make_pair(w, h);
           },
           "(width, height) while downstream pins an exact size, else None.")
      .def("interactive_size_cap",
           [](PyPublisher& s) -> std::optional<std::pair<int, int>> {
             int w = 0, h = 0;
             if (!s.get().InteractiveSizeCap(&w, &h)) return std::nullopt;
             return std::make_pair(w, h);
           },
           "(width, height): the largest size to render at while interacting (the server's rung for the "
           "viewer in control; keep the aspect, render the still full size), else None.")
      .def("last_input_seq", [](PyPublisher& s) { return s.get().LastInputSeq(); })
      .def("frames_published", [](PyPublisher& s) { return s.get().FramesPublished(); })
      .def("name", [](PyPublisher& s) { return s.get().Name(); })
      .def("last_error", [](PyPublisher& s) { return s.get().LastError(); })
      .def("close", &PyPublisher::close, "Stops publishing and removes the ring. Idempotent.")
      .def_property_readonly("closed", &PyPublisher::closed)
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](PyPublisher& s, py::args) { s.close(); })
      .def("__repr__", [](PyPublisher& s) {
        if (s.closed()) return std::string("<vtkstream.Publisher (closed)>");
        return "<vtkstream.Publisher name='" + s.get().Name() + "' frames_published=" +
               std::to_string(s.get().FramesPublished()) + ">";
      });
}
