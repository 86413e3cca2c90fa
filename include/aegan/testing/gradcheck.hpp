#pragma once
// A reusable finite-difference gradient checker, in the spirit of dlib's layer tester. It
// compares the analytic gradient of L = Σ f(x)·R (R a fixed random projection, so every output
// element is exercised) with central differences, for every input element, and then checks that
// backward() *accumulates* into gradients that are already there instead of overwriting them.
#include <cmath>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "aegan/autograd/var.hpp"
#include "aegan/tensor/rng.hpp"

namespace aegan::testing {

struct GradcheckOptions {
  double eps;   // finite-difference step
  double rtol;  // allowed |analytic - numeric| relative to |numeric|
  double atol;  // absolute slack for gradients near zero

  /// Defaults tuned to each type's precision: tight in double, loose enough for float rounding.
  template <Scalar T>
  static GradcheckOptions defaults() {
    if constexpr (std::is_same_v<T, double>) return {1e-6, 1e-5, 1e-7};
    else return {1e-2, 2e-2, 2e-3};
  }
};

struct GradcheckResult {
  bool ok = true;
  double max_abs_error = 0.0;
  std::string message;  // the worst mismatch, or the accumulation failure, for the test log
};

/// f maps the inputs (as Vars that require gradients) to any output Var. f must be deterministic:
/// a stochastic op should reseed its Rng on every call.
template <Scalar T>
GradcheckResult gradcheck(const std::function<Var<T>(const std::vector<Var<T>>&)>& f, const std::vector<Tensor<T>>& inputs,
                          std::uint64_t seed = 1, GradcheckOptions opt = GradcheckOptions::defaults<T>()) {
  Rng rng(seed);
  auto make_vars = [&](const std::vector<Tensor<T>>& xs) {
    std::vector<Var<T>> vs;
    for (const auto& x : xs) vs.emplace_back(x, true);
    return vs;
  };

  std::vector<Var<T>> vars = make_vars(inputs);
  Var<T> out = f(vars);
  Tensor<T> projection = Tensor<T>::uninitialized(out.shape());
  rng.fill_normal(projection);
  out.backward(projection);

  auto objective = [&](const std::vector<Tensor<T>>& xs) {
    NoGradGuard guard;
    std::vector<Var<T>> vs;
    for (const auto& x : xs) vs.emplace_back(x, false);
    const Tensor<T>& y = f(vs).value();
    double total = 0.0;
    for (Index i = 0; i < y.numel(); ++i) total += static_cast<double>(y[i]) * static_cast<double>(projection[i]);
    return total;
  };

  GradcheckResult result;
  double worst_excess = 0.0;
  std::vector<Tensor<T>> probe = inputs;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    const bool has = vars[k].has_grad();
    for (Index i = 0; i < inputs[k].numel(); ++i) {
      const T original = probe[k][i];
      probe[k][i] = static_cast<T>(original + opt.eps);
      const double plus = objective(probe);
      probe[k][i] = static_cast<T>(original - opt.eps);
      const double minus = objective(probe);
      probe[k][i] = original;
      const double numeric = (plus - minus) / (2.0 * opt.eps);
      const double analytic = has ? static_cast<double>(vars[k].grad()[i]) : 0.0;
      const double err = std::abs(analytic - numeric);
      const double excess = err - (opt.atol + opt.rtol * std::abs(numeric));
      result.max_abs_error = std::max(result.max_abs_error, err);
      if (excess > worst_excess) {
        worst_excess = excess;
        result.ok = false;
        std::ostringstream msg;
        msg << "input " << k << " " << inputs[k].shape().to_string() << " element " << i << ": analytic " << analytic
            << " vs numeric " << numeric << " (|diff| " << err << ")";
        result.message = msg.str();
      }
    }
  }
  if (!result.ok) return result;

  // Accumulation: with gradients G0 already present, a second backward must leave G0 + g.
  std::vector<Var<T>> again = make_vars(inputs);
  std::vector<Tensor<T>> before;
  for (auto& v : again) {
    Tensor<T> g0 = Tensor<T>::uninitialized(v.shape());
    rng.fill_normal(g0);
    before.push_back(g0);
    v.node()->accumulate(std::move(g0));
  }
  f(again).backward(projection);
  for (std::size_t k = 0; k < again.size(); ++k) {
    for (Index i = 0; i < inputs[k].numel(); ++i) {
      const double expected = static_cast<double>(before[k][i]) + (vars[k].has_grad() ? static_cast<double>(vars[k].grad()[i]) : 0.0);
      const double got = static_cast<double>(again[k].grad()[i]);
      if (std::abs(expected - got) > 1e-4 * (1.0 + std::abs(expected))) {
        std::ostringstream msg;
        msg << "accumulation: input " << k << " element " << i << " holds " << got << ", expected existing gradient + new = "
            << expected;
        return {false, result.max_abs_error, msg.str()};
      }
    }
  }
  return result;
}

}  // namespace aegan::testing
