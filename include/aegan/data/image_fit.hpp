#pragma once
// Fitting a decoded image to a dataset's C×S×S layout: alpha composited over a background colour,
// grey or RGB, made square (centre crop or padding), then resampled with stb_image_resize's
// default filters (Mitchell when shrinking, Catmull-Rom when enlarging) in sRGB space, so that
// shrinking a photo does not darken its edges.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <stb_image_resize.h>

#include "aegan/data/image_decode.hpp"
#include "aegan/error.hpp"

namespace aegan::data {

/// How a non-square image becomes square: keep the centre square, or pad the short side with the
/// background colour (keeps the whole picture).
enum class ImageFit { CenterCrop, Pad };

struct Rgb {
  std::uint8_t r = 255, g = 255, b = 255;
};

/// What every image of a dataset becomes: `channels` (1 grey, 3 RGB) × size × size.
struct ImageLayout {
  Index channels = 3, size = 64;
  Rgb background;  // under transparent pixels, and the padding of ImageFit::Pad
  ImageFit fit = ImageFit::CenterCrop;

  void validate(const std::string& who) const {
    if (channels != 1 && channels != 3) throw ValueError(who + ": channels must be 1 (grey) or 3 (RGB), got " + std::to_string(channels));
    if (size < 1 || size > 4096) throw ValueError(who + ": image size must be in 1..4096, got " + std::to_string(size));
  }
};

namespace detail {

/// ITU-R BT.601 luma in integers: exact for grey pixels (the weights sum to 256).
inline std::uint8_t luma(int r, int g, int b) { return static_cast<std::uint8_t>((77 * r + 150 * g + 29 * b + 128) >> 8); }

inline int over(int colour, int alpha, int background) { return (colour * alpha + background * (255 - alpha) + 127) / 255; }

/// Bytes of `count` pixels of `channels` each, as a size_t (callers keep counts within limits).
inline std::size_t pixel_bytes(Index count, Index channels) { return static_cast<std::size_t>(count) * static_cast<std::size_t>(channels); }

/// The RGBA image over `background`, as `channels` interleaved bytes per pixel.
inline std::vector<std::uint8_t> flatten_alpha(const RgbaImage& image, Index channels, Rgb background) {
  const Index n = static_cast<Index>(image.width) * image.height;
  std::vector<std::uint8_t> out(pixel_bytes(n, channels));
  const std::uint8_t* p = image.rgba.data();
  for (Index i = 0; i < n; ++i, p += 4) {
    const int r = over(p[0], p[3], background.r), g = over(p[1], p[3], background.g), b = over(p[2], p[3], background.b);
    std::uint8_t* q = out.data() + pixel_bytes(i, channels);
    if (channels == 1) {
      q[0] = luma(r, g, b);
    } else {
      q[0] = static_cast<std::uint8_t>(r);
      q[1] = static_cast<std::uint8_t>(g);
      q[2] = static_cast<std::uint8_t>(b);
    }
  }
  return out;
}

/// Resamples a w×h region (rows `stride` bytes apart) to dw×dh, rows dst_stride bytes apart;
/// a plain copy when the sizes agree.
inline void resample(const std::uint8_t* src, int w, int h, int stride, std::uint8_t* dst, int dw, int dh, int dst_stride, int channels) {
  if (w == dw && h == dh) {
    for (int y = 0; y < h; ++y) std::copy_n(src + static_cast<std::ptrdiff_t>(y) * stride, w * channels, dst + static_cast<std::ptrdiff_t>(y) * dst_stride);
    return;
  }
  if (!stbir_resize_uint8_generic(src, w, h, stride, dst, dw, dh, dst_stride, channels, STBIR_ALPHA_CHANNEL_NONE, 0, STBIR_EDGE_CLAMP,
                                  STBIR_FILTER_DEFAULT, STBIR_COLORSPACE_SRGB, nullptr))
    throw ImageError("cannot resample " + std::to_string(w) + "x" + std::to_string(h) + " to " + std::to_string(dw) + "x" +
                     std::to_string(dh) + " (out of memory)");
}

}  // namespace detail

/// Writes `image` fitted to `layout` into `out`: channels × size × size bytes, planar (one plane
/// per channel, as tensors [C, H, W] are laid out). Padding never forms the padded square at the
/// source's resolution: the image is resampled to its share of the output, then placed, so a
/// 60000×1 strip costs what its pixels cost.
inline void fit_image(const RgbaImage& image, const ImageLayout& layout, std::uint8_t* out) {
  const int c = static_cast<int>(layout.channels), s = static_cast<int>(layout.size), w = image.width, h = image.height;
  const std::vector<std::uint8_t> flat = detail::flatten_alpha(image, c, layout.background);
  std::vector<std::uint8_t> square(detail::pixel_bytes(Index(s) * s, c));
  if (layout.fit == ImageFit::CenterCrop) {
    const int side = std::min(w, h), x0 = (w - side) / 2, y0 = (h - side) / 2;
    const std::uint8_t* origin = flat.data() + detail::pixel_bytes(Index(y0) * w + x0, c);
    detail::resample(origin, side, side, w * c, square.data(), s, s, s * c, c);
  } else {
    const double scale = static_cast<double>(s) / std::max(w, h);
    const int tw = std::clamp(static_cast<int>(std::lround(w * scale)), 1, s), th = std::clamp(static_cast<int>(std::lround(h * scale)), 1, s);
    const std::array<std::uint8_t, 3> bg = {layout.background.r, layout.background.g, layout.background.b};
    const std::uint8_t grey = detail::luma(bg[0], bg[1], bg[2]);
    for (std::size_t i = 0; i < square.size(); ++i) square[i] = c == 1 ? grey : bg[i % 3];
    std::uint8_t* origin = square.data() + detail::pixel_bytes(Index((s - th) / 2) * s + (s - tw) / 2, c);
    detail::resample(flat.data(), w, h, w * c, origin, tw, th, s * c, c);
  }
  const std::size_t plane = detail::pixel_bytes(Index(s) * s, 1);
  for (std::size_t i = 0; i < plane; ++i)
    for (std::size_t k = 0; k < static_cast<std::size_t>(c); ++k) out[k * plane + i] = square[i * static_cast<std::size_t>(c) + k];
}

}  // namespace aegan::data
