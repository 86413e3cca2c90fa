#pragma once
// A minimal line chart rendered to PNG: one coloured polyline per series over a shared x axis,
// light grid lines, and a legend in a built-in 3×5 pixel font. Enough to watch loss curves
// without a plotting dependency.
#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "aegan/io/png.hpp"

namespace aegan::io {

struct Series {
  std::string name;
  std::vector<double> values;
};

namespace detail {
/// 3×5 glyphs, one 15-bit row-major mask per character (bit 14 = top-left).
inline unsigned glyph(char c) {
  static const std::array<std::pair<char, unsigned>, 40> table{{
      {'0', 0x7B6F}, {'1', 0x2C97}, {'2', 0x73E7}, {'3', 0x73CF}, {'4', 0x5BC9}, {'5', 0x79CF}, {'6', 0x79EF}, {'7', 0x7249},
      {'8', 0x7BEF}, {'9', 0x7BCF}, {'a', 0x2BED}, {'b', 0x6BAE}, {'c', 0x7927}, {'d', 0x6B6E}, {'e', 0x79A7}, {'f', 0x79A4},
      {'g', 0x796F}, {'h', 0x5BED}, {'i', 0x7497}, {'j', 0x126A}, {'k', 0x5BAD}, {'l', 0x4927}, {'m', 0x5FED}, {'n', 0x6B6D},
      {'o', 0x2B6A}, {'p', 0x6BA4}, {'q', 0x2B79}, {'r', 0x6BAD}, {'s', 0x388E}, {'t', 0x7492}, {'u', 0x5B6F}, {'v', 0x5B6A},
      {'w', 0x5BFD}, {'x', 0x5AAD}, {'y', 0x5A92}, {'z', 0x72A7}, {'_', 0x0007}, {'.', 0x0002}, {'-', 0x01C0}, {' ', 0x0000}}};
  const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  for (auto& [ch, mask] : table)
    if (ch == lower) return mask;
  return 0x7FFF;  // unknown: a filled box
}

struct Canvas {
  int w, h;
  std::vector<unsigned char> rgb;
  Canvas(int width, int height) : w(width), h(height), rgb(static_cast<std::size_t>(width * height * 3), 255) {}
  void put(int x, int y, std::array<unsigned char, 3> c) {
    if (x < 0 || y < 0 || x >= w || y >= h) return;
    std::copy(c.begin(), c.end(), rgb.begin() + (static_cast<std::ptrdiff_t>(y) * w + x) * 3);
  }
  void line(double x0, double y0, double x1, double y1, std::array<unsigned char, 3> c) {
    const int steps = static_cast<int>(std::max(std::abs(x1 - x0), std::abs(y1 - y0))) + 1;
    for (int i = 0; i <= steps; ++i) {
      const double t = static_cast<double>(i) / steps;
      const int x = static_cast<int>(std::lround(x0 + t * (x1 - x0))), y = static_cast<int>(std::lround(y0 + t * (y1 - y0)));
      put(x, y, c);
      put(x, y + 1, c);  // two pixels thick
    }
  }
  void text(int x, int y, const std::string& s, std::array<unsigned char, 3> c, int scale = 2) {
    for (char ch : s) {
      const unsigned g = glyph(ch);
      for (int r = 0; r < 5; ++r)
        for (int col = 0; col < 3; ++col)
          if (g & (1u << (14 - (r * 3 + col))))
            for (int dy = 0; dy < scale; ++dy)
              for (int dx = 0; dx < scale; ++dx) put(x + col * scale + dx, y + r * scale + dy, c);
      x += 4 * scale;
    }
  }
};
}  // namespace detail

/// Draws every series against its index (step or epoch) and writes the PNG atomically. Values
/// that are not finite are skipped. The y range is shared and printed at the top-left corner.
inline void write_line_chart(const std::filesystem::path& path, const std::vector<Series>& series, int width = 800, int height = 480) {
  if (series.empty()) throw ValueError("write_line_chart(" + path.string() + "): no series");
  double lo = INFINITY, hi = -INFINITY;
  std::size_t n = 0;
  for (const auto& s : series) {
    n = std::max(n, s.values.size());
    for (double v : s.values)
      if (std::isfinite(v)) { lo = std::min(lo, v); hi = std::max(hi, v); }
  }
  if (!(hi >= lo)) { lo = 0; hi = 1; }
  if (hi - lo < 1e-12) hi = lo + 1;
  static const std::array<std::array<unsigned char, 3>, 8> palette{{
      {31, 119, 180}, {255, 127, 14}, {44, 160, 44}, {214, 39, 40}, {148, 103, 189}, {140, 86, 75}, {227, 119, 194}, {23, 190, 207}}};
  detail::Canvas cv(width, height);
  const int left = 50, right = width - 170, top = 30, bottom = height - 30;
  const std::array<unsigned char, 3> grid{225, 225, 225}, ink{60, 60, 60};
  for (int i = 0; i <= 4; ++i) {
    const double y = bottom - (bottom - top) * i / 4.0;
    cv.line(left, y, right, y, grid);
  }
  cv.line(left, top, left, bottom, ink);
  cv.line(left, bottom, right, bottom, ink);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3g", hi);
  cv.text(4, top - 4, buf, ink);
  std::snprintf(buf, sizeof buf, "%.3g", lo);
  cv.text(4, bottom - 8, buf, ink);
  std::snprintf(buf, sizeof buf, "%zu", n);
  cv.text(right - 20, bottom + 8, buf, ink);
  const auto px = [&](std::size_t i) { return left + (right - left) * (n > 1 ? static_cast<double>(i) / static_cast<double>(n - 1) : 0.0); };
  const auto py = [&](double v) { return bottom - (bottom - top) * (v - lo) / (hi - lo); };
  for (std::size_t k = 0; k < series.size(); ++k) {
    const auto color = palette[k % palette.size()];
    const auto& v = series[k].values;
    for (std::size_t i = 1; i < v.size(); ++i)
      if (std::isfinite(v[i - 1]) && std::isfinite(v[i])) cv.line(px(i - 1), py(v[i - 1]), px(i), py(v[i]), color);
    const int ly = top + static_cast<int>(k) * 18;
    for (int d = 0; d < 10; ++d) cv.line(right + 12, ly + d, right + 22, ly + d, color);
    cv.text(right + 28, ly, series[k].name, ink);
  }
  write_file_atomically(path, encode_png(cv.rgb, width, height, 3));
}

}  // namespace aegan::io
