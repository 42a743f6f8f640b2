// What the sink's ghost pad answers itself, before its queries reach the input tee (which would
// answer "anything" until the first caps chose the branches behind it, and only "not negotiated"
// for another kind of video later).
#pragma once

#include <gst/gst.h>

#include "media.h"

namespace vtkstream::sink {

// A live source paces itself; anything else (a file, videotestsrc is-live=false) would be
// encoded as fast as the cores allow for nobody, so the sink then syncs to the clock.
bool upstream_is_live(GstPad* pad);

// Answers CAPS / ACCEPT_CAPS on `pad` (the sink pad, template caps = what the sink takes) when
// the sink must answer itself; false: let the default handler forward the query.
bool answer_caps_query(GstPad* pad, GstQuery* query, const Media& media);

}  // namespace vtkstream::sink
