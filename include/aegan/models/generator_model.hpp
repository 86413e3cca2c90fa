#pragma once
// GeneratorModel: a trained generator as a program that did not train it uses it. It owns the
// generator network (and optionally the encoder), the latent sampler, the image format and the
// dataset's class names, and saves them to one model file that describes its own networks
// (nn/network_file.hpp), so loading needs neither the trainer nor the network types:
//
//   auto model = aegan::models::GeneratorModel<float>::load("gen.aegan");
//   aegan::Rng rng(1);
//   Tensor<float> images = model.sample(64, rng);   // [64, C, H, W] in model.image().low..high
//
// Model files are io::Archive files (versioned, checksummed, written atomically), with the
// entries below; AEGANTrainer::export_model writes one from a training run.
#include <cmath>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "aegan/autograd/var.hpp"
#include "aegan/io/archive.hpp"
#include "aegan/models/latent.hpp"
#include "aegan/nn/network_file.hpp"
#include "aegan/nn/nn.hpp"  // every layer a model file may name
#include "aegan/tensor/batches.hpp"
#include "aegan/tensor/memory.hpp"

namespace aegan::models {

/// What the generator's output means: images [N, channels, height, width] whose values run from
/// `low` (black, or no intensity) to `high` (full intensity), channels in `channel_order`.
struct ImageFormat {
  Index channels = 1, height = 28, width = 28;
  double low = -1.0, high = 1.0;

  /// "grey", "RGB" or "RGBA", by channel count.
  std::string channel_order() const {
    switch (channels) {
      case 1: return "grey";
      case 3: return "RGB";
      case 4: return "RGBA";
      default: return std::to_string(channels) + " channels";
    }
  }
  Shape shape(Index n) const { return {n, channels, height, width}; }
  /// "3x32x32 RGB in [-1, 1]".
  std::string to_string() const {
    std::ostringstream s;
    s << channels << "x" << height << "x" << width << " " << channel_order() << " in [" << low << ", " << high << "]";
    return s.str();
  }
};

template <Scalar T>
class GeneratorModel {
 public:
  static constexpr const char* kKind = "aegan generator";
  static constexpr std::int64_t kMaxLatent = 65536;
  static constexpr std::int64_t kMaxSide = 4096;

  /// `weights` says which weights the generator holds ("ema" for a training run's moving average,
  /// "live" for the trained ones); it is recorded, not interpreted.
  GeneratorModel(std::shared_ptr<nn::Module<T>> generator, Index latent_dim, ImageFormat image, LatentSampler sampler,
                 std::string weights = "live")
      : generator_(std::move(generator)), latent_dim_(latent_dim), image_(image), sampler_(std::move(sampler)), weights_(std::move(weights)) {
    if (!generator_) throw ValueError("GeneratorModel: no generator network");
    if (latent_dim_ < 1 || latent_dim_ > kMaxLatent)
      throw ValueError("GeneratorModel: latent size " + std::to_string(latent_dim_) + " outside 1.." + std::to_string(kMaxLatent));
    if (sampler_.dim() != latent_dim_)
      throw ValueError("GeneratorModel: the sampler draws " + std::to_string(sampler_.dim()) + "-dimensional codes, the latent size is " +
                       std::to_string(latent_dim_));
    check_image_format(image_, "GeneratorModel");
    generator_->eval();
  }

  /// The encoder (images -> codes [N, latent]), for reconstruction and embeddings.
  GeneratorModel& set_encoder(std::shared_ptr<nn::Module<T>> encoder) {
    encoder_ = std::move(encoder);
    if (encoder_) encoder_->eval();
    return *this;
  }
  GeneratorModel& set_class_names(std::vector<std::string> names) {
    class_names_ = std::move(names);
    return *this;
  }

  Index latent_dim() const { return latent_dim_; }
  const ImageFormat& image() const { return image_; }
  const LatentSampler& sampler() const { return sampler_; }
  void set_sampler(LatentSampler sampler) {
    if (sampler.dim() != latent_dim_) throw ValueError("GeneratorModel::set_sampler: the sampler's dimension differs from the latent size");
    sampler_ = std::move(sampler);
  }
  const std::vector<std::string>& class_names() const { return class_names_; }
  const std::string& weights() const { return weights_; }
  bool has_encoder() const { return encoder_ != nullptr; }
  nn::Module<T>& generator() const { return *generator_; }
  nn::Module<T>& encoder() const {
    if (!encoder_) throw ValueError("GeneratorModel: this model has no encoder" + from());
    return *encoder_;
  }
  /// The file the model was loaded from (empty when built in memory).
  const std::string& origin() const { return origin_; }

