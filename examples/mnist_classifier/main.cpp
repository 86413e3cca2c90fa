// Trains the LeNet-style classifier whose features score generated digits (FID, coverage), and
// saves it where examples/mnist_aegan's --classifier flag finds it.
#include <aegan/aegan.hpp>

#include <CLI/CLI.hpp>

#include <cstdio>

using namespace aegan;
using T = float;

int main(int argc, char** argv) {
  std::filesystem::path data_dir = "data/mnist", out = "out/classifier";
  int epochs = 12, threads = 2;
  Index batch = 64;
  std::uint64_t seed = 1;
  double min_accuracy = 0.0;
  CLI::App app{"aegan MNIST classifier (feature extractor for FID)"};
  app.add_option("--data", data_dir, "folder with the four MNIST IDX files (raw or .gz)")->check(CLI::ExistingDirectory);
  app.add_option("--out", out, "output folder; the model is written to OUT/classifier.ckpt");
  app.add_option("--epochs", epochs, "training epochs")->check(CLI::PositiveNumber);
  app.add_option("--batch", batch, "batch size")->check(CLI::PositiveNumber);
  app.add_option("--threads", threads, "CPU threads")->check(CLI::PositiveNumber);
  app.add_option("--seed", seed, "random seed");
  app.add_option("--min-accuracy", min_accuracy, "fail (exit 1) if the test accuracy is below this fraction");
  CLI11_PARSE(app, argc, argv);

  try {
    set_num_threads(threads);
    std::filesystem::create_directories(out);
    const data::ImageDataset train = data::load_mnist(data_dir, data::Split::Train);  // batches become [0, 1] floats
    const auto test = data::to_dataset<T>(data::load_mnist(data_dir, data::Split::Test), data::PixelRange::ZeroOne);
    Rng rng(seed);
    models::mnist::Classifier<T> net(rng);
    optim::Adam<T> adam(net.parameters(), optim::AdamOptions(1e-3));
    data::BatchLoader<T> loader(train, data::LoaderOptions(batch).shuffle(true).seed(seed));
    const auto ckpt = out / "classifier.ckpt";
    double accuracy = 0;
    for (int epoch = 1; epoch <= epochs; ++epoch) {
      if (epoch == epochs * 2 / 3 + 1) adam.set_learning_rate(3e-4);  // a late, smaller step settles the weights
      io::ProgressBar bar(loader.num_batches(), "epoch " + std::to_string(epoch));
      loader.start_epoch(epoch);
      double loss_sum = 0;
      Index b = 0;
      for (const auto& batch_data : loader) {
        std::vector<int> labels(batch_data.labels.begin(), batch_data.labels.end());
        adam.zero_grad();
        Var<T> loss = cross_entropy(net(Var<T>(batch_data.images)), labels);
        loss.backward();
        adam.step();
        loss_sum += loss.item();
        ++b;  // not inside update's arguments: their order of evaluation is unspecified (GCC read b first: "loss inf")
        bar.update(b, {{"loss", loss_sum / static_cast<double>(b)}});
      }
      bar.finish();
      train::Checkpoint ck;
      train::save_module(ck, "classifier", net);
      ck.save(ckpt);
      accuracy = train::ImageEvaluator<T>(ckpt).accuracy(test.images, test.labels);
      std::printf("epoch %2d  train loss %.4f  test accuracy %.2f%%  %.1fs\n", epoch, loss_sum / static_cast<double>(b), 100 * accuracy,
                  bar.seconds_since_start());
      std::fflush(stdout);
    }
    std::printf("wrote %s\n", ckpt.c_str());
    if (accuracy < min_accuracy) {
      std::fprintf(stderr, "test accuracy %.4f is below the required %.4f\n", accuracy, min_accuracy);
      return 1;
    }
  } catch (const Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
