// examples/mnist_aegan: train an autoencoder combined with GANs (Lazarou 2020) on MNIST or
// Fashion-MNIST and generate digits. Every output lands in --out: per-epoch sample grids, test
// digits over their reconstructions, latent interpolations, loss curves (PNG + CSV), metrics.json,
// the checkpoint, the generator as a model file (generator.aegan, for examples/generate and
// aegan/inference.hpp), and --samples generated digits as an IDX file any external tool can score.
#include <aegan/aegan.hpp>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>

using namespace aegan;
using T = float;
using Net = nn::Sequential<T>;
using Trainer = train::AEGANTrainer<Net>;
namespace fs = std::filesystem;

namespace {
struct Flags {
  fs::path data;
  std::string dataset = "mnist", preset = "aegan", sampler = "gmm", conv_algorithm = "auto";
  long epochs = 30;
  Index width = 32, latent = 16, batch = 64, samples = 2000;
  int threads = 2;
  std::uint64_t seed = 1;
  fs::path out = "out/mnist_aegan", resume, classifier = "out/classifier/classifier.ckpt";
};

Tensor<T> to_unit_range(const Tensor<T>& x) {  // [-1, 1] -> [0, 1]
  Tensor<T> y = x;
  y.array() = (y.array() + T(1)) * T(0.5);
  return y;
}

void write_samples_idx(const fs::path& path, const Tensor<T>& unit_images) {
  data::IdxArray a;
  a.dims = {unit_images.dim(0), 28, 28};
  a.values.resize(static_cast<std::size_t>(unit_images.numel()));
  for (Index i = 0; i < unit_images.numel(); ++i)
    a.values[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(std::lround(std::clamp(unit_images[i], T(0), T(1)) * T(255)));
  data::write_idx(path, a);
}

/// Rows of `steps` images walking linearly in latent space between encoded test digits.
Tensor<T> interpolations(Trainer& trainer, const Tensor<T>& test, Index pairs, Index steps, Rng& rng) {
  const Index z = trainer.latent_dim();
  Tensor<T> ends;
  if (trainer.options().weights().uses_encoder()) ends = trainer.encode(slice_rows(test, 0, 2 * pairs));
  else ends = models::LatentSampler::prior(z).sample<T>(2 * pairs, rng);
  Tensor<T> codes = Tensor<T>::uninitialized({pairs * steps, z});
  for (Index p = 0; p < pairs; ++p)
    for (Index s = 0; s < steps; ++s) {
      const T t = static_cast<T>(s) / static_cast<T>(steps - 1);
      for (Index j = 0; j < z; ++j)
        codes[(p * steps + s) * z + j] = (1 - t) * ends[(2 * p) * z + j] + t * ends[(2 * p + 1) * z + j];
    }
  return trainer.generate(codes);
}

std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}
}  // namespace

