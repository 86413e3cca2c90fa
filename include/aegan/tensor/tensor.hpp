#pragma once
// Tensor<T>: a dense, contiguous, 64-byte aligned, row-major (NCHW) array with value semantics.
// Copies are deep and explicit in cost; moves are free. Eigen views give kernels vectorized
// access without copying.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <limits>
#include <new>
#include <utility>
#include <vector>

#include "aegan/error.hpp"
#include "aegan/tensor/eigen.hpp"
#include "aegan/tensor/scalar.hpp"
#include "aegan/tensor/memory.hpp"
#include "aegan/tensor/shape.hpp"

namespace aegan {

template <Scalar T>
using MatrixMap = Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;
template <Scalar T>
using ConstMatrixMap = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;
template <Scalar T>
using ArrayMap = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
template <Scalar T>
using ConstArrayMap = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;

template <Scalar T>
class Tensor {
 public:
  using value_type = T;

  Tensor() = default;
  /// A zero-filled tensor of the given shape.
  explicit Tensor(const Shape& shape) : Tensor(uninitialized(shape)) { fill(T(0)); }
  Tensor(const Shape& shape, std::initializer_list<T> values) : Tensor(uninitialized(shape)) {
    if (static_cast<Index>(values.size()) != numel())
      throw ShapeError("Tensor: shape " + shape.to_string() + " holds " + std::to_string(numel()) +
                       " values, got " + std::to_string(values.size()));
    std::copy(values.begin(), values.end(), data());
  }

  /// Storage whose contents are unspecified: for outputs a kernel overwrites entirely.
  static Tensor uninitialized(const Shape& shape) {
    Tensor t;
    t.shape_ = shape;
    t.data_ = detail::aligned_array<T>(shape.numel());
    return t;
  }
  static Tensor zeros(const Shape& shape) { return Tensor(shape); }
  static Tensor full(const Shape& shape, T value) {
    Tensor t = uninitialized(shape);
    t.fill(value);
    return t;
  }
  static Tensor ones(const Shape& shape) { return full(shape, T(1)); }
  static Tensor scalar(T value) { return full(Shape{}, value); }
  static Tensor from_vector(const Shape& shape, const std::vector<T>& values) {
    if (static_cast<Index>(values.size()) != shape.numel())
      throw ShapeError("Tensor::from_vector: shape " + shape.to_string() + " holds " +
                       std::to_string(shape.numel()) + " values, got " + std::to_string(values.size()));
    Tensor t = uninitialized(shape);
    std::copy(values.begin(), values.end(), t.data());
    return t;
  }

  Tensor(const Tensor& other) {
    if (!other.empty()) {
      *this = uninitialized(other.shape_);
      copy_from(other);
    }
  }
  Tensor& operator=(const Tensor& other) {
    if (this == &other) return *this;
    if (other.empty()) {
      *this = Tensor();
    } else {
      // A default tensor has rank 0 (numel 1) but no storage, so compare storage, not numel.
      if (!data_ || numel() != other.numel()) data_ = detail::aligned_array<T>(other.numel());
      shape_ = other.shape_;
      copy_from(other);
    }
    return *this;
  }
  /// Moving leaves the source empty (no shape, no storage), so it can never be mistaken for data.
  Tensor(Tensor&& other) noexcept : shape_(std::exchange(other.shape_, Shape{})), data_(std::move(other.data_)) {}
  Tensor& operator=(Tensor&& other) noexcept {
    shape_ = std::exchange(other.shape_, Shape{});
    data_ = std::move(other.data_);
    return *this;
  }

  const Shape& shape() const { return shape_; }
  int rank() const { return shape_.rank(); }
  /// Element count; 0 for an empty (default or moved-from) tensor, which has no storage.
  Index numel() const { return data_ ? shape_.numel() : 0; }
  Index dim(int axis) const { return shape_[axis]; }
  /// True for a default-constructed tensor that has no shape at all (not for a rank-0 scalar).
  bool empty() const { return data_ == nullptr && shape_.rank() == 0; }

  T* data() { return data_.get(); }
  const T* data() const { return data_.get(); }
  T* begin() { return data(); }
  T* end() { return data() + numel(); }
  const T* begin() const { return data(); }
  const T* end() const { return data() + numel(); }

