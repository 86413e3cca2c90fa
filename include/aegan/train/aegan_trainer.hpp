#pragma once
// AEGANTrainer: one algorithm with weighted terms (docs/architecture.md, "AE-GAN: one algorithm,
// weighted terms"). A step is an update of the critics (image critic Dx, latent critic Dz) on
// detached fakes followed by one generator+encoder update. Presets are weightings of the same
// step, so `ae`, `dcgan`, `aae`, `alpha_gan` and `aegan` share every line of this file.
#include <cmath>
#include <concepts>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aegan/autograd/autograd.hpp"
#include "aegan/data/loader.hpp"
#include "aegan/models/gan.hpp"
#include "aegan/models/generator_model.hpp"
#include "aegan/models/latent.hpp"
#include "aegan/optim/adam.hpp"
#include "aegan/optim/ema.hpp"
#include "aegan/tensor/batches.hpp"
#include "aegan/train/options.hpp"
#include "aegan/train/state.hpp"

namespace aegan::train {

/// What one step measured, for callbacks, logs and CSV files.
struct StepReport {
  long step = 0;   // 1-based count of steps taken so far
  long epoch = 0;  // 1-based epoch the step belongs to
  std::vector<std::pair<std::string, double>> losses;  // named terms, in a fixed order

  double get(const std::string& name) const {
    for (auto& [n, v] : losses)
      if (n == name) return v;
    throw ValueError("StepReport: no loss named '" + name + "'");
  }
};

/// Each loss term's mean over `reports` (an epoch's steps, as on_epoch_end passes them), named and
/// in the reports' order; empty for no reports.
inline std::vector<std::pair<std::string, double>> mean_losses(const std::vector<StepReport>& reports) {
  if (reports.empty()) return {};
  std::vector<std::pair<std::string, double>> means = reports.front().losses;
  for (auto& [name, value] : means) value = 0;
  for (const StepReport& r : reports) {
    if (r.losses.size() != means.size()) throw ValueError("mean_losses: the reports name different loss terms");
    for (std::size_t i = 0; i < means.size(); ++i) means[i].second += r.losses[i].second;
  }
  for (auto& [name, value] : means) value /= static_cast<double>(reports.size());
  return means;
}

/// Trains a generator, an encoder and two critics, each any nn::Module<T> type. The later types
/// default to the one before: AEGANTrainer<nn::Sequential<float>> when all four are Sequentials,
/// AEGANTrainer<MyGenerator, nn::Sequential<float>> for a hand-written generator.
template <class GNet, class ENet = GNet, class DxNet = ENet, class DzNet = DxNet>
class AEGANTrainer {
  static_assert(models::detail::check_networks<GNet, ENet, DxNet, DzNet>());

 public:
  using T = typename models::detail::scalar_of<GNet>::type;
  /// Rows per forward pass in generate(), encode() and reconstruct(): memory stays bounded by one
  /// batch's activations whatever the number of samples.
  static constexpr Index kInferenceBatch = 256;

  /// The networks. A preset that does not use a network (dcgan has no encoder and no latent
  /// critic) may leave it null.
  struct Networks {
    std::shared_ptr<GNet> generator;
    std::shared_ptr<ENet> encoder;
    std::shared_ptr<DxNet> image_critic;   // Dx: images -> [N, 1] logits
    std::shared_ptr<DzNet> latent_critic;  // Dz: codes [N, z] -> [N, 1] logits
    Index latent_dim = 0;
  };

  using StepCallback = std::function<void(const StepReport&)>;
  using EpochCallback = std::function<void(long epoch, const std::vector<StepReport>& steps)>;

