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
#include "aegan/nn/module.hpp"
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

namespace detail {
/// Compares analytic gradients with central differences of `objective` over every element of
/// every tensor in `probes` (perturbed in place and restored). `analytic[k]` may be null when the
/// k-th tensor received no gradient, which then must be numerically zero.
template <Scalar T, class Objective>
GradcheckResult compare_with_numeric(const std::vector<Tensor<T>*>& probes, const std::vector<const Tensor<T>*>& analytic,
                                     const std::vector<std::string>& names, Objective objective, const GradcheckOptions& opt) {
  GradcheckResult result;
  double worst_excess = 0.0;
  for (std::size_t k = 0; k < probes.size(); ++k) {
    Tensor<T>& x = *probes[k];
    for (Index i = 0; i < x.numel(); ++i) {
      const T original = x[i];
      x[i] = static_cast<T>(original + opt.eps);
      const double plus = objective();
      x[i] = static_cast<T>(original - opt.eps);
      const double minus = objective();
      x[i] = original;
      const double numeric = (plus - minus) / (2.0 * opt.eps);
      const double a = analytic[k] ? static_cast<double>((*analytic[k])[i]) : 0.0;
      const double err = std::abs(a - numeric);
      const double excess = err - (opt.atol + opt.rtol * std::abs(numeric));
      result.max_abs_error = std::max(result.max_abs_error, err);
      if (excess > worst_excess) {
        worst_excess = excess;
        result.ok = false;
        std::ostringstream msg;
        msg << names[k] << " " << x.shape().to_string() << " element " << i << ": analytic " << a << " vs numeric "
            << numeric << " (|diff| " << err << ")";
        result.message = msg.str();
      }
    }
  }
  return result;
}

template <Scalar T>
double project(const Tensor<T>& y, const Tensor<T>& projection) {
  double total = 0.0;
  for (Index i = 0; i < y.numel(); ++i) total += static_cast<double>(y[i]) * static_cast<double>(projection[i]);
  return total;
}
}  // namespace detail

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

  std::vector<Tensor<T>> probe = inputs;
  std::vector<Tensor<T>*> probes;
  std::vector<const Tensor<T>*> analytic;
  std::vector<std::string> names;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    probes.push_back(&probe[k]);
    analytic.push_back(vars[k].has_grad() ? &vars[k].grad() : nullptr);
    names.push_back("input " + std::to_string(k));
  }
  auto objective = [&] {
    NoGradGuard guard;
    std::vector<Var<T>> vs;
    for (const auto& x : probe) vs.emplace_back(x, false);
    return detail::project(f(vs).value(), projection);
  };
  GradcheckResult result = detail::compare_with_numeric<T>(probes, analytic, names, objective, opt);
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

/// Checks a module's gradients with respect to its input and every parameter, perturbing the
/// parameters in place (and restoring them). Put stochastic modules in eval() first; batch
/// statistics in training mode are deterministic and fine.
template <Scalar T>
GradcheckResult gradcheck_module(nn::Module<T>& module, const Tensor<T>& input, std::uint64_t seed = 1,
                                 GradcheckOptions opt = GradcheckOptions::defaults<T>()) {
  Rng rng(seed);
  module.zero_grad();
  Var<T> x(input, true);
  Var<T> out = module(x);
  Tensor<T> projection = Tensor<T>::uninitialized(out.shape());
  rng.fill_normal(projection);
  out.backward(projection);

  Tensor<T> probe_input = input;
  std::vector<Tensor<T>*> probes{&probe_input};
  std::vector<const Tensor<T>*> analytic{x.has_grad() ? &x.grad() : nullptr};
  std::vector<std::string> names{"input"};
  for (auto& p : module.named_parameters()) {
    probes.push_back(&p.var.mutable_value());
    analytic.push_back(p.var.has_grad() ? &p.var.grad() : nullptr);
    names.push_back(module.type_name() + " parameter " + p.name);
  }
  auto objective = [&] {
    NoGradGuard guard;
    return detail::project(module(Var<T>(probe_input, false)).value(), projection);
  };
  auto result = detail::compare_with_numeric<T>(probes, analytic, names, objective, opt);
  module.zero_grad();
  return result;
}

}  // namespace aegan::testing
