#pragma once
// Ready networks for C×S×S images (C = 1 grey or 3 colour): the DCGAN family of Radford et al.
// 2016 at any size S = b·2^k with a base b of 4 to 7 and k ≥ 1 stride-2 stages (8, 10, 12, 14, 16,
// 20, 24, 28, 32, 40, 48, 56, 64, 80, 96, 112, 128, ...). Channel widths double per halving of the
// resolution, from W next to the image up to W·max_width_multiplier: at 64×64 that is the
// canonical DCGAN (W, 2W, 4W, 8W on 32, 16, 8, 4), at 28×28 the MNIST networks of mnist_nets.hpp.
// ImageClassifier is the matching LeNet-style classifier whose 256 penultimate features score
// samples (FID).
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "aegan/nn/batchnorm.hpp"
#include "aegan/nn/conv.hpp"
#include "aegan/nn/nn.hpp"
#include "aegan/nn/pool.hpp"
#include "aegan/nn/reshape.hpp"

namespace aegan::models {

template <Scalar T>
using Net = nn::Sequential<T>;

/// Shape and capacity of the image networks: channels C and size S of the images, base width W,
/// latent size z, and the cap on the widest stage as a multiple of W.
struct ImageNetOptions {
  ImageNetOptions(Index channels, Index size) : channels_(channels), size_(size) {}
  ImageNetOptions& width(Index w) { width_ = w; return *this; }
  ImageNetOptions& latent(Index z) { latent_ = z; return *this; }
  ImageNetOptions& max_width_multiplier(Index m) { max_width_multiplier_ = m; return *this; }
  Index channels() const { return channels_; }
  Index size() const { return size_; }
  Index width() const { return width_; }
  Index latent() const { return latent_; }
  Index max_width_multiplier() const { return max_width_multiplier_; }

