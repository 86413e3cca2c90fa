// BatchNorm1d / BatchNorm2d: the formulas in training and eval mode, running-statistic updates
// (unbiased variance, momentum, cumulative average), gradients, buffers, bad input.
#include <catch2/catch.hpp>

#include <aegan/aegan.hpp>
#include <aegan/testing/gradcheck.hpp>

#include "support/fusion.hpp"
#include "support/tensors.hpp"

#include <cmath>
#include <optional>
#include <string>
#include <vector>

using aegan::Index;
using aegan::test::randn;
using aegan::Rng;
using aegan::Shape;
using aegan::Tensor;
using aegan::Var;

namespace {

/// Per-channel mean, biased and unbiased variance of x read as [N, C, inner], in double.
struct Stats {
  std::vector<double> mean, var, var_unbiased;
};
template <class T>
Stats channel_stats(const Tensor<T>& x) {
  const Index N = x.dim(0), C = x.dim(1), inner = x.shape().numel_from(2);
  Stats s;
  for (Index c = 0; c < C; ++c) {
    double sum = 0.0, sq = 0.0;
    for (Index n = 0; n < N; ++n)
      for (Index i = 0; i < inner; ++i) sum += static_cast<double>(x[(n * C + c) * inner + i]);
    const double m = static_cast<double>(N * inner);
    const double mean = sum / m;
    for (Index n = 0; n < N; ++n)
      for (Index i = 0; i < inner; ++i) sq += std::pow(static_cast<double>(x[(n * C + c) * inner + i]) - mean, 2);
    s.mean.push_back(mean);
    s.var.push_back(sq / m);
    s.var_unbiased.push_back(sq / (m - 1));
  }
  return s;
}

std::string message_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const aegan::Error& e) {
    return e.what();
  }
  return "no exception";
}

}  // namespace

TEMPLATE_TEST_CASE("BatchNorm2d training forward and running statistics follow the formulas", "[batchnorm]", float,
                   double) {
  using T = TestType;
  const double tol = std::is_same_v<T, float> ? 1e-4 : 1e-10;
  Rng rng(1);
  aegan::nn::BatchNorm2d<T> bn(aegan::nn::BatchNorm2dOptions(3).momentum(0.2).eps(1e-3));
  for (Index c = 0; c < 3; ++c) {
    bn.weight.mutable_value()[c] = static_cast<T>(0.5 + c);
    bn.bias.mutable_value()[c] = static_cast<T>(c - 1.0);
  }
  std::vector<double> rm(3, 0.0), rv(3, 1.0);
  for (int step = 0; step < 3; ++step) {
    const auto x = randn<T>({4, 3, 5, 3}, rng, 2.0, 3.0);
    Var<T> y = bn(Var<T>(x));
    const Stats s = channel_stats(x);
    for (Index i = 0; i < x.numel(); ++i) {
      const Index c = (i / 15) % 3;
      const double expect = (static_cast<double>(x[i]) - s.mean[c]) / std::sqrt(s.var[c] + 1e-3) * (0.5 + c) + (c - 1.0);
      REQUIRE(static_cast<double>(y.value()[i]) == Approx(expect).margin(tol));
    }
    for (Index c = 0; c < 3; ++c) {
      rm[c] = 0.8 * rm[c] + 0.2 * s.mean[c];
      rv[c] = 0.8 * rv[c] + 0.2 * s.var_unbiased[c];  // unbiased, as PyTorch
      CHECK(static_cast<double>(bn.running_mean.value()[c]) == Approx(rm[c]).margin(tol));
      CHECK(static_cast<double>(bn.running_var.value()[c]) == Approx(rv[c]).margin(tol));
    }
  }
  CHECK(bn.num_batches_tracked.value().item() == T(3));

  // Eval: the running statistics, and they stay put.
  bn.eval();
  const auto x = randn<T>({2, 3, 4, 4}, rng);
  Var<T> y = bn(Var<T>(x));
  for (Index i = 0; i < x.numel(); ++i) {
    const Index c = (i / 16) % 3;
    const double expect = (static_cast<double>(x[i]) - rm[c]) / std::sqrt(rv[c] + 1e-3) * (0.5 + c) + (c - 1.0);
    REQUIRE(static_cast<double>(y.value()[i]) == Approx(expect).margin(tol));
  }
  for (Index c = 0; c < 3; ++c) CHECK(static_cast<double>(bn.running_mean.value()[c]) == Approx(rm[c]).margin(tol));
  CHECK(bn.num_batches_tracked.value().item() == T(3));
}

