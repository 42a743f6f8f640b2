// What sits between the sink's input tee and its RTP tee, as a launch description (STYLE item 8:
// the factory owns the launch description; Media builds and runs it). Raw video is encoded:
// the user's `encoder` description if given (raw video in, RTP out, payloader named `pay`,
// encoder optionally named `enc`), else the built-in one for the codec. VP8 or H.264 that
// arrives already encoded is only payloaded, into the same RTP the built-in encoders produce.
#pragma once

#include <gst/gst.h>

#include <string>

#include "protocol.h"

namespace vtkstream::sink {

enum class InputKind { kNone, kRaw, kVP8, kH264 };

// What the sink's properties say about encoding (sink_properties.h fills it).
struct MediaConfig {
  Codec codec = Codec::kVP8;
  std::string encoder;      // launch description raw video -> RTP; "" = default_encoder()
  int bitrate_kbps = 1200;  // the one default (vtkstream-serve --bitrate maps onto it)
  int max_kbps = 5000;      // max-bitrate: the top rung's ceiling (adapt/size_ceiling.h)
};

// The built-in encoder part for a codec.
std::string default_encoder(Codec codec, int bitrate_kbps);

// The caps a rung's scaler is held to: square pixels, at most `max_height` lines, even sizes
// only (ranges with a step of 2: H.264 at 4:2:0 refuses an odd width, and a 16:9 input's 240-line
// rung would otherwise be 427 pixels wide, which x264enc fails on). Made in code because the
// launch syntax has no way to write a range with a step. Transfer full.
GstCaps* rung_scale_caps(int max_height);
// The description for an input kind (not kNone).
std::string middle_description(InputKind kind, const MediaConfig& config);
// Builds the raw-video description once, without running it, so a mistake fails when the sink
// starts rather than at the first frame: it must parse and name its payloader `pay`. A custom
// encoder's codec is the payloader's (config->codec is set from it). False with *err.
bool check_encoder(MediaConfig* config, std::string* err);

}  // namespace vtkstream::sink
