#pragma once
// Ready networks for 28×28 single-channel images (MNIST, Fashion-MNIST) at width W and latent
// size z, the architectures of the AE-GAN demo; and a LeNet-style classifier whose penultimate
// features score samples (FID). W=32, z=16 trains in minutes on two cores; W=64 is sharper.
#include <memory>

#include "aegan/nn/batchnorm.hpp"
#include "aegan/nn/conv.hpp"
#include "aegan/nn/nn.hpp"
#include "aegan/nn/pool.hpp"
#include "aegan/nn/reshape.hpp"

namespace aegan::models::mnist {

template <Scalar T>
using Net = nn::Sequential<T>;

/// DCGAN initialization (Radford et al. 2016): weights of linear and conv layers N(0, 0.02),
/// batch-norm scales N(1, 0.02), every bias 0.
template <Scalar T>
void dcgan_init(nn::Module<T>& module, Rng& rng) {
  for (auto& p : module.named_parameters()) {
    Tensor<T>& v = p.var.mutable_value();
    const bool is_bias = p.name.size() >= 4 && p.name.compare(p.name.size() - 4, 4, "bias") == 0;
    if (is_bias) v.fill(T(0));
    else if (v.rank() == 1) rng.fill_normal(v, 1.0, 0.02);  // batch-norm weight
    else rng.fill_normal(v, 0.0, 0.02);
  }
}

inline void check_sizes(Index width, Index latent, const char* who) {
  if (width < 1 || latent < 1)
    throw ValueError(std::string(who) + ": width and latent size must be positive, got W=" + std::to_string(width) + " z=" + std::to_string(latent));
}

/// G: Linear(z→2W·7·7) → BN → ReLU → ConvT(2W→W, k4 s2 p1) → BN → ReLU → ConvT(W→1, k4 s2 p1) → tanh.
template <Scalar T>
std::shared_ptr<Net<T>> generator(Index width, Index latent, Rng& rng = default_rng()) {
  check_sizes(width, latent, "mnist::generator");
  const Index w2 = 2 * width;
  auto g = std::make_shared<Net<T>>(
      nn::Linear<T>(nn::LinearOptions(latent, w2 * 49).bias(false), rng), nn::BatchNorm1d<T>(w2 * 49), nn::ReLU<T>(),
      nn::Unflatten<T>(1, {w2, 7, 7}),
      nn::ConvTranspose2d<T>(nn::ConvTranspose2dOptions(w2, width, 4).stride(2).padding(1).bias(false), rng),
      nn::BatchNorm2d<T>(width), nn::ReLU<T>(),
      nn::ConvTranspose2d<T>(nn::ConvTranspose2dOptions(width, 1, 4).stride(2).padding(1), rng), nn::Tanh<T>());
  dcgan_init(*g, rng);
  return g;
}

/// E: Conv(1→W, k4 s2 p1) → LeakyReLU 0.2 → Conv(W→2W, k4 s2 p1) → BN → LeakyReLU → Linear(2W·49→z).
template <Scalar T>
std::shared_ptr<Net<T>> encoder(Index width, Index latent, Rng& rng = default_rng()) {
  check_sizes(width, latent, "mnist::encoder");
  const Index w2 = 2 * width;
  auto e = std::make_shared<Net<T>>(
      nn::Conv2d<T>(nn::Conv2dOptions(1, width, 4).stride(2).padding(1), rng), nn::LeakyReLU<T>(T(0.2)),
      nn::Conv2d<T>(nn::Conv2dOptions(width, w2, 4).stride(2).padding(1).bias(false), rng), nn::BatchNorm2d<T>(w2),
      nn::LeakyReLU<T>(T(0.2)), nn::Flatten<T>(), nn::Linear<T>(w2 * 49, latent, rng));
  dcgan_init(*e, rng);
  return e;
}

/// Dx: the encoder's trunk without batch norm → Linear(2W·49→1) logit.
template <Scalar T>
std::shared_ptr<Net<T>> image_critic(Index width, Rng& rng = default_rng()) {
  check_sizes(width, 1, "mnist::image_critic");
  const Index w2 = 2 * width;
  auto d = std::make_shared<Net<T>>(
      nn::Conv2d<T>(nn::Conv2dOptions(1, width, 4).stride(2).padding(1), rng), nn::LeakyReLU<T>(T(0.2)),
      nn::Conv2d<T>(nn::Conv2dOptions(width, w2, 4).stride(2).padding(1), rng), nn::LeakyReLU<T>(T(0.2)), nn::Flatten<T>(),
      nn::Linear<T>(w2 * 49, 1, rng));
  dcgan_init(*d, rng);
  return d;
}

/// Dz: Linear(z→128) → LeakyReLU → Linear(128→128) → LeakyReLU → Linear(128→1).
template <Scalar T>
std::shared_ptr<Net<T>> latent_critic(Index latent, Rng& rng = default_rng()) {
  check_sizes(1, latent, "mnist::latent_critic");
  return std::make_shared<Net<T>>(nn::Linear<T>(latent, 128, rng), nn::LeakyReLU<T>(T(0.2)), nn::Linear<T>(128, 128, rng),
                                  nn::LeakyReLU<T>(T(0.2)), nn::Linear<T>(128, 1, rng));
}

/// LeNet-style classifier: two conv/pool stages, a 256-unit feature layer, 10 logits. The feature
/// layer (after its ReLU) is what FID compares.
template <Scalar T>
class Classifier : public nn::Module<T> {
 public:
  static constexpr Index kFeatures = 256;
  explicit Classifier(Rng& rng = default_rng()) {
    trunk_ = this->register_module(
        "trunk", std::make_shared<Net<T>>(nn::Conv2d<T>(nn::Conv2dOptions(1, 32, 5).padding(2), rng), nn::ReLU<T>(),
                                          nn::MaxPool2d<T>(2), nn::Conv2d<T>(nn::Conv2dOptions(32, 64, 5).padding(2), rng),
                                          nn::ReLU<T>(), nn::MaxPool2d<T>(2), nn::Flatten<T>(),
                                          nn::Linear<T>(64 * 49, kFeatures, rng), nn::ReLU<T>()));
    head_ = this->register_module("head", std::make_shared<Net<T>>(nn::Dropout<T>(0.3, rng), nn::Linear<T>(kFeatures, 10, rng)));
  }
  /// Penultimate features [N, 256] of images [N, 1, 28, 28] in [0, 1].
  Var<T> features(const Var<T>& x) {
    if (x.value().rank() != 4 || x.dim(1) != 1 || x.dim(2) != 28 || x.dim(3) != 28)
      throw ShapeError("mnist::Classifier: input " + x.shape().to_string() + ", expected [N, 1, 28, 28]");
    return trunk_->forward(x);
  }
  /// Class logits [N, 10].
  Var<T> forward(const Var<T>& x) override { return forward_features(features(x)); }
  /// Class logits from already computed features.
  Var<T> forward_features(const Var<T>& features) { return head_->forward(features); }
  std::string type_name() const override { return "mnist::Classifier"; }

 private:
  std::shared_ptr<Net<T>> trunk_, head_;
};

}  // namespace aegan::models::mnist
