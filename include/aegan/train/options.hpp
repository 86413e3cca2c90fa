#pragma once
// The AE-GAN loss terms, their weights, the named presets, and the trainer's options.
#include <array>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "aegan/error.hpp"
#include "aegan/names.hpp"

namespace aegan::train {

/// Weights of the six loss terms (the table in docs/architecture.md, "AE-GAN: one algorithm, weighted
/// terms"); 0 switches a term (and any critic only it needs) off.
struct LossWeights {
  double rec_x = 0;      // |G(E(x)) - x|            image reconstruction
  double rec_z = 0;      // |E(G(z)) - z|²           latent reconstruction
  double adv_x_gen = 0;  // Dx judges x̂ = G(z)
  double adv_x_rec = 0;  // Dx judges x̃ = G(E(x))
  double adv_z_enc = 0;  // Dz judges ẑ = E(x)
  double adv_z_rec = 0;  // Dz judges z̃ = E(G(z))

  bool uses_encoder() const { return rec_x > 0 || rec_z > 0 || adv_x_rec > 0 || adv_z_enc > 0 || adv_z_rec > 0; }
  bool uses_dx() const { return adv_x_gen > 0 || adv_x_rec > 0; }
  bool uses_dz() const { return adv_z_enc > 0 || adv_z_rec > 0; }
  bool needs_generated() const { return adv_x_gen > 0 || rec_z > 0 || adv_z_rec > 0; }

  std::string to_string() const {
    std::ostringstream s;
    s << "rec_x=" << rec_x << " rec_z=" << rec_z << " adv_x_gen=" << adv_x_gen << " adv_x_rec=" << adv_x_rec
      << " adv_z_enc=" << adv_z_enc << " adv_z_rec=" << adv_z_rec;
    return s.str();
  }
  void validate() const {
    for (double w : {rec_x, rec_z, adv_x_gen, adv_x_rec, adv_z_enc, adv_z_rec})
      if (!(w >= 0)) throw ValueError("LossWeights: weights must be >= 0, got " + to_string());
    if (!(rec_x > 0 || rec_z > 0 || adv_x_gen > 0 || adv_x_rec > 0 || adv_z_enc > 0 || adv_z_rec > 0))
      throw ValueError("LossWeights: every weight is 0, nothing to train");
  }
};

enum class Preset { AE, DCGAN, AAE, AlphaGAN, AEGAN };

/// Every preset, in the order of the names below (command-line choices, loops over presets).
inline constexpr std::array<Preset, 5> kPresets = {Preset::AE, Preset::DCGAN, Preset::AAE, Preset::AlphaGAN, Preset::AEGAN};

/// The preset's name as options, checkpoints and the command line spell it.
inline const char* preset_name(Preset p) {
  switch (p) {
    case Preset::AE: return "ae";
    case Preset::DCGAN: return "dcgan";
    case Preset::AAE: return "aae";
    case Preset::AlphaGAN: return "alpha_gan";
    case Preset::AEGAN: return "aegan";
  }
  return "?";
}

/// The names of kPresets, e.g. for CLI::IsMember.
inline std::vector<std::string> preset_names() { return names_of(kPresets, preset_name); }

/// The preset called `name`; a ValueError listing the valid names otherwise.
inline Preset parse_preset(const std::string& name) { return parse_name(name, kPresets, preset_name, "preset"); }

/// The classic models as weightings of the one algorithm (docs/presets.md gives the papers).
inline LossWeights preset_weights(Preset p) {
  LossWeights w;
  switch (p) {
    case Preset::AE: w.rec_x = 1; break;
    case Preset::DCGAN: w.adv_x_gen = 1; break;
    case Preset::AAE: w.rec_x = 1; w.adv_z_enc = 0.1; break;
    case Preset::AlphaGAN: w.rec_x = 1; w.adv_x_gen = 0.2; w.adv_x_rec = 0.2; w.adv_z_enc = 0.1; break;
    case Preset::AEGAN: w.rec_x = 1; w.rec_z = 0.5; w.adv_x_gen = 0.2; w.adv_x_rec = 0.2; w.adv_z_enc = 0.1; w.adv_z_rec = 0.1; break;
  }
  return w;
}

enum class ReconstructionLoss { L1, L2 };

/// What AEGANTrainer::export_model puts in a model file besides the generator:
/// ExportOptions().class_names(names).encoder(false).
struct ExportOptions {
  ExportOptions& class_names(std::vector<std::string> names) { class_names_ = std::move(names); return *this; }
  ExportOptions& encoder(bool on) { encoder_ = on; return *this; }
  const std::vector<std::string>& class_names() const { return class_names_; }
  bool encoder() const { return encoder_; }

