#pragma once
// Decoding one image file's bytes (PNG, JPEG, BMP, GIF's first frame, TGA, binary PGM/PPM) through
// stb_image (Debian's libstb, linked by aegan::aegan), as untrusted input: the format is told by
// the file's signature, the header's dimensions are checked against a pixel limit before the
// decoder allocates anything, and a JPEG that stops before its end marker is refused instead of
// being decoded into grey garbage. Every refusal is an ImageError whose message says why.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <stb_image.h>

#include "aegan/error.hpp"
#include "aegan/tensor/shape.hpp"

namespace aegan::data {

/// An image file the decoder refuses; the message is the reason, without the file name.
class ImageError : public IoError {
 public:
  using IoError::IoError;
};

/// 8192 × 8192: a 67-megapixel photo decodes; a header claiming more is refused before the
/// decoder allocates its 4 bytes per pixel.
inline constexpr Index kDefaultMaxImagePixels = Index(1) << 26;

enum class ImageFormat { Png, Jpeg, Gif, Bmp, Pnm, Tga, Unknown };

/// The format by the file's signature. TGA has none, so it is only assumed when the caller says
/// the name ends in .tga: stb would otherwise read almost any bytes as a TGA.
inline ImageFormat sniff_image_format(std::span<const std::uint8_t> b, bool named_tga) {
  auto starts = [&](std::initializer_list<int> sig) {
    if (b.size() < sig.size()) return false;
    return std::equal(sig.begin(), sig.end(), b.begin(), [](int s, std::uint8_t v) { return s == v; });
  };
  if (starts({0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'})) return ImageFormat::Png;
  if (starts({0xFF, 0xD8, 0xFF})) return ImageFormat::Jpeg;
  if (starts({'G', 'I', 'F', '8'})) return ImageFormat::Gif;
  if (starts({'B', 'M'})) return ImageFormat::Bmp;
  if (starts({'P', '5'}) || starts({'P', '6'})) return ImageFormat::Pnm;
  return named_tga ? ImageFormat::Tga : ImageFormat::Unknown;
}

namespace detail {

/// Whether a JPEG stream ends: an end-of-image marker after the last start-of-scan marker (the
/// coded data escapes every 0xFF, so neither marker can occur inside it).
inline bool jpeg_has_end(std::span<const std::uint8_t> b) {
  std::size_t last_scan = 0;
  for (std::size_t i = 0; i + 1 < b.size(); ++i)
    if (b[i] == 0xFF && b[i + 1] == 0xDA) last_scan = i;
  if (last_scan == 0) return false;
  for (std::size_t i = last_scan + 2; i + 1 < b.size(); ++i)
    if (b[i] == 0xFF && b[i + 1] == 0xD9) return true;
  return false;
}

/// Why the decoder cannot read this JPEG's frame type, or "" when it can: walks the marker
/// segments to the frame header (SOFn) and names the coding stb_image lacks, which it would
/// otherwise report as a "corrupt" file.
inline std::string jpeg_frame_problem(std::span<const std::uint8_t> b) {
  std::size_t i = 2;  // after the start-of-image marker
  while (i + 4 <= b.size()) {
    if (b[i] != 0xFF) return "";  // let the decoder describe the corruption
    const std::uint8_t m = b[i + 1];
    if (m == 0xFF) { ++i; continue; }  // fill byte
    const std::size_t length = static_cast<std::size_t>(b[i + 2]) << 8 | b[i + 3];
    if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
      if (m >= 0xC9) return "arithmetic-coded JPEG, which the decoder (stb_image) does not support";
      if (m == 0xC3 || m == 0xC7) return "lossless JPEG, which the decoder (stb_image) does not support";
      if (m >= 0xC5) return "hierarchical JPEG, which the decoder (stb_image) does not support";
      if (i + 4 < b.size() && b[i + 4] != 8) return std::to_string(b[i + 4]) + "-bit JPEG, the decoder (stb_image) reads 8-bit ones only";
      return "";
    }
    i += 2 + length;
  }
  return "";
}

/// The width and height a PNG's header claims, read directly: stb_image's own check of a huge
/// header fails with a bare "unknown image type", which would hide the reason from the user.
inline bool png_header_size(std::span<const std::uint8_t> b, Index& width, Index& height) {
  if (b.size() < 24 || !std::equal(b.begin() + 12, b.begin() + 16, "IHDR")) return false;
  auto be32 = [&](std::size_t at) { return Index(b[at]) << 24 | Index(b[at + 1]) << 16 | Index(b[at + 2]) << 8 | Index(b[at + 3]); };
  width = be32(16);
  height = be32(20);
  return true;
}

inline std::string stb_reason() {
  const char* r = stbi_failure_reason();
  return r ? r : "unknown reason";
}

inline std::string describe_unknown(std::span<const std::uint8_t> b) {
  const std::size_t n = std::min<std::size_t>(b.size(), 64);
  const bool text = std::all_of(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n),
                                [](std::uint8_t c) { return (c >= 0x20 && c < 0x7F) || c == '\n' || c == '\r' || c == '\t'; });
  return text ? "text, not an image" : "not a PNG, JPEG, GIF, BMP, PGM/PPM or TGA file (unknown signature)";
}

inline void check_dimensions(Index w, Index h, Index max_pixels) {
  const std::string claim = "the header claims " + std::to_string(w) + "x" + std::to_string(h);
  if (w <= 0 || h <= 0) throw ImageError(claim + " pixels, expected at least 1x1");
  if (w * h > max_pixels)
    throw ImageError(claim + " = " + std::to_string(w * h) + " pixels, over the limit of " + std::to_string(max_pixels) +
                     " pixels (ImageFolderOptions::max_pixels)");
}

}  // namespace detail

/// Decoded pixels, 4 interleaved channels (R, G, B, alpha) per pixel, row by row.
struct RgbaImage {
  int width = 0, height = 0;
  std::vector<std::uint8_t> rgba;
};

/// Decodes a whole image file held in memory. `named_tga` lets a signature-less file be read as
/// TGA. Throws ImageError naming the reason: empty, unknown or text content, zero or over-limit
/// dimensions (the limit is named), a truncated JPEG, or whatever stb_image refuses (truncated or
/// corrupt data, arithmetic-coded JPEG, ...).
inline RgbaImage decode_image(std::span<const std::uint8_t> bytes, bool named_tga = false,
                              Index max_pixels = kDefaultMaxImagePixels) {
  if (bytes.empty()) throw ImageError("empty file (0 bytes)");
  if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw ImageError("file of " + std::to_string(bytes.size()) + " bytes, larger than the decoder can read (2 GiB)");
  const ImageFormat format = sniff_image_format(bytes, named_tga);
  if (format == ImageFormat::Unknown) throw ImageError(detail::describe_unknown(bytes));

  if (format == ImageFormat::Jpeg)
    if (std::string why = detail::jpeg_frame_problem(bytes); !why.empty()) throw ImageError(why);

  Index png_w = 0, png_h = 0;
  if (format == ImageFormat::Png && detail::png_header_size(bytes, png_w, png_h)) detail::check_dimensions(png_w, png_h, max_pixels);
  const int size = static_cast<int>(bytes.size());
  int w = 0, h = 0, comp = 0;
  if (!stbi_info_from_memory(bytes.data(), size, &w, &h, &comp))
    throw ImageError("unreadable header (" + detail::stb_reason() + ")");
  detail::check_dimensions(w, h, max_pixels);
  if (format == ImageFormat::Jpeg && !detail::jpeg_has_end(bytes)) throw ImageError("truncated JPEG (no end-of-image marker)");

  int dw = 0, dh = 0, dcomp = 0;
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(stbi_load_from_memory(bytes.data(), size, &dw, &dh, &dcomp, 4), stbi_image_free);
  if (!pixels) throw ImageError("cannot decode (" + detail::stb_reason() + ")");
  if (dw != w || dh != h)  // a decoder disagreeing with its own header: refuse rather than guess
    throw ImageError("the header says " + std::to_string(w) + "x" + std::to_string(h) + " but " + std::to_string(dw) + "x" +
                     std::to_string(dh) + " pixels decoded");
  RgbaImage out;
  out.width = w;
  out.height = h;
  out.rgba.assign(pixels.get(), pixels.get() + static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 4);
  return out;
}

}  // namespace aegan::data
