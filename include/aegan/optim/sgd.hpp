#pragma once
#include "aegan/optim/optimizer.hpp"
#include "aegan/tensor/kernels/optim.hpp"

namespace aegan::optim {

struct SGDOptions {
  explicit SGDOptions(double lr) : lr_(lr) {}
  SGDOptions& lr(double v) { lr_ = v; return *this; }
  SGDOptions& momentum(double v) { momentum_ = v; return *this; }
  SGDOptions& weight_decay(double v) { weight_decay_ = v; return *this; }
  SGDOptions& nesterov(bool v) { nesterov_ = v; return *this; }
  double lr() const { return lr_; }
  double momentum() const { return momentum_; }
  double weight_decay() const { return weight_decay_; }
  bool nesterov() const { return nesterov_; }

 private:
  double lr_, momentum_ = 0.0, weight_decay_ = 0.0;
  bool nesterov_ = false;
};

template <Scalar T>
class SGD : public Optimizer<T> {
 public:
  struct State {
    Tensor<T> momentum_buffer;  // allocated on the first step with momentum
  };

  SGD(const std::vector<Var<T>>& params, const SGDOptions& options) : options_(options) {
    this->check_params(params, "SGD");
    this->check_lr(options.lr(), "SGD");
    if (options.momentum() < 0.0) throw ValueError("SGD: momentum must be >= 0, got " + std::to_string(options.momentum()));
    if (options.weight_decay() < 0.0) throw ValueError("SGD: weight_decay must be >= 0, got " + std::to_string(options.weight_decay()));
    if (options.nesterov() && options.momentum() <= 0.0) throw ValueError("SGD: nesterov needs momentum > 0");
    for (const auto& p : params) slots_.push_back({p, {}});
  }

  void step() override {
    ++this->step_;
    for (auto& [param, state] : slots_) {
      if (!param.has_grad()) continue;
      // A zero buffer makes the first step buf = g, exactly PyTorch's first step (no dampening).
      Tensor<T>* buf = nullptr;
      if (options_.momentum() > 0.0) {
        if (state.momentum_buffer.empty()) state.momentum_buffer = Tensor<T>(param.shape());
        buf = &state.momentum_buffer;
      }
      kernels::sgd_update(param.mutable_value(), param.grad(), buf, options_.lr(), options_.momentum(),
                          options_.weight_decay(), options_.nesterov());
    }
  }

  std::vector<Var<T>> parameters() const override {
    std::vector<Var<T>> out;
    for (auto& s : slots_) out.push_back(s.param);
    return out;
  }
  double learning_rate() const override { return options_.lr(); }
  void set_learning_rate(double lr) override {
    this->check_lr(lr, "SGD");
    options_.lr(lr);
  }
  std::vector<Slot<T, State>>& slots() { return slots_; }

 private:
  SGDOptions options_;
  std::vector<Slot<T, State>> slots_;
};

}  // namespace aegan::optim
