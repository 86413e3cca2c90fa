// Whole training steps of the MNIST demo's networks, row for row the same as
// benchmarks/torch/bench_gan.py so benchmarks/compare.py can put them side by side. float32,
// batch 64, the networks of models/mnist_nets.hpp at width W with latent size 16.
//   aegan_step/width:W/threads:T   one AEGANTrainer::step of the aegan preset: G(z), E(x), G(E(x)),
//                                  E(G(z)); Dx and Dz updates on detached fakes; one G+E update of
//                                  six weighted terms; Adam everywhere; EMA of the generator
//   dcgan_step/width:W/threads:T   the same for the dcgan preset: G(z), a Dx update, a G update, EMA
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

void gan_step(benchmark::State& state, aegan::train::Preset preset) {
  const Index width = state.range(0);
  aegan::set_num_threads(static_cast<int>(state.range(1)));
  aegan::Rng rng(1);
  Trainer::Networks nets;
  nets.generator = aegan::models::mnist::generator<float>(width, kLatent, rng);
  if (aegan::train::preset_weights(preset).uses_encoder()) {
    nets.encoder = aegan::models::mnist::encoder<float>(width, kLatent, rng);
    nets.latent_critic = aegan::models::mnist::latent_critic<float>(kLatent, rng);
  }
  nets.image_critic = aegan::models::mnist::image_critic<float>(width, rng);
  nets.latent_dim = kLatent;
  Trainer trainer(nets, aegan::train::AEGANOptions(preset).batch_size(kBatch).seed(2));

  Tensor<float> real = Tensor<float>::uninitialized({kBatch, 1, 28, 28});
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

void aegan_step(benchmark::State& state) { gan_step(state, aegan::train::Preset::AEGAN); }
void dcgan_step(benchmark::State& state) { gan_step(state, aegan::train::Preset::DCGAN); }

}  // namespace

BENCHMARK(aegan_step)->ArgNames({"width", "threads"})->ArgsProduct({{32, 64}, {1, 2}})->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(dcgan_step)->ArgNames({"width", "threads"})->ArgsProduct({{32, 64}, {1, 2}})->UseRealTime()->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
