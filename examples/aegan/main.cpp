// aegan: the command-line tool. Train an AE-GAN on MNIST, Fashion-MNIST, the emoji showcase or a
// folder of your own images, then sample from it and score it.
//   aegan train --dataset emoji --minutes 5
//   aegan train --images photos/ --size 64 --channels 3 --epochs 50 --out out/photos
//   aegan sample --checkpoint out/emoji/checkpoint.ckpt --count 64 --out emoji.png
//   aegan export --checkpoint out/emoji/checkpoint.ckpt --out emoji.aegan --onnx emoji.onnx
//   aegan sample --model emoji.aegan --count 64 --out emoji.png
//   aegan eval --checkpoint out/emoji/checkpoint.ckpt
//   aegan classifier --dataset emoji      (FID, coverage and class KL for labelled data)
#include <CLI/CLI.hpp>

#include <cstdio>

#include "export_command.hpp"
#include "train_command.hpp"
#include "use_commands.hpp"

namespace {

using namespace aegan_cli;

/// --images / --dataset / --data and the image layout. `given` is set when the data is named.
void add_data_flags(CLI::App* cmd, RunConfig& c, bool& skip_bad_images, bool* given = nullptr) {
  auto* images = cmd->add_option("--images", c.data, "a folder of images (PNG, JPEG, BMP, GIF, TGA, PGM/PPM), searched recursively; first-level subfolders are classes")
                     ->check(CLI::ExistingDirectory);
  auto* dataset = cmd->add_option("--dataset", c.dataset, "mnist, fashion or emoji (scripts/fetch_data.sh, Debian's dataset-fashion-mnist, scripts/fetch_emoji.sh)")
                      ->check(CLI::IsMember({"mnist", "fashion", "emoji"}));
  images->excludes(dataset);
  cmd->add_option("--data", c.data, "where --dataset's files are (default data/mnist, /usr/share/datasets/fashion-mnist, data/emoji)")
      ->check(CLI::ExistingDirectory)
      ->needs(dataset);
  auto* size = cmd->add_option("--size", c.size, "image side S: images are fitted to SxS (8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 64, 80, 96, ...; MNIST is 28)")
      ->check(CLI::Range(Index(1), Index(4096)));
  auto* channels = cmd->add_option("--channels", c.channels, "1 (grey) or 3 (RGB)")->check(CLI::IsMember({1, 3}));
  cmd->add_option("--background", c.background, "colour under transparent pixels and padding: white, black or R,G,B");
  cmd->add_option("--fit", c.fit, "crop (centre square) or pad (whole image on the background colour)")->check(CLI::IsMember({"crop", "pad"}));
  cmd->add_flag("--skip-bad-images", skip_bad_images, "load the rest of a folder that holds unreadable files, and list them");
  cmd->callback([&c, images, size, channels, given] {
    if (images->count() > 0) c.dataset = "images";
    if (is_mnist_family(c.dataset) && (size->count() > 0 || channels->count() > 0))
      throw CLI::ValidationError("--size/--channels", "do not apply to --dataset " + c.dataset + ", whose images are 28x28 grey");
    if (given) *given = images->count() > 0 || c.dataset != "images";
  });
}

void add_model_flags(CLI::App* cmd, RunConfig& c) {
  cmd->add_option("--preset", c.preset, "ae, dcgan, aae, alpha_gan or aegan (docs/presets.md)")->check(CLI::IsMember(aegan::train::preset_names()));
  cmd->add_option("--width", c.width, "network width W (32 fast, 64 sharper)")->check(CLI::Range(Index(1), Index(1024)));
  cmd->add_option("--latent", c.latent, "latent size z")->check(CLI::Range(Index(1), Index(1024)));
  cmd->add_option("--batch", c.batch, "batch size (at least 2)")->check(CLI::Range(Index(2), Index(65536)));
  cmd->add_flag("--flip", c.flip, "mirror a random half of the training images each epoch");
  cmd->add_option("--conv-algorithm", c.conv_algorithm, "auto, direct or winograd")->check(CLI::IsMember(aegan::kernels::conv_algorithm_names()));
}

void add_run_flags(CLI::App* cmd, int& threads, std::uint64_t& seed) {
  cmd->add_option("--threads", threads, "CPU threads")->check(CLI::Range(1, 1024));
  cmd->add_option("--seed", seed, "random seed: the same seed and threads give the same run");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"aegan: train AE-GANs on your images, sample from them and score them"};
  app.failure_message(CLI::FailureMessage::simple);
  app.require_subcommand(1);

