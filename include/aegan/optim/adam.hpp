#pragma once
// Adam (Kingma & Ba 2015) and AdamW (Loshchilov & Hutter 2019, decoupled weight decay).
#include "aegan/optim/optimizer.hpp"
#include "aegan/tensor/kernels/optim.hpp"

namespace aegan::optim {

struct AdamOptions {
  explicit AdamOptions(double lr = 1e-3) : lr_(lr) {}
  AdamOptions& lr(double v) { lr_ = v; return *this; }
  AdamOptions& betas(double b1, double b2) { beta1_ = b1; beta2_ = b2; return *this; }
  AdamOptions& eps(double v) { eps_ = v; return *this; }
  AdamOptions& weight_decay(double v) { weight_decay_ = v; return *this; }
  double lr() const { return lr_; }
  double beta1() const { return beta1_; }
  double beta2() const { return beta2_; }
  double eps() const { return eps_; }
  double weight_decay() const { return weight_decay_; }

 private:
  double lr_, beta1_ = 0.9, beta2_ = 0.999, eps_ = 1e-8, weight_decay_ = 0.0;
};

/// Adam with bias correction and eps outside the square root. weight_decay adds wd·p to the
/// gradient (L2, PyTorch's Adam); AdamW (below) shrinks the weights directly instead.
template <Scalar T>
class Adam : public Optimizer<T> {
 public:
  struct State {
    Tensor<T> exp_avg, exp_avg_sq;
  };

  Adam(const std::vector<Var<T>>& params, const AdamOptions& options = AdamOptions()) : Adam(params, options, false, "Adam") {}

  void step() override {
    ++this->step_;
    const kernels::AdamStep s{options_.lr(), options_.beta1(), options_.beta2(), options_.eps(),
                              options_.weight_decay(), decoupled_, this->step_};
    for (auto& [param, state] : slots_) {
      if (!param.has_grad()) continue;
      kernels::adam_update(param.mutable_value(), param.grad(), state.exp_avg, state.exp_avg_sq, s);
    }
  }

  std::vector<Var<T>> parameters() const override {
    std::vector<Var<T>> out;
    for (auto& s : slots_) out.push_back(s.param);
    return out;
  }
  double learning_rate() const override { return options_.lr(); }
  void set_learning_rate(double lr) override {
    this->check_lr(lr, name_);
    options_.lr(lr);
  }
  const AdamOptions& options() const { return options_; }
  /// Per-parameter state, in parameter order: for checkpoints and inspection.
  std::vector<Slot<T, State>>& slots() { return slots_; }
  void set_steps(long steps) { this->step_ = steps; }

 protected:
  Adam(const std::vector<Var<T>>& params, const AdamOptions& options, bool decoupled, const char* name)
      : options_(options), decoupled_(decoupled), name_(name) {
    this->check_params(params, name);
    this->check_lr(options.lr(), name);
    auto bad = [&](const std::string& what) { return ValueError(std::string(name) + ": " + what); };
    if (!(options.beta1() >= 0.0 && options.beta1() < 1.0)) throw bad("beta1 must be in [0, 1), got " + std::to_string(options.beta1()));
    if (!(options.beta2() >= 0.0 && options.beta2() < 1.0)) throw bad("beta2 must be in [0, 1), got " + std::to_string(options.beta2()));
    if (!(options.eps() > 0.0)) throw bad("eps must be positive, got " + std::to_string(options.eps()));
    if (options.weight_decay() < 0.0) throw bad("weight_decay must be >= 0, got " + std::to_string(options.weight_decay()));
    for (const auto& p : params) slots_.push_back({p, {Tensor<T>(p.shape()), Tensor<T>(p.shape())}});
  }

 private:
  AdamOptions options_;
  bool decoupled_;
  const char* name_;
  std::vector<Slot<T, State>> slots_;
};

/// AdamW: Adam whose weight decay multiplies the weights by (1 - lr·wd) each step instead of
/// entering the moment estimates. Its default weight decay is 0, like every optimizer here.
template <Scalar T>
class AdamW : public Adam<T> {
 public:
  AdamW(const std::vector<Var<T>>& params, const AdamOptions& options = AdamOptions())
      : Adam<T>(params, options, true, "AdamW") {}
};

}  // namespace aegan::optim
