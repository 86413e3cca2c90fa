#pragma once
// `aegan train`: trains the AE-GAN (or another preset) on a dataset or a folder of images for a
// number of epochs or a wall-clock budget, and writes into --out what examples/mnist_aegan
// writes: per-epoch sample grids, reconstructions, interpolations, the loss chart and CSV,
// metrics.json (SWD, and FID with a classifier for labelled data) and the checkpoint.
#include <aegan/aegan.hpp>

#include <chrono>
#include <cstdio>
#include <string>

#include "checkpoint_model.hpp"
#include "run_data.hpp"
#include "scoring.hpp"
#include "training_log.hpp"

namespace aegan_cli {

struct TrainFlags {
  RunConfig config;
  bool skip_bad_images = false;
  long epochs = 0;       // 0: default_epochs, or as many as --minutes allows
  double minutes = 0;    // 0: no budget
  std::string sampler = "gmm";
  fs::path out, resume, classifier;
  int threads = 2;
};

/// The folder a dataset's scoring classifier is written to and looked for in by default.
inline fs::path default_classifier_path(const RunConfig& config) {
  const std::string name = config.dataset == "images" ? fs::absolute(config.data).lexically_normal().filename().string() : config.dataset;
  return fs::path("out/classifier") / (name + "-" + std::to_string(config.channels) + "x" + std::to_string(config.size) + ".ckpt");
}

/// About kDefaultSteps training steps in whole epochs: 102 epochs of the 3,781 emoji, 7 of
/// Fashion-MNIST's 60,000 images at batch 64. Emoji samples are still muddy after 30 epochs and
/// colourful after 100 (docs/benchmarks.md), so a small folder needs many passes.
inline constexpr Index kDefaultSteps = 6000;
inline long default_epochs(Index steps_per_epoch) { return static_cast<long>((kDefaultSteps + steps_per_epoch - 1) / steps_per_epoch); }

/// Rows of `steps` images walking linearly in latent space between encoded reference images (or
/// prior draws when the preset trains no encoder).
inline Tensor interpolations(Trainer& trainer, const Tensor& real, Index pairs, Index steps, aegan::Rng& rng) {
  const Index z = trainer.latent_dim();
  pairs = std::min(pairs, real.dim(0) / 2);
  const Tensor ends = trainer.options().weights().uses_encoder() ? trainer.encode(aegan::slice_rows(real, 0, 2 * pairs))
                                                                  : aegan::models::LatentSampler::prior(z).sample<T>(2 * pairs, rng);
  Tensor codes = Tensor::uninitialized({pairs * steps, z});
  for (Index p = 0; p < pairs; ++p)
    for (Index s = 0; s < steps; ++s) {
      const T t = static_cast<T>(s) / static_cast<T>(steps - 1);
      for (Index j = 0; j < z; ++j) codes[(p * steps + s) * z + j] = (1 - t) * ends[(2 * p) * z + j] + t * ends[(2 * p + 1) * z + j];
    }
  return trainer.generate(codes);
}

/// Trains whole epochs up to `flags.epochs`, or, under a budget, while the next epoch is expected
/// to end within it (at least one epoch runs).
inline void train_epochs(Trainer& trainer, const TrainFlags& flags, const RunData& data, const TrainingLog& log, const fs::path& checkpoint) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const double budget = flags.minutes * 60.0;
  while (trainer.epoch() < flags.epochs) {
    const double elapsed = std::chrono::duration<double>(clock::now() - start).count();
    if (budget > 0 && trainer.epoch() > 0 && elapsed + log.last_epoch_seconds() > budget) {
      std::printf("stopping after epoch %ld: another epoch (%.0f s) would end past the %.4g-minute budget\n", trainer.epoch(),
                  log.last_epoch_seconds(), flags.minutes);
      return;
    }
    trainer.fit(data.train, trainer.epoch() + 1, checkpoint);
  }
}

/// Test images over their reconstructions, interpolations and a grid of final samples.
inline void write_pictures(Trainer& trainer, const RunData& data, const fs::path& out, const Tensor& final_samples01, aegan::Rng& rng) {
  const Index scale = grid_scale(data.train.height);
  const Tensor real = data.reference.images<T>(aegan::data::PixelRange::MinusOneOne, 0, std::min<Index>(16, data.reference.size()));
  if (trainer.options().weights().uses_encoder() && real.dim(0) > 0) {
    Tensor grid = Tensor::uninitialized({2 * real.dim(0), real.dim(1), real.dim(2), real.dim(3)});
    const Tensor rebuilt = trainer.reconstruct(real);
    std::copy_n(real.data(), real.numel(), grid.data());
    std::copy_n(rebuilt.data(), rebuilt.numel(), grid.data() + real.numel());
    aegan::io::write_image_grid(out / "reconstructions.png", to_unit_range(grid), aegan::io::GridOptions().columns(real.dim(0)).scale(scale));
  }
  if (real.dim(0) >= 2)
    aegan::io::write_image_grid(out / "interpolations.png", to_unit_range(interpolations(trainer, real, 8, 10, rng)),
                                aegan::io::GridOptions().columns(10).scale(scale));
  aegan::io::write_image_grid(out / "samples.png", aegan::slice_rows(final_samples01, 0, std::min<Index>(64, final_samples01.dim(0))),
                              aegan::io::GridOptions().columns(8).scale(scale));
}