 private:
  std::vector<std::string> class_names_;
  bool encoder_ = true;
};

/// Trainer options, PyTorch-C++ style: AEGANOptions(Preset::AEGAN).lr_generator(2e-4).seed(7).
struct AEGANOptions {
  explicit AEGANOptions(Preset preset = Preset::AEGAN) : preset_(preset), weights_(preset_weights(preset)) {}

  AEGANOptions& weights(const LossWeights& w) { weights_ = w; return *this; }
  AEGANOptions& reconstruction(ReconstructionLoss l) { reconstruction_ = l; return *this; }
  AEGANOptions& lr_generator(double v) { lr_generator_ = v; return *this; }  // generator and encoder
  AEGANOptions& lr_critic(double v) { lr_critic_ = v; return *this; }        // Dx and Dz
  AEGANOptions& betas(double b1, double b2) { beta1_ = b1; beta2_ = b2; return *this; }
  /// One-sided label smoothing: real samples get label 1 - s in the critics' loss.
  AEGANOptions& label_smoothing(double s) { label_smoothing_ = s; return *this; }
  /// Gaussian noise of std `s` added to every Dx input, annealed linearly to 0 over `steps` steps.
  AEGANOptions& instance_noise(double s, long steps) { instance_noise_ = s; noise_steps_ = steps; return *this; }
  /// EMA decay of the generator weights used for sampling; 0 disables the EMA copy.
  AEGANOptions& ema_decay(double d) { ema_decay_ = d; return *this; }
  AEGANOptions& batch_size(long b) { batch_size_ = b; return *this; }
  /// Mirrors a random half of the training images each epoch (images [N, C, H, W] only).
  AEGANOptions& horizontal_flips(bool on) { horizontal_flips_ = on; return *this; }
  AEGANOptions& seed(std::uint64_t s) { seed_ = s; return *this; }

  Preset preset() const { return preset_; }
  const LossWeights& weights() const { return weights_; }
  ReconstructionLoss reconstruction() const { return reconstruction_; }
  double lr_generator() const { return lr_generator_; }
  double lr_critic() const { return lr_critic_; }
  double beta1() const { return beta1_; }
  double beta2() const { return beta2_; }
  double label_smoothing() const { return label_smoothing_; }
  double instance_noise() const { return instance_noise_; }
  long instance_noise_steps() const { return noise_steps_; }
  double ema_decay() const { return ema_decay_; }
  long batch_size() const { return batch_size_; }
  bool horizontal_flips() const { return horizontal_flips_; }
  std::uint64_t seed() const { return seed_; }

  void validate() const {
    weights_.validate();
    if (!(lr_generator_ > 0) || !(lr_critic_ > 0)) throw ValueError("AEGANOptions: learning rates must be positive");
    if (!(label_smoothing_ >= 0 && label_smoothing_ < 0.5)) throw ValueError("AEGANOptions: label_smoothing must be in [0, 0.5), got " + std::to_string(label_smoothing_));
    if (!(instance_noise_ >= 0) || noise_steps_ < 0) throw ValueError("AEGANOptions: instance noise std and steps must be >= 0");
    if (!(ema_decay_ >= 0 && ema_decay_ < 1)) throw ValueError("AEGANOptions: ema_decay must be in [0, 1), got " + std::to_string(ema_decay_));
    if (batch_size_ < 2) throw ValueError("AEGANOptions: batch_size must be at least 2 (batch norm), got " + std::to_string(batch_size_));
  }

  /// One line that identifies a run's configuration; stored in checkpoints and compared on resume.
  std::string describe() const {
    std::ostringstream s;
    s << "preset=" << preset_name(preset_) << " " << weights_.to_string() << " rec=" << (reconstruction_ == ReconstructionLoss::L1 ? "l1" : "l2")
      << " lr_g=" << lr_generator_ << " lr_d=" << lr_critic_ << " betas=" << beta1_ << "," << beta2_ << " smoothing=" << label_smoothing_
      << " noise=" << instance_noise_ << "/" << noise_steps_ << " ema=" << ema_decay_ << " batch=" << batch_size_ << " seed=" << seed_;
    if (horizontal_flips_) s << " flips=1";  // only when on: checkpoints written before the option still resume
    return s.str();
  }

 private:
  Preset preset_;
  LossWeights weights_;
  ReconstructionLoss reconstruction_ = ReconstructionLoss::L1;
  double lr_generator_ = 2e-4, lr_critic_ = 1e-4, beta1_ = 0.5, beta2_ = 0.999;
  double label_smoothing_ = 0.0, instance_noise_ = 0.0, ema_decay_ = 0.999;
  long noise_steps_ = 0, batch_size_ = 64;
  std::uint64_t seed_ = 0;
  bool horizontal_flips_ = false;
};

}  // namespace aegan::train
