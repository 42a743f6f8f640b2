#include "still_encode.h"

#include <gst/video/video.h>
#include <webp/encode.h>

namespace vtkstream::sink {

namespace {

// RGB-ordered layouts libwebp imports directly; anything else is converted to RGBA first.
using Import = int (*)(WebPPicture*, const uint8_t*, int);
Import importer(GstVideoFormat f) {
  switch (f) {
    case GST_VIDEO_FORMAT_RGB: return WebPPictureImportRGB;
    case GST_VIDEO_FORMAT_BGR: return WebPPictureImportBGR;
    case GST_VIDEO_FORMAT_RGBA: return WebPPictureImportRGBA;
    case GST_VIDEO_FORMAT_BGRA: return WebPPictureImportBGRA;
    case GST_VIDEO_FORMAT_RGBx: return WebPPictureImportRGBX;
    case GST_VIDEO_FORMAT_BGRx: return WebPPictureImportBGRX;
    default: return nullptr;
  }
}

GBytes* encode_frame(const GstVideoFrame& frame, Import import, const StillFormat& format, std::string* err) {
  WebPConfig config;
  // The preset webpenc uses by default ("photo"), which the measurements used.
  if (!WebPConfigPreset(&config, WEBP_PRESET_PHOTO, format.lossless ? 0.0f : float(format.quality))) {
    *err = "libwebp: incompatible library version";
    return nullptr;
  }
  if (format.lossless) {
    config.lossless = 1;
    config.method = 0;  // with quality 0: the fastest effort (still_encode.h)
  }
  if (format.method >= 0) config.method = format.method;
  config.use_sharp_yuv = format.sharp;  // lossy: applies to ARGB input only, hence use_argb below
  WebPPicture pic;
  WebPPictureInit(&pic);
  pic.use_argb = 1;
  pic.width = GST_VIDEO_FRAME_WIDTH(&frame);
  pic.height = GST_VIDEO_FRAME_HEIGHT(&frame);
  WebPMemoryWriter out;
  WebPMemoryWriterInit(&out);
  pic.writer = WebPMemoryWrite;
  pic.custom_ptr = &out;
  GBytes* bytes = nullptr;
  if (!import(&pic, static_cast<const uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0)),
              GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0))) {
    *err = "libwebp: cannot import the frame (out of memory?)";
  } else if (!WebPEncode(&config, &pic)) {
    *err = "libwebp: encoding failed, error " + std::to_string(int(pic.error_code));
  } else {
    bytes = g_bytes_new(out.mem, out.size);
  }
  WebPMemoryWriterClear(&out);
  WebPPictureFree(&pic);
  return bytes;
}

}  // namespace

GBytes* encode_still(GstSample* sample, const StillFormat& format, std::string* err) {
  GstVideoInfo vi;
  GstCaps* caps = gst_sample_get_caps(sample);
  if (!caps || !gst_video_info_from_caps(&vi, caps) || !gst_sample_get_buffer(sample)) {
    *err = "the still is not raw video";
    return nullptr;
  }
  if (vi.width > WEBP_MAX_DIMENSION || vi.height > WEBP_MAX_DIMENSION) {
    *err = "the still is larger than WebP allows (" + std::to_string(WEBP_MAX_DIMENSION) + " pixels a side)";
    return nullptr;
  }
  GstSample* rgb = nullptr;
  Import import = importer(GST_VIDEO_INFO_FORMAT(&vi));
  if (!import) {  // e.g. a camera's I420: videoconvert's own pipeline, bounded in time
    GstCaps* want = gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "RGBA", "width", G_TYPE_INT,
                                        vi.width, "height", G_TYPE_INT, vi.height, nullptr);
    GError* gerr = nullptr;
    rgb = gst_video_convert_sample(sample, want, 10 * GST_SECOND, &gerr);
    gst_caps_unref(want);
    if (!rgb) {
      *err = std::string("cannot convert the still to RGBA: ") + (gerr ? gerr->message : "unknown error");
      g_clear_error(&gerr);
      return nullptr;
    }
    gst_video_info_from_caps(&vi, gst_sample_get_caps(rgb));
    import = WebPPictureImportRGBA;
  }
  GstVideoFrame frame;
  GBytes* bytes = nullptr;
  if (gst_video_frame_map(&frame, &vi, gst_sample_get_buffer(rgb ? rgb : sample), GST_MAP_READ)) {
    bytes = encode_frame(frame, import, format, err);
    gst_video_frame_unmap(&frame);
  } else {
    *err = "cannot map the still's buffer";
  }
  if (rgb) gst_sample_unref(rgb);
  return bytes;
}

}  // namespace vtkstream::sink
