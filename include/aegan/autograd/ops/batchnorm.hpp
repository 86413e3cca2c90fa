#pragma once
// Batch normalization as one op: statistics, normalization and affine transform fused forward,
// and the closed-form gradient backward (no graph of temporaries), optionally followed by a
// rectifier in the same passes (nn::Sequential's BatchNorm + ReLU/LeakyReLU).
#include <cmath>
#include <memory>
#include <optional>
#include <string>

#include "aegan/autograd/ops/arith.hpp"
#include "aegan/tensor/kernels/batchnorm.hpp"

namespace aegan {

namespace autograd {
/// batch_norm (below), then the rectifier when given, in the same passes: the values and
/// gradients of leaky_relu(batch_norm(...), slope) (relu for slope 0), recorded as one
/// "batch_norm_rectified" op. `who()` names the caller; it is called only to build an error message.
template <Scalar T, class Who>
Var<T> batch_norm_impl(const Var<T>& x, const Var<T>& weight, const Var<T>& bias, Tensor<T>* running_mean,
                       Tensor<T>* running_var, bool training, double momentum, double eps, const Who& who,
                       std::optional<kernels::Rectifier<T>> rectifier) {
  const Shape& s = x.shape();
  if (s.rank() < 2) throw ShapeError(who() + ": input " + s.to_string() + " must be at least 2-D [N, C, ...]");
  const Index C = s[1];
  const kernels::ChannelLayout layout{s[0], C, s.numel_from(2)};
  auto check_c = [&](const Shape& p, const char* what) {
    if (!(p == Shape{C}))
      throw ShapeError(who() + ": " + what + " " + p.to_string() + " does not match input " + s.to_string() + " (expected [" +
                       std::to_string(C) + "])");
  };
  if (weight.defined()) check_c(weight.shape(), "weight");
  if (bias.defined()) check_c(bias.shape(), "bias");
  if ((running_mean == nullptr) != (running_var == nullptr))
    throw ValueError(who() + ": give both running_mean and running_var, or neither");
  if (running_mean) {
    check_c(running_mean->shape(), "running_mean");
    check_c(running_var->shape(), "running_var");
  }
  if (!(eps > 0.0)) throw ValueError(who() + ": eps must be positive, got " + std::to_string(eps));
  const bool batch_stats = training || !running_mean;
  if (batch_stats && layout.per_channel() <= 1)
    throw ShapeError(who() + ": expected more than 1 value per channel when using batch statistics, got input " +
                     s.to_string());

  auto mean = std::make_shared<Tensor<T>>(Tensor<T>::uninitialized({C}));
  auto invstd = std::make_shared<Tensor<T>>(Tensor<T>::uninitialized({C}));
  Tensor<T> out = Tensor<T>::uninitialized(s);
  const T* w = weight.defined() ? weight.value().data() : nullptr;
  const T* b = bias.defined() ? bias.value().data() : nullptr;
  if (batch_stats) {
    Tensor<T> var_unbiased = Tensor<T>::uninitialized({C});
    kernels::batch_norm_forward_train(layout, x.value().data(), w, b, eps, out.data(), mean->data(), invstd->data(),
                                      var_unbiased.data(), rectifier);
    if (training && running_mean) {
      const T m = static_cast<T>(momentum), keep = static_cast<T>(1.0 - momentum);
      running_mean->array() = keep * running_mean->array() + m * mean->array();
      running_var->array() = keep * running_var->array() + m * var_unbiased.array();
    }
  } else {
    Tensor<T> scale = Tensor<T>::uninitialized({C}), shift = Tensor<T>::uninitialized({C});
    for (Index c = 0; c < C; ++c) {
      const double is = 1.0 / std::sqrt(static_cast<double>((*running_var)[c]) + eps);
      const double sc = (w ? static_cast<double>(w[c]) : 1.0) * is;
      (*mean)[c] = (*running_mean)[c];
      (*invstd)[c] = static_cast<T>(is);
      scale[c] = static_cast<T>(sc);
      shift[c] = static_cast<T>((b ? static_cast<double>(b[c]) : 0.0) - static_cast<double>((*running_mean)[c]) * sc);
    }
    kernels::batch_norm_apply(layout, x.value().data(), scale.data(), shift.data(), out.data(), rectifier);
  }

  std::vector<Var<T>> inputs;  // reserve + push_back: GCC 12 warns falsely on {x} + push_back
  inputs.reserve(3);
  inputs.push_back(x);
  if (weight.defined()) inputs.push_back(weight);
  if (bias.defined()) inputs.push_back(bias);
  // The rectifier's derivative is read off the recorded output, in place (Var::make_reading_output).
  return Var<T>::make_reading_output(
      std::move(out), rectifier ? "batch_norm_rectified" : "batch_norm", std::move(inputs), [&](const Tensor<T>& y) {
        // dx is written over gy, which is this node's to consume: the kernel reads each value before
        // it overwrites it, and the pass then costs no fresh buffer (whose cache lines it would first read).
        return [x, weight, bias, mean, invstd, layout, batch_stats, rectifier, saved = &y](Tensor<T>& gy) {
          const bool gw = weight.defined() && weight.requires_grad();
          const bool gb = bias.defined() && bias.requires_grad();
          Tensor<T> dw, db;
          if (gw) dw = Tensor<T>::uninitialized(weight.shape());
          if (gb) db = Tensor<T>::uninitialized(bias.shape());
          kernels::batch_norm_backward(layout, x.value().data(), gy.data(), mean->data(), invstd->data(),
                                       weight.defined() ? weight.value().data() : nullptr, batch_stats,
                                       x.requires_grad() ? gy.data() : nullptr, dw.data(), db.data(), rectifier, saved->data());
          if (x.requires_grad()) send_grad(x, std::move(gy));
          if (gw) send_grad(weight, std::move(dw));
          if (gb) send_grad(bias, std::move(db));
        };
      });
}

}  // namespace autograd

/// Normalizes x [N, C, ...] per channel C. In training (or without running statistics) it uses
/// the batch mean and biased variance and, when running_mean / running_var are given, updates
/// them in place: r = (1 - momentum)·r + momentum·batch, with the unbiased variance, as PyTorch
/// does. Otherwise it uses the running statistics. weight / bias [C] may be undefined Vars
/// (no affine transform). `who` names the caller in error messages.
template <Scalar T>
Var<T> batch_norm(const Var<T>& x, const Var<T>& weight, const Var<T>& bias, Tensor<T>* running_mean,
                  Tensor<T>* running_var, bool training, double momentum = 0.1, double eps = 1e-5,
                  const std::string& who = "batch_norm") {
  return autograd::batch_norm_impl<T>(x, weight, bias, running_mean, running_var, training, momentum, eps,
                                      [&] { return who; }, std::nullopt);
}

}  // namespace aegan
