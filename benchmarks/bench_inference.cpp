// Inference with a trained model, row for row the same as benchmarks/torch/bench_inference.py so
// benchmarks/compare.py can put them side by side. float32, batch 64, eval mode, no autograd graph.
//   mnist_generate/threads:T     GeneratorModel::generate of 64 fixed codes through the MNIST demo's
//                                generator (models/mnist_nets.hpp, W=32, z=16)
//   mnist_encode/threads:T       GeneratorModel::encode of 64 images through the demo's encoder
//   emoji_generate/threads:T     the 3×32×32 generator of models/image_nets.hpp at W=32, z=16, what
//                                `aegan train --dataset emoji` trains
//   dcgan64_generate/threads:T   the canonical DCGAN generator of PyTorch's examples (dcgan/main.py)
//                                at 3×64×64: nz 100, ngf 64, five transposed convolutions
// Every model goes through a model file first (GeneratorModel::save, then ::load), so the rows time
// the networks a program built on <aegan/inference.hpp> gets back from disk, not the objects that
// built them, and as such a program gets them: the model keeps freed activations for its next
// call (GeneratorModel holds a BlockCacheScope), nothing else is opened.
#include <benchmark/benchmark.h>

#include <aegan/inference.hpp>
#include <aegan/models/image_nets.hpp>
#include <aegan/models/mnist_nets.hpp>

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <utility>

namespace {

using aegan::Index;
using aegan::Tensor;
using Model = aegan::models::GeneratorModel<float>;
using Net = aegan::nn::Sequential<float>;

constexpr Index kBatch = 64, kLatent = 16, kDcganLatent = 100;

/// `model` as a program loading its file sees it; the file is removed before the timing starts.
Model round_trip(const Model& model, const std::string& name) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("aegan_bench_inference_" + name + "_" + std::to_string(::getpid()) + ".aegan");
  model.save(path);
  Model loaded = Model::load(path);
  std::filesystem::remove(path);
  return loaded;
}

Model image_model(const aegan::models::ImageNetOptions& options, const std::string& name, bool with_encoder) {
  aegan::Rng rng(1);
  Model model(aegan::models::generator<float>(options, rng), options.latent(),
              aegan::models::ImageFormat{options.channels(), options.size(), options.size()},
              aegan::models::LatentSampler::prior(options.latent()));
  if (with_encoder) model.set_encoder(aegan::models::encoder<float>(options, rng));
  return round_trip(model, name);
}

/// PyTorch's examples/dcgan generator: a 1×1 latent through 4, 8, 16, 32 to 64 pixels. Kept equal
/// to the one bench_gan.cpp trains, so that the two families time the same network.
Model canonical_dcgan_model() {
  using namespace aegan::nn;
  aegan::Rng rng(1);
  constexpr Index nz = kDcganLatent, ngf = 64;
  auto up = [&](Index in, Index out) { return ConvTranspose2d<float>(ConvTranspose2dOptions(in, out, 4).stride(2).padding(1).bias(false), rng); };
  auto g = std::make_shared<Net>(
      Unflatten<float>(1, {nz, 1, 1}), ConvTranspose2d<float>(ConvTranspose2dOptions(nz, ngf * 8, 4).bias(false), rng),
      BatchNorm2d<float>(ngf * 8), ReLU<float>(), up(ngf * 8, ngf * 4), BatchNorm2d<float>(ngf * 4), ReLU<float>(),
      up(ngf * 4, ngf * 2), BatchNorm2d<float>(ngf * 2), ReLU<float>(), up(ngf * 2, ngf), BatchNorm2d<float>(ngf), ReLU<float>(),
      up(ngf, 3), Tanh<float>());
  aegan::models::dcgan_init(*g, rng);
  return round_trip(Model(g, nz, aegan::models::ImageFormat{3, 64, 64}, aegan::models::LatentSampler::prior(nz)), "dcgan64");
}

/// Times `run(input)`; the first calls size the allocator's arenas and the thread pool, which a
/// program generating more than once pays for only once.
template <class Run>
void time_calls(benchmark::State& state, const Tensor<float>& input, Run run) {
  for (int i = 0; i < 3; ++i) run(input);
  for (auto _ : state) {
    Tensor<float> out = run(input);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
}

void time_generate(benchmark::State& state, const Model& model) {
  aegan::set_num_threads(static_cast<int>(state.range(0)));
  aegan::Rng rng(2);
  const Tensor<float> z = model.sampler().sample<float>(kBatch, rng);
  time_calls(state, z, [&](const Tensor<float>& codes) { return model.generate(codes); });
}

const Model& mnist_model() {
  static const Model model = image_model(aegan::models::mnist::options(32, kLatent), "mnist", true);
  return model;
}

void mnist_generate(benchmark::State& state) { time_generate(state, mnist_model()); }

void mnist_encode(benchmark::State& state) {
  aegan::set_num_threads(static_cast<int>(state.range(0)));
  const Model& model = mnist_model();
  aegan::Rng rng(2);
  Tensor<float> images = Tensor<float>::uninitialized(model.image().shape(kBatch));
  rng.fill_uniform(images, -1.0, 1.0);
  time_calls(state, images, [&](const Tensor<float>& x) { return model.encode(x); });
}

void emoji_generate(benchmark::State& state) {
  static const Model model = image_model(aegan::models::ImageNetOptions(3, 32).width(32).latent(kLatent), "emoji", false);
  time_generate(state, model);
}

void dcgan64_generate(benchmark::State& state) {
  static const Model model = canonical_dcgan_model();
  time_generate(state, model);
}

}  // namespace

BENCHMARK(mnist_generate)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(mnist_encode)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(emoji_generate)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(dcgan64_generate)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