  AEGANTrainer(Networks nets, AEGANOptions options) : options_(std::move(options)), rng_(options_.seed()) {
    options_.validate();
    const LossWeights& w = options_.weights();
    auto require = [&](bool present, const char* what) {
      if (!present) throw ValueError(std::string("AEGANTrainer: preset ") + preset_name(options_.preset()) + " (" + w.to_string() + ") needs " + what);
    };
    require(nets.generator != nullptr, "a generator");
    require(!w.uses_encoder() || nets.encoder != nullptr, "an encoder");
    require(!w.uses_dx() || nets.image_critic != nullptr, "an image critic Dx");
    require(!w.uses_dz() || nets.latent_critic != nullptr, "a latent critic Dz");
    generator_ = std::make_shared<models::Generator<GNet>>(nets.generator, nets.latent_dim);
    std::vector<Var<T>> ge_params = generator_->parameters();
    if (w.uses_encoder()) {
      autoencoder_ = std::make_shared<models::Autoencoder<ENet, models::Generator<GNet>>>(nets.encoder, generator_, nets.latent_dim);
      for (auto& p : nets.encoder->parameters()) ge_params.push_back(p);
    }
    const auto adam = [&](double lr) { return optim::AdamOptions(lr).betas(options_.beta1(), options_.beta2()); };
    ge_opt_ = std::make_unique<optim::Adam<T>>(ge_params, adam(options_.lr_generator()));
    if (w.uses_dx()) {
      image_critic_ = std::make_shared<models::Discriminator<DxNet>>(nets.image_critic, "Dx");
      image_critic_opt_ = std::make_unique<optim::Adam<T>>(image_critic_->parameters(), adam(options_.lr_critic()));
    }
    if (w.uses_dz()) {
      latent_critic_ = std::make_shared<models::Discriminator<DzNet>>(nets.latent_critic, "Dz");
      latent_critic_opt_ = std::make_unique<optim::Adam<T>>(latent_critic_->parameters(), adam(options_.lr_critic()));
    }
    if (options_.ema_decay() > 0) ema_ = std::make_unique<optim::EMA<T>>(*generator_, options_.ema_decay());
  }

  void on_step(StepCallback cb) { step_callbacks_.push_back(std::move(cb)); }
  void on_epoch_end(EpochCallback cb) { epoch_callbacks_.push_back(std::move(cb)); }

  /// One training step on a batch of real samples (images in the generator's output range).
  StepReport step(const Tensor<T>& real) {
    if (real.rank() < 2 || real.dim(0) < 2)
      throw ShapeError("AEGANTrainer::step: expected a batch of at least 2 samples, got " + real.shape().to_string());
    const LossWeights& w = options_.weights();
    const Index batch = real.dim(0), zdim = generator_->latent_dim();
    const long step_number = steps_ + 1;
    StepReport report;
    report.step = step_number;
    report.epoch = epoch_ + 1;

    Var<T> x(real);
    Var<T> z(prior_sample(batch, zdim));
    const double noise = current_noise();

    // Forward through generator and encoder once, with the graph: the critics train on detached
    // copies, and the generator/encoder update reuses the same graph (as PyTorch's DCGAN does).
    Var<T> x_gen, z_enc, x_rec, z_rec;
    if (w.needs_generated()) x_gen = (*generator_)(z);
    if (autoencoder_) z_enc = autoencoder_->encode(x);
    if (w.rec_x > 0 || w.adv_x_rec > 0) x_rec = autoencoder_->decode(z_enc);
    if (w.rec_z > 0 || w.adv_z_rec > 0) z_rec = autoencoder_->encode(x_gen);

    // The critics' losses keep the names "d_x" and "d_z": loss CSV columns and logs use them.
    if (image_critic_) {
      std::vector<Var<T>> fakes;
      if (w.adv_x_gen > 0) fakes.push_back(x_gen.detach());
      if (w.adv_x_rec > 0) fakes.push_back(x_rec.detach());
      report.losses.emplace_back(
          "d_x", critic_update(*image_critic_, *image_critic_opt_, with_noise(x, noise), fakes, noise, "critic Dx", step_number));
    }
    if (latent_critic_) {
      std::vector<Var<T>> fakes;
      if (w.adv_z_enc > 0) fakes.push_back(z_enc.detach());
      if (w.adv_z_rec > 0) fakes.push_back(z_rec.detach());
      report.losses.emplace_back("d_z", critic_update(*latent_critic_, *latent_critic_opt_, Var<T>(prior_sample(batch, zdim)), fakes,
                                                      0.0, "critic Dz", step_number));
    }

    // Generator and encoder. The critics are frozen for this pass: their weight gradients would be
    // thrown away, so not computing them saves part of the critic backward.
    FreezeGuard freeze_image_critic(image_critic_.get()), freeze_latent_critic(latent_critic_.get());
    ge_opt_->zero_grad();
    Var<T> total;
    auto add = [&](const char* name, double weight, auto make) {
      if (weight <= 0) return;
      Var<T> term = make();
      finite_or_throw(term, name, step_number);
      report.losses.emplace_back(name, term.item());
      Var<T> weighted = term * static_cast<T>(weight);
      total = total.defined() ? total + weighted : weighted;
    };
    add("rec_x", w.rec_x, [&] {
      return options_.reconstruction() == ReconstructionLoss::L1 ? l1_loss(x_rec, x) : mse_loss(x_rec, x);
    });
    add("rec_z", w.rec_z, [&] { return mse_loss(z_rec, z); });
    add("adv_x_gen", w.adv_x_gen, [&] { return fooling_loss(*image_critic_, with_noise(x_gen, noise)); });
    add("adv_x_rec", w.adv_x_rec, [&] { return fooling_loss(*image_critic_, with_noise(x_rec, noise)); });
    add("adv_z_enc", w.adv_z_enc, [&] { return fooling_loss(*latent_critic_, z_enc); });
    add("adv_z_rec", w.adv_z_rec, [&] { return fooling_loss(*latent_critic_, z_rec); });
    total.backward();
    check_gradients(step_number);
    ge_opt_->step();
    if (ema_) ema_->update();
    report.losses.emplace_back("total", total.item());

    ++steps_;
    for (auto& cb : step_callbacks_) cb(report);
    return report;
  }