TEST_CASE("BatchNorm: cumulative average (momentum None), no affine, no running stats", "[batchnorm]") {
  Rng rng(2);
  aegan::nn::BatchNorm1d<double> bn(aegan::nn::BatchNorm1dOptions(2).momentum(std::nullopt).affine(false));
  CHECK(bn.parameters().empty());
  std::vector<double> means0;
  for (int step = 0; step < 4; ++step) {
    const auto x = randn<double>({6, 2}, rng, step, 1.0);
    Var<double> y = bn(Var<double>(x));
    means0.push_back(channel_stats(x).mean[0]);
    // Without affine, each channel of the output has mean 0 and biased variance 1 (up to eps).
    const Stats s = channel_stats(y.value());
    CHECK(s.mean[1] == Approx(0.0).margin(1e-12));
    CHECK(s.var[1] == Approx(1.0).epsilon(1e-4));
  }
  double avg = 0.0;
  for (double m : means0) avg += m / 4.0;
  CHECK(bn.running_mean.value()[0] == Approx(avg).epsilon(1e-12));

  aegan::nn::BatchNorm2d<float> free_bn(aegan::nn::BatchNorm2dOptions(2).track_running_stats(false));
  CHECK(free_bn.named_buffers().empty());
  free_bn.eval();  // no running statistics: batch statistics even in eval
  const auto x = randn<float>({3, 2, 2, 2}, rng, 5.0, 2.0);
  const Stats s = channel_stats(free_bn(Var<float>(x)).value());
  CHECK(s.mean[0] == Approx(0.0).margin(1e-5));
}

TEST_CASE("BatchNorm parameters and buffers are named as in PyTorch", "[batchnorm][nn]") {
  aegan::nn::BatchNorm2d<float> bn(64);
  const auto p = bn.named_parameters();
  const auto b = bn.named_buffers();
  REQUIRE(p.size() == 2);
  CHECK(p[0].name == "weight");
  CHECK(p[1].name == "bias");
  REQUIRE(b.size() == 3);
  CHECK(b[0].name == "running_mean");
  CHECK(b[1].name == "running_var");
  CHECK(b[2].name == "num_batches_tracked");
  CHECK_FALSE(b[0].var.requires_grad());
  CHECK(bn.weight.value()[5] == 1.0f);
  CHECK(bn.running_var.value()[5] == 1.0f);

  // load_state_from copies the running statistics too.
  aegan::nn::BatchNorm2d<float> other(64);
  bn.running_mean.mutable_value().fill(3.0f);
  other.load_state_from(bn);
  CHECK(other.running_mean.value()[10] == 3.0f);
}

TEMPLATE_TEST_CASE("batch_norm gradients pass the gradient checker", "[batchnorm][gradcheck]", float, double) {
  using T = TestType;
  Rng rng(3);
  const std::vector<Shape> shapes{{4, 3}, {3, 2, 5}, {2, 3, 3, 2}, {1, 2, 3, 3}, {5, 1, 1, 1}};
  for (const Shape& shape : shapes)
    for (bool training : {true, false})
      for (bool affine : {true, false}) {
        INFO("shape " << shape.to_string() << " training=" << training << " affine=" << affine);
        const Index C = shape[1];
        Tensor<T> rm = randn<T>({C}, rng), rv = Tensor<T>::uninitialized({C});
        for (Index c = 0; c < C; ++c) rv[c] = static_cast<T>(0.5 + rng.uniform());
        std::vector<Tensor<T>> inputs{randn<T>(shape, rng, 1.0, 2.0)};
        if (affine) {
          inputs.push_back(randn<T>({C}, rng, 1.0, 0.3));
          inputs.push_back(randn<T>({C}, rng));
        }
        auto f = [&](const std::vector<Var<T>>& v) {
          Tensor<T> m = rm, s = rv;  // the checker calls f many times; keep the statistics fixed
          return aegan::batch_norm(v[0], affine ? v[1] : Var<T>(), affine ? v[2] : Var<T>(), &m, &s, training, 0.1, 1e-5);
        };
        const auto r = aegan::testing::gradcheck<T>(f, inputs, 7);
        INFO(r.message);
        CHECK(r.ok);
      }
}

