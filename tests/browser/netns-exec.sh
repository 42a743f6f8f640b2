#!/usr/bin/env bash
# netns-exec.sh ARGS...: runs the browser $VTKSTREAM_BROWSER_BIN in the namespace
# $VTKSTREAM_BROWSER_NETNS (netns2.sh), for browsers.mjs; the automation pipe is inherited.
exec ip netns exec "$VTKSTREAM_BROWSER_NETNS" "$VTKSTREAM_BROWSER_BIN" "$@"
