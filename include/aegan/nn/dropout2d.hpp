#pragma once
// Channel dropout (Dropout2d): zeroes whole feature maps of [N, C, H, W] with probability p and
// scales the survivors by 1/(1-p), in training mode only.
#include <string>

#include "aegan/autograd/ops/arith.hpp"
#include "aegan/nn/layer_registry.hpp"
#include "aegan/tensor/rng.hpp"

namespace aegan {

/// One Bernoulli draw per (sample, channel); the mask [N, C, 1, 1] multiplies x by broadcasting,
/// so the gradient is the same mask. Identity when !training or p == 0.
template <Scalar T>
Var<T> dropout2d(const Var<T>& x, double p, bool training, Rng& rng) {
  if (!(p >= 0.0 && p < 1.0)) throw ValueError("dropout2d: probability must be in [0, 1), got " + std::to_string(p));
  if (x.value().rank() != 4 && x.value().rank() != 3)
    throw ShapeError("dropout2d(p=" + std::to_string(p) + "): input " + x.shape().to_string() +
                     " must be 4-D [N, C, H, W] or 3-D [C, H, W]");
  if (!training || p == 0.0) return x;
  const bool batched = x.value().rank() == 4;
  const Shape mask_shape = batched ? Shape{x.dim(0), x.dim(1), 1, 1} : Shape{x.dim(0), 1, 1};
  Tensor<T> mask = Tensor<T>::uninitialized(mask_shape);
  const T keep_scale = static_cast<T>(1.0 / (1.0 - p));
  for (T& m : mask) m = rng.bernoulli(p) ? T(0) : keep_scale;
  return mul(x, Var<T>(std::move(mask), false));
}

namespace nn {

/// Channel dropout, active only in training mode, with its own Rng split from the given one.
template <Scalar T>
class Dropout2d : public Module<T> {
 public:
  explicit Dropout2d(double p = 0.5, Rng& rng = default_rng()) : p_(p), rng_(rng.split()) {
    if (!(p >= 0.0 && p < 1.0)) throw ValueError("Dropout2d: probability must be in [0, 1), got " + std::to_string(p));
  }
  Var<T> forward(const Var<T>& x) override {
    if (x.value().rank() != 4 && x.value().rank() != 3)
      throw ShapeError(type_name() + ": input " + x.shape().to_string() + " must be 4-D [N, C, H, W] or 3-D [C, H, W]");
    return dropout2d(x, p_, this->is_training(), rng_);
  }
  std::string type_name() const override { return "Dropout2d(p=" + std::to_string(p_) + ")"; }
  Rng& rng() { return rng_; }
  static constexpr const char* kKind = "Dropout2d";
  LayerSpec spec() const override { return LayerSpec(kKind).set_real("p", p_); }
  static std::shared_ptr<Module<T>> from_spec(const LayerSpec& spec) {
    Rng masks(0);
    return std::make_shared<Dropout2d>(spec.real("p"), masks);
  }

 private:
  double p_;
  Rng rng_;
};

inline const LayerRegistration<Dropout2d> dropout2d_registration;

}  // namespace nn
}  // namespace aegan
