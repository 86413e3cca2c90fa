#pragma once
// Runtime tensor shape: up to kMaxRank dimensions, stored inline so shapes never allocate.
#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>

#include "aegan/error.hpp"

namespace aegan {

using Index = std::int64_t;

class Shape {
 public:
  static constexpr int kMaxRank = 6;

  Shape() = default;
  Shape(std::initializer_list<Index> dims) { assign(std::span<const Index>(dims.begin(), dims.size())); }
  explicit Shape(std::span<const Index> dims) { assign(dims); }

  int rank() const { return rank_; }
  Index operator[](int axis) const { return dims_[static_cast<std::size_t>(normalize_axis(axis))]; }
  Index& operator[](int axis) { return dims_[static_cast<std::size_t>(normalize_axis(axis))]; }
  const Index* begin() const { return dims_.data(); }
  const Index* end() const { return dims_.data() + rank_; }

  Index numel() const {
    Index n = 1;
    for (int i = 0; i < rank_; ++i) n *= dims_[static_cast<std::size_t>(i)];
    return n;
  }

  /// Product of the dimensions from `axis` (inclusive) on, e.g. C*H*W for axis 1 of NCHW.
  Index numel_from(int axis) const {
    Index n = 1;
    for (int i = axis; i < rank_; ++i) n *= dims_[static_cast<std::size_t>(i)];
    return n;
  }

  /// Accepts negative axes counted from the end, as NumPy and PyTorch do.
  int normalize_axis(int axis) const {
    const int a = axis < 0 ? axis + rank_ : axis;
    if (a < 0 || a >= rank_)
      throw ShapeError("shape " + to_string() + ": axis " + std::to_string(axis) + " out of range for rank " +
                       std::to_string(rank_));
    return a;
  }

  std::string to_string() const {
    std::string s = "[";
    for (int i = 0; i < rank_; ++i) {
      if (i) s += ", ";
      s += std::to_string(dims_[static_cast<std::size_t>(i)]);
    }
    return s + "]";
  }

  friend bool operator==(const Shape& a, const Shape& b) {
    return a.rank_ == b.rank_ && std::equal(a.begin(), a.end(), b.begin());
  }

 private:
  void assign(std::span<const Index> dims) {
    if (dims.size() > static_cast<std::size_t>(kMaxRank))
      throw ShapeError("Shape: rank " + std::to_string(dims.size()) + " exceeds the maximum of " +
                       std::to_string(kMaxRank));
    for (Index d : dims)
      if (d < 0) throw ShapeError("Shape: negative dimension " + std::to_string(d));
    rank_ = static_cast<int>(dims.size());
    std::copy(dims.begin(), dims.end(), dims_.begin());
  }

  std::array<Index, kMaxRank> dims_{};
  int rank_ = 0;
};

/// A (height, width) pair that also converts from a single number, like PyTorch's
/// ExpandingArray<2>: `kernel 4` and `kernel {4, 3}` are both accepted.
struct Size2 {
  Index h = 0, w = 0;
  constexpr Size2() = default;
  constexpr Size2(Index both) : h(both), w(both) {}  // NOLINT(google-explicit-constructor): by design
  constexpr Size2(Index height, Index width) : h(height), w(width) {}
  std::string to_string() const {
    if (h == w) return std::to_string(h);
    std::string s(1, '[');  // appended piecewise: GCC 12 warns falsely on "[" + std::string (PR 105651)
    s += std::to_string(h);
    s += ", ";
    s += std::to_string(w);
    s += ']';
    return s;
  }
  friend constexpr bool operator==(const Size2&, const Size2&) = default;
};

}  // namespace aegan