  /// Trains for whole epochs up to `epochs` (continuing after a resumed checkpoint's epoch), with
  /// a fresh deterministic shuffle per epoch. When `checkpoint` is set, it is rewritten atomically
  /// after every epoch, so an interrupted run resumes at the last finished epoch.
  /// An ImageDataset's pixels are mapped to [-1, 1], the range of the generator's tanh output.
  template <class Data>
    requires std::same_as<Data, data::Dataset<T>> || std::same_as<Data, data::ImageDataset>
  void fit(const Data& train, long epochs, const std::optional<std::filesystem::path>& checkpoint = {}) {
    BlockCacheScope cache;  // each step reuses the previous step's buffers (tensor/memory.hpp)
    data::BatchLoader<T> loader(train, data::LoaderOptions(options_.batch_size())
                                           .shuffle(true)
                                           .drop_last(true)
                                           .seed(options_.seed())
                                           .pixel_range(data::PixelRange::MinusOneOne)
                                           .horizontal_flips(options_.horizontal_flips()));
    if (loader.num_batches() == 0)
      throw ValueError("AEGANTrainer::fit: " + std::to_string(train.size()) + " samples make no full batch of " +
                       std::to_string(options_.batch_size()));
    while (epoch_ < epochs) {
      loader.start_epoch(epoch_ + 1);
      std::vector<StepReport> reports;
      for (const auto& batch : loader) reports.push_back(step(batch.images));
      ++epoch_;
      if (checkpoint) save_checkpoint(*checkpoint);
      for (auto& cb : epoch_callbacks_) cb(epoch_, reports);
    }
  }

  /// Samples from the generator for latent codes z [N, latent], with the EMA weights when enabled,
  /// in eval mode and without a graph. Training state is restored afterwards.
  Tensor<T> generate(const Tensor<T>& z) {
    NoGradGuard no_grad;
    EvalScope scope(*generator_, ema_.get());
    return map_batches(z, kInferenceBatch, [&](Tensor<T> part) { return (*generator_)(Var<T>(std::move(part))).value(); });
  }

  /// Encoder codes for inputs x (eval mode, no graph).
  Tensor<T> encode(const Tensor<T>& x) {
    require_encoder("encode");
    NoGradGuard no_grad;
    EvalScope scope(autoencoder_->encoder(), nullptr);
    return map_batches(x, kInferenceBatch, [&](Tensor<T> part) { return autoencoder_->encode(Var<T>(std::move(part))).value(); });
  }

  /// Encoder codes for an image dataset's pixels, mapped to [-1, 1] a chunk at a time, so a large
  /// dataset is never held as floats.
  Tensor<T> encode(const data::ImageDataset& images) {
    require_encoder("encode");
    images.validate("AEGANTrainer::encode");
    Tensor<T> codes = Tensor<T>::uninitialized({images.size(), generator_->latent_dim()});
    for (Index first = 0; first < images.size(); first += kInferenceBatch) {
      const Index count = std::min(kInferenceBatch, images.size() - first);
      const Tensor<T> part = encode(images.template images<T>(data::PixelRange::MinusOneOne, first, count));
      std::copy_n(part.data(), part.numel(), codes.data() + first * codes.dim(1));
    }
    return codes;
  }