TEST_CASE("batch_norm does not depend on the thread count", "[batchnorm]") {
  Rng rng(4);
  const auto x = randn<float>({8, 4, 32, 32}, rng, 1.0, 2.0);
  const auto seed = randn<float>({8, 4, 32, 32}, rng);
  std::vector<Tensor<float>> out;
  for (int threads : {1, 2}) {
    aegan::set_num_threads(threads);
    aegan::nn::BatchNorm2d<float> bn(4);
    Var<float> xv(x, true);
    Var<float> y = bn(xv);
    y.backward(seed);
    out.push_back(y.value());
    out.push_back(xv.grad());
    out.push_back(bn.weight.grad());
    out.push_back(bn.running_var.value());
  }
  for (std::size_t k = 0; k < 4; ++k)
    for (Index i = 0; i < out[k].numel(); ++i) REQUIRE(out[k][i] == out[k + 4][i]);
}

TEST_CASE("BatchNorm rejects bad input with the layer, its options and the input shape", "[batchnorm][errors]") {
  using Catch::Matchers::Contains;
  aegan::nn::BatchNorm2d<float> bn(4);
  const std::string name = "BatchNorm2d(4, eps=";
  CHECK_THAT(message_of([&] { bn(Var<float>(Tensor<float>({2, 3, 5, 5}))); }),
             Contains(name) && Contains("momentum=0.1") && Contains("[2, 3, 5, 5]") && Contains("3 channels, expected 4"));
  CHECK_THAT(message_of([&] { bn(Var<float>(Tensor<float>({2, 4}))); }), Contains(name) && Contains("[2, 4]") && Contains("4-D"));
  CHECK_THAT(message_of([&] { bn(Var<float>(Tensor<float>({1, 4, 1, 1}))); }),
             Contains(name) && Contains("[1, 4, 1, 1]") && Contains("more than 1 value per channel"));
  aegan::nn::BatchNorm1d<float> bn1(3);
  CHECK_THAT(message_of([&] { bn1(Var<float>(Tensor<float>({2, 3, 4, 4}))); }),
             Contains("BatchNorm1d(3") && Contains("[2, 3, 4, 4]"));
  CHECK_THROWS_AS(aegan::nn::BatchNorm2d<float>(aegan::nn::BatchNorm2dOptions(4).momentum(1.5)), aegan::ValueError);
  CHECK_THROWS_AS(aegan::nn::BatchNorm2d<float>(0), aegan::ValueError);
  bn1.eval();  // eval with running statistics works for a single sample
  CHECK(bn1(Var<float>(Tensor<float>({1, 3}))).shape() == Shape{1, 3});
}

