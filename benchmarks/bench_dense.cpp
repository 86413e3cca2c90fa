// Dense microbenchmarks, row for row the same as benchmarks/torch/bench_dense.py so
// benchmarks/compare.py can put them side by side. Every row runs at 1 and 2 threads, float32.
//   linear_fwd/batch:B/threads:T      Linear 784->256 forward, no graph recorded
//   linear_fwdbwd/batch:B/threads:T   Linear 784->256 forward + backward (input, weight, bias grads)
//   adam_step/threads:T               one Adam step over a 1000x1000 weight + 1000 bias
//   ae_step/threads:T                 784->32 ReLU ->784 sigmoid, MSE, Adam 1e-3, batch 256
#include <benchmark/benchmark.h>

#include <aegan/aegan.hpp>

namespace {

using aegan::Index;
using aegan::Shape;
using aegan::Tensor;
using aegan::Var;

constexpr Index kIn = 784, kOut = 256;

Tensor<float> random_tensor(const Shape& shape, aegan::Rng& rng, double lo = -1.0, double hi = 1.0) {
  Tensor<float> t = Tensor<float>::uninitialized(shape);
  rng.fill_uniform(t, lo, hi);
  return t;
}

void set_threads(benchmark::State& state, int arg) {
  const int threads = static_cast<int>(state.range(arg));
  aegan::set_num_threads(threads);
}

void linear_fwd(benchmark::State& state) {
  const Index batch = state.range(0);
  set_threads(state, 1);
  aegan::Rng rng(1);
  aegan::nn::Linear<float> lin(kIn, kOut, rng);
  const Var<float> x(random_tensor({batch, kIn}, rng));
  aegan::NoGradGuard no_grad;
  for (int i = 0; i < 5; ++i) benchmark::DoNotOptimize(lin(x).value().data());  // warm-up
  for (auto _ : state) {
    Var<float> y = lin(x);
    benchmark::DoNotOptimize(y.value().data());
    benchmark::ClobberMemory();
  }
  state.counters["gflops"] = benchmark::Counter(2.0 * static_cast<double>(batch * kIn * kOut),
                                                benchmark::Counter::kIsIterationInvariantRate);
}

void linear_fwdbwd(benchmark::State& state) {
  const Index batch = state.range(0);
  set_threads(state, 1);
  aegan::Rng rng(2);
  aegan::nn::Linear<float> lin(kIn, kOut, rng);
  Var<float> x(random_tensor({batch, kIn}, rng), /*requires_grad=*/true);
  const Tensor<float> seed = random_tensor({batch, kOut}, rng);
  auto step = [&] {
    lin.zero_grad();
    x.zero_grad();
    Var<float> y = lin(x);
    y.backward(seed);
    benchmark::DoNotOptimize(x.grad().data());
    benchmark::DoNotOptimize(lin.weight.grad().data());
    benchmark::DoNotOptimize(lin.bias.grad().data());
  };
  for (int i = 0; i < 5; ++i) step();
  for (auto _ : state) {
    step();
    benchmark::ClobberMemory();
  }
  state.counters["gflops"] = benchmark::Counter(6.0 * static_cast<double>(batch * kIn * kOut),
                                                benchmark::Counter::kIsIterationInvariantRate);
}

void adam_step(benchmark::State& state) {
  set_threads(state, 0);
  aegan::Rng rng(3);
  Var<float> w = aegan::parameter(random_tensor({1000, 1000}, rng));
  Var<float> b = aegan::parameter(random_tensor({1000}, rng));
  // Preset gradients, as a backward pass would leave them.
  w.node()->accumulate(random_tensor({1000, 1000}, rng));
  b.node()->accumulate(random_tensor({1000}, rng));
  aegan::optim::Adam<float> opt({w, b}, aegan::optim::AdamOptions(1e-3));
  for (int i = 0; i < 5; ++i) opt.step();
  for (auto _ : state) {
    opt.step();
    benchmark::DoNotOptimize(w.value().data());
    benchmark::ClobberMemory();
  }
}

void ae_step(benchmark::State& state) {
  set_threads(state, 0);
  constexpr Index kBatch = 256, kLatent = 32;
  aegan::Rng rng(4);
  aegan::nn::Sequential<float> model(aegan::nn::Linear<float>(kIn, kLatent, rng), aegan::nn::ReLU<float>(),
                                     aegan::nn::Linear<float>(kLatent, kIn, rng), aegan::nn::Sigmoid<float>());
  aegan::optim::Adam<float> opt(model.parameters(), aegan::optim::AdamOptions(1e-3));
  const Var<float> x(random_tensor({kBatch, kIn}, rng, 0.0, 1.0));
  auto step = [&] {
    opt.zero_grad();
    Var<float> y = model(x);
    Var<float> loss = aegan::mse_loss(y, x);
    loss.backward();
    opt.step();
    benchmark::DoNotOptimize(loss.value().data());
  };
  for (int i = 0; i < 5; ++i) step();
  for (auto _ : state) {
    step();
    benchmark::ClobberMemory();
  }
}

}  // namespace

BENCHMARK(linear_fwd)->ArgNames({"batch", "threads"})->ArgsProduct({{64, 256}, {1, 2}})->UseRealTime();
BENCHMARK(linear_fwdbwd)->ArgNames({"batch", "threads"})->ArgsProduct({{64, 256}, {1, 2}})->UseRealTime();
BENCHMARK(adam_step)->ArgNames({"threads"})->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK(ae_step)->ArgNames({"threads"})->Arg(1)->Arg(2)->UseRealTime();

BENCHMARK_MAIN();
