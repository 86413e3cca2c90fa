#pragma once
// PNG output through stb_image_write (Debian's libstb, linked by aegan::aegan). Images are
// tensors [N, C, H, W] with C = 1 (grey) or 3 (RGB); values in [lo, hi] map to 0..255.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <stb_image_write.h>

#include "aegan/io/atomic_file.hpp"
#include "aegan/tensor/tensor.hpp"

namespace aegan::io {

struct GridOptions {
  GridOptions& columns(Index v) { columns_ = v; return *this; }
  GridOptions& padding(Index v) { padding_ = v; return *this; }
  GridOptions& range(double lo, double hi) { lo_ = lo; hi_ = hi; return *this; }
  GridOptions& scale(Index v) { scale_ = v; return *this; }
  Index columns() const { return columns_; }  // 0: a near-square grid
  Index padding() const { return padding_; }
  double lo() const { return lo_; }
  double hi() const { return hi_; }
  Index scale() const { return scale_; }  // nearest-neighbour magnification, for small digits

 private:
  Index columns_ = 0, padding_ = 2, scale_ = 1;
  double lo_ = 0.0, hi_ = 1.0;
};

/// Encodes raw 8-bit pixels (row-major, `channels` interleaved) as PNG bytes.
inline std::string encode_png(const std::vector<unsigned char>& pixels, int width, int height, int channels) {
  std::string out;
  auto sink = [](void* ctx, void* data, int size) { static_cast<std::string*>(ctx)->append(static_cast<char*>(data), static_cast<std::size_t>(size)); };
  if (!stbi_write_png_to_func(sink, &out, width, height, channels, pixels.data(), width * channels))
    throw IoError("encode_png: stb_image_write failed for a " + std::to_string(width) + "x" + std::to_string(height) + " image");
  return out;
}

/// Tiles a batch of images into one PNG, written atomically.
template <Scalar T>
void write_image_grid(const std::filesystem::path& path, const Tensor<T>& images, const GridOptions& opt = {}) {
  if (images.rank() != 4 || (images.dim(1) != 1 && images.dim(1) != 3) || images.dim(0) == 0)
    throw ShapeError("write_image_grid(" + path.string() + "): expected images [N, 1 or 3, H, W], got " + images.shape().to_string());
  if (!(opt.hi() > opt.lo())) throw ValueError("write_image_grid: range must have hi > lo");
  if (opt.scale() < 1 || opt.padding() < 0 || opt.columns() < 0) throw ValueError("write_image_grid: scale >= 1, padding >= 0, columns >= 0");
  const Index n = images.dim(0), c = images.dim(1), h = images.dim(2), w = images.dim(3), s = opt.scale();
  const Index cols = opt.columns() > 0 ? std::min(opt.columns(), n) : static_cast<Index>(std::ceil(std::sqrt(static_cast<double>(n))));
  const Index rows = (n + cols - 1) / cols, pad = opt.padding();
  const Index width = cols * (w * s + pad) + pad, height = rows * (h * s + pad) + pad;
  std::vector<unsigned char> pixels(static_cast<std::size_t>(width * height * c), 0);
  const double scale = 255.0 / (opt.hi() - opt.lo());
  for (Index i = 0; i < n; ++i) {
    const Index x0 = pad + (i % cols) * (w * s + pad), y0 = pad + (i / cols) * (h * s + pad);
    for (Index ch = 0; ch < c; ++ch)
      for (Index y = 0; y < h * s; ++y)
        for (Index x = 0; x < w * s; ++x) {
          const double v = (static_cast<double>(images[((i * c + ch) * h + y / s) * w + x / s]) - opt.lo()) * scale;
          pixels[static_cast<std::size_t>(((y0 + y) * width + x0 + x) * c + ch)] =
              static_cast<unsigned char>(std::lround(std::clamp(v, 0.0, 255.0)));
        }
  }
  write_file_atomically(path, encode_png(pixels, static_cast<int>(width), static_cast<int>(height), static_cast<int>(c)));
}

}  // namespace aegan::io
