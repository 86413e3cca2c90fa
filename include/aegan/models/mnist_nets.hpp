#pragma once
// Ready networks for 28×28 single-channel images (MNIST, Fashion-MNIST) at width W and latent
// size z: the image_nets.hpp family at 1×28×28, the architectures of the AE-GAN demo. W=32, z=16
// trains in minutes on two cores; W=64 is sharper.
#include <memory>

#include "aegan/models/image_nets.hpp"

namespace aegan::models::mnist {

template <Scalar T>
using Net = nn::Sequential<T>;

using models::dcgan_init;

inline ImageNetOptions options(Index width, Index latent) { return ImageNetOptions(1, 28).width(width).latent(latent); }

/// G: Linear(z→2W·7·7) → BN → ReLU → ConvT(2W→W, k4 s2 p1) → BN → ReLU → ConvT(W→1, k4 s2 p1) → tanh.
template <Scalar T>
std::shared_ptr<Net<T>> generator(Index width, Index latent, Rng& rng = default_rng()) {
  return models::generator<T>(options(width, latent), rng);
}

/// E: Conv(1→W, k4 s2 p1) → LeakyReLU 0.2 → Conv(W→2W, k4 s2 p1) → BN → LeakyReLU → Linear(2W·49→z).
template <Scalar T>
std::shared_ptr<Net<T>> encoder(Index width, Index latent, Rng& rng = default_rng()) {
  return models::encoder<T>(options(width, latent), rng);
}

/// Dx: the encoder's trunk without batch norm → Linear(2W·49→1) logit.
template <Scalar T>
std::shared_ptr<Net<T>> image_critic(Index width, Rng& rng = default_rng()) {
  return models::image_critic<T>(options(width, 1), rng);
}

/// Dz: Linear(z→128) → LeakyReLU → Linear(128→128) → LeakyReLU → Linear(128→1).
template <Scalar T>
std::shared_ptr<Net<T>> latent_critic(Index latent, Rng& rng = default_rng()) {
  return models::latent_critic<T>(options(1, latent), rng);
}

/// The digit classifier: ImageClassifier at 1×28×28 with 10 classes (two conv/pool stages, 256
/// features), as examples/mnist_classifier trains it.
template <Scalar T>
class Classifier : public ImageClassifier<T> {
 public:
  explicit Classifier(Rng& rng = default_rng()) : ImageClassifier<T>(1, 28, 10, rng) {}
};

}  // namespace aegan::models::mnist
