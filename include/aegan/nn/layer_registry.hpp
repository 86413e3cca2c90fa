#pragma once
// How a LayerSpec becomes a layer again. Each saveable layer registers itself next to its class:
//
//   template <Scalar T> class Linear : public Module<T> {
//     static constexpr const char* kKind = "Linear";
//     LayerSpec spec() const override;                                  // what it is
//     static std::shared_ptr<Module<T>> from_spec(const LayerSpec&);    // and back
//   };
//   inline const LayerRegistration<Linear> linear_registration;         // float; see below for double
//
// so adding a layer never touches a central switch, and a user's own layer registers the same
// way. The registry is filled while the program starts (the registrations are inline variables
// of the layer headers) and only read afterwards, so building layers needs no lock; double
// layers are added by nn::register_layers<double>() (nn/nn.hpp) before the first double read.
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <type_traits>

#include "aegan/nn/layer_spec.hpp"
#include "aegan/nn/module.hpp"

namespace aegan::nn {

template <Scalar T>
class LayerRegistry {
 public:
  using Factory = std::shared_ptr<Module<T>> (*)(const LayerSpec&);

  void add(const std::string& kind, Factory factory) { factories_[kind] = factory; }
  bool knows(const std::string& kind) const { return factories_.count(kind) != 0; }

  /// The layer `spec` describes, its options checked and every option read.
  std::shared_ptr<Module<T>> build(const LayerSpec& spec) const {
    auto it = factories_.find(spec.kind());
    if (it == factories_.end())
      throw spec.fail("unknown layer kind '" + spec.kind() + "' (this program knows " + (factories_.empty() ? std::string("none") : known()) +
                      (std::is_same_v<T, float> ? ")" : "; double layers register with nn::register_layers<double>())"));
    std::shared_ptr<Module<T>> layer;
    try {
      layer = it->second(spec);
    } catch (const IoError&) {
      throw;
    } catch (const Error& e) {  // a constructor's refusal of the options: the file's problem
      throw spec.fail(e.what());
    }
    spec.check_all_read();
    return layer;
  }

  std::string known() const {
    std::string out;
    for (const auto& [kind, factory] : factories_) out += (out.empty() ? "" : ", ") + kind;
    return out;
  }

 private:
  std::map<std::string, Factory> factories_;
};

template <Scalar T>
LayerRegistry<T>& layer_registry() {
  static LayerRegistry<T> registry;
  return registry;
}

/// Builds the layer (and, for a container, its children) that `spec` describes.
template <Scalar T>
std::shared_ptr<Module<T>> build_layer(const LayerSpec& spec) {
  return layer_registry<T>().build(spec);
}

/// Registers Layer<T> under Layer's kKind. Each layer header registers its float layer this way;
/// double layers register through nn::register_layers<double>() (nn/nn.hpp), called by the
/// readers that build double networks, because registering them in every program would compile
/// every layer's double forward pass into it (a quarter of a training program's compile time).
template <template <class> class Layer, class T = float>  // not <Scalar>: clang 14 crashes on a constrained template template parameter
struct LayerRegistration {
  LayerRegistration() { layer_registry<T>().add(Layer<T>::kKind, &Layer<T>::from_spec); }
};

/// A fresh copy of a saveable module: same architecture (from its spec), same parameters and
/// buffers. Throws naming the first layer that cannot describe itself.
template <Scalar T>
std::shared_ptr<Module<T>> clone(const Module<T>& module) {
  auto copy = build_layer<T>(module.spec());
  copy->load_state_from(module);
  copy->train(module.is_training());
  return copy;
}

}  // namespace aegan::nn