 private:
  Index channels_, size_;
  Index width_ = 32, latent_ = 16, max_width_multiplier_ = 8;
};

/// The resolution ladder of the networks: the base b×b the generator starts from and the channel
/// width of every stride-2 stage, widths[0] next to the image (at S/2) and widths.back() at b×b.
struct StagePlan {
  Index base = 0;
  std::vector<Index> widths;
};

namespace detail {

inline Index halvings(Index size) {
  Index k = 0;
  while (size % 2 == 0 && size / 2 >= 4) size /= 2, ++k;
  return k;
}

inline bool working_size(Index size) { return size >= 8 && size >> halvings(size) <= 7; }

/// The working sizes nearest to `size`, below and above, for the error that refuses it.
inline std::string working_sizes_near(Index size) {
  Index below = std::min<Index>(size - 1, 4096), above = std::max<Index>(size + 1, 8);
  while (below >= 8 && !working_size(below)) --below;
  while (!working_size(above)) ++above;
  return below >= 8 ? std::to_string(below) + " or " + std::to_string(above) : std::to_string(above);
}

}  // namespace detail

/// Refuses options no network can be built from, naming the field and, for a size, the nearest
/// sizes that work.
inline void validate(const ImageNetOptions& o, const char* who = "ImageNetOptions") {
  const std::string prefix = std::string(who) + ": ";
  if (o.channels() < 1 || o.channels() > 4)
    throw ValueError(prefix + "images must have 1 to 4 channels, got " + std::to_string(o.channels()));
  if (o.width() < 1 || o.latent() < 1)
    throw ValueError(prefix + "width and latent size must be positive, got W=" + std::to_string(o.width()) + " z=" + std::to_string(o.latent()));
  if (o.max_width_multiplier() < 1)
    throw ValueError(prefix + "max_width_multiplier must be at least 1, got " + std::to_string(o.max_width_multiplier()));
  if (o.size() > 4096 || !detail::working_size(o.size()))
    throw ValueError(prefix + "no network plan for " + std::to_string(o.size()) + "×" + std::to_string(o.size()) +
                     " images: sizes must be b·2^k with b in 4..7 and k ≥ 1 (8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 64, ...); nearest: " +
                     detail::working_sizes_near(o.size()));
}

/// The ladder for validated options: k = halvings of S down to a base of 4..7, widths W·2^j capped
/// at W·max_width_multiplier.
inline StagePlan stage_plan(const ImageNetOptions& o) {
  validate(o);
  StagePlan plan;
  const Index k = detail::halvings(o.size());
  plan.base = o.size() >> k;
  for (Index j = 0; j < k; ++j) plan.widths.push_back(o.width() * std::min<Index>(Index(1) << j, o.max_width_multiplier()));
  return plan;
}

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

/// G: Linear(z→w_k·b²) → BN → ReLU → [ConvT(w_j→w_{j-1}, k4 s2 p1) → BN → ReLU]… → ConvT(w_1→C) → tanh.
template <Scalar T>
std::shared_ptr<Net<T>> generator(const ImageNetOptions& o, Rng& rng = default_rng()) {
  const StagePlan plan = stage_plan(o);
  const Index top = plan.widths.back(), b = plan.base;
  auto g = std::make_shared<Net<T>>();
  g->push_back(std::make_shared<nn::Linear<T>>(nn::LinearOptions(o.latent(), top * b * b).bias(false), rng));
  g->push_back(std::make_shared<nn::BatchNorm1d<T>>(top * b * b));
  g->push_back(std::make_shared<nn::ReLU<T>>());
  g->push_back(std::make_shared<nn::Unflatten<T>>(1, std::vector<Index>{top, b, b}));
  for (std::size_t j = plan.widths.size() - 1; j > 0; --j) {
    g->push_back(std::make_shared<nn::ConvTranspose2d<T>>(
        nn::ConvTranspose2dOptions(plan.widths[j], plan.widths[j - 1], 4).stride(2).padding(1).bias(false), rng));
    g->push_back(std::make_shared<nn::BatchNorm2d<T>>(plan.widths[j - 1]));
    g->push_back(std::make_shared<nn::ReLU<T>>());
  }
  g->push_back(std::make_shared<nn::ConvTranspose2d<T>>(nn::ConvTranspose2dOptions(plan.widths[0], o.channels(), 4).stride(2).padding(1), rng));
  g->push_back(std::make_shared<nn::Tanh<T>>());
  dcgan_init(*g, rng);
  return g;
}

namespace detail {

/// The stride-2 convolution trunk shared by encoder and critic: Conv(C→w_1) → LeakyReLU 0.2 →
/// [Conv(w_{j-1}→w_j) → (BN) → LeakyReLU]… → Flatten.
template <Scalar T>
std::shared_ptr<Net<T>> conv_trunk(const ImageNetOptions& o, const StagePlan& plan, bool batch_norm, Rng& rng) {
  auto net = std::make_shared<Net<T>>();
  net->push_back(std::make_shared<nn::Conv2d<T>>(nn::Conv2dOptions(o.channels(), plan.widths[0], 4).stride(2).padding(1), rng));
  net->push_back(std::make_shared<nn::LeakyReLU<T>>(T(0.2)));
  for (std::size_t j = 1; j < plan.widths.size(); ++j) {
    net->push_back(std::make_shared<nn::Conv2d<T>>(
        nn::Conv2dOptions(plan.widths[j - 1], plan.widths[j], 4).stride(2).padding(1).bias(!batch_norm), rng));
    if (batch_norm) net->push_back(std::make_shared<nn::BatchNorm2d<T>>(plan.widths[j]));
    net->push_back(std::make_shared<nn::LeakyReLU<T>>(T(0.2)));
  }
  net->push_back(std::make_shared<nn::Flatten<T>>());
  return net;
}

}  // namespace detail

/// E: the convolution trunk with batch norm after every stage but the first → Linear(w_k·b²→z).
template <Scalar T>
std::shared_ptr<Net<T>> encoder(const ImageNetOptions& o, Rng& rng = default_rng()) {
  const StagePlan plan = stage_plan(o);
  auto e = detail::conv_trunk<T>(o, plan, true, rng);
  e->push_back(std::make_shared<nn::Linear<T>>(plan.widths.back() * plan.base * plan.base, o.latent(), rng));
  dcgan_init(*e, rng);
  return e;
}

/// Dx: the encoder's trunk without batch norm → Linear(w_k·b²→1) logit.
template <Scalar T>
std::shared_ptr<Net<T>> image_critic(const ImageNetOptions& o, Rng& rng = default_rng()) {
  const StagePlan plan = stage_plan(o);
  auto d = detail::conv_trunk<T>(o, plan, false, rng);
  d->push_back(std::make_shared<nn::Linear<T>>(plan.widths.back() * plan.base * plan.base, 1, rng));
  dcgan_init(*d, rng);
  return d;
}

/// Dz: Linear(z→128) → LeakyReLU → Linear(128→128) → LeakyReLU → Linear(128→1).
template <Scalar T>
std::shared_ptr<Net<T>> latent_critic(const ImageNetOptions& o, Rng& rng = default_rng()) {
  validate(o, "latent_critic");
  return std::make_shared<Net<T>>(nn::Linear<T>(o.latent(), 128, rng), nn::LeakyReLU<T>(T(0.2)), nn::Linear<T>(128, 128, rng),
                                  nn::LeakyReLU<T>(T(0.2)), nn::Linear<T>(128, 1, rng));
}

/// The classifier's stages: 5×5 convolutions of 32, 64, 128, 128... channels, each followed by a
/// 2×2 max-pool while the resolution is even and above 7 (28 → 14 → 7, 32 → 16 → 8 → 4); a size
/// that cannot be pooled keeps one unpooled stage.
struct ClassifierPlan {
  std::vector<Index> widths;
  std::vector<bool> pooled;
  Index final_size = 0;
};

inline ClassifierPlan classifier_plan(Index size) {
  ClassifierPlan plan;
  Index s = size;
  while (s > 7 && s % 2 == 0) {
    plan.widths.push_back(std::min<Index>(Index(32) << plan.widths.size(), 128));
    plan.pooled.push_back(true);
    s /= 2;
  }
  if (plan.widths.empty()) {
    plan.widths.push_back(32);
    plan.pooled.push_back(false);
  }
  plan.final_size = s;
  return plan;
}

/// LeNet-style classifier of C×S×S images: the convolution stages of classifier_plan, a 256-unit
/// feature layer, `classes` logits. The feature layer (after its ReLU) is what FID compares.
template <Scalar T>
class ImageClassifier : public nn::Module<T> {
 public:
  static constexpr Index kFeatures = 256;
  ImageClassifier(Index channels, Index size, Index classes, Rng& rng = default_rng())
      : channels_(channels), size_(size), classes_(classes) {
    if (channels < 1 || channels > 4 || size < 1 || size > 4096 || classes < 1 || classes > 256)
      throw ValueError("ImageClassifier: expected 1..4 channels, size 1..4096 and 1..256 classes, got C=" + std::to_string(channels) +
                       " S=" + std::to_string(size) + " classes=" + std::to_string(classes));
    const ClassifierPlan plan = classifier_plan(size);
    auto trunk = std::make_shared<Net<T>>();
    Index in = channels;
    for (std::size_t i = 0; i < plan.widths.size(); ++i) {
      trunk->push_back(std::make_shared<nn::Conv2d<T>>(nn::Conv2dOptions(in, plan.widths[i], 5).padding(2), rng));
      trunk->push_back(std::make_shared<nn::ReLU<T>>());
      if (plan.pooled[i]) trunk->push_back(std::make_shared<nn::MaxPool2d<T>>(2));
      in = plan.widths[i];
    }
    trunk->push_back(std::make_shared<nn::Flatten<T>>());
    trunk->push_back(std::make_shared<nn::Linear<T>>(in * plan.final_size * plan.final_size, kFeatures, rng));
    trunk->push_back(std::make_shared<nn::ReLU<T>>());
    trunk_ = this->register_module("trunk", trunk);
    head_ = this->register_module("head", std::make_shared<Net<T>>(nn::Dropout<T>(0.3, rng), nn::Linear<T>(kFeatures, classes, rng)));
  }
  /// Penultimate features [N, 256] of images [N, C, S, S] in [0, 1].
  Var<T> features(const Var<T>& x) {
    if (x.value().rank() != 4 || x.dim(1) != channels_ || x.dim(2) != size_ || x.dim(3) != size_)
      throw ShapeError("ImageClassifier: input " + x.shape().to_string() + ", expected [N, " + std::to_string(channels_) + ", " +
                       std::to_string(size_) + ", " + std::to_string(size_) + "]");
    return trunk_->forward(x);
  }
  /// Class logits [N, classes].
  Var<T> forward(const Var<T>& x) override { return forward_features(features(x)); }
  /// Class logits from already computed features.
  Var<T> forward_features(const Var<T>& features) { return head_->forward(features); }
  Index channels() const { return channels_; }
  Index size() const { return size_; }
  Index classes() const { return classes_; }
  std::string type_name() const override {
    return "ImageClassifier(" + std::to_string(channels_) + "x" + std::to_string(size_) + "x" + std::to_string(size_) + ", " +
           std::to_string(classes_) + " classes)";
  }

 private:
  Index channels_, size_, classes_;
  std::shared_ptr<Net<T>> trunk_, head_;
};

}  // namespace aegan::models
