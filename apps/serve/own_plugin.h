// Lets an installed vtkstream-serve find its own GStreamer plugin. meson installs the plugin to
// LIBDIR/gstreamer-1.0 under the project's prefix, which GStreamer only scans when that prefix is
// GStreamer's own (/usr); with the default /usr/local, or any other prefix, `vtksrc` would be
// missing unless every user set GST_PLUGIN_PATH.
#pragma once

namespace vtkstream::serve {

// When vtksrc is not in the registry yet, scans the plugin directory this program was installed
// with. The directory is found relative to the executable: the executable's directory must end
// with the configured BINDIR, and what comes before it (empty when installed, the staging root
// under `meson install --destdir`) is put before the configured plugin directory. A program run
// from the build tree does not match and scans nothing (there GST_PLUGIN_PATH names the build's
// plugin, as `meson devenv` and the tests set it).
void find_own_plugin();

}  // namespace vtkstream::serve
