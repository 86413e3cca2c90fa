#pragma once
// Image files written byte by byte for the loader's tests: PNGs of every colour type and bit depth
// (stb_image_write only writes 8-bit ones), PNGs whose header claims any size, a one-pixel GIF,
// binary PGM/PPM, and stb_image_write's PNG, BMP, TGA and JPEG for solid-colour images.
#include <zlib.h>

#include <stb_image_write.h>

#include <cstdint>
#include <string>
#include <vector>

namespace aegan::test {

inline void append_be32(std::string& s, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s.push_back(static_cast<char>((v >> shift) & 0xFF));
}

inline void append_png_chunk(std::string& png, const std::string& type, const std::string& data) {
  append_be32(png, static_cast<std::uint32_t>(data.size()));
  const std::string body = type + data;
  png += body;
  append_be32(png, static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()))));
}

/// A PNG with the given header; `rows` holds each scanline's bytes (without the filter byte), or
/// is empty for a file whose image data is a few zero bytes (enough for header-only tests).
inline std::string png_file(std::uint32_t width, std::uint32_t height, int bit_depth, int colour_type,
                            const std::vector<std::string>& rows, const std::string& palette = "", const std::string& transparency = "") {
  std::string png = "\x89PNG\r\n\x1a\n";
  std::string ihdr;
  append_be32(ihdr, width);
  append_be32(ihdr, height);
  ihdr += {static_cast<char>(bit_depth), static_cast<char>(colour_type), 0, 0, 0};
  append_png_chunk(png, "IHDR", ihdr);
  if (!palette.empty()) append_png_chunk(png, "PLTE", palette);
  if (!transparency.empty()) append_png_chunk(png, "tRNS", transparency);
  std::string raw;
  for (const auto& row : rows) raw += '\0' + row;  // filter type 0 (none)
  if (rows.empty()) raw.assign(16, '\0');
  uLongf size = compressBound(static_cast<uLong>(raw.size()));
  std::string packed(size, '\0');
  compress2(reinterpret_cast<Bytef*>(packed.data()), &size, reinterpret_cast<const Bytef*>(raw.data()), static_cast<uLong>(raw.size()), 6);
  packed.resize(size);
  append_png_chunk(png, "IDAT", packed);
  append_png_chunk(png, "IEND", "");
  return png;
}

/// width × height pixels of one colour, `channels` (1..4) interleaved bytes each.
inline std::vector<unsigned char> solid(int width, int height, std::vector<unsigned char> colour) {
  std::vector<unsigned char> px;
  for (int i = 0; i < width * height; ++i) px.insert(px.end(), colour.begin(), colour.end());
  return px;
}

enum class StbFormat { Png, Bmp, Tga, Jpeg };

/// `pixels` (width × height × channels, interleaved) encoded by stb_image_write.
inline std::string stb_file(StbFormat format, int width, int height, int channels, const std::vector<unsigned char>& pixels) {
  std::string out;
  auto sink = [](void* ctx, void* data, int size) { static_cast<std::string*>(ctx)->append(static_cast<char*>(data), static_cast<std::size_t>(size)); };
  switch (format) {
    case StbFormat::Png: stbi_write_png_to_func(sink, &out, width, height, channels, pixels.data(), width * channels); break;
    case StbFormat::Bmp: stbi_write_bmp_to_func(sink, &out, width, height, channels, pixels.data()); break;
    case StbFormat::Tga: stbi_write_tga_to_func(sink, &out, width, height, channels, pixels.data()); break;
    case StbFormat::Jpeg: stbi_write_jpg_to_func(sink, &out, width, height, channels, pixels.data(), 95); break;
  }
  return out;
}

/// A 1×1 GIF89a whose one pixel is palette entry 0 = (r, g, b).
inline std::string gif_1x1(unsigned char r, unsigned char g, unsigned char b) {
  std::string gif = "GIF89a";
  gif += std::string("\x01\x00\x01\x00\x80\x00\x00", 7);   // 1×1, global palette of 2 entries
  gif += {static_cast<char>(r), static_cast<char>(g), static_cast<char>(b), 0, 0, 0};
  gif += std::string("\x2C\x00\x00\x00\x00\x01\x00\x01\x00\x00", 10);  // image descriptor
  gif += std::string("\x02\x02\x44\x01\x00\x3B", 6);  // LZW: clear, index 0, end; trailer
  return gif;
}

/// Binary PGM (channels 1) or PPM (channels 3) of one colour.
inline std::string pnm_file(int width, int height, const std::vector<unsigned char>& colour) {
  std::string s = (colour.size() == 1 ? "P5\n" : "P6\n") + std::to_string(width) + " " + std::to_string(height) + "\n255\n";
  for (unsigned char v : solid(width, height, colour)) s.push_back(static_cast<char>(v));
  return s;
}

}  // namespace aegan::test