  /// Flat element access, unchecked like std::vector::operator[].
  T& operator[](Index i) { return data_[static_cast<std::size_t>(i)]; }
  const T& operator[](Index i) const { return data_[static_cast<std::size_t>(i)]; }

  /// Multi-index access with bounds checks, for tests and small programs.
  T& at(std::initializer_list<Index> idx) { return data_[static_cast<std::size_t>(offset(idx))]; }
  const T& at(std::initializer_list<Index> idx) const { return data_[static_cast<std::size_t>(offset(idx))]; }

  /// The value of a one-element tensor.
  T item() const {
    if (numel() != 1) throw ShapeError("Tensor::item: expected one element, shape is " + shape_.to_string());
    return data_[0];
  }

  void fill(T value) { std::fill(begin(), end(), value); }

  /// A tensor with the same data and a new shape of equal size. The rvalue overload moves.
  Tensor reshape(const Shape& shape) const& {
    Tensor t(*this);
    return std::move(t).reshape(shape);
  }
  Tensor reshape(const Shape& shape) && {
    if (shape.numel() != numel())
      throw ShapeError("reshape: cannot view " + shape_.to_string() + " (" + std::to_string(numel()) +
                       " elements) as " + shape.to_string() + " (" + std::to_string(shape.numel()) + ")");
    shape_ = shape;
    return std::move(*this);
  }

  template <Scalar U>
  Tensor<U> cast() const {
    Tensor<U> out = Tensor<U>::uninitialized(shape_);
    for (Index i = 0; i < numel(); ++i) out[i] = static_cast<U>((*this)[i]);
    return out;
  }

  /// Eigen views: a flat array, or a row-major matrix over the whole buffer.
  ArrayMap<T> array() { return ArrayMap<T>(data(), numel()); }
  ConstArrayMap<T> array() const { return ConstArrayMap<T>(data(), numel()); }
  MatrixMap<T> matrix(Index rows, Index cols) {
    check_matrix(rows, cols);
    return MatrixMap<T>(data(), rows, cols);
  }
  ConstMatrixMap<T> matrix(Index rows, Index cols) const {
    check_matrix(rows, cols);
    return ConstMatrixMap<T>(data(), rows, cols);
  }
  /// The tensor as [dim0, rest] — the natural matrix for a batch of samples.
  MatrixMap<T> matrix() { return matrix(rows_(), numel() / std::max<Index>(rows_(), 1)); }
  ConstMatrixMap<T> matrix() const { return matrix(rows_(), numel() / std::max<Index>(rows_(), 1)); }

 private:
  Index rows_() const { return rank() == 0 ? 1 : shape_[0]; }
  void check_matrix(Index rows, Index cols) const {
    if (rows * cols != numel())
      throw ShapeError("Tensor::matrix: " + std::to_string(rows) + "x" + std::to_string(cols) +
                       " does not cover shape " + shape_.to_string());
  }
  void copy_from(const Tensor& other) {
    if (other.numel() > 0) std::memcpy(data(), other.data(), static_cast<std::size_t>(other.numel()) * sizeof(T));
  }
  Index offset(std::initializer_list<Index> idx) const {
    if (static_cast<int>(idx.size()) != rank())
      throw ShapeError("Tensor::at: " + std::to_string(idx.size()) + " indices for shape " + shape_.to_string());
    Index off = 0;
    int axis = 0;
    for (Index i : idx) {
      if (i < 0 || i >= shape_[axis])
        throw ShapeError("Tensor::at: index " + std::to_string(i) + " out of range on axis " +
                         std::to_string(axis) + " of shape " + shape_.to_string());
      off = off * shape_[axis] + i;
      ++axis;
    }
    return off;
  }

  Shape shape_;
  std::unique_ptr<T[], detail::AlignedFree> data_;
};

/// Throws ShapeError unless `t` has exactly `expected` shape; `what` names the operation.
template <Scalar T>
void expect_shape(const Tensor<T>& t, const Shape& expected, const std::string& what) {
  if (!(t.shape() == expected))
    throw ShapeError(what + ": expected shape " + expected.to_string() + ", got " + t.shape().to_string());
}

}  // namespace aegan
