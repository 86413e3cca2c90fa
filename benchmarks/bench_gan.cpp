// Whole training steps, row for row the same as benchmarks/torch/bench_gan.py so
// benchmarks/compare.py can put them side by side. float32, batch 64.
//   aegan_step/width:W/threads:T   one AEGANTrainer::step of the aegan preset on the MNIST demo's
//                                  networks (models/mnist_nets.hpp, latent 16): G(z), E(x), G(E(x)),
//                                  E(G(z)); Dx and Dz updates on detached fakes; one G+E update of
//                                  six weighted terms; Adam everywhere; EMA of the generator
//   dcgan_step/width:W/threads:T   the same for the dcgan preset: G(z), a Dx update, a G update, EMA
//   emoji_aegan_step/threads:T     the aegan preset on 3×32×32 images: models/image_nets.hpp at
//                                  W=32, z=16, what `aegan train --dataset emoji` trains
//   dcgan64_step/threads:T         the canonical DCGAN of PyTorch's examples (dcgan/main.py) at
//                                  3×64×64: nz 100, ngf = ndf = 64, five transposed convolutions
//                                  in G, five convolutions with batch norm in D; the dcgan preset
// Counters: GFLOP, the step's matrix products (aegan::FlopCounter), and FLOP/s, their rate; over
// one core's FMA peak it says how far the step is from the fastest any implementation could go.
#include <benchmark/benchmark.h>

#include <aegan/aegan.hpp>

namespace {

using aegan::Index;
using aegan::Tensor;
using Net = aegan::nn::Sequential<float>;
using Trainer = aegan::train::AEGANTrainer<Net>;

constexpr Index kBatch = 64, kLatent = 16;

/// The image networks of `options` that `preset` trains.
Trainer::Networks image_networks(const aegan::models::ImageNetOptions& options, aegan::train::Preset preset, aegan::Rng& rng) {
  Trainer::Networks nets;
  nets.generator = aegan::models::generator<float>(options, rng);
  if (aegan::train::preset_weights(preset).uses_encoder()) {
    nets.encoder = aegan::models::encoder<float>(options, rng);
    nets.latent_critic = aegan::models::latent_critic<float>(options, rng);
  }
  nets.image_critic = aegan::models::image_critic<float>(options, rng);
  nets.latent_dim = options.latent();
  return nets;
}

/// PyTorch's examples/dcgan networks: G from a 1×1 latent through 4, 8, 16, 32 to 64 pixels, D back
/// down to one logit (the example's final sigmoid is in the trainer's BCE-with-logits).
Trainer::Networks canonical_dcgan(aegan::Rng& rng) {
  using namespace aegan::nn;
  constexpr Index nz = 100, ngf = 64, ndf = 64;
  auto up = [&](Index in, Index out) { return ConvTranspose2d<float>(ConvTranspose2dOptions(in, out, 4).stride(2).padding(1).bias(false), rng); };
  auto down = [&](Index in, Index out) { return Conv2d<float>(Conv2dOptions(in, out, 4).stride(2).padding(1).bias(false), rng); };
  Trainer::Networks nets;
  nets.generator = std::make_shared<Net>(
      Unflatten<float>(1, {nz, 1, 1}), ConvTranspose2d<float>(ConvTranspose2dOptions(nz, ngf * 8, 4).bias(false), rng),
      BatchNorm2d<float>(ngf * 8), ReLU<float>(), up(ngf * 8, ngf * 4), BatchNorm2d<float>(ngf * 4), ReLU<float>(),
      up(ngf * 4, ngf * 2), BatchNorm2d<float>(ngf * 2), ReLU<float>(), up(ngf * 2, ngf), BatchNorm2d<float>(ngf), ReLU<float>(),
      up(ngf, 3), Tanh<float>());
  nets.image_critic = std::make_shared<Net>(
      down(3, ndf), LeakyReLU<float>(0.2f), down(ndf, ndf * 2), BatchNorm2d<float>(ndf * 2), LeakyReLU<float>(0.2f),
      down(ndf * 2, ndf * 4), BatchNorm2d<float>(ndf * 4), LeakyReLU<float>(0.2f), down(ndf * 4, ndf * 8),
      BatchNorm2d<float>(ndf * 8), LeakyReLU<float>(0.2f), Conv2d<float>(Conv2dOptions(ndf * 8, 1, 4).bias(false), rng),
      Flatten<float>());
  aegan::models::dcgan_init(*nets.generator, rng);
  aegan::models::dcgan_init(*nets.image_critic, rng);
  nets.latent_dim = nz;
  return nets;
}

void run_steps(benchmark::State& state, Trainer::Networks nets, aegan::train::Preset preset, const aegan::Shape& image_shape, aegan::Rng& rng) {
  Trainer trainer(std::move(nets), aegan::train::AEGANOptions(preset).batch_size(kBatch).seed(2));
  Tensor<float> real = Tensor<float>::uninitialized(image_shape);
  rng.fill_uniform(real, -1.0, 1.0);
  aegan::BlockCacheScope cache;                      // as AEGANTrainer::fit does
  for (int i = 0; i < 3; ++i) trainer.step(real);  // warm-up: scratch buffers, Adam moments
  double step_flops = 0;  // the matrix products' work (FlopCounter): the step's distance from the FMA peak
  {
    aegan::FlopCounter counter;
    trainer.step(real);
    step_flops = counter.flops();
  }
  for (auto _ : state) {
    const auto report = trainer.step(real);
    benchmark::DoNotOptimize(report.losses.data());
    benchmark::ClobberMemory();
  }
  state.counters["cached_MiB"] = static_cast<double>(aegan::block_cache_bytes()) / (1 << 20);
  state.counters["GFLOP"] = step_flops / 1e9;
  state.counters["FLOP/s"] = benchmark::Counter(step_flops, benchmark::Counter::kIsIterationInvariantRate);
}

void mnist_step(benchmark::State& state, aegan::train::Preset preset) {
  aegan::set_num_threads(static_cast<int>(state.range(1)));
  aegan::Rng rng(1);
  const auto options = aegan::models::mnist::options(state.range(0), kLatent);
  run_steps(state, image_networks(options, preset, rng), preset, {kBatch, 1, 28, 28}, rng);
}

void aegan_step(benchmark::State& state) { mnist_step(state, aegan::train::Preset::AEGAN); }
void dcgan_step(benchmark::State& state) { mnist_step(state, aegan::train::Preset::DCGAN); }

void emoji_aegan_step(benchmark::State& state) {
  aegan::set_num_threads(static_cast<int>(state.range(0)));
  aegan::Rng rng(1);
  const auto options = aegan::models::ImageNetOptions(3, 32).width(32).latent(kLatent);
  run_steps(state, image_networks(options, aegan::train::Preset::AEGAN, rng), aegan::train::Preset::AEGAN, {kBatch, 3, 32, 32}, rng);
}

void dcgan64_step(benchmark::State& state) {
  aegan::set_num_threads(static_cast<int>(state.range(0)));
  aegan::Rng rng(1);
  run_steps(state, canonical_dcgan(rng), aegan::train::Preset::DCGAN, {kBatch, 3, 64, 64}, rng);
}

}  // namespace

BENCHMARK(aegan_step)->ArgNames({"width", "threads"})->ArgsProduct({{32, 64}, {1, 2}})->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(dcgan_step)->ArgNames({"width", "threads"})->ArgsProduct({{32, 64}, {1, 2}})->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(emoji_aegan_step)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(dcgan64_step)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