  TrainFlags train;
  auto* train_cmd = app.add_subcommand("train", "train on a dataset or a folder of images");
  add_data_flags(train_cmd, train.config, train.skip_bad_images);
  add_model_flags(train_cmd, train.config);
  add_run_flags(train_cmd, train.threads, train.config.seed);
  train_cmd->add_option("--epochs", train.epochs, "training epochs (default: about 6,000 steps, 102 epochs of the emoji; a resumed run continues up to this total)")->check(CLI::Range(1L, 1000000L));
  train_cmd->add_option("--minutes", train.minutes, "wall-clock budget: stop at the last epoch that fits")->check(CLI::PositiveNumber);
  train_cmd->add_option("--sampler", train.sampler, "latent density kept for sampling: prior, gaussian or gmm (fitted to E(train))")
      ->check(CLI::IsMember(aegan::models::sampler_kind_names()));
  train_cmd->add_option("--out", train.out, "output folder (default out/DATASET)");
  train_cmd->add_option("--resume", train.resume, "continue from a checkpoint written with the same flags")->check(CLI::ExistingFile);
  train_cmd->add_option("--classifier", train.classifier, "scoring classifier for FID (default out/classifier/NAME-CxS.ckpt, from `aegan classifier`)");

  SampleFlags sample;
  auto* sample_cmd = app.add_subcommand("sample", "generate images from a checkpoint");
  auto* sample_checkpoint = sample_cmd->add_option("--checkpoint", sample.checkpoint, "a checkpoint written by `aegan train`")->check(CLI::ExistingFile);
  sample_cmd->add_option("--model", sample.model, "a model file written by `aegan export`")->check(CLI::ExistingFile)->excludes(sample_checkpoint);
  sample_cmd->add_option("--count", sample.count, "number of images")->check(CLI::Range(Index(1), Index(1000000)));
  sample_cmd->add_option("--sampler", sample.sampler, "stored (the file's), prior, gaussian or gmm (these two: checkpoints only)");
  sample_cmd->add_option("--out", sample.out, "a PNG grid, or with --numbered a folder of numbered PNGs");
  sample_cmd->add_flag("--numbered", sample.numbered, "write one PNG per image into the --out folder");
  add_run_flags(sample_cmd, sample.threads, sample.seed);

  ExportFlags export_flags;
  auto* export_cmd = app.add_subcommand("export", "write a model file (for aegan sample --model and aegan/inference.hpp) or ONNX from a checkpoint");
  export_cmd->add_option("--checkpoint", export_flags.checkpoint, "a checkpoint written by `aegan train`")->required()->check(CLI::ExistingFile);
  export_cmd->add_option("--out", export_flags.out, "the model file to write (e.g. gen.aegan)");
  export_cmd->add_option("--onnx", export_flags.onnx, "also write the generator as ONNX (and the encoder as <name>.encoder.onnx)");
  export_cmd->add_flag("!--no-encoder", export_flags.encoder, "leave the encoder out");

  EvalFlags eval;
  auto* eval_cmd = app.add_subcommand("eval", "score a checkpoint or a folder of generated images against real images (SWD, FID)");
  add_data_flags(eval_cmd, eval.config, eval.skip_bad_images, &eval.data_given);
  eval_cmd->add_option("--checkpoint", eval.checkpoint, "a checkpoint written by `aegan train` (its data unless --images/--dataset)")->check(CLI::ExistingFile);
  eval_cmd->add_option("--generated", eval.generated, "a folder of generated images")->check(CLI::ExistingDirectory);
  eval_cmd->add_option("--sampler", eval.sampler, "with --checkpoint: stored, prior, gaussian or gmm");
  eval_cmd->add_option("--classifier", eval.classifier, "scoring classifier for FID (default out/classifier/NAME-CxS.ckpt)");
  eval_cmd->add_option("--out", eval.out, "also write the scores to this JSON file");
  add_run_flags(eval_cmd, eval.threads, eval.seed);

  ClassifierFlags classifier;
  auto* classifier_cmd = app.add_subcommand("classifier", "train the scoring classifier of a labelled dataset (for FID and class coverage)");
  add_data_flags(classifier_cmd, classifier.config, classifier.skip_bad_images);
  add_run_flags(classifier_cmd, classifier.threads, classifier.config.seed);
  classifier_cmd->add_option("--epochs", classifier.epochs, "training epochs")->check(CLI::Range(1L, 10000L));
  classifier_cmd->add_option("--batch", classifier.config.batch, "batch size")->check(CLI::Range(Index(1), Index(65536)));
  classifier_cmd->add_option("--out", classifier.out, "the classifier file (default out/classifier/NAME-CxS.ckpt)");

  // CLI11 would answer a mistyped command with "A subcommand is required": name it instead.
  if (argc > 1 && argv[1][0] != '-') {
    try {
      app.get_subcommand(argv[1]);
    } catch (const CLI::OptionNotFound&) {
      std::fprintf(stderr, "error: unknown command '%s'; the commands are train, sample, export, eval and classifier (aegan --help)\n", argv[1]);
      return 1;
    }
  }
  CLI11_PARSE(app, argc, argv);
  try {
    const auto needs_data = [](const RunConfig& c) {
      if (c.dataset == "images" && c.data.empty()) throw aegan::ValueError("name the data: --images DIR or --dataset mnist|fashion|emoji");
    };
    if (*train_cmd) {
      needs_data(train.config);
      run_train(train);
    } else if (*sample_cmd) {
      run_sample(sample);
    } else if (*export_cmd) {
      run_export(export_flags);
    } else if (*eval_cmd) {
      run_eval(eval);
    } else if (*classifier_cmd) {
      needs_data(classifier.config);
      run_classifier(classifier);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