  /// G(E(x)) with the live generator weights (the ones the reconstruction loss trained).
  Tensor<T> reconstruct(const Tensor<T>& x) {
    require_encoder("reconstruct");
    NoGradGuard no_grad;
    EvalScope scope(*autoencoder_, nullptr);
    return map_batches(x, kInferenceBatch, [&](Tensor<T> part) { return (*autoencoder_)(Var<T>(std::move(part))).value(); });
  }

  /// Fits the sampling density to the encoder's codes of `data` (in chunks), and keeps it for
  /// sample() and checkpoints. `data` is a tensor in the generator's range or an ImageDataset.
  template <class Data>
    requires std::same_as<Data, Tensor<T>> || std::same_as<Data, data::ImageDataset>
  const models::LatentSampler& fit_sampler(models::LatentSampler::Kind kind, const Data& data, int components = 10) {
    if (kind == models::LatentSampler::Kind::Prior) {
      sampler_ = models::LatentSampler::prior(generator_->latent_dim());
      return *sampler_;
    }
    require_encoder("fit_sampler");
    const Tensor<T> codes = encode(data);
    sampler_ = kind == models::LatentSampler::Kind::Gaussian ? models::LatentSampler::fit_gaussian(codes)
                                                             : models::LatentSampler::fit_gmm(codes, components, options_.seed());
    return *sampler_;
  }

  /// n samples from the fitted density (the prior when none was fitted).
  Tensor<T> sample(Index n, Rng& rng) {
    const models::LatentSampler prior = models::LatentSampler::prior(generator_->latent_dim());
    return generate((sampler_ ? *sampler_ : prior).template sample<T>(n, rng));
  }

  /// What a model file holds of this run (models/generator_model.hpp): a copy of the generator
  /// with the EMA weights when training keeps them, the fitted sampler (the prior when none), the
  /// encoder unless options.encoder(false), and the class names. The image format is the
  /// generator's output for one code, in [-1, 1], the range fit() trains on. Every layer of the
  /// networks must be saveable (nn/layer_registry.hpp); the first that is not is named.
  models::GeneratorModel<T> export_model(const ExportOptions& options = {}) {
    nn::register_layers<T>();
    NoGradGuard no_grad;
    EvalScope scope(*generator_, ema_.get());
    std::shared_ptr<nn::Module<T>> net = nn::clone<T>(generator_->net());
    const Shape made = net->forward(Var<T>(Tensor<T>::zeros({1, latent_dim()}), false)).shape();
    if (made.rank() != 4)
      throw ShapeError("AEGANTrainer::export_model: the generator makes " + made.to_string() +
                       " from one code; model files hold image generators, [N, C, H, W]");
    const models::ImageFormat image{made[1], made[2], made[3], -1.0, 1.0};
    models::GeneratorModel<T> model(net, latent_dim(), image, sampler_ ? *sampler_ : models::LatentSampler::prior(latent_dim()),
                                    ema_ ? "ema" : "live");
    if (options.encoder() && autoencoder_) model.set_encoder(nn::clone<T>(autoencoder_->encoder()));
    model.set_class_names(options.class_names());
    return model;
  }

  void save_checkpoint(const std::filesystem::path& path) const { snapshot().save(path); }

  /// Restores everything save_checkpoint wrote. The checkpoint must come from a trainer with the
  /// same options and network shapes; otherwise the error names what differs. All or nothing: when
  /// any entry is refused, the trainer is left exactly as it was before the call.
  void load_checkpoint(const std::filesystem::path& path) {
    const Checkpoint ck = Checkpoint::load(path);
    Checkpoint before = snapshot();
    try {
      restore(ck);
    } catch (...) {
      restore(before);  // cannot fail: it was written from these very objects
      throw;
    }
  }

  /// Text saved with every checkpoint as the entry "meta.<key>": what a program needs to rebuild
  /// the networks and describe the data (image size, widths, class names). The trainer never reads
  /// it back; a program does, with io::Archive::load(path).text("meta." + key).
  void set_metadata(const std::string& key, std::string text) { metadata_[key] = std::move(text); }

