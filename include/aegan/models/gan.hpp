#pragma once
// The model templates user code instantiates with its own networks. Each wraps a network module,
// checks the shapes at its boundary (so a wrong network fails with a message naming the role, not
// deep inside a layer), and owns the network's parameters as a child module.
#include <memory>
#include <string>
#include <type_traits>

#include "aegan/nn/module.hpp"

namespace aegan::models {

namespace detail {
/// The compile-time check of the network types a model template (or the trainer) is given: each
/// derives from nn::Module<T>, and all share that T. Use as static_assert(check_networks<...>()).
template <class First, class... More>
constexpr bool check_networks() {
  static_assert((nn::ModuleType<First> && ... && nn::ModuleType<More>),
                "aegan::models: every network type must derive from aegan::nn::Module<T> (e.g. nn::Sequential<float>)");
  if constexpr ((nn::ModuleType<First> && ... && nn::ModuleType<More>))
    static_assert((std::is_same_v<typename First::scalar_type, typename More::scalar_type> && ...),
                  "aegan::models: the networks must all use the same scalar type (all float or all double)");
  return true;
}

/// The network's scalar type; float for a type that fails check_networks, so that its message is
/// the one error shown.
template <class Net>
struct scalar_of {
  using type = float;
};
template <nn::ModuleType Net>
struct scalar_of<Net> {
  using type = typename Net::scalar_type;
};
}  // namespace detail

/// Maps latent codes [N, latent_dim] to samples (images [N, C, H, W] or any shape).
template <class Net>
class Generator : public nn::Module<typename Net::scalar_type> {
  static_assert(detail::check_networks<Net>());

 public:
  using T = typename Net::scalar_type;
  Generator(std::shared_ptr<Net> net, Index latent_dim) : net_(this->register_module("net", std::move(net))), latent_dim_(latent_dim) {
    if (latent_dim <= 0) throw ValueError("Generator: latent_dim must be positive, got " + std::to_string(latent_dim));
  }
  Var<T> forward(const Var<T>& z) override {
    if (z.value().rank() != 2 || z.dim(1) != latent_dim_)
      throw ShapeError("Generator: latent codes " + z.shape().to_string() + ", expected [N, " + std::to_string(latent_dim_) + "]");
    return net_->forward(z);
  }
  std::string type_name() const override { return "Generator(z=" + std::to_string(latent_dim_) + ")"; }
  Index latent_dim() const { return latent_dim_; }
  Net& net() { return *net_; }

 private:
  std::shared_ptr<Net> net_;
  Index latent_dim_;
};

/// Maps samples to one real/fake logit each: output [N, 1].
template <class Net>
class Discriminator : public nn::Module<typename Net::scalar_type> {
  static_assert(detail::check_networks<Net>());

 public:
  using T = typename Net::scalar_type;
  explicit Discriminator(std::shared_ptr<Net> net, std::string role = "Discriminator")
      : net_(this->register_module("net", std::move(net))), role_(std::move(role)) {}
  Var<T> forward(const Var<T>& x) override {
    Var<T> logits = net_->forward(x);
    if (!(logits.shape() == Shape{x.dim(0), 1}))
      throw ShapeError(role_ + ": the network returned " + logits.shape().to_string() + " for input " + x.shape().to_string() +
                       ", expected one logit per sample [" + std::to_string(x.dim(0)) + ", 1]");
    return logits;
  }
  std::string type_name() const override { return role_; }
  Net& net() { return *net_; }

 private:
  std::shared_ptr<Net> net_;
  std::string role_;
};

/// An encoder into latent codes [N, latent_dim] and a decoder back to samples.
template <class Enc, class Dec>
class Autoencoder : public nn::Module<typename Enc::scalar_type> {
  static_assert(detail::check_networks<Enc, Dec>());

 public:
  using T = typename Enc::scalar_type;
  Autoencoder(std::shared_ptr<Enc> encoder, std::shared_ptr<Dec> decoder, Index latent_dim)
      : encoder_(this->register_module("encoder", std::move(encoder))),
        decoder_(this->register_module("decoder", std::move(decoder))), latent_dim_(latent_dim) {
    if (latent_dim <= 0) throw ValueError("Autoencoder: latent_dim must be positive, got " + std::to_string(latent_dim));
  }
  Var<T> encode(const Var<T>& x) {
    Var<T> z = encoder_->forward(x);
    if (!(z.shape() == Shape{x.dim(0), latent_dim_}))
      throw ShapeError("Autoencoder: the encoder returned " + z.shape().to_string() + " for input " + x.shape().to_string() +
                       ", expected codes [" + std::to_string(x.dim(0)) + ", " + std::to_string(latent_dim_) + "]");
    return z;
  }
  Var<T> decode(const Var<T>& z) {
    if (z.value().rank() != 2 || z.dim(1) != latent_dim_)
      throw ShapeError("Autoencoder: latent codes " + z.shape().to_string() + ", expected [N, " + std::to_string(latent_dim_) + "]");
    return decoder_->forward(z);
  }
  Var<T> forward(const Var<T>& x) override { return decode(encode(x)); }
  std::string type_name() const override { return "Autoencoder(z=" + std::to_string(latent_dim_) + ")"; }
  Index latent_dim() const { return latent_dim_; }
  Enc& encoder() { return *encoder_; }
  Dec& decoder() { return *decoder_; }
  std::shared_ptr<Enc> encoder_ptr() const { return encoder_; }
  std::shared_ptr<Dec> decoder_ptr() const { return decoder_; }

 private:
  std::shared_ptr<Enc> encoder_;
  std::shared_ptr<Dec> decoder_;
  Index latent_dim_;
};

}  // namespace aegan::models
