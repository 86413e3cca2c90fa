#pragma once
// Flatten and Unflatten: the reshapes between image layers ([N, C, H, W]) and dense ones ([N, F]).
#include <limits>
#include <string>
#include <vector>

#include "aegan/autograd/ops/shape_ops.hpp"
#include "aegan/nn/layer_registry.hpp"

namespace aegan::nn {

namespace detail {
/// A dimension index in a spec: within a tensor's rank, counted from either end.
inline int dim_option(const LayerSpec& spec, const std::string& name) {
  const std::int64_t d = spec.integer(name);
  if (d < -Shape::kMaxRank || d >= Shape::kMaxRank)
    throw spec.fail("option '" + name + "' is " + std::to_string(d) + ", not a dimension of a tensor of rank <= " +
                    std::to_string(Shape::kMaxRank));
  return static_cast<int>(d);
}
}  // namespace detail

/// Merges dimensions start_dim..end_dim (negative counts from the end) into one; the default
/// [N, C, H, W] -> [N, C·H·W] is PyTorch's.
template <Scalar T>
class Flatten : public Module<T> {
 public:
  explicit Flatten(int start_dim = 1, int end_dim = -1) : start_(start_dim), end_(end_dim) {}
  Var<T> forward(const Var<T>& x) override {
    const Shape& s = x.shape();
    const int r = s.rank();
    const int a = start_ < 0 ? start_ + r : start_, b = end_ < 0 ? end_ + r : end_;
    if (a < 0 || b >= r || a > b)
      throw ShapeError(type_name() + ": input " + s.to_string() + " has no dimensions " + std::to_string(start_) +
                       ".." + std::to_string(end_));
    std::vector<Index> dims;
    for (int i = 0; i < a; ++i) dims.push_back(s[i]);
    Index merged = 1;
    for (int i = a; i <= b; ++i) merged *= s[i];
    dims.push_back(merged);
    for (int i = b + 1; i < r; ++i) dims.push_back(s[i]);
    return reshape(x, Shape(std::span<const Index>(dims)));
  }
  bool flattens_to_rows() const override { return start_ == 1 && end_ == -1; }
  static constexpr const char* kKind = "Flatten";
  LayerSpec spec() const override { return LayerSpec(kKind).set("start_dim", start_).set("end_dim", end_); }
  static std::shared_ptr<Module<T>> from_spec(const LayerSpec& spec) {
    return std::make_shared<Flatten>(detail::dim_option(spec, "start_dim"), detail::dim_option(spec, "end_dim"));
  }
  std::string type_name() const override {
    return "Flatten(start_dim=" + std::to_string(start_) + ", end_dim=" + std::to_string(end_) + ")";
  }

 private:
  int start_, end_;
};

/// Splits dimension `dim` into `sizes`: Unflatten(1, {128, 7, 7}) takes [N, 6272] to
/// [N, 128, 7, 7].
template <Scalar T>
class Unflatten : public Module<T> {
 public:
  Unflatten(int dim, std::vector<Index> sizes) : dim_(dim), sizes_(std::move(sizes)) {
    if (sizes_.empty()) throw ValueError(type_name() + ": sizes must not be empty");
    for (Index d : sizes_) {
      if (d <= 0) throw ValueError(type_name() + ": sizes must be positive");
      // Sizes can come from a file: their product must stay a representable element count.
      if (numel_ > std::numeric_limits<Index>::max() / d) throw ValueError(type_name() + ": the sizes multiply past any tensor's size");
      numel_ *= d;
    }
  }
  Var<T> forward(const Var<T>& x) override {
    const Shape& s = x.shape();
    const int r = s.rank();
    const int a = dim_ < 0 ? dim_ + r : dim_;
    if (a < 0 || a >= r || s[a] != numel_)
      throw ShapeError(type_name() + ": input " + s.to_string() + " cannot be unflattened at dimension " +
                       std::to_string(dim_) + " (needs " + std::to_string(numel_) + " elements there)");
    if (r - 1 + static_cast<int>(sizes_.size()) > Shape::kMaxRank)
      throw ShapeError(type_name() + ": input " + s.to_string() + " would exceed rank " + std::to_string(Shape::kMaxRank));
    std::vector<Index> dims;
    for (int i = 0; i < a; ++i) dims.push_back(s[i]);
    dims.insert(dims.end(), sizes_.begin(), sizes_.end());
    for (int i = a + 1; i < r; ++i) dims.push_back(s[i]);
    return reshape(x, Shape(std::span<const Index>(dims)));
  }
  std::string type_name() const override {
    std::string s = "Unflatten(dim=" + std::to_string(dim_) + ", sizes=[";
    for (std::size_t i = 0; i < sizes_.size(); ++i) s += (i ? ", " : "") + std::to_string(sizes_[i]);
    return s + "])";
  }
  static constexpr const char* kKind = "Unflatten";
  LayerSpec spec() const override {
    return LayerSpec(kKind).set("dim", dim_).set("sizes", LayerSpec::Integers(sizes_.begin(), sizes_.end()));
  }
  static std::shared_ptr<Module<T>> from_spec(const LayerSpec& spec) {
    const auto sizes = spec.integers("sizes");
    if (sizes.empty() || static_cast<int>(sizes.size()) > Shape::kMaxRank)
      throw spec.fail("option 'sizes' has " + std::to_string(sizes.size()) + " values, expected 1 to " + std::to_string(Shape::kMaxRank));
    return std::make_shared<Unflatten>(detail::dim_option(spec, "dim"), std::vector<Index>(sizes.begin(), sizes.end()));
  }

 private:
  int dim_;
  std::vector<Index> sizes_;
  Index numel_ = 1;  // the product of sizes_
};

inline const LayerRegistration<Flatten> flatten_registration;
inline const LayerRegistration<Unflatten> unflatten_registration;

}  // namespace aegan::nn
