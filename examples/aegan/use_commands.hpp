#pragma once
// `aegan sample` (a checkpoint or model file → images), `aegan eval` (a checkpoint or a folder of generated
// images → SWD / FID against real data) and `aegan classifier` (the scoring classifier for a
// labelled dataset).
#include <aegan/aegan.hpp>

#include <cstdio>
#include <string>

#include "checkpoint_model.hpp"
#include "run_data.hpp"
#include "scoring.hpp"
#include "train_command.hpp"

namespace aegan_cli {

struct SampleFlags {
  fs::path checkpoint, model, out = "samples.png";
  Index count = 64;
  std::string sampler = "stored";  // the file's fitted sampler (prior when none), or a kind
  bool numbered = false;           // --out is a folder of 000000.png, 000001.png, ...
  std::uint64_t seed = 1;
  int threads = 2;
};

/// Fits the sampler `name` asks for, unless it is "stored" (the checkpoint's own) or already fitted.
inline void choose_sampler(SavedRun& run, const std::string& name) {
  if (name == "stored") return;
  const auto kind = aegan::models::parse_sampler_kind(name);
  if (run.trainer->sampler() && run.trainer->sampler()->kind() == kind) return;
  if (kind == aegan::models::SamplerKind::Prior) {
    run.trainer->fit_sampler(kind, Tensor());
    return;
  }
  std::printf("fitting a %s sampler to the training data in %s\n", name.c_str(), run.config.data.c_str());
  RunConfig config = run.config;
  run.trainer->fit_sampler(kind, load_run_data(config, true).train);
}

/// A model file's own sampler, or the prior; fitting another needs the training data, which a
/// model file does not name.
inline void choose_sampler(Model& model, const std::string& name) {
  if (name == "stored") return;
  const auto kind = aegan::models::parse_sampler_kind(name);
  if (kind == model.sampler().kind()) return;
  if (kind != aegan::models::SamplerKind::Prior)
    throw aegan::ValueError("a model file keeps the sampler it was exported with (" + model.sampler().kind_name() +
                            "); fitting a " + name + " one needs the training data: sample from the checkpoint instead");
  model.set_sampler(aegan::models::LatentSampler::prior(model.latent_dim()));
}

/// Samples in [0, 1] as one PNG grid, or with --numbered one PNG each in the --out folder.
inline void write_samples(const SampleFlags& flags, const Tensor& images, Index size) {
  if (!flags.numbered) {
    aegan::io::write_image_grid(flags.out, images, aegan::io::GridOptions().columns(std::min<Index>(flags.count, 8)).scale(grid_scale(size)));
    std::printf("%lld samples in %s\n", static_cast<long long>(flags.count), flags.out.c_str());
    return;
  }
  fs::create_directories(flags.out);
  for (Index i = 0; i < flags.count; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "%06lld.png", static_cast<long long>(i));
    aegan::io::write_image_grid(flags.out / name, aegan::slice_rows(images, i, 1), aegan::io::GridOptions().columns(1).padding(0));
  }
  std::printf("%lld samples in %s/000000.png ...\n", static_cast<long long>(flags.count), flags.out.c_str());
}

inline void run_sample(const SampleFlags& flags) {
  aegan::set_num_threads(flags.threads);
  if (flags.checkpoint.empty() == flags.model.empty()) throw aegan::ValueError("give exactly one of --checkpoint and --model");
  aegan::Rng rng(flags.seed);
  if (!flags.model.empty()) {
    Model model = Model::load(flags.model);
    choose_sampler(model, flags.sampler);
    write_samples(flags, model.to_unit_range(model.sample(flags.count, rng)), model.image().height);
    return;
  }
  SavedRun run = load_saved_run(flags.checkpoint);
  choose_sampler(run, flags.sampler);
  write_samples(flags, to_unit_range(run.trainer->sample(flags.count, rng)), run.config.size);
}

struct EvalFlags {
  RunConfig config;  // the real data (taken from the checkpoint when one is given and no data flag)
  bool data_given = false, skip_bad_images = false;
  fs::path checkpoint, generated, classifier, out;
  std::string sampler = "stored";
  std::uint64_t seed = 1;
  int threads = 2;
};