  long steps() const { return steps_; }
  long epoch() const { return epoch_; }
  const AEGANOptions& options() const { return options_; }
  models::Generator<GNet>& generator() { return *generator_; }
  Index latent_dim() const { return generator_->latent_dim(); }
  const std::optional<models::LatentSampler>& sampler() const { return sampler_; }

 private:
  /// The whole training state as an in-memory checkpoint.
  Checkpoint snapshot() const {
    Checkpoint ck;
    ck.put_text("trainer.options", options_.describe());
    ck.put_ints("trainer.progress", {steps_, epoch_, generator_->latent_dim()});
    save_rng(ck, "trainer.rng", rng_);
    save_module(ck, "generator", *generator_);
    save_adam(ck, "opt.generator", *ge_opt_);
    if (autoencoder_) save_module(ck, "encoder", autoencoder_->encoder());
    // The critics' entries keep the names "dx", "dz", "opt.dx", "opt.dz" so earlier checkpoints load.
    if (image_critic_) { save_module(ck, "dx", *image_critic_); save_adam(ck, "opt.dx", *image_critic_opt_); }
    if (latent_critic_) { save_module(ck, "dz", *latent_critic_); save_adam(ck, "opt.dz", *latent_critic_opt_); }
    if (ema_) save_ema(ck, "ema.generator", *ema_);
    if (sampler_) sampler_->save(ck, "sampler");
    for (const auto& [key, text] : metadata_) ck.put_text("meta." + key, text);
    return ck;
  }

  /// Applies a snapshot; may stop part way with an error (load_checkpoint rolls back).
  void restore(const Checkpoint& ck) {
    const std::string& origin = ck.origin();
    const std::string& saved = ck.text("trainer.options");
    if (saved != options_.describe())
      throw ValueError("checkpoint " + origin + " was written with options\n  " + saved + "\nbut this trainer has\n  " +
                       options_.describe());
    const auto& progress = ck.ints("trainer.progress");
    const Index z = generator_->latent_dim();
    if (progress.size() != 3 || progress[2] != z)
      throw ValueError("checkpoint " + origin + ": latent size differs from this trainer's " + std::to_string(z));
    if (progress[0] < 0 || progress[0] > kMaxCounter || progress[1] < 0 || progress[1] > kMaxCounter)
      throw IoError("checkpoint " + origin + ": step " + std::to_string(progress[0]) + " / epoch " + std::to_string(progress[1]) +
                    " outside [0, 2^53]");
    std::optional<models::LatentSampler> sampler;
    if (ck.contains("sampler.kind")) {
      sampler = models::LatentSampler::load(ck, "sampler");
      if (sampler->dim() != z)
        throw ValueError("checkpoint " + origin + ": the sampler draws " + std::to_string(sampler->dim()) +
                         "-dimensional codes, this trainer's latent size is " + std::to_string(z));
    }
    load_module(ck, "generator", *generator_);
    load_adam(ck, "opt.generator", *ge_opt_);
    if (autoencoder_) load_module(ck, "encoder", autoencoder_->encoder());
    if (image_critic_) { load_module(ck, "dx", *image_critic_); load_adam(ck, "opt.dx", *image_critic_opt_); }
    if (latent_critic_) { load_module(ck, "dz", *latent_critic_); load_adam(ck, "opt.dz", *latent_critic_opt_); }
    if (ema_) load_ema(ck, "ema.generator", *ema_);
    load_rng(ck, "trainer.rng", rng_);
    sampler_ = std::move(sampler);
    steps_ = progress[0];
    epoch_ = progress[1];
  }

  /// Switches a module to eval (and to EMA weights when given) for its lifetime.
  struct EvalScope {
    EvalScope(nn::Module<T>& m, optim::EMA<T>* ema) : module(m), ema(ema), was_training(m.is_training()) {
      module.eval();
      if (ema) ema->swap();
    }
    ~EvalScope() {
      if (ema) ema->swap();
      module.train(was_training);
    }
    nn::Module<T>& module;
    optim::EMA<T>* ema;
    bool was_training;
  };

  /// Turns off gradients of a critic's parameters for its lifetime.
  struct FreezeGuard {
    explicit FreezeGuard(nn::Module<T>* m) : params(m ? m->parameters() : std::vector<Var<T>>{}) {
      for (auto& p : params) p.set_requires_grad(false);
    }
    ~FreezeGuard() {
      for (auto& p : params) p.set_requires_grad(true);
    }
    std::vector<Var<T>> params;
  };

