#pragma once
// BatchNorm1d ([N, C] or [N, C, L]) and BatchNorm2d ([N, C, H, W]), as in PyTorch: batch
// statistics in training mode, running statistics in eval mode. The running statistics are
// buffers (saved and copied with the module, never trained); weight and bias are parameters
// when affine.
#include <optional>
#include <string>

#include "aegan/autograd/ops/batchnorm.hpp"
#include "aegan/nn/layer_registry.hpp"

namespace aegan::nn {

/// nn::BatchNormOptions(64).eps(1e-5).momentum(0.1).affine(true).track_running_stats(true).
/// momentum(std::nullopt) gives a cumulative moving average (PyTorch's momentum=None).
struct BatchNormOptions {
  explicit BatchNormOptions(Index num_features) : num_features_(num_features) {}
  BatchNormOptions& eps(double e) { eps_ = e; return *this; }
  BatchNormOptions& momentum(std::optional<double> m) { momentum_ = m; return *this; }
  BatchNormOptions& affine(bool on) { affine_ = on; return *this; }
  BatchNormOptions& track_running_stats(bool on) { track_running_stats_ = on; return *this; }
  Index num_features() const { return num_features_; }
  double eps() const { return eps_; }
  std::optional<double> momentum() const { return momentum_; }
  bool affine() const { return affine_; }
  bool track_running_stats() const { return track_running_stats_; }

 private:
  Index num_features_;
  double eps_ = 1e-5;
  std::optional<double> momentum_ = 0.1;
  bool affine_ = true;
  bool track_running_stats_ = true;
};
using BatchNorm1dOptions = BatchNormOptions;
using BatchNorm2dOptions = BatchNormOptions;

namespace detail {
/// The shared implementation; MinRank and MaxRank fix the accepted input ranks, `name` the name.
template <Scalar T, int MinRank, int MaxRank>
class BatchNormBase : public Module<T> {
 public:
  BatchNormBase(const BatchNormOptions& options, const char* name) : options_(options), name_(name) {
    const Index C = options.num_features();
    if (C <= 0) throw ValueError(type_name() + ": num_features must be positive");
    if (!(options.eps() > 0.0)) throw ValueError(type_name() + ": eps must be positive");
    if (options.momentum() && !(*options.momentum() >= 0.0 && *options.momentum() <= 1.0))
      throw ValueError(type_name() + ": momentum must be in [0, 1]");
    if (options.affine()) {
      weight = this->register_parameter("weight", Tensor<T>::ones({C}));
      bias = this->register_parameter("bias", Tensor<T>::zeros({C}));
    }
    if (options.track_running_stats()) {
      running_mean = this->register_buffer("running_mean", Tensor<T>::zeros({C}));
      running_var = this->register_buffer("running_var", Tensor<T>::ones({C}));
      num_batches_tracked = this->register_buffer("num_batches_tracked", Tensor<T>::zeros({}));
    }
  }

  Var<T> forward(const Var<T>& x) override { return normalize(x, std::nullopt); }
  /// The normalization and a ReLU/LeakyReLU after it in the same passes (nn::Sequential).
  std::optional<Var<T>> forward_rectified(const Var<T>& x, T negative_slope) override {
    return normalize(x, kernels::Rectifier<T>{negative_slope});
  }

  std::string type_name() const override {
    std::string m = options_.momentum() ? std::to_string(*options_.momentum()) : std::string("None");
    return std::string(name_) + "(" + std::to_string(options_.num_features()) + ", eps=" + std::to_string(options_.eps()) +
           ", momentum=" + m + ", affine=" + (options_.affine() ? "true" : "false") +
           ", track_running_stats=" + (options_.track_running_stats() ? "true" : "false") + ")";
  }
  const BatchNormOptions& options() const { return options_; }