inline void run_eval(EvalFlags& flags) {
  aegan::set_num_threads(flags.threads);
  if (flags.checkpoint.empty() == flags.generated.empty()) throw aegan::ValueError("give exactly one of --checkpoint and --generated");
  std::optional<SavedRun> run;
  if (!flags.checkpoint.empty()) {
    run = load_saved_run(flags.checkpoint);
    if (!flags.data_given) flags.config = run->config;
  } else if (!flags.data_given) {
    throw aegan::ValueError("--generated needs the real data to compare with: --images DIR or --dataset NAME");
  }
  const RunData data = load_run_data(flags.config, flags.skip_bad_images);
  if (flags.classifier.empty()) flags.classifier = default_classifier_path(flags.config);
  Scorer scorer(data, flags.classifier);
  Tensor samples;
  std::string what;
  if (run) {
    choose_sampler(*run, flags.sampler);
    aegan::Rng rng(flags.seed);
    samples = to_unit_range(run->trainer->sample(scorer.sample_count(), rng));
    what = flags.checkpoint.string();
  } else {
    RunConfig generated = flags.config;
    generated.dataset = "images";
    generated.data = flags.generated;
    const aegan::data::ImageDataset images = load_folder(generated, flags.skip_bad_images);
    // Scores and their floors are comparable only at equal counts: score as many as the floor used.
    const Index used = std::min(images.size(), scorer.sample_count());
    if (used < images.size())
      std::printf("scoring the first %lld of the %lld images in %s (as many as the real set)\n", static_cast<long long>(used),
                  static_cast<long long>(images.size()), flags.generated.c_str());
    else if (used < scorer.sample_count())
      std::printf("note: %lld generated images against floors measured on %lld: give as many for comparable scores\n",
                  static_cast<long long>(used), static_cast<long long>(scorer.sample_count()));
    samples = images.images<T>(aegan::data::PixelRange::ZeroOne, 0, used);
    what = flags.generated.string();
  }
  std::printf("%lld generated images from %s against %lld real images\n", static_cast<long long>(samples.dim(0)), what.c_str(),
              static_cast<long long>(scorer.sample_count()));
  const std::string json = "{\n  \"generated\": " + json_string(what) + ",\n  \"real\": " + json_string(flags.config.data.string()) +
                           ",\n  \"swd_floor\": " + scorer.floor_json() + ",\n  \"scores\": " + scorer.score("scores", samples) + "\n}\n";
  if (!flags.out.empty()) aegan::io::write_file_atomically(flags.out, json);
}

struct ClassifierFlags {
  RunConfig config;
  bool skip_bad_images = false;
  long epochs = 10;
  fs::path out;
  int threads = 2;
};

/// Trains ImageClassifier on the data's labels (pixels in [0, 1], as scoring feeds it) and reports
/// its accuracy on the scoring reference images, which it does not train on.
inline void run_classifier(ClassifierFlags& flags) {
  aegan::set_num_threads(flags.threads);
  RunData data = load_run_data(flags.config, flags.skip_bad_images);
  const RunConfig& c = flags.config;
  if (!data.train.labelled()) throw aegan::ValueError(c.data.string() + " is unlabelled (no class folders): a classifier needs labels");
  if (flags.out.empty()) flags.out = default_classifier_path(c);
  fs::create_directories(flags.out.parent_path().empty() ? fs::path(".") : flags.out.parent_path());
  const Index classes = static_cast<Index>(data.train.class_names.size());
  const std::vector<std::string> class_names = data.train.class_names;
  aegan::Rng rng(c.seed);
  aegan::models::ImageClassifier<T> net(c.channels, c.size, classes, rng);
  aegan::optim::Adam<T> adam(net.parameters(), aegan::optim::AdamOptions(1e-3));
  // A folder has no test split: train on the images outside the scoring reference, so the accuracy is held out.
  const aegan::data::ImageDataset train =
      is_mnist_family(c.dataset) ? std::move(data.train)
                                 : data.train.subset(seeded_indices(data.train.size(), data.reference.size(), data.train.size(), c.seed));
  aegan::data::BatchLoader<T> loader(train, aegan::data::LoaderOptions(c.batch).shuffle(true).seed(c.seed).pixel_range(aegan::data::PixelRange::ZeroOne));
  for (long epoch = 1; epoch <= flags.epochs; ++epoch) {
    if (epoch == flags.epochs * 2 / 3 + 1) adam.set_learning_rate(3e-4);  // a late, smaller step settles the weights
    aegan::io::ProgressBar bar(loader.num_batches(), "epoch " + std::to_string(epoch) + "/" + std::to_string(flags.epochs));
    loader.start_epoch(epoch);
    double loss_sum = 0;
    Index b = 0;
    for (const auto& batch : loader) {
      adam.zero_grad();
      aegan::Var<T> loss = aegan::cross_entropy(net(aegan::Var<T>(batch.images)), std::vector<int>(batch.labels.begin(), batch.labels.end()));
      loss.backward();
      adam.step();
      loss_sum += loss.item();
      bar.update(++b, {{"loss", loss_sum / static_cast<double>(b)}});
    }
    bar.finish();
  }
  aegan::io::Archive archive;
  aegan::train::save_module(archive, "classifier", net);
  archive.put_ints("classifier.shape", {c.channels, c.size, classes});
  archive.put_text("classifier.class_names", join_lines(class_names));
  archive.save(flags.out);
  aegan::train::ImageEvaluator<T> evaluator(flags.out);
  const double accuracy = evaluator.accuracy(data.reference.images<T>(aegan::data::PixelRange::ZeroOne), data.reference.labels);
  std::printf("accuracy %.4f on %lld held-out images; classifier in %s\n", accuracy, static_cast<long long>(data.reference.size()),
              flags.out.c_str());
}

}  // namespace aegan_cli
