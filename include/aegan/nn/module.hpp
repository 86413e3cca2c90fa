#pragma once
// nn::Module: the base of every layer and model. A module owns its parameters (trainable Vars)
// and buffers (saved state such as running statistics) by name, and its child modules; that one
// list drives optimizers, checkpoints, train()/eval() and EMA. Parameters are shared handles, so
// an optimizer holding them stays valid however the module is moved.
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aegan/autograd/var.hpp"
#include "aegan/nn/layer_spec.hpp"

namespace aegan::nn {

template <Scalar T>
struct NamedVar {
  std::string name;  // dotted path, e.g. "encoder.0.weight"
  Var<T> var;
};

template <Scalar T>
class Module {
 public:
  using scalar_type = T;

  virtual ~Module() = default;
  Module() = default;
  Module(const Module&) = delete;  // a copy would silently share parameters; use load_state_from
  Module& operator=(const Module&) = delete;
  Module(Module&&) noexcept = default;
  Module& operator=(Module&&) noexcept = default;

  /// The module's computation. Modules with other signatures (several inputs) define their own
  /// operator() and leave this throwing.
  virtual Var<T> forward(const Var<T>& input) {
    (void)input;
    throw Error(type_name() + ": this module does not take a single input");
  }
  Var<T> operator()(const Var<T>& input) { return forward(input); }

  /// Layer fusion for nn::Sequential. A rectifier module (ReLU, LeakyReLU with a slope >= 0)
  /// reports its negative slope; a module that can apply such a rectifier in its own output pass
  /// returns rectifier(forward(input)) from forward_rectified, with the same values and gradients.
  virtual std::optional<T> rectifier_slope() const { return std::nullopt; }
  virtual std::optional<Var<T>> forward_rectified(const Var<T>& input, T negative_slope) {
    (void)input, (void)negative_slope;
    return std::nullopt;
  }
  /// Layer fusion for nn::Sequential, as above. A module that merges every dimension after the
  /// first ([N, C, H, W] -> [N, C·H·W]) says so; a module that can read its input that way in
  /// place returns forward(flattened input) from forward_flattened, with the same values and
  /// gradients and without the flattened copy (or nothing, and the two run one after the other).
  virtual bool flattens_to_rows() const { return false; }
  virtual std::optional<Var<T>> forward_flattened(const Var<T>& input) {
    (void)input;
    return std::nullopt;
  }

  /// A short type description used in error messages and summaries, e.g. "Linear(784 -> 32)".
  virtual std::string type_name() const { return "Module"; }

  /// What this module is, as plain values a model file stores (nn/layer_spec.hpp). Layers that
  /// can be saved override it and register a from_spec (nn/layer_registry.hpp).
  virtual LayerSpec spec() const {
    throw ValueError(type_name() + " cannot be saved in a model file: it does not describe itself with spec() "
                     "(see nn/layer_registry.hpp to make a layer saveable)");
  }

  std::vector<NamedVar<T>> named_parameters() const {
    std::vector<NamedVar<T>> out;
    collect(out, "", /*buffers=*/false);
    return out;
  }
  std::vector<NamedVar<T>> named_buffers() const {
    std::vector<NamedVar<T>> out;
    collect(out, "", /*buffers=*/true);
    return out;
  }
  std::vector<Var<T>> parameters() const {
    std::vector<Var<T>> out;
    for (auto& p : named_parameters()) out.push_back(p.var);
    return out;
  }
  Index num_parameters() const {
    Index n = 0;
    for (auto& p : named_parameters()) n += p.var.numel();
    return n;
  }

  /// Switches this module and every descendant between training and evaluation behaviour
  /// (dropout, batch statistics).
  void train(bool on = true) {
    training_ = on;
    for (auto& [name, child] : children_) child->train(on);
  }
  void eval() { train(false); }
  bool is_training() const { return training_; }

  void zero_grad() {
    for (auto& p : named_parameters()) p.var.zero_grad();
  }

  /// Copies parameter and buffer values from a module of the same architecture.
  void load_state_from(const Module& other) {
    copy_list(named_parameters(), other.named_parameters());
    copy_list(named_buffers(), other.named_buffers());
  }

  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& children() const { return children_; }

  /// Calls fn(module) on this module and then on every descendant, depth first (PyTorch's apply):
  /// how a setting reaches every layer of a network (nn::set_conv_algorithm).
  template <class Fn>
  void apply(Fn&& fn) {
    fn(*this);
    for (auto& [name, child] : children_) child->apply(fn);
  }

 protected:
  Var<T> register_parameter(std::string name, Tensor<T> value) {
    Var<T> v = parameter(std::move(value));
    params_.push_back({std::move(name), v});
    return v;
  }
  Var<T> register_buffer(std::string name, Tensor<T> value) {
    Var<T> v(std::move(value), false);
    buffers_.push_back({std::move(name), v});
    return v;
  }
  template <class M>
  std::shared_ptr<M> register_module(std::string name, std::shared_ptr<M> module) {
    static_assert(std::is_base_of_v<Module, M>, "register_module: the child must derive from nn::Module<T> with the same T");
    children_.emplace_back(std::move(name), module);
    return module;
  }

 private:
  void collect(std::vector<NamedVar<T>>& out, const std::string& prefix, bool buffers) const {
    for (auto& nv : buffers ? buffers_ : params_) out.push_back({prefix + nv.name, nv.var});
    for (auto& [name, child] : children_) child->collect(out, prefix + name + ".", buffers);
  }
  static void copy_list(const std::vector<NamedVar<T>>& dst, const std::vector<NamedVar<T>>& src) {
    if (dst.size() != src.size())
      throw ShapeError("load_state_from: " + std::to_string(src.size()) + " tensors for a module with " +
                       std::to_string(dst.size()));
    for (std::size_t i = 0; i < dst.size(); ++i) {
      if (dst[i].name != src[i].name || !(dst[i].var.shape() == src[i].var.shape()))
        throw ShapeError("load_state_from: " + src[i].name + " " + src[i].var.shape().to_string() + " does not match " +
                         dst[i].name + " " + dst[i].var.shape().to_string());
      Var<T> d = dst[i].var;
      d.mutable_value() = src[i].var.value();
    }
  }

  std::vector<NamedVar<T>> params_;
  std::vector<NamedVar<T>> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

/// Satisfied by module types user code passes to the model templates.
template <class M>
concept ModuleType = std::is_base_of_v<Module<typename M::scalar_type>, M>;

}  // namespace aegan::nn
