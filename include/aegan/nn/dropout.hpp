#pragma once
#include <memory>

#include "aegan/autograd/ops/dropout.hpp"
#include "aegan/nn/layer_registry.hpp"

namespace aegan::nn {

/// Inverted dropout, active only in training mode. Draws its masks from its own Rng, split from
/// the one given at construction, so a seed fixes every mask.
template <Scalar T>
class Dropout : public Module<T> {
 public:
  explicit Dropout(double p = 0.5, Rng& rng = default_rng()) : p_(p), rng_(rng.split()) {
    if (!(p >= 0.0 && p < 1.0)) throw ValueError("Dropout: probability must be in [0, 1), got " + std::to_string(p));
  }
  Var<T> forward(const Var<T>& x) override { return dropout(x, p_, this->is_training(), rng_); }
  std::string type_name() const override { return "Dropout(p=" + std::to_string(p_) + ")"; }
  Rng& rng() { return rng_; }
  static constexpr const char* kKind = "Dropout";
  /// The probability only: a loaded network is for inference, where dropout passes its input on.
  LayerSpec spec() const override { return LayerSpec(kKind).set_real("p", p_); }
  static std::shared_ptr<Module<T>> from_spec(const LayerSpec& spec) {
    Rng masks(0);
    return std::make_shared<Dropout>(spec.real("p"), masks);
  }

 private:
  double p_;
  Rng rng_;
};

inline const LayerRegistration<Dropout> dropout_registration;

}  // namespace aegan::nn
