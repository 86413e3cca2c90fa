// The Keras "simplest possible autoencoder" in C++: 784 -> 32 (ReLU) -> 784 (sigmoid), Adam 1e-3,
// MSE, batch 256. Prints each epoch's train and test MSE and time, and writes a PNG of test digits
// (top row) above their reconstructions (bottom row).
#include <aegan/aegan.hpp>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>

using namespace aegan;
using T = float;

namespace {
struct Flags {
  std::filesystem::path data = "data/mnist";
  std::filesystem::path out = "out/dense_autoencoder";
  int epochs = 50;
  Index batch = 256;
  int threads = 2;
  std::uint64_t seed = 1;
  double max_test_mse = 0.0;  // > 0: exit 1 when the final test MSE is above it
};

/// Mean squared reconstruction error over a whole dataset, in eval mode and without a graph.
double evaluate(nn::Sequential<T>& model, const data::Dataset<T>& set) {
  NoGradGuard no_grad;
  model.eval();
  const Index n = set.size(), chunk = 1000;
  double total = 0;
  for (Index start = 0; start < n; start += chunk) {
    const Index m = std::min(chunk, n - start);
    Var<T> input(slice_rows(set.images, start, m).reshape({m, 784}));
    total += mse_loss(model(input), input, Reduction::Sum).item();
  }
  model.train();
  return total / static_cast<double>(n * 784);
}

void write_reconstructions(nn::Sequential<T>& model, const data::Dataset<T>& test, const std::filesystem::path& path) {
  NoGradGuard no_grad;
  model.eval();
  const Index n = 10;
  const Tensor<T> x = slice_rows(test.images, 0, n).reshape({n, 784});
  Var<T> y = model(Var<T>(x));
  Tensor<T> grid = Tensor<T>::uninitialized({2 * n, 1, 28, 28});
  std::copy_n(x.data(), n * 784, grid.data());
  std::copy_n(y.value().data(), n * 784, grid.data() + n * 784);
  io::write_image_grid(path, grid, io::GridOptions().columns(n).scale(2));
  model.train();
}
}  // namespace

int main(int argc, char** argv) {
  Flags f;
  CLI::App app{"aegan dense autoencoder: 784 -> 32 -> 784 on MNIST"};
  app.add_option("--data", f.data, "folder with the four MNIST IDX files (raw or .gz)")->check(CLI::ExistingDirectory);
  app.add_option("--out", f.out, "output folder (created if missing)");
  app.add_option("--epochs", f.epochs, "training epochs")->check(CLI::PositiveNumber);
  app.add_option("--batch", f.batch, "batch size")->check(CLI::PositiveNumber);
  app.add_option("--threads", f.threads, "CPU threads")->check(CLI::PositiveNumber);
  app.add_option("--seed", f.seed, "random seed for initialization and shuffling");
  app.add_option("--max-test-mse", f.max_test_mse, "fail (exit 1) if the final test MSE is above this");
  CLI11_PARSE(app, argc, argv);

  try {
    set_num_threads(f.threads);
    std::filesystem::create_directories(f.out);
    const data::ImageDataset train = data::load_mnist(f.data, data::Split::Train);  // batches become [0, 1] floats
    const auto test = data::to_dataset<T>(data::load_mnist(f.data, data::Split::Test), data::PixelRange::ZeroOne);
    std::printf("train %lld, test %lld digits; %d threads\n", static_cast<long long>(train.size()),
                static_cast<long long>(test.size()), f.threads);

    Rng rng(f.seed);
    nn::Sequential<T> model(nn::Linear<T>(784, 32, rng), nn::ReLU<T>(), nn::Linear<T>(32, 784, rng), nn::Sigmoid<T>());
    optim::Adam<T> adam(model.parameters(), optim::AdamOptions(1e-3));
    data::BatchLoader<T> loader(train, data::LoaderOptions(f.batch).shuffle(true).seed(f.seed));

    double test_mse = 0;
    for (int epoch = 1; epoch <= f.epochs; ++epoch) {
      io::ProgressBar timer(loader.num_batches(), "epoch " + std::to_string(epoch), stderr);
      loader.start_epoch(epoch);
      double train_sum = 0;
      Index seen = 0;
      for (const auto& batch : loader) {
        Var<T> x(batch.images.reshape({batch.images.dim(0), 784}));
        adam.zero_grad();
        Var<T> loss = mse_loss(model(x), x);
        loss.backward();
        adam.step();
        train_sum += static_cast<double>(loss.item()) * static_cast<double>(x.dim(0));
        seen += x.dim(0);
      }
      test_mse = evaluate(model, test);
      std::printf("epoch %3d  train mse %.5f  test mse %.5f  %.2fs\n", epoch, train_sum / static_cast<double>(seen), test_mse,
                  timer.seconds_since_start());
      std::fflush(stdout);
    }
    const auto png = f.out / "reconstructions.png";
    write_reconstructions(model, test, png);
    std::printf("wrote %s (test digits above their reconstructions)\n", png.c_str());
    if (f.max_test_mse > 0 && !(test_mse <= f.max_test_mse)) {
      std::fprintf(stderr, "test mse %.5f is above the required %.5f\n", test_mse, f.max_test_mse);
      return 1;
    }
  } catch (const Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