TEST_CASE("BatchNorm1d on [N, C] (the channel-block path) matches the formulas at any thread count", "[batchnorm]") {
  Rng rng(5);
  const auto x = randn<double>({16, 3000}, rng, 0.5, 2.0);
  const auto seed = randn<double>({16, 3000}, rng);
  std::vector<Tensor<double>> out;
  for (int threads : {1, 2}) {
    aegan::set_num_threads(threads);
    aegan::nn::BatchNorm1d<double> bn(3000);
    for (Index c = 0; c < 3000; ++c) bn.weight.mutable_value()[c] = 0.5 + 0.001 * static_cast<double>(c);
    Var<double> xv(x, true);
    Var<double> y = bn(xv);
    y.backward(seed);
    out.push_back(y.value());
    out.push_back(xv.grad());
    out.push_back(bn.weight.grad());
    out.push_back(bn.running_var.value());
  }
  // Channel blocks follow the thread count, and a value at a block's edge may take the scalar
  // rather than the vector path (which can round a multiply-add differently): equal to 1e-12.
  for (std::size_t k = 0; k < 4; ++k)
    for (Index i = 0; i < out[k].numel(); ++i) {
      INFO("output " << k << " element " << i);
      REQUIRE(out[k][i] == Approx(out[k + 4][i]).epsilon(1e-12).margin(1e-12));
    }
  const Stats s = channel_stats(x);
  for (Index c : {Index(0), Index(1234), Index(2999)}) {
    for (Index n = 0; n < 16; ++n) {
      const double expect = (x[n * 3000 + c] - s.mean[c]) / std::sqrt(s.var[c] + 1e-5) * (0.5 + 0.001 * c);
      CHECK(out[0][n * 3000 + c] == Approx(expect).margin(1e-10));
    }
    CHECK(out[3][c] == Approx(0.9 + 0.1 * s.var_unbiased[c]).margin(1e-12));
  }
  // Gradients: compare with the general path by viewing [N, C] as [N, C, 1, 1].
  aegan::nn::BatchNorm2d<double> bn2(3000);
  for (Index c = 0; c < 3000; ++c) bn2.weight.mutable_value()[c] = 0.5 + 0.001 * static_cast<double>(c);
  Var<double> x4(x.reshape({16, 3000, 1, 1}), true);
  bn2(x4).backward(seed.reshape({16, 3000, 1, 1}));
  for (Index i = 0; i < x.numel(); ++i) REQUIRE(x4.grad()[i] == Approx(out[1][i]).margin(1e-12));
  for (Index c = 0; c < 3000; ++c) REQUIRE(bn2.weight.grad()[c] == Approx(out[2][c]).margin(1e-10));
}

TEMPLATE_TEST_CASE("BatchNorm modules pass the module gradient checker in training and eval mode", "[batchnorm][gradcheck]",
                   float, double) {
  using T = TestType;
  Rng rng(6);
  aegan::nn::BatchNorm2d<T> bn2(3);
  aegan::nn::BatchNorm1d<T> bn1(aegan::nn::BatchNorm1dOptions(4).momentum(0.3));
  for (bool training : {true, false}) {
    INFO("training=" << training);
    bn2.train(training);
    bn1.train(training);
    auto r = aegan::testing::gradcheck_module<T>(bn2, randn<T>({2, 3, 3, 2}, rng, 1.0, 2.0), 8);
    INFO(r.message);
    CHECK(r.ok);
    r = aegan::testing::gradcheck_module<T>(bn1, randn<T>({5, 4}, rng, -1.0, 2.0), 9);
    INFO(r.message);
    CHECK(r.ok);
    r = aegan::testing::gradcheck_module<T>(bn1, randn<T>({3, 4, 2}, rng), 10);
    INFO(r.message);
    CHECK(r.ok);
  }
}

