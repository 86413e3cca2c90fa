#pragma once
// Upsample: nearest-neighbour upsampling of [N, C, H, W] by integer factors.
#include <string>

#include "aegan/autograd/ops/resample.hpp"
#include "aegan/nn/layer_registry.hpp"

namespace aegan::nn {

/// nn::UpsampleOptions(2) or nn::UpsampleOptions({2, 3}); mode is nearest, the only one offered.
struct UpsampleOptions {
  UpsampleOptions(Size2 scale_factor) : scale_factor_(scale_factor) {}  // NOLINT: as PyTorch's
  Size2 scale_factor() const { return scale_factor_; }

 private:
  Size2 scale_factor_;
};

template <Scalar T>
class Upsample : public Module<T> {
 public:
  explicit Upsample(const UpsampleOptions& options) : options_(options) {
    const Size2 s = options.scale_factor();
    if (s.h < 1 || s.w < 1) throw ValueError(type_name() + ": scale factor must be a positive integer");
  }
  explicit Upsample(Size2 scale_factor) : Upsample(UpsampleOptions(scale_factor)) {}
  Var<T> forward(const Var<T>& x) override {
    if (x.value().rank() != 4) throw ShapeError(type_name() + ": input " + x.shape().to_string() + " must be 4-D [N, C, H, W]");
    return upsample_nearest2d(x, options_.scale_factor());
  }
  std::string type_name() const override {
    return "Upsample(scale_factor=" + options_.scale_factor().to_string() + ", mode=nearest)";
  }
  const UpsampleOptions& options() const { return options_; }
  static constexpr const char* kKind = "Upsample";
  LayerSpec spec() const override { return LayerSpec(kKind).set("scale_factor", options_.scale_factor()).set_text("mode", "nearest"); }
  static std::shared_ptr<Module<T>> from_spec(const LayerSpec& spec) {
    if (spec.text("mode") != "nearest") throw spec.fail("mode '" + spec.text("mode") + "', this build offers nearest only");
    return std::make_shared<Upsample>(UpsampleOptions(spec.size2("scale_factor", 1, 64)));
  }

 private:
  UpsampleOptions options_;
};

inline const LayerRegistration<Upsample> upsample_registration;

}  // namespace aegan::nn
