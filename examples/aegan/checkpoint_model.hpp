#pragma once
// The networks of a run, built from its RunConfig, and a trainer restored from a checkpoint that
// `aegan train` wrote (its "meta.run" entry says how to build the networks).
#include <aegan/aegan.hpp>

#include <memory>
#include <string>

#include "run_config.hpp"
#include "training_log.hpp"

namespace aegan_cli {

/// The generator, encoder and critics for the run's image size, in the initialisation order of
/// examples/mnist_aegan, so `aegan train --dataset mnist` starts from the same weights.
inline Trainer::Networks build_networks(const RunConfig& config) {
  const auto options = config.networks();
  aegan::Rng init(config.seed);
  Trainer::Networks nets;
  nets.generator = aegan::models::generator<T>(options, init);
  nets.encoder = aegan::models::encoder<T>(options, init);
  nets.image_critic = aegan::models::image_critic<T>(options, init);
  nets.latent_critic = aegan::models::latent_critic<T>(options, init);
  nets.latent_dim = config.latent;
  const auto algorithm = aegan::kernels::parse_conv_algorithm(config.conv_algorithm);
  for (Net* net : {nets.generator.get(), nets.encoder.get(), nets.image_critic.get()}) aegan::nn::set_conv_algorithm(*net, algorithm);
  return nets;
}

/// A trainer for `config`, with the run description saved in its checkpoints.
inline std::unique_ptr<Trainer> make_trainer(const RunConfig& config, const std::vector<std::string>& class_names) {
  auto trainer = std::make_unique<Trainer>(build_networks(config), config.trainer_options());
  trainer->set_metadata("run", config.to_text());
  trainer->set_metadata("class_names", join_lines(class_names));
  return trainer;
}

/// A checkpoint of `aegan train` with the run it came from.
struct SavedRun {
  RunConfig config;
  std::vector<std::string> class_names;
  std::unique_ptr<Trainer> trainer;
};

inline SavedRun load_saved_run(const fs::path& checkpoint) {
  const auto archive = aegan::io::Archive::load(checkpoint);
  if (!archive.contains("meta.run"))
    throw aegan::IoError(checkpoint.string() + " holds no run description (meta.run): it was not written by `aegan train`");
  SavedRun run;
  run.config = RunConfig::from_text(archive.text("meta.run"), checkpoint.string());
  if (archive.contains("meta.class_names")) run.class_names = split_lines(archive.text("meta.class_names"));
  run.trainer = make_trainer(run.config, run.class_names);
  run.trainer->load_checkpoint(checkpoint);
  return run;
}

}  // namespace aegan_cli