  LayerSpec spec() const override {
    const auto& o = options_;
    LayerSpec s(name_);
    s.set("num_features", o.num_features()).set_real("eps", o.eps()).set_flag("affine", o.affine());
    s.set_flag("track_running_stats", o.track_running_stats());
    if (o.momentum()) s.set_real("momentum", *o.momentum());  // absent: a cumulative average
    return s;
  }
  /// The options in `spec`, checked against the stored weights and statistics.
  static BatchNormOptions options_from(const LayerSpec& spec) {
    auto o = BatchNormOptions(spec.size("num_features")).eps(spec.real("eps")).affine(spec.flag("affine"));
    o.track_running_stats(spec.flag("track_running_stats"));
    o.momentum(spec.has("momentum") ? std::optional<double>(spec.real("momentum")) : std::nullopt);
    const Shape per_channel{o.num_features()};
    if (o.affine()) spec.check_stored("weight", per_channel), spec.check_stored("bias", per_channel);
    if (o.track_running_stats()) spec.check_stored("running_mean", per_channel), spec.check_stored("running_var", per_channel);
    return o;
  }

  Var<T> weight, bias;                                    // [C], undefined unless affine
  Var<T> running_mean, running_var, num_batches_tracked;  // buffers, undefined unless tracked

 private:
  Var<T> normalize(const Var<T>& x, std::optional<kernels::Rectifier<T>> rectifier) {
    const Shape& s = x.shape();
    if (s.rank() < MinRank || s.rank() > MaxRank)
      throw ShapeError(type_name() + ": input " + s.to_string() + " must be " + expected_ranks());
    if (s[1] != options_.num_features())
      throw ShapeError(type_name() + ": input " + s.to_string() + " has " + std::to_string(s[1]) + " channels, expected " +
                       std::to_string(options_.num_features()));
    const bool track = options_.track_running_stats();
    const bool training = this->is_training();
    double momentum = options_.momentum().value_or(0.0);
    if (training && track) {
      T& count = num_batches_tracked.mutable_value()[0];
      count += T(1);
      if (!options_.momentum()) momentum = 1.0 / static_cast<double>(count);
    }
    return autograd::batch_norm_impl<T>(x, weight, bias, track ? &running_mean.mutable_value() : nullptr,
                                        track ? &running_var.mutable_value() : nullptr, training, momentum, options_.eps(),
                                        [this] { return type_name(); }, rectifier);
  }

  static std::string expected_ranks() {
    return MinRank == MaxRank ? "4-D [N, C, H, W]" : "2-D [N, C] or 3-D [N, C, L]";
  }
  BatchNormOptions options_;
  const char* name_;
};
}  // namespace detail

/// Batch normalization over [N, C] or [N, C, L] inputs.
template <Scalar T>
class BatchNorm1d : public detail::BatchNormBase<T, 2, 3> {
 public:
  explicit BatchNorm1d(const BatchNormOptions& options) : detail::BatchNormBase<T, 2, 3>(options, "BatchNorm1d") {}
  explicit BatchNorm1d(Index num_features) : BatchNorm1d(BatchNormOptions(num_features)) {}
  static constexpr const char* kKind = "BatchNorm1d";
  static std::shared_ptr<Module<T>> from_spec(const LayerSpec& spec) {
    return std::make_shared<BatchNorm1d>(BatchNorm1d::options_from(spec));
  }
};

/// Batch normalization over [N, C, H, W] inputs, per channel.
template <Scalar T>
class BatchNorm2d : public detail::BatchNormBase<T, 4, 4> {
 public:
  explicit BatchNorm2d(const BatchNormOptions& options) : detail::BatchNormBase<T, 4, 4>(options, "BatchNorm2d") {}
  explicit BatchNorm2d(Index num_features) : BatchNorm2d(BatchNormOptions(num_features)) {}
  static constexpr const char* kKind = "BatchNorm2d";
  static std::shared_ptr<Module<T>> from_spec(const LayerSpec& spec) {
    return std::make_shared<BatchNorm2d>(BatchNorm2d::options_from(spec));
  }
};

inline const LayerRegistration<BatchNorm1d> batch_norm1d_registration;
inline const LayerRegistration<BatchNorm2d> batch_norm2d_registration;

}  // namespace aegan::nn
