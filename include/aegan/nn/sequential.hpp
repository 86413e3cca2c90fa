#pragma once
// nn::Sequential: a chain of single-input modules, named "0", "1", ... as in PyTorch.
#include <memory>

#include "aegan/nn/layer_registry.hpp"

namespace aegan::nn {

template <Scalar T>
class Sequential : public Module<T> {
 public:
  Sequential() = default;
  /// Sequential<float> net(Linear<float>(784, 32), ReLU<float>(), ...): takes modules by value.
  template <class... Ms>
    requires(sizeof...(Ms) > 0 && (std::is_base_of_v<Module<T>, std::remove_cvref_t<Ms>> && ...))
  explicit Sequential(Ms&&... modules) {
    (push_back(std::make_shared<std::remove_cvref_t<Ms>>(std::forward<Ms>(modules))), ...);
  }

  template <class M>
  std::shared_ptr<M> push_back(std::shared_ptr<M> module) {
    static_assert(std::is_base_of_v<Module<T>, M>, "Sequential<T>::push_back: element must be an nn::Module<T>");
    layers_.push_back(module);
    return this->register_module(std::to_string(layers_.size() - 1), std::move(module));
  }

  Var<T> forward(const Var<T>& x) override {
    if (layers_.empty()) throw Error("Sequential: forward on an empty Sequential");
    Var<T> h = x;
    for (std::size_t i = 0; i < layers_.size(); ++i) {
      // A Flatten before a layer that reads its input flattened where it lies (Linear): no copy.
      if (i + 1 < layers_.size() && layers_[i]->flattens_to_rows()) {
        if (auto fused = layers_[i + 1]->forward_flattened(h)) {
          h = std::move(*fused);
          ++i;
          continue;
        }
      }
      // A layer followed by a rectifier applies it in its own output pass when it can (Conv2d,
      // BatchNorm): same result, one pass less over the activations in each direction.
      if (i + 1 < layers_.size()) {
        if (const auto slope = layers_[i + 1]->rectifier_slope()) {
          if (auto fused = layers_[i]->forward_rectified(h, *slope)) {
            h = std::move(*fused);
            ++i;
            continue;
          }
        }
      }
      h = layers_[i]->forward(h);
    }
    return h;
  }
  std::string type_name() const override { return "Sequential(" + std::to_string(layers_.size()) + " layers)"; }

  static constexpr const char* kKind = "Sequential";
  LayerSpec spec() const override {
    LayerSpec s(kKind);
    for (const auto& layer : layers_) s.add_child(layer->spec());
    return s;
  }
  static std::shared_ptr<Module<T>> from_spec(const LayerSpec& spec) {
    auto net = std::make_shared<Sequential>();
    for (const LayerSpec& child : spec.children()) net->push_back(build_layer<T>(child));
    return net;
  }

  std::size_t size() const { return layers_.size(); }
  Module<T>& operator[](std::size_t i) { return *layers_.at(i); }

 private:
  std::vector<std::shared_ptr<Module<T>>> layers_;
};

inline const LayerRegistration<Sequential> sequential_registration;

}  // namespace aegan::nn