TEMPLATE_TEST_CASE("batch norm with a fused rectifier equals the rectifier after it, and passes the gradient checker",
                   "[batchnorm][gradcheck]", float, double) {
  using T = TestType;
  using aegan::test::max_abs_diff;
  Rng rng(11);
  // [N, C] takes the channel-block path ([3, 300] more than one block); the others the per-channel
  // one, with runs shorter than, equal to and longer than one 16-lane sweep (5, 49, 6, 16, 196).
  const std::vector<Shape> shapes{{16, 40}, {3, 300}, {5, 3}, {4, 3, 5}, {6, 4, 7, 7}, {2, 3, 3, 2}, {2, 2, 4, 4}, {2, 2, 14, 14}};
  int trial = 0;
  for (const Shape& shape : shapes)
    for (bool training : {true, false})
      for (bool affine : {true, false})
        for (T slope : {T(0), T(0.2)}) {
          const int threads = ++trial % 2 ? 1 : 2;
          aegan::set_num_threads(threads);
          INFO("shape " << shape.to_string() << " training=" << training << " affine=" << affine << " slope=" << slope
                        << " threads=" << threads);
          const Index C = shape[1];
          const Tensor<T> rm0 = randn<T>({C}, rng);
          Tensor<T> rv0 = Tensor<T>::uninitialized({C});
          for (Index c = 0; c < C; ++c) rv0[c] = static_cast<T>(0.5 + rng.uniform());
          // Inputs whose normalized values all stay clear of the rectifier's kink by several
          // finite-difference steps, so the checker below compares derivatives, not a jump.
          // (In float a smaller step than the default 1e-2, for a narrower band around the kink.)
          auto options = aegan::testing::GradcheckOptions::defaults<T>();
          if constexpr (std::is_same_v<T, float>) options = {1e-3, 3e-2, 5e-3};
          std::vector<Tensor<T>> inputs;
          bool clear = false;
          for (int attempt = 0; attempt < 200 && !clear; ++attempt) {
            inputs = {randn<T>(shape, rng, 0.5, 2.0)};
            if (affine) {
              inputs.push_back(randn<T>({C}, rng, 1.0, 0.3));
              inputs.push_back(randn<T>({C}, rng));
            }
            Tensor<T> rm = rm0, rv = rv0;
            const Tensor<T> v = aegan::batch_norm(Var<T>(inputs[0]), affine ? Var<T>(inputs[1]) : Var<T>(),
                                                  affine ? Var<T>(inputs[2]) : Var<T>(), &rm, &rv, training, 0.1, 1e-5)
                                    .value();
            clear = v.array().abs().minCoeff() > 10 * options.eps;
          }
          const auto seed = randn<T>(shape, rng);
          auto run = [&](const std::vector<Var<T>>& v, Tensor<T>& rm, Tensor<T>& rv, bool fused) {
            const Var<T> w = affine ? v[1] : Var<T>(), b = affine ? v[2] : Var<T>();
            if (fused)
              return aegan::autograd::batch_norm_impl<T>(v[0], w, b, &rm, &rv, training, 0.1, 1e-5,
                                                         [] { return std::string("bn"); },
                                                         aegan::kernels::Rectifier<T>{slope});
            return aegan::leaky_relu(aegan::batch_norm(v[0], w, b, &rm, &rv, training, 0.1, 1e-5), slope);
          };

          std::vector<std::vector<Tensor<T>>> results;  // [fused, separate]: y, running stats, gradients
          for (bool fused : {true, false}) {
            std::vector<Var<T>> v;
            for (const auto& t : inputs) v.emplace_back(t, true);
            Tensor<T> rm = rm0, rv = rv0;
            Var<T> y = run(v, rm, rv, fused);
            CHECK(std::string(y.node()->op) == (fused ? "batch_norm_rectified" : "leaky_relu"));
            y.backward(seed);
            std::vector<Tensor<T>> r{y.value(), rm, rv};
            for (const auto& var : v) r.push_back(var.grad());
            results.push_back(std::move(r));
          }
          for (std::size_t k = 0; k < results[0].size(); ++k) {
            INFO("result " << k);
            CHECK(max_abs_diff(results[0][k], results[1][k]) == 0.0);
          }

          // In float a large channel has too many values to keep all of them clear of the kink.
          if (std::is_same_v<T, float> && shape.numel() > 100) continue;
          REQUIRE(clear);
          auto f = [&](const std::vector<Var<T>>& v) {
            Tensor<T> rm = rm0, rv = rv0;  // the checker calls f many times; keep the statistics fixed
            return run(v, rm, rv, true);
          };
          const auto r = aegan::testing::gradcheck<T>(f, inputs, 400 + static_cast<std::uint64_t>(trial), options);
          INFO(r.message);
          CHECK(r.ok);
        }
  Tensor<T> out = Tensor<T>::uninitialized({2, 3}), stats = Tensor<T>::uninitialized({3});
  CHECK_THROWS_WITH(aegan::kernels::batch_norm_backward<T>({2, 3, 1}, out.data(), out.data(), stats.data(), stats.data(),
                                                           nullptr, true, out.data(), nullptr, nullptr,
                                                           aegan::kernels::Rectifier<T>{T(0)}),
                    Catch::Contains("needs its output"));
}