int main(int argc, char** argv) {
  Flags f;
  CLI::App app{"aegan: train an AE-GAN on MNIST digits and generate new ones"};
  app.failure_message(CLI::FailureMessage::simple);
  app.add_option("--data", f.data, "folder with train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (raw or .gz); default data/mnist, or Debian's Fashion-MNIST for --dataset fashion")
      ->check(CLI::ExistingDirectory);
  app.add_option("--dataset", f.dataset, "mnist or fashion")->check(CLI::IsMember({"mnist", "fashion"}));
  app.add_option("--preset", f.preset, "ae, dcgan, aae, alpha_gan or aegan (docs/presets.md)")
      ->check(CLI::IsMember(train::preset_names()));
  app.add_option("--epochs", f.epochs, "training epochs (a resumed run continues up to this total)")->check(CLI::Range(1L, 100000L));
  app.add_option("--width", f.width, "network width W (32 fast, 64 best)")->check(CLI::Range(Index(1), Index(1024)));
  app.add_option("--latent", f.latent, "latent size z")->check(CLI::Range(Index(1), Index(1024)));
  app.add_option("--batch", f.batch, "batch size (at least 2)")->check(CLI::Range(Index(2), Index(65536)));
  app.add_option("--threads", f.threads, "CPU threads")->check(CLI::Range(1, 1024));
  app.add_option("--seed", f.seed, "random seed: same seed and threads give the same run");
  app.add_option("--out", f.out, "output folder (created if missing)");
  app.add_option("--resume", f.resume, "continue from a checkpoint written by an earlier run with the same flags")->check(CLI::ExistingFile);
  app.add_option("--sampler", f.sampler, "latent density for the final samples: prior, gaussian or gmm (fitted to E(train))")
      ->check(CLI::IsMember(models::sampler_kind_names()));
  app.add_option("--conv-algorithm", f.conv_algorithm,
                 "auto, direct or winograd: the algorithm of every convolution (direct for the im2col engine's rounding)")
      ->check(CLI::IsMember(kernels::conv_algorithm_names()));
  app.add_option("--samples", f.samples, "number of generated digits written to samples-idx3-ubyte")->check(CLI::Range(Index(0), Index(1000000)));
  app.add_option("--classifier", f.classifier, "classifier from examples/mnist_classifier for FID and coverage in metrics.json");
  CLI11_PARSE(app, argc, argv);

  try {
    set_num_threads(f.threads);
    if (f.data.empty()) f.data = f.dataset == "fashion" ? fs::path("/usr/share/datasets/fashion-mnist") : fs::path("data/mnist");
    const train::Preset preset = train::parse_preset(f.preset);
    const models::SamplerKind kind = models::parse_sampler_kind(f.sampler);
    if (kind != models::SamplerKind::Prior && !train::preset_weights(preset).uses_encoder())
      throw ValueError("--sampler " + f.sampler + " needs an encoder, and preset " + f.preset + " trains none; use --sampler prior");
    fs::create_directories(f.out);

    const auto classes = f.dataset == "fashion" ? data::fashion_class_names() : data::digit_class_names();
    const data::ImageDataset train_set = data::load_mnist(f.data, data::Split::Train, classes);
    const data::ImageDataset test_set = data::load_mnist(f.data, data::Split::Test, classes);
    for (const auto* set : {&train_set, &test_set})
      if (set->height != 28 || set->width != 28)
        throw ShapeError("mnist_aegan: the networks take 28x28 images, " + f.data.string() + " holds " + set->shape().to_string());
    const Tensor<T> test_images = test_set.images<T>(data::PixelRange::MinusOneOne);
    std::printf("%s: %lld train / %lld test images from %s; preset %s, W=%lld z=%lld, batch %lld, %d threads, %s kernels\n", f.dataset.c_str(),
                static_cast<long long>(train_set.size()), static_cast<long long>(test_set.size()), f.data.c_str(), f.preset.c_str(),
                static_cast<long long>(f.width), static_cast<long long>(f.latent), static_cast<long long>(f.batch), f.threads,
                std::string(kernels::simd::isa_name(kernels::active_isa())).c_str());

    Rng init(f.seed);
    Trainer::Networks nets;
    nets.generator = models::mnist::generator<T>(f.width, f.latent, init);
    nets.encoder = models::mnist::encoder<T>(f.width, f.latent, init);
    nets.image_critic = models::mnist::image_critic<T>(f.width, init);
    nets.latent_critic = models::mnist::latent_critic<T>(f.latent, init);
    nets.latent_dim = f.latent;
    const auto algorithm = kernels::parse_conv_algorithm(f.conv_algorithm);
    for (Net* net : {nets.generator.get(), nets.encoder.get(), nets.image_critic.get()}) nn::set_conv_algorithm(*net, algorithm);
    Trainer trainer(nets, train::AEGANOptions(preset).batch_size(f.batch).seed(f.seed));
    const fs::path checkpoint = f.out / "checkpoint.ckpt";
    if (!f.resume.empty()) {
      trainer.load_checkpoint(f.resume);
      std::printf("resumed from %s at epoch %ld\n", f.resume.c_str(), trainer.epoch());
    }

    // Progress, CSV and per-epoch sample grids through the trainer's callbacks.
    Rng fixed_rng(f.seed + 1);
    const Tensor<T> fixed_z = models::LatentSampler::prior(f.latent).sample<T>(64, fixed_rng);
    const Index steps_per_epoch = train_set.size() / f.batch;
    std::unique_ptr<io::ProgressBar> bar;
    std::vector<std::string> names;
    std::vector<double> sums;
    std::vector<io::Series> curves;
    std::unique_ptr<io::CsvWriter> csv;
    trainer.on_step([&](const train::StepReport& r) {
      if (!bar) {
        bar = std::make_unique<io::ProgressBar>(steps_per_epoch, "epoch " + std::to_string(r.epoch) + "/" + std::to_string(f.epochs));
        names.clear();
        for (auto& [n, v] : r.losses) names.push_back(n);
        sums.assign(names.size(), 0.0);
      }
      const Index done = (r.step - 1) % steps_per_epoch + 1;
      std::vector<std::pair<std::string, double>> running;
      for (std::size_t i = 0; i < r.losses.size(); ++i) {
        sums[i] += r.losses[i].second;
        running.emplace_back(names[i], sums[i] / static_cast<double>(done));
      }
      bar->update(done, running);
    });
    trainer.on_epoch_end([&](long epoch, const std::vector<train::StepReport>& reports) {
      const double seconds = bar ? bar->seconds_since_start() : 0.0;
      if (bar) bar->finish();
      bar.reset();
      if (!csv) {
        std::vector<std::string> columns{"epoch", "seconds"};
        for (auto& n : names) columns.push_back(n);
        csv = std::make_unique<io::CsvWriter>(f.out / "losses.csv", columns);
        for (auto& n : names) curves.push_back({n, {}});
      }
      std::vector<double> row{static_cast<double>(epoch), seconds};
      std::printf("epoch %ld  %.1fs ", epoch, seconds);
      const auto means = train::mean_losses(reports);
      for (std::size_t i = 0; i < means.size(); ++i) {
        const auto& [name, mean] = means[i];
        row.push_back(mean);
        curves[i].values.push_back(mean);
        std::printf(" %s %.4f", name.c_str(), mean);
      }
      std::printf("\n");
      std::fflush(stdout);
      csv->row(row);
      char name[64];
      std::snprintf(name, sizeof name, "samples_epoch_%03ld.png", epoch);
      io::write_image_grid(f.out / name, to_unit_range(trainer.generate(fixed_z)), io::GridOptions().columns(8).scale(2));
      io::write_line_chart(f.out / "losses.png", curves);
    });
    trainer.fit(train_set, f.epochs, checkpoint);

    // After training: the latent density, the pictures, the samples and the numbers.
    trainer.fit_sampler(kind, train_set);
    trainer.save_checkpoint(checkpoint);
    trainer.export_model(train::ExportOptions().class_names(classes)).save(f.out / "generator.aegan");
    Rng sample_rng(f.seed + 2);
    const bool has_encoder = trainer.options().weights().uses_encoder();
    if (has_encoder) {
      Tensor<T> grid = Tensor<T>::uninitialized({32, 1, 28, 28});
      const Tensor<T> originals = slice_rows(test_images, 0, 16);
      const Tensor<T> rebuilt = trainer.reconstruct(originals);
      std::copy_n(originals.data(), originals.numel(), grid.data());
      std::copy_n(rebuilt.data(), rebuilt.numel(), grid.data() + originals.numel());
      io::write_image_grid(f.out / "reconstructions.png", to_unit_range(grid), io::GridOptions().columns(16).scale(2));
    }
    io::write_image_grid(f.out / "interpolations.png", to_unit_range(interpolations(trainer, test_images, 8, 10, sample_rng)),
                         io::GridOptions().columns(10).scale(2));
    const Tensor<T> final_samples = to_unit_range(trainer.sample(std::max<Index>(f.samples, 64), sample_rng));
    io::write_image_grid(f.out / "samples.png", slice_rows(final_samples, 0, 64), io::GridOptions().columns(8).scale(2));
    if (f.samples > 0) write_samples_idx(f.out / "samples-idx3-ubyte", slice_rows(final_samples, 0, f.samples));

    std::string json = "{\n  \"dataset\": \"" + f.dataset + "\",\n  \"preset\": \"" + f.preset + "\",\n  \"epochs\": " +
                       std::to_string(trainer.epoch()) + ",\n  \"steps\": " + std::to_string(trainer.steps()) + ",\n  \"width\": " +
                       std::to_string(f.width) + ",\n  \"latent\": " + std::to_string(f.latent) + ",\n  \"sampler\": \"" + f.sampler + "\"";
    if (has_encoder) {
      const Tensor<T> rebuilt = trainer.reconstruct(test_images);
      const double mse = (rebuilt.array() - test_images.array()).square().template cast<double>().mean() / 4.0;  // on [0, 1]
      json += ",\n  \"test_reconstruction_mse\": " + json_number(mse);
      std::printf("test reconstruction MSE (on [0,1]): %.5f\n", mse);
    }
    // The default classifier knows digits only; another dataset is scored with one given explicitly.
    const bool score = fs::exists(f.classifier) && (f.dataset == "mnist" || app.count("--classifier") > 0);
    if (score) {
      train::ImageEvaluator<T> evaluator(f.classifier);
      const Index n = std::min<Index>(test_set.size(), train_set.size());
      const Tensor<T> test01 = to_unit_range(test_images), train01 = to_unit_range(train_set.images<T>(data::PixelRange::MinusOneOne, 0, n));
      json += ",\n  \"fid_samples\": " + std::to_string(n) + ",\n  \"samplers\": {";
      bool first = true;
      for (const models::SamplerKind k : models::kSamplerKinds) {
        if (k != models::SamplerKind::Prior && !has_encoder) continue;  // only the prior without an encoder
        trainer.fit_sampler(k, train_set);
        Rng r(f.seed + 3);
        const auto s = evaluator.score(to_unit_range(trainer.sample(n, r)), test01, test_set.labels, train01);
        const std::string name = models::sampler_kind_name(k);
        std::printf("%-8s FID %.3f (real-vs-real floor %.3f)  coverage %d/10  class KL %.4f\n", name.c_str(), s.fid, s.fid_floor,
                    s.coverage, s.class_kl);
        json += std::string(first ? "" : ",") + "\n    \"" + name + "\": {\"fid\": " + json_number(s.fid) + ", \"fid_floor\": " +
                json_number(s.fid_floor) + ", \"coverage\": " + std::to_string(s.coverage) + ", \"class_kl\": " + json_number(s.class_kl) + "}";
        first = false;
      }
      json += "\n  }";
      trainer.fit_sampler(kind, train_set);  // leave the requested sampler in place
    } else {
      std::printf("no classifier for %s at %s: metrics.json has no FID (train one with examples/mnist_classifier)\n",
                  f.dataset.c_str(), f.classifier.c_str());
    }
    json += "\n}\n";
    io::write_file_atomically(f.out / "metrics.json", json);
    std::printf("outputs in %s\n", f.out.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
