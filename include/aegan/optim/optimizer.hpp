#pragma once
// The optimizer base: a list of parameter slots, each holding the parameter handle together with
// its own state tensors, so state can never be looked up under the wrong parameter.
#include <cmath>
#include <string>
#include <vector>

#include "aegan/autograd/var.hpp"

namespace aegan::optim {

template <Scalar T, class State>
struct Slot {
  Var<T> param;
  State state;
};

template <Scalar T>
class Optimizer {
 public:
  virtual ~Optimizer() = default;
  /// Applies one update to every parameter that has a gradient; those without one are skipped,
  /// as in PyTorch (a frozen or unused part of a model).
  virtual void step() = 0;
  virtual std::vector<Var<T>> parameters() const = 0;
  virtual double learning_rate() const = 0;
  virtual void set_learning_rate(double lr) = 0;

  void zero_grad() {
    for (auto& p : parameters()) p.zero_grad();
  }
  /// Number of step() calls so far.
  long steps() const { return step_; }

 protected:
  static void check_params(const std::vector<Var<T>>& params, const char* who) {
    if (params.empty()) throw ValueError(std::string(who) + ": no parameters to optimize");
    for (const auto& p : params) {
      if (!p.defined()) throw ValueError(std::string(who) + ": an undefined parameter was passed");
      if (!p.requires_grad()) throw ValueError(std::string(who) + ": a parameter of shape " + p.shape().to_string() +
                                               " does not require a gradient");
    }
  }
  static void check_lr(double lr, const char* who) {
    if (!(lr > 0.0) || !std::isfinite(lr)) throw ValueError(std::string(who) + ": learning rate must be positive and finite, got " + std::to_string(lr));
  }
  long step_ = 0;
};

}  // namespace aegan::optim