TEMPLATE_TEST_CASE("batch_norm_backward may write dx over dy, with the bits of a separate dx", "[batchnorm]", float,
                   double) {
  using T = TestType;
  namespace k = aegan::kernels;
  Rng rng(12);
  // Runs of 1 (the channel-block path, one block and three), 5, 16, 49 and 196 values.
  const std::vector<k::ChannelLayout> layouts{{7, 40, 1}, {5, 600, 1}, {4, 3, 5}, {3, 2, 16}, {6, 4, 49}, {2, 3, 196}};
  for (const auto& l : layouts)
    for (int threads : {1, 2})
      for (bool batch_stats : {true, false})
        for (bool rectified : {false, true}) {
          INFO("layout [" << l.outer << ", " << l.channels << ", " << l.inner << "] threads=" << threads
                          << " batch_stats=" << batch_stats << " rectified=" << rectified);
          aegan::set_num_threads(threads);
          const Index n = l.outer * l.channels * l.inner, C = l.channels;
          const Tensor<T> x = randn<T>({n}, rng, 0.5, 2.0), dy = randn<T>({n}, rng), w = randn<T>({C}, rng, 1.0, 0.3);
          Tensor<T> y({n}), mean({C}), invstd({C}), var({C});
          const std::optional<k::Rectifier<T>> rect =
              rectified ? std::optional<k::Rectifier<T>>(k::Rectifier<T>{T(0.2)}) : std::nullopt;
          k::batch_norm_forward_train<T>(l, x.data(), w.data(), nullptr, 1e-5, y.data(), mean.data(), invstd.data(),
                                         var.data(), rect);
          Tensor<T> dx({n}), dw({C}), db({C}), dw2({C}), db2({C});
          k::batch_norm_backward<T>(l, x.data(), dy.data(), mean.data(), invstd.data(), w.data(), batch_stats, dx.data(),
                                    dw.data(), db.data(), rect, y.data());
          Tensor<T> in_place = dy;
          k::batch_norm_backward<T>(l, x.data(), in_place.data(), mean.data(), invstd.data(), w.data(), batch_stats,
                                    in_place.data(), dw2.data(), db2.data(), rect, y.data());
          CHECK(aegan::test::max_abs_diff(in_place, dx) == 0.0);
          CHECK(aegan::test::max_abs_diff(dw2, dw) == 0.0);
          CHECK(aegan::test::max_abs_diff(db2, db) == 0.0);
          CHECK(aegan::test::max_abs_diff(dx, dy) > 0.0);  // dx is not dy: the comparison above means something
        }
}

TEST_CASE("Sequential runs a BatchNorm and the rectifier after it as one fused layer, with unchanged results",
          "[batchnorm][nn]") {
  Rng init(12), rng(13);
  using namespace aegan::nn;
  Sequential<double> net(Linear<double>(5, 24, init), BatchNorm1d<double>(24), ReLU<double>(), Unflatten<double>(1, {6, 2, 2}),
                         Conv2d<double>(Conv2dOptions(6, 4, 1), init), BatchNorm2d<double>(4), LeakyReLU<double>(0.2));
  const auto x = randn<double>({9, 5}, rng);
  const auto seed = randn<double>({9, 4, 2, 2}, rng);
  for (bool training : {true, false}) {
    INFO("training=" << training);
    net.train(training);
    auto before = net.named_buffers();
    std::vector<Tensor<double>> saved;
    for (const auto& b : before) saved.push_back(b.var.value());
    const auto separate = aegan::test::run_pass(net, x, seed, /*fused=*/false);
    for (std::size_t k = 0; k < before.size(); ++k) before[k].var.mutable_value() = saved[k];  // same running stats again
    const auto fused = aegan::test::run_pass(net, x, seed, /*fused=*/true);
    CHECK(fused.ops == std::vector<std::string>{"batch_norm_rectified", "conv2d", "reshape", "batch_norm_rectified", "linear"});
    REQUIRE(fused.values.size() == separate.values.size());
    for (std::size_t k = 0; k < fused.values.size(); ++k)
      CHECK(aegan::test::max_abs_diff(fused.values[k], separate.values[k]) == 0.0);
  }
}