/// metrics.json: the run, the reconstruction error and every sampler's scores with their floors.
inline std::string score_run(Trainer& trainer, const TrainFlags& flags, const RunData& data, aegan::models::SamplerKind kind) {
  const RunConfig& c = flags.config;
  std::string json = "{\n  \"dataset\": " + json_string(c.dataset) + ",\n  \"data\": " + json_string(c.data.string()) +
                     ",\n  \"images\": " + std::to_string(data.train.size()) + ",\n  \"size\": " + std::to_string(c.size) +
                     ",\n  \"channels\": " + std::to_string(c.channels) + ",\n  \"preset\": " + json_string(c.preset) +
                     ",\n  \"epochs\": " + std::to_string(trainer.epoch()) + ",\n  \"steps\": " + std::to_string(trainer.steps()) +
                     ",\n  \"width\": " + std::to_string(c.width) + ",\n  \"latent\": " + std::to_string(c.latent);
  const bool has_encoder = trainer.options().weights().uses_encoder();
  if (has_encoder) {
    const Tensor real = data.reference.images<T>(aegan::data::PixelRange::MinusOneOne);
    const Tensor rebuilt = trainer.reconstruct(real);
    const double mse = (rebuilt.array() - real.array()).square().template cast<double>().mean() / 4.0;  // on [0, 1]
    json += ",\n  \"reconstruction_mse\": " + json_number(mse);
    std::printf("reconstruction MSE (on [0,1]) of %lld reference images: %.5f\n", static_cast<long long>(real.dim(0)), mse);
  }
  Scorer scorer(data, flags.classifier);
  if (!scorer.has_fid())
    std::printf("no FID: %s\n", data.reference.labelled() ? ("no classifier at " + flags.classifier.string() + " (train one with `aegan classifier`)").c_str()
                                                          : "the data is unlabelled (SWD needs no labels)");
  json += ",\n  \"scored_images\": " + std::to_string(scorer.sample_count()) + ",\n  \"swd_floor\": " + scorer.floor_json() + ",\n  \"samplers\": {";
  bool first = true;
  for (const auto k : aegan::models::kSamplerKinds) {
    if (k != aegan::models::SamplerKind::Prior && !has_encoder) continue;
    trainer.fit_sampler(k, data.train);
    aegan::Rng rng(c.seed + 3);
    const std::string name = aegan::models::sampler_kind_name(k);
    json += std::string(first ? "" : ",") + "\n    " + json_string(name) + ": " +
            scorer.score(name, to_unit_range(trainer.sample(scorer.sample_count(), rng)));
    first = false;
  }
  trainer.fit_sampler(kind, data.train);  // leave the requested sampler in place
  return json + "\n  }\n}\n";
}

inline void run_train(TrainFlags& flags) {
  aegan::set_num_threads(flags.threads);
  const auto kind = aegan::models::parse_sampler_kind(flags.sampler);
  if (kind != aegan::models::SamplerKind::Prior && !flags.config.trainer_options().weights().uses_encoder())
    throw aegan::ValueError("--sampler " + flags.sampler + " needs an encoder, and preset " + flags.config.preset + " trains none; use --sampler prior");
  RunConfig& c = flags.config;
  // An unsupported --size names the sizes that work before any image is decoded.
  if (!is_mnist_family(c.dataset)) aegan::models::validate(c.networks(), "aegan train");
  RunData data = load_run_data(c, flags.skip_bad_images);
  if (flags.out.empty()) flags.out = fs::path("out") / (c.dataset == "images" ? "images" : c.dataset);
  if (flags.classifier.empty()) flags.classifier = default_classifier_path(c);
  fs::create_directories(flags.out);
  std::printf("%s: %lld images %lldx%lldx%lld%s from %s; preset %s, W=%lld z=%lld, batch %lld, %d threads, %s kernels\n", c.dataset.c_str(),
              static_cast<long long>(data.train.size()), static_cast<long long>(c.channels), static_cast<long long>(c.size),
              static_cast<long long>(c.size), data.train.labelled() ? (", " + std::to_string(data.train.class_names.size()) + " classes").c_str() : "",
              c.data.c_str(), c.preset.c_str(), static_cast<long long>(c.width), static_cast<long long>(c.latent), static_cast<long long>(c.batch),
              flags.threads, std::string(aegan::kernels::simd::isa_name(aegan::kernels::active_isa())).c_str());

  auto trainer = make_trainer(c, data.train.class_names);
  const fs::path checkpoint = flags.out / "checkpoint.ckpt";
  if (!flags.resume.empty()) {
    trainer->load_checkpoint(flags.resume);
    std::printf("resumed from %s at epoch %ld\n", flags.resume.c_str(), trainer->epoch());
  }
  aegan::Rng fixed_rng(c.seed + 1);
  const Index steps_per_epoch = data.train.size() / c.batch;
  if (steps_per_epoch == 0)
    throw aegan::ValueError(std::to_string(data.train.size()) + " images make no full batch of " + std::to_string(c.batch) + "; lower --batch");
  if (flags.epochs == 0) flags.epochs = flags.minutes > 0 ? 1000000 : default_epochs(steps_per_epoch);
  const std::string epochs_label = flags.minutes > 0 ? "(" + json_number(flags.minutes) + " min)" : std::to_string(flags.epochs);
  TrainingLog log(*trainer, flags.out, steps_per_epoch, epochs_label, aegan::models::LatentSampler::prior(c.latent).sample<T>(64, fixed_rng), c.size);
  train_epochs(*trainer, flags, data, log, checkpoint);

  trainer->fit_sampler(kind, data.train);
  trainer->save_checkpoint(checkpoint);
  aegan::Rng sample_rng(c.seed + 2);
  write_pictures(*trainer, data, flags.out, to_unit_range(trainer->sample(64, sample_rng)), sample_rng);
  aegan::io::write_file_atomically(flags.out / "metrics.json", score_run(*trainer, flags, data, kind));
  std::printf("outputs in %s\n", flags.out.c_str());
}

}  // namespace aegan_cli
