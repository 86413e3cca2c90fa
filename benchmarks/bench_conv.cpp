// Convolution / batch-norm microbenchmarks: the layers of an MNIST DCGAN, and the 4x4 stride-2
// layers of the 3x32x32 emoji networks and of the canonical 3x64x64 DCGAN, at batch 64, float32,
// row for row the same as benchmarks/torch/bench_conv.py so benchmarks/compare.py puts them side
// by side. Every row runs at 1 and 2 threads; all convolutions are kernel 4, stride 2, padding 1.
//   conv2d_fwd/in:I/out:O/hw:S/threads:T            Conv2d I->O on [64, I, S, S], no graph recorded
//   conv2d_fwdbwd/in:I/out:O/hw:S/threads:T         forward + backward (input, weight, bias grads)
//   conv_transpose2d_fwd|fwdbwd/in:I/out:O/hw:S/... ConvTranspose2d I->O on [64, I, S, S]
//   batchnorm2d_fwd|fwdbwd/c:C/hw:S/threads:T       BatchNorm2d(C), training mode, on [64, C, S, S]
// The "gflops" counter counts 2·MACs of the convolution (3x that for forward + backward).
#include <benchmark/benchmark.h>

#include <aegan/aegan.hpp>

namespace {

using aegan::Index;
using aegan::Shape;
using aegan::Tensor;
using aegan::Var;

constexpr Index kBatch = 64;

Tensor<float> random_tensor(const Shape& shape, aegan::Rng& rng) {
  Tensor<float> t = Tensor<float>::uninitialized(shape);
  rng.fill_uniform(t, -1.0, 1.0);
  return t;
}

double conv_flops(Index in, Index out, Index small_hw) {  // small_hw: the 4x4/s2 conv's output side
  return 2.0 * static_cast<double>(kBatch * in * out * 16 * small_hw * small_hw);
}

/// Runs `step` a few times to warm caches and scratch buffers, then times it.
template <class Step>
void run(benchmark::State& state, Step&& step) {
  for (int i = 0; i < 3; ++i) step();
  for (auto _ : state) {
    step();
    benchmark::ClobberMemory();
  }
}

template <class Layer>
void fwd(benchmark::State& state, Layer& layer, const Shape& in_shape, double flops) {
  aegan::Rng rng(1);
  const Var<float> x(random_tensor(in_shape, rng));
  aegan::NoGradGuard no_grad;
  run(state, [&] {
    Var<float> y = layer(x);
    benchmark::DoNotOptimize(y.value().data());
  });
  if (flops > 0) state.counters["gflops"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
}

template <class Layer>
void fwdbwd(benchmark::State& state, Layer& layer, const Shape& in_shape, double flops) {
  aegan::Rng rng(2);
  Var<float> x(random_tensor(in_shape, rng), /*requires_grad=*/true);
  Tensor<float> seed;
  {
    aegan::NoGradGuard no_grad;
    seed = random_tensor(layer(x).shape(), rng);
  }
  run(state, [&] {
    layer.zero_grad();
    x.zero_grad();
    Var<float> y = layer(x);
    y.backward(seed);
    benchmark::DoNotOptimize(x.grad().data());
  });
  if (flops > 0) state.counters["gflops"] = benchmark::Counter(3.0 * flops, benchmark::Counter::kIsIterationInvariantRate);
}

void conv2d(benchmark::State& state, bool backward) {
  const Index in = state.range(0), out = state.range(1), hw = state.range(2);
  aegan::set_num_threads(static_cast<int>(state.range(3)));
  aegan::Rng rng(3);
  aegan::nn::Conv2d<float> layer(aegan::nn::Conv2dOptions(in, out, 4).stride(2).padding(1), rng);
  const Shape shape{kBatch, in, hw, hw};
  if (backward)
    fwdbwd(state, layer, shape, conv_flops(in, out, hw / 2));
  else
    fwd(state, layer, shape, conv_flops(in, out, hw / 2));
}

void conv_transpose2d(benchmark::State& state, bool backward) {
  const Index in = state.range(0), out = state.range(1), hw = state.range(2);
  aegan::set_num_threads(static_cast<int>(state.range(3)));
  aegan::Rng rng(4);
  aegan::nn::ConvTranspose2d<float> layer(aegan::nn::ConvTranspose2dOptions(in, out, 4).stride(2).padding(1), rng);
  const Shape shape{kBatch, in, hw, hw};
  if (backward)
    fwdbwd(state, layer, shape, conv_flops(out, in, hw));
  else
    fwd(state, layer, shape, conv_flops(out, in, hw));
}

void batchnorm2d(benchmark::State& state, bool backward) {
  const Index c = state.range(0), hw = state.range(1);
  aegan::set_num_threads(static_cast<int>(state.range(2)));
  aegan::nn::BatchNorm2d<float> layer(c);  // training mode
  const Shape shape{kBatch, c, hw, hw};
  if (backward)
    fwdbwd(state, layer, shape, 0.0);
  else
    fwd(state, layer, shape, 0.0);
}

void conv2d_fwd(benchmark::State& s) { conv2d(s, false); }
void conv2d_fwdbwd(benchmark::State& s) { conv2d(s, true); }
void conv_transpose2d_fwd(benchmark::State& s) { conv_transpose2d(s, false); }
void conv_transpose2d_fwdbwd(benchmark::State& s) { conv_transpose2d(s, true); }
void batchnorm2d_fwd(benchmark::State& s) { batchnorm2d(s, false); }
void batchnorm2d_fwdbwd(benchmark::State& s) { batchnorm2d(s, true); }

// The MNIST DCGAN's layers and the same at half width (7x7 maps: Winograd F(7x7, 2x2)), then the
// emoji networks' middle layers at W=32 (16 -> 8, 8 -> 4) and a DCGAN 64 layer each way (F(4x4, 2x2)).
void conv_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"in", "out", "hw", "threads"});
  for (int t : {1, 2})
    for (auto [i, o, hw] : {std::array<int, 3>{1, 64, 28}, {64, 128, 14}, {1, 32, 28}, {32, 64, 14}, {32, 64, 16},
                            {64, 128, 8}, {128, 256, 16}})
      b->Args({i, o, hw, t});
  b->UseRealTime();
}
void conv_transpose_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"in", "out", "hw", "threads"});
  for (int t : {1, 2})
    for (auto [i, o, hw] : {std::array<int, 3>{128, 64, 7}, {64, 1, 14}, {64, 32, 7}, {32, 1, 14}, {128, 64, 4},
                            {64, 32, 8}, {256, 128, 8}})
      b->Args({i, o, hw, t});
  b->UseRealTime();
}
void batchnorm_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"c", "hw", "threads"});
  for (int t : {1, 2})
    for (int c : {64, 32}) b->Args({c, 14, t});
  b->UseRealTime();
}

}  // namespace

BENCHMARK(conv2d_fwd)->Apply(conv_args);
BENCHMARK(conv2d_fwdbwd)->Apply(conv_args);
BENCHMARK(conv_transpose2d_fwd)->Apply(conv_transpose_args);
BENCHMARK(conv_transpose2d_fwdbwd)->Apply(conv_transpose_args);
BENCHMARK(batchnorm2d_fwd)->Apply(batchnorm_args);
BENCHMARK(batchnorm2d_fwdbwd)->Apply(batchnorm_args);

BENCHMARK_MAIN();
