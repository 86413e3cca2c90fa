#pragma once
// Decoding one image file's bytes (PNG, JPEG, BMP, GIF's first frame, TGA, binary PGM/PPM) through
// stb_image (Debian's libstb, linked by aegan::aegan), as untrusted input: the format is told by
// the file's signature, the header's dimensions are checked against a pixel limit before the
// decoder allocates anything, and a JPEG that stops before its end marker is refused instead of
// being decoded into grey garbage. Every refusal is an ImageError whose message says why.
#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
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

namespace detail {
/// Where a JPEG's start-of-image marker ends, read as stb_image reads it (0xFF fill bytes may
/// precede 0xD8), or 0 when the bytes do not start with one.
inline std::size_t jpeg_start_end(std::span<const std::uint8_t> b) {
  if (b.empty() || b[0] != 0xFF) return 0;
  std::size_t i = 1;
  while (i < b.size() && b[i] == 0xFF) ++i;
  return i < b.size() && b[i] == 0xD8 ? i + 1 : 0;
}
}  // namespace detail

/// The format by the file's signature, as stb_image will see it: it tries its decoders in turn
/// and takes the first whose signature matches, whatever the file's name. TGA has no signature, so
/// it is only assumed when the caller says the name ends in .tga (stb would read almost any bytes
/// as a TGA), and never for bytes another of stb's decoders would claim first, including the
/// formats aegan does not read (PSD, PIC, HDR), which are Unknown.
inline ImageFormat sniff_image_format(std::span<const std::uint8_t> b, bool named_tga) {
  auto starts = [&](std::string_view sig) {
    return b.size() >= sig.size() && std::equal(sig.begin(), sig.end(), b.begin(), [](char s, std::uint8_t v) { return static_cast<std::uint8_t>(s) == v; });
  };
  if (starts("\x89PNG\r\n\x1A\n")) return ImageFormat::Png;
  if (detail::jpeg_start_end(b) != 0) return ImageFormat::Jpeg;
  if (starts("GIF8")) return ImageFormat::Gif;
  if (starts("BM")) return ImageFormat::Bmp;
  if (starts("P5") || starts("P6")) return ImageFormat::Pnm;
  if (starts("8BPS") || starts("\x53\x80\xF6\x34") || starts("#?RADIANCE") || starts("#?RGBE")) return ImageFormat::Unknown;
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

/// Why a JPEG frame header (SOFn `m`, precision `bits`) is one stb_image cannot decode, or "":
/// it would otherwise report these as "corrupt" files.
inline std::string jpeg_frame_problem(std::uint8_t m, std::uint8_t bits) {
  if (m >= 0xC9) return "arithmetic-coded JPEG, which the decoder (stb_image) does not support";
  if (m == 0xC3 || m == 0xC7) return "lossless JPEG, which the decoder (stb_image) does not support";
  if (m >= 0xC5) return "hierarchical JPEG, which the decoder (stb_image) does not support";
  if (bits != 8) return std::to_string(bits) + "-bit JPEG, the decoder (stb_image) reads 8-bit ones only";
  return "";
}

/// Which Huffman tables a JPEG has defined so far: [class (0 DC, 1 AC)][slot 0..3].
using JpegTables = std::array<std::array<bool, 4>, 2>;

/// Checks one DHT segment's tables: each lists at most 256 codes, all inside the segment, and
/// marks them defined. stb_image 2.27 (Debian 12) trusts the counts and writes past its
/// code-length table otherwise.
inline std::string jpeg_huffman_problem(std::span<const std::uint8_t> seg, JpegTables& defined) {
  std::size_t p = 0;
  while (p < seg.size()) {
    if (p + 17 > seg.size()) return "corrupt JPEG (a Huffman table header is cut short)";
    if ((seg[p] >> 4) <= 1 && (seg[p] & 15) <= 3) defined[seg[p] >> 4][seg[p] & 15] = true;
    std::size_t codes = 0;
    for (std::size_t k = 1; k <= 16; ++k) codes += seg[p + k];
    if (codes > 256) return "corrupt JPEG (a Huffman table of " + std::to_string(codes) + " codes, at most 256 exist)";
    p += 17 + codes;
  }
  return "";
}

/// Checks that a scan (SOS segment) decodes only with Huffman tables defined before it: stb_image
/// 2.27 decodes with whatever an undefined table's memory holds and reads past its code limits.
/// A progressive frame's DC scans need DC tables only (none for refinement), its AC scans AC ones.
inline std::string jpeg_scan_problem(std::span<const std::uint8_t> seg, bool progressive, const JpegTables& defined) {
  if (seg.empty()) return "";
  const std::size_t components = seg[0];
  if (seg.size() < 1 + 2 * components + 3) return "";  // the decoder refuses a short scan header itself
  const std::uint8_t start = seg[1 + 2 * components], refine = seg[3 + 2 * components] >> 4;
  const bool dc = !progressive || (start == 0 && refine == 0), ac = !progressive || start != 0;
  for (std::size_t c = 0; c < components; ++c) {
    const std::uint8_t tables = seg[2 + 2 * c];
    if ((tables >> 4) > 3 || (tables & 15) > 3) return "";  // refused by the decoder's own check
    if ((dc && !defined[0][tables >> 4]) || (ac && !defined[1][tables & 15]))
      return "corrupt JPEG (a scan uses a Huffman table that was never defined)";
  }
  return "";
}

/// Walks a JPEG's marker segments as stb_image does (skipping junk between them and the coded data
/// of each scan) and names what stb_image cannot or must not be given: unsupported frame types
/// and malformed or missing Huffman tables. "" leaves the rest (truncation, other corruption) to the
/// decoder's own checks.
inline std::string jpeg_problem(std::span<const std::uint8_t> b) {
  std::size_t i = jpeg_start_end(b);  // after the start-of-image marker
  JpegTables defined{};
  bool progressive = false;
  while (i + 4 <= b.size()) {
    if (b[i] != 0xFF || b[i + 1] == 0xFF) { ++i; continue; }  // stb_image skips junk and fill bytes too
    const std::uint8_t m = b[i + 1];
    if (m == 0x01 || (m >= 0xD0 && m <= 0xD8)) { i += 2; continue; }  // markers without a length
    if (m == 0xD9) return "";                                          // end of image
    const std::size_t length = static_cast<std::size_t>(b[i + 2]) << 8 | b[i + 3];
    if (length < 2) return "";
    // A segment running past the end is checked as far as it goes: the decoder reads on regardless.
    const std::span<const std::uint8_t> seg = b.subspan(i + 4, std::min(length - 2, b.size() - (i + 4)));
    std::string why;
    if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
      why = seg.empty() ? "" : jpeg_frame_problem(m, seg[0]);
      progressive = m == 0xC2;
    }
    if (m == 0xC4) why = jpeg_huffman_problem(seg, defined);
    if (m == 0xDA) why = jpeg_scan_problem(seg, progressive, defined);
    if (!why.empty()) return why;
    i += 2 + length;
    if (m == 0xDA)  // entropy-coded data up to the next marker (0xFF00 is an escaped 0xFF, 0xFFD0-D7 restarts)
      while (i + 1 < b.size() && !(b[i] == 0xFF && b[i + 1] != 0x00 && !(b[i + 1] >= 0xD0 && b[i + 1] <= 0xD7))) ++i;
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

/// Each side is below 2^32 (a PNG header's field, or stb's int), so the product fits 64 bits unsigned.
inline void check_dimensions(Index w, Index h, Index max_pixels) {
  const std::string claim = "the header claims " + std::to_string(w) + "x" + std::to_string(h);
  if (w <= 0 || h <= 0) throw ImageError(claim + " pixels, expected at least 1x1");
  const std::uint64_t pixels = static_cast<std::uint64_t>(w) * static_cast<std::uint64_t>(h);
  if (pixels > static_cast<std::uint64_t>(max_pixels))
    throw ImageError(claim + " = " + std::to_string(pixels) + " pixels, over the limit of " + std::to_string(max_pixels) +
                     " pixels (ImageFolderOptions::max_pixels)");
}

/// Walks a PNG's chunks up to IEND: each must fit in the file. stb_image 2.27 grows its buffer to
/// the length an IDAT chunk claims before reading it, so a 100-byte file could make it allocate a
/// gigabyte; the claim is checked here against the bytes that are really there.
inline std::string png_problem(std::span<const std::uint8_t> b) {
  std::size_t at = 8;  // after the signature
  while (at + 8 <= b.size()) {
    const std::uint64_t length = std::uint64_t(b[at]) << 24 | std::uint64_t(b[at + 1]) << 16 | std::uint64_t(b[at + 2]) << 8 | b[at + 3];
    const std::string type(reinterpret_cast<const char*>(b.data() + at + 4), 4);
    const std::uint64_t remain = b.size() - at - 8;
    if (length + 4 > remain)  // data and CRC
      return "truncated PNG (a chunk claims " + std::to_string(length) + " bytes, " +
             std::to_string(remain >= 4 ? remain - 4 : 0) + " remain)";
    if (type == "IEND") return "";
    at += 12 + static_cast<std::size_t>(length);
  }
  return "truncated PNG (no IEND chunk)";
}

/// Checks a binary PGM/PPM header (P5/P6, width, height, maxval, with # comments) and that the
/// pixel data that follows is complete. stb_image 2.27 (Debian 12) overflows on numbers past an
/// int, misreads maxval > 255 (16-bit samples) past its buffer, and leaves missing pixel data
/// uninitialised: all three are refused here, before it parses the file.
inline std::string pnm_problem(std::span<const std::uint8_t> b, Index max_pixels) {
  std::size_t i = 2;
  auto skip_space = [&] {
    while (i < b.size() && (std::isspace(b[i]) || b[i] == '#')) {
      if (b[i] != '#') {
        ++i;
        continue;
      }
      while (i < b.size() && b[i] != '\n' && b[i] != '\r') ++i;  // a comment runs to the end of its line
    }
  };
  auto number = [&](Index limit, const char* what, Index& out) -> std::string {
    skip_space();
    if (i >= b.size() || !std::isdigit(b[i])) return std::string("corrupt PGM/PPM header (no ") + what + ")";
    out = 0;
    for (; i < b.size() && std::isdigit(b[i]); ++i)
      if ((out = out * 10 + (b[i] - '0')) > limit) return std::string("PGM/PPM ") + what + " over " + std::to_string(limit);
    return "";
  };
  Index w = 0, h = 0, maxval = 0;
  for (auto [limit, what, out] : {std::tuple<Index, const char*, Index*>{1 << 24, "width", &w}, {1 << 24, "height", &h}, {65535, "maxval", &maxval}})
    if (std::string why = number(limit, what, *out); !why.empty()) return why;
  check_dimensions(w, h, max_pixels);
  if (maxval < 1 || maxval > 255) return "PGM/PPM with maxval " + std::to_string(maxval) + ": only 8-bit samples (maxval 1..255) are read";
  const Index channels = b[1] == '5' ? 1 : 3, data = static_cast<Index>(b.size()) - static_cast<Index>(i) - 1;  // one space after maxval
  if (data < w * h * channels)
    return "truncated PGM/PPM (" + std::to_string(std::max<Index>(data, 0)) + " of " + std::to_string(w * h * channels) + " pixel bytes)";
  return "";
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
    if (std::string why = detail::jpeg_problem(bytes); !why.empty()) throw ImageError(why);
  if (format == ImageFormat::Pnm)
    if (std::string why = detail::pnm_problem(bytes, max_pixels); !why.empty()) throw ImageError(why);

  Index png_w = 0, png_h = 0;
  if (format == ImageFormat::Png && detail::png_header_size(bytes, png_w, png_h)) detail::check_dimensions(png_w, png_h, max_pixels);
  if (format == ImageFormat::Png)
    if (std::string why = detail::png_problem(bytes); !why.empty()) throw ImageError(why);
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