  /// Images for latent codes z [N, latent]: no autograd graph, in batches of kBatch codes.
  Tensor<T> generate(const Tensor<T>& z) const {
    if (z.rank() != 2 || z.dim(1) != latent_dim_)
      throw ShapeError("GeneratorModel::generate: latent codes " + z.shape().to_string() + ", expected [N, " + std::to_string(latent_dim_) + "]");
    NoGradGuard no_grad;
    return map_batches(z, kBatch, [&](Tensor<T> part) {
      const Index n = part.dim(0);
      Tensor<T> images = generator_->forward(Var<T>(std::move(part), false)).value();
      if (!(images.shape() == image_.shape(n)))
        throw ShapeError("GeneratorModel" + from() + ": the generator made " + images.shape().to_string() + " from " + std::to_string(n) +
                         " codes, the model's image format is " + image_.shape(n).to_string());
      return images;
    });
  }

  /// n images from codes drawn from the model's sampler.
  Tensor<T> sample(Index n, Rng& rng) const {
    if (n < 0) throw ValueError("GeneratorModel::sample: negative count " + std::to_string(n));
    return generate(sampler_.template sample<T>(n, rng));
  }

  /// Codes [N, latent] for images [N, C, H, W] in the model's pixel range.
  Tensor<T> encode(const Tensor<T>& images) const {
    nn::Module<T>& net = encoder();
    if (!(images.rank() == 4 && images.shape() == image_.shape(images.dim(0))))
      throw ShapeError("GeneratorModel::encode: images " + images.shape().to_string() + ", expected " + image_.shape(images.rank() ? images.dim(0) : 1).to_string());
    NoGradGuard no_grad;
    return map_batches(images, kBatch, [&](Tensor<T> part) {
      const Index n = part.dim(0);
      Tensor<T> codes = net.forward(Var<T>(std::move(part), false)).value();
      if (!(codes.shape() == Shape{n, latent_dim_}))
        throw ShapeError("GeneratorModel" + from() + ": the encoder made " + codes.shape().to_string() + " from " + std::to_string(n) +
                         " images, expected [" + std::to_string(n) + ", " + std::to_string(latent_dim_) + "]");
      return codes;
    });
  }

  /// G(E(images)).
  Tensor<T> reconstruct(const Tensor<T>& images) const { return generate(encode(images)); }

  /// Images mapped from the model's pixel range to [0, 1] (clamped), as image writers take them.
  Tensor<T> to_unit_range(Tensor<T> images) const {
    const T low = static_cast<T>(image_.low), scale = static_cast<T>(1.0 / (image_.high - image_.low));
    for (T& v : images) v = std::clamp((v - low) * scale, T(0), T(1));
    return images;
  }

  /// The model's entries in `archive` (the networks under "generator" and "encoder").
  void write(io::Archive& archive) const {
    archive.put_text("model.kind", kKind);
    archive.put_text("model.scalar", scalar_name<T>());
    archive.put_ints("model.latent", {latent_dim_});
    archive.put_ints("model.image", {image_.channels, image_.height, image_.width});
    archive.put("model.pixel_range", Tensor<double>(Shape{2}, {image_.low, image_.high}));
    archive.put_text("model.channel_order", image_.channel_order());
    archive.put_text("model.weights", weights_);
    std::string names;
    for (const auto& n : class_names_) names += n + "\n";
    archive.put_text("model.class_names", names);
    nn::write_network(archive, "generator", *generator_);
    if (encoder_) nn::write_network(archive, "encoder", *encoder_);
    sampler_.save(archive, "sampler");
  }

  /// Writes the model file atomically: a file already at `path` survives any failure intact.
  void save(const std::filesystem::path& path) const {
    io::Archive archive;
    write(archive);
    archive.save(path);
  }