  Tensor<T> prior_sample(Index n, Index dim) {
    Tensor<T> z = Tensor<T>::uninitialized({n, dim});
    rng_.fill_normal(z);
    return z;
  }

  double current_noise() const {
    if (options_.instance_noise() <= 0) return 0.0;
    if (options_.instance_noise_steps() <= 0) return options_.instance_noise();
    const double left = 1.0 - static_cast<double>(steps_) / static_cast<double>(options_.instance_noise_steps());
    return options_.instance_noise() * std::max(0.0, left);
  }

  Var<T> with_noise(const Var<T>& v, double stddev) {
    if (stddev <= 0) return v;
    Tensor<T> n = Tensor<T>::uninitialized(v.shape());
    rng_.fill_normal(n, 0.0, stddev);
    return v + Var<T>(std::move(n));
  }

  /// One critic step: BCE with real samples labelled 1 - smoothing and each fake set labelled 0,
  /// the fake sets sharing the fake half of the loss equally. Returns the loss.
  template <class Critic>
  double critic_update(Critic& critic, optim::Adam<T>& opt, const Var<T>& real, const std::vector<Var<T>>& fakes,
                       double noise, const char* name, long step) {
    opt.zero_grad();
    Var<T> real_logits = critic(real);
    Var<T> loss = bce_with_logits(real_logits, Var<T>(Tensor<T>::full(real_logits.shape(), static_cast<T>(1.0 - options_.label_smoothing()))));
    const T share = static_cast<T>(1.0 / static_cast<double>(std::max<std::size_t>(fakes.size(), 1)));
    for (const Var<T>& fake : fakes) {
      Var<T> logits = critic(with_noise(fake, noise));
      loss = loss + bce_with_logits(logits, Var<T>(Tensor<T>(logits.shape()))) * share;
    }
    finite_or_throw(loss, name, step);
    loss.backward();
    opt.step();
    return static_cast<double>(loss.item());
  }

  /// The non-saturating generator loss: BCE(D(fake), 1).
  template <class Critic>
  Var<T> fooling_loss(Critic& critic, const Var<T>& fake) {
    Var<T> logits = critic(fake);
    return bce_with_logits(logits, Var<T>(Tensor<T>::ones(logits.shape())));
  }

  static void finite_or_throw(const Var<T>& loss, const std::string& term, long step) {
    if (!std::isfinite(static_cast<double>(loss.item())))
      throw NumericalError("AEGANTrainer: step " + std::to_string(step) + ": loss term " + term + " is " +
                           std::to_string(static_cast<double>(loss.item())) + "; training stopped (the last checkpoint is intact)");
  }

  void check_gradients(long step) const {
    for (const auto& p : ge_opt_->parameters()) {
      if (!p.has_grad()) continue;
      if (!p.grad().array().isFinite().all())
        throw NumericalError("AEGANTrainer: step " + std::to_string(step) + ": a generator/encoder gradient of shape " +
                             p.shape().to_string() + " is not finite; training stopped (the last checkpoint is intact)");
    }
  }

  void require_encoder(const char* what) const {
    if (!autoencoder_)
      throw ValueError(std::string("AEGANTrainer::") + what + ": preset " + preset_name(options_.preset()) + " trains no encoder");
  }

  AEGANOptions options_;
  Rng rng_;
  std::shared_ptr<models::Generator<GNet>> generator_;
  std::shared_ptr<models::Autoencoder<ENet, models::Generator<GNet>>> autoencoder_;
  std::shared_ptr<models::Discriminator<DxNet>> image_critic_;
  std::shared_ptr<models::Discriminator<DzNet>> latent_critic_;
  std::unique_ptr<optim::Adam<T>> ge_opt_, image_critic_opt_, latent_critic_opt_;
  std::unique_ptr<optim::EMA<T>> ema_;
  std::optional<models::LatentSampler> sampler_;
  std::map<std::string, std::string> metadata_;  // saved as "meta.<key>" entries
  std::vector<StepCallback> step_callbacks_;
  std::vector<EpochCallback> epoch_callbacks_;
  long steps_ = 0, epoch_ = 0;
};

}  // namespace aegan::train