  static GeneratorModel read(const io::Archive& archive) {
    nn::register_layers<T>();
    const std::string where = "model file " + (archive.origin().empty() ? std::string("<memory>") : archive.origin());
    const auto fail = [&](const std::string& what) { return IoError(where + ": " + what); };
    if (!archive.contains("model.kind") || archive.text("model.kind") != kKind)
      throw fail("not an aegan generator model (no model.kind \"" + std::string(kKind) + "\"; a training checkpoint is turned into one by `aegan export`)");
    if (archive.text("model.scalar") != scalar_name<T>())
      throw fail("holds " + archive.text("model.scalar") + " weights; load it as GeneratorModel<" + archive.text("model.scalar") + ">");
    const auto& latent = archive.ints("model.latent");
    if (latent.size() != 1 || latent[0] < 1 || latent[0] > kMaxLatent)
      throw fail("model.latent must be one size from 1 to " + std::to_string(kMaxLatent));
    const auto& shape = archive.ints("model.image");
    if (shape.size() != 3) throw fail("model.image must hold channels, height and width");
    for (auto d : shape)
      if (d < 1 || d > kMaxSide) throw fail("model.image holds " + std::to_string(d) + ", expected 1 to " + std::to_string(kMaxSide));
    const auto& range = archive.tensor<double>("model.pixel_range");
    if (range.numel() != 2) throw fail("model.pixel_range must hold two numbers (low, high)");
    ImageFormat image{shape[0], shape[1], shape[2], range[0], range[1]};
    try {
      check_image_format(image, "model.image");
    } catch (const ValueError& e) {
      throw fail(e.what());
    }
    if (archive.text("model.channel_order") != image.channel_order())
      throw fail("model.channel_order is '" + archive.text("model.channel_order") + "', " + std::to_string(image.channels) +
                 " channels are " + image.channel_order());
    LatentSampler sampler = LatentSampler::load(archive, "sampler");
    if (sampler.dim() != latent[0])
      throw fail("the sampler draws " + std::to_string(sampler.dim()) + "-dimensional codes, model.latent is " + std::to_string(latent[0]));
    GeneratorModel model(nn::read_network<T>(archive, "generator", where), latent[0], image, std::move(sampler), archive.text("model.weights"));
    if (archive.contains("encoder.arch.kind")) model.set_encoder(nn::read_network<T>(archive, "encoder", where));
    model.class_names_ = split_lines(archive.text("model.class_names"));
    model.origin_ = archive.origin();
    return model;
  }

  /// Reads and checks a model file; every refusal names the file and the problem.
  static GeneratorModel load(const std::filesystem::path& path) { return read(io::Archive::load(path, "model file")); }

  static constexpr Index kBatch = 256;

 private:
  template <Scalar S>
  static const char* scalar_name() { return std::is_same_v<S, float> ? "float" : "double"; }

  static void check_image_format(const ImageFormat& f, const std::string& who) {
    if (f.channels < 1 || f.channels > 4 || f.height < 1 || f.width < 1 || f.height > kMaxSide || f.width > kMaxSide)
      throw ValueError(who + ": image format " + f.to_string() + " is not 1 to 4 channels of 1 to " + std::to_string(kMaxSide) + " pixels a side");
    if (!(std::isfinite(f.low) && std::isfinite(f.high) && f.low < f.high))
      throw ValueError(who + ": pixel range [" + std::to_string(f.low) + ", " + std::to_string(f.high) + "] must be finite with low < high");
  }
  static std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) lines.push_back(text.substr(start, end - start));
    if (start < text.size()) lines.push_back(text.substr(start));
    return lines;
  }
  std::string from() const { return origin_.empty() ? std::string() : " (" + origin_ + ")"; }

  std::shared_ptr<nn::Module<T>> generator_;
  std::shared_ptr<nn::Module<T>> encoder_;
  Index latent_dim_;
  ImageFormat image_;
  LatentSampler sampler_;
  std::string weights_;
  std::vector<std::string> class_names_;
  std::string origin_;
  // Keeps freed activations for the next call while the model (or a copy) lives: a forward pass
  // allocates the same buffers every time, and handing them back to the kernel in between made
  // repeated generation four to five times slower (tensor/memory.hpp).
  std::shared_ptr<BlockCacheScope> buffers_ = std::make_shared<BlockCacheScope>();
};

}  // namespace aegan::models
