// MaxPool2d, AvgPool2d, Upsample, Flatten / Unflatten and Dropout2d: forward against direct
// loops, gradients against finite differences, bad input.
#include <catch2/catch.hpp>

#include <aegan/aegan.hpp>
#include <aegan/testing/gradcheck.hpp>

#include "support/fusion.hpp"
#include "support/tensors.hpp"

#include <limits>
#include <numeric>
#include <string>
#include <vector>

using aegan::Index;
using aegan::test::randn;
using aegan::test::max_abs_diff;
using aegan::Rng;
using aegan::Shape;
using aegan::Size2;
using aegan::Tensor;
using aegan::Var;

namespace {

/// Distinct values 0.05 apart in random order: max-pooling has no ties, and a finite-difference
/// step of 0.01 never changes which input wins a window.
template <class T>
Tensor<T> distinct(const Shape& s, Rng& rng) {
  Tensor<T> t = Tensor<T>::uninitialized(s);
  std::vector<Index> order(static_cast<std::size_t>(t.numel()));
  std::iota(order.begin(), order.end(), Index(0));
  rng.shuffle(order.begin(), order.end());
  for (Index i = 0; i < t.numel(); ++i) t[i] = static_cast<T>(0.05 * static_cast<double>(order[static_cast<std::size_t>(i)]) - 1.0);
  return t;
}

/// Direct pooling: max, or mean with PyTorch's count_include_pad divisor.
template <class T>
Tensor<T> reference_pool(const Tensor<T>& x, Size2 k, Size2 s, Size2 p, bool is_max, bool count_include_pad) {
  const Index N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3);
  const Index Ho = (H + 2 * p.h - k.h) / s.h + 1, Wo = (W + 2 * p.w - k.w) / s.w + 1;
  Tensor<T> y({N, C, Ho, Wo});
  for (Index n = 0; n < N; ++n)
    for (Index c = 0; c < C; ++c)
      for (Index oh = 0; oh < Ho; ++oh)
        for (Index ow = 0; ow < Wo; ++ow) {
          double best = -std::numeric_limits<double>::infinity(), sum = 0.0;
          Index real = 0, padded = 0;
          for (Index i = 0; i < k.h; ++i)
            for (Index j = 0; j < k.w; ++j) {
              const Index ih = oh * s.h - p.h + i, iw = ow * s.w - p.w + j;
              if (ih < H + p.h && iw < W + p.w) ++padded;  // inside the padded input
              if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
              const double v = static_cast<double>(x.at({n, c, ih, iw}));
              best = std::max(best, v);
              sum += v;
              ++real;
            }
          y.at({n, c, oh, ow}) = static_cast<T>(is_max ? best : sum / static_cast<double>(count_include_pad ? padded : real));
        }
  return y;
}

struct PoolConfig {
  Index n, c, h, w;
  Size2 k, s, p;
  std::string str() const {
    return "N=" + std::to_string(n) + " C=" + std::to_string(c) + " H=" + std::to_string(h) + " W=" + std::to_string(w) +
           " k=" + k.to_string() + " s=" + s.to_string() + " p=" + p.to_string();
  }
};

PoolConfig random_pool(Rng& rng, Index max_extra) {
  PoolConfig c;
  c.n = 1 + static_cast<Index>(rng.below(3));
  c.c = 1 + static_cast<Index>(rng.below(3));
  const Index kh = 1 + static_cast<Index>(rng.below(5)), kw = rng.bernoulli(0.7) ? kh : 1 + static_cast<Index>(rng.below(5));
  c.k = {kh, kw};
  c.s = {1 + static_cast<Index>(rng.below(3)), 1 + static_cast<Index>(rng.below(3))};
  c.p = {static_cast<Index>(rng.below(static_cast<std::uint64_t>(std::min<Index>(2, kh / 2) + 1))),
         static_cast<Index>(rng.below(static_cast<std::uint64_t>(std::min<Index>(2, kw / 2) + 1)))};
  c.h = std::max<Index>(1, kh - 2 * c.p.h) + static_cast<Index>(rng.below(static_cast<std::uint64_t>(max_extra + 1)));
  c.w = std::max<Index>(1, kw - 2 * c.p.w) + static_cast<Index>(rng.below(static_cast<std::uint64_t>(max_extra + 1)));
  return c;
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

TEMPLATE_TEST_CASE("max_pool2d and avg_pool2d match direct pooling", "[pool]", float, double) {
  using T = TestType;
  Rng rng(1);
  for (int trial = 0; trial < 40; ++trial) {
    const PoolConfig c = random_pool(rng, 8);
    INFO(c.str());
    const auto x = randn<T>({c.n, c.c, c.h, c.w}, rng);
    CHECK(max_abs_diff(aegan::max_pool2d(Var<T>(x), c.k, c.s, c.p).value(), reference_pool(x, c.k, c.s, c.p, true, true)) == 0.0);
    for (bool include : {true, false})
      CHECK(max_abs_diff(aegan::avg_pool2d(Var<T>(x), c.k, c.s, c.p, include).value(),
                         reference_pool(x, c.k, c.s, c.p, false, include)) < 1e-5);
  }
}

TEMPLATE_TEST_CASE("pooling gradients pass the gradient checker", "[pool][gradcheck]", float, double) {
  using T = TestType;
  Rng rng(2);
  for (int trial = 0; trial < 25; ++trial) {
    const PoolConfig c = random_pool(rng, 4);
    INFO(c.str());
    const std::vector<Tensor<T>> inputs{distinct<T>({c.n, c.c, c.h, c.w}, rng)};
    auto fmax = [&](const std::vector<Var<T>>& v) { return aegan::max_pool2d(v[0], c.k, c.s, c.p); };
    auto r = aegan::testing::gradcheck<T>(fmax, inputs, 3);
    INFO("max: " << r.message);
    CHECK(r.ok);
    const bool include = trial % 2 == 0;
    auto favg = [&](const std::vector<Var<T>>& v) { return aegan::avg_pool2d(v[0], c.k, c.s, c.p, include); };
    r = aegan::testing::gradcheck<T>(favg, inputs, 4);
    INFO("avg: " << r.message);
    CHECK(r.ok);
  }
}

TEST_CASE("MaxPool2d / AvgPool2d modules: default stride is the kernel", "[pool][nn]") {
  Rng rng(3);
  const auto x = randn<float>({2, 3, 7, 8}, rng);
  aegan::nn::MaxPool2d<float> mp(2);
  CHECK(mp(Var<float>(x)).shape() == Shape{2, 3, 3, 4});
  CHECK(max_abs_diff(mp(Var<float>(x)).value(), reference_pool(x, 2, 2, 0, true, true)) == 0.0);
  aegan::nn::AvgPool2d<float> ap(aegan::nn::AvgPool2dOptions(3).stride(1).padding(1).count_include_pad(false));
  CHECK(ap(Var<float>(x)).shape() == Shape{2, 3, 7, 8});
  CHECK(max_abs_diff(ap(Var<float>(x)).value(), reference_pool(x, 3, 1, 1, false, false)) < 1e-6);
  CHECK(mp.type_name() == "MaxPool2d(kernel=2, stride=2, padding=0)");
  CHECK(mp.parameters().empty());
}

TEMPLATE_TEST_CASE("upsample_nearest2d repeats pixels and sums gradients over blocks", "[upsample]", float, double) {
  using T = TestType;
  Rng rng(4);
  for (Size2 scale : {Size2(1), Size2(2), Size2(3, 2), Size2(1, 4)}) {
    INFO("scale " << scale.to_string());
    const auto x = randn<T>({2, 3, 3, 5}, rng);
    aegan::nn::Upsample<T> up(scale);
    const Var<T> y = up(Var<T>(x));
    REQUIRE(y.shape() == Shape{2, 3, 3 * scale.h, 5 * scale.w});
    for (Index n = 0; n < 2; ++n)
      for (Index c = 0; c < 3; ++c)
        for (Index i = 0; i < 3 * scale.h; ++i)
          for (Index j = 0; j < 5 * scale.w; ++j) REQUIRE(y.value().at({n, c, i, j}) == x.at({n, c, i / scale.h, j / scale.w}));
    auto f = [&](const std::vector<Var<T>>& v) { return aegan::upsample_nearest2d(v[0], scale); };
    const auto r = aegan::testing::gradcheck<T>(f, {randn<T>({2, 2, 3, 4}, rng)}, 5);
    INFO(r.message);
    CHECK(r.ok);
  }
}

TEST_CASE("Flatten and Unflatten bridge image and dense layers", "[reshape]") {
  Rng rng(5);
  const auto x = randn<double>({4, 2, 3, 5}, rng);
  aegan::nn::Flatten<double> flat;
  Var<double> xv(x, true);
  Var<double> f = flat(xv);
  CHECK(f.shape() == Shape{4, 30});
  CHECK(f.value()[37] == x[37]);
  aegan::nn::Unflatten<double> unflat(1, {2, 3, 5});
  Var<double> back = unflat(f);
  CHECK(back.shape() == x.shape());
  back.backward(x);
  CHECK(max_abs_diff(xv.grad(), x) == 0.0);
  CHECK(aegan::nn::Flatten<double>(0, 1)(Var<double>(x)).shape() == Shape{8, 3, 5});
  CHECK(aegan::nn::Flatten<double>(2)(Var<double>(x)).shape() == Shape{4, 2, 15});
  CHECK(aegan::nn::Unflatten<double>(-1, {5, 1})(Var<double>(x)).shape() == Shape{4, 2, 3, 5, 1});

  // In a Sequential between dense and image layers: the MNIST DCGAN generator's shape path.
  aegan::nn::Sequential<float> gen(aegan::nn::Linear<float>(8, 16 * 7 * 7, rng), aegan::nn::Unflatten<float>(1, {16, 7, 7}),
                                   aegan::nn::ConvTranspose2d<float>(aegan::nn::ConvTranspose2dOptions(16, 4, 4).stride(2).padding(1), rng),
                                   aegan::nn::BatchNorm2d<float>(4), aegan::nn::ReLU<float>(),
                                   aegan::nn::ConvTranspose2d<float>(aegan::nn::ConvTranspose2dOptions(4, 1, 4).stride(2).padding(1), rng),
                                   aegan::nn::Tanh<float>());
  CHECK(gen(Var<float>(randn<float>({3, 8}, rng))).shape() == Shape{3, 1, 28, 28});
  aegan::nn::Sequential<float> disc(aegan::nn::Conv2d<float>(aegan::nn::Conv2dOptions(1, 4, 4).stride(2).padding(1), rng),
                                    aegan::nn::LeakyReLU<float>(0.2f), aegan::nn::Dropout2d<float>(0.3, rng),
                                    aegan::nn::MaxPool2d<float>(2), aegan::nn::Flatten<float>(),
                                    aegan::nn::Linear<float>(4 * 7 * 7, 1, rng));
  CHECK(disc(Var<float>(randn<float>({3, 1, 28, 28}, rng))).shape() == Shape{3, 1});

  using Catch::Matchers::Contains;
  CHECK_THAT(message_of([&] { unflat(Var<double>(Tensor<double>({4, 31}))); }),
             Contains("Unflatten(dim=1, sizes=[2, 3, 5])") && Contains("[4, 31]"));
  CHECK_THAT(message_of([&] { aegan::nn::Flatten<double>(3)(Var<double>(Tensor<double>({4, 31}))); }),
             Contains("Flatten(start_dim=3") && Contains("[4, 31]"));
}

TEST_CASE("Sequential reads a Flatten before a Linear in place, with unchanged results and errors", "[reshape][nn]") {
  using namespace aegan::nn;
  Rng init(7), rng(8);
  // The critic's tail: conv, rectifier, Flatten, Linear.
  Sequential<double> net(Conv2d<double>(Conv2dOptions(2, 3, 3).padding(1), init), LeakyReLU<double>(0.2), Flatten<double>(),
                         Linear<double>(3 * 4 * 5, 6, init), ReLU<double>(), Linear<double>(6, 1, init));
  const auto x = randn<double>({5, 2, 4, 5}, rng);
  const auto seed = randn<double>({5, 1}, rng);
  const auto separate = aegan::test::run_pass(net, x, seed, /*fused=*/false);
  const auto fused = aegan::test::run_pass(net, x, seed, /*fused=*/true);
  CHECK(separate.ops == std::vector<std::string>{"linear", "relu", "linear", "reshape", "leaky_relu", "conv2d"});
  CHECK(fused.ops == std::vector<std::string>{"linear", "relu", "linear", "conv2d_rectified"});  // no reshape
  REQUIRE(fused.values.size() == separate.values.size());
  for (std::size_t k = 0; k < fused.values.size(); ++k) CHECK(max_abs_diff(fused.values[k], separate.values[k]) == 0.0);
  CHECK(fused.values[1].shape() == x.shape());  // the input's gradient, back in the input's shape

  // Only a Flatten of every dimension after the first fuses, and only into a Linear that takes its
  // result: anything else runs unfused and fails, if it does, with the unfused error.
  using Catch::Matchers::Contains;
  Sequential<double> wrong(Flatten<double>(), Linear<double>(7, 2, init));
  CHECK_THAT(message_of([&] { wrong(Var<double>(x)); }), Contains("Linear(7 -> 2)") && Contains("[5, 40]"));
  Sequential<double> rank1(Flatten<double>(), Linear<double>(1, 2, init));
  CHECK_THAT(message_of([&] { rank1(Var<double>(Tensor<double>({4}))); }), Contains("Flatten(start_dim=1"));
  Sequential<double> partial(Flatten<double>(2), Linear<double>(20, 2, init));
  CHECK_THAT(message_of([&] { partial(Var<double>(x)); }), Contains("Linear(20 -> 2)") && Contains("[5, 2, 20]"));
  CHECK(Sequential<double>(Flatten<double>(), Linear<double>(3, 2, init))(Var<double>(randn<double>({4, 3}, rng))).shape() ==
        Shape{4, 2});
  CHECK_THROWS_WITH(aegan::autograd::linear_impl(Var<double>(x), Var<double>(Tensor<double>({2, 7})), Var<double>(), true),
                    Contains("expected [N, 7], flattened"));
}

TEMPLATE_TEST_CASE("Dropout2d zeroes whole channels and scales the rest", "[dropout2d]", float, double) {
  using T = TestType;
  Rng rng(6);
  const auto x = Tensor<T>::ones({16, 32, 3, 3});
  aegan::nn::Dropout2d<T> drop(0.25, rng);
  Var<T> xv(x, true);
  Var<T> y = drop(xv);
  Index dropped = 0;
  for (Index plane = 0; plane < 16 * 32; ++plane) {
    const T first = y.value()[plane * 9];
    REQUIRE((first == T(0) || std::abs(first - T(1) / T(0.75)) < 1e-6));
    for (Index i = 1; i < 9; ++i) REQUIRE(y.value()[plane * 9 + i] == first);
    dropped += first == T(0);
  }
  CHECK(dropped > 16 * 32 / 8);
  CHECK(dropped < 16 * 32 * 3 / 8);
  y.backward(Tensor<T>::ones(y.shape()));
  for (Index i = 0; i < x.numel(); ++i) REQUIRE(xv.grad()[i] == y.value()[i]);  // the same mask

  drop.eval();
  CHECK(max_abs_diff(drop(Var<T>(x)).value(), x) == 0.0);

  // Gradient check with the mask fixed by reseeding on every call.
  auto f = [&](const std::vector<Var<T>>& v) {
    Rng local(9);
    return aegan::dropout2d(v[0], 0.5, true, local);
  };
  const auto r = aegan::testing::gradcheck<T>(f, {randn<T>({2, 4, 2, 3}, rng)}, 7);
  INFO(r.message);
  CHECK(r.ok);
}

TEST_CASE("pooling and resampling layers reject bad input with the layer, its options and the input shape",
          "[pool][errors]") {
  using Catch::Matchers::Contains;
  aegan::nn::MaxPool2d<float> mp(aegan::nn::MaxPool2dOptions(3).stride(2));
  CHECK_THAT(message_of([&] { mp(Var<float>(Tensor<float>({2, 3, 2, 2}))); }),
             Contains("MaxPool2d(kernel=3, stride=2, padding=0)") && Contains("[2, 3, 2, 2]") && Contains("larger"));
  CHECK_THAT(message_of([&] { mp(Var<float>(Tensor<float>({3, 8, 8}))); }),
             Contains("MaxPool2d") && Contains("[3, 8, 8]") && Contains("4-D"));
  CHECK_THAT(message_of([&] { aegan::max_pool2d(Var<float>(Tensor<float>({1, 1, 8, 8})), 2, Size2(0)); }),
             Contains("max_pool2d") && Contains("stride=0") && Contains("[1, 1, 8, 8]"));
  CHECK_THROWS_AS(aegan::nn::MaxPool2d<float>(aegan::nn::MaxPool2dOptions(2).stride(0)), aegan::ValueError);
  CHECK_THROWS_AS(aegan::nn::AvgPool2d<float>(aegan::nn::AvgPool2dOptions(2).padding(2)), aegan::ValueError);
  aegan::nn::AvgPool2d<float> ap(2);
  CHECK_THAT(message_of([&] { ap(Var<float>(Tensor<float>({2, 6}))); }), Contains("AvgPool2d") && Contains("[2, 6]"));
  aegan::nn::Upsample<float> up(2);
  CHECK_THAT(message_of([&] { up(Var<float>(Tensor<float>({2, 6}))); }), Contains("Upsample(scale_factor=2") && Contains("[2, 6]"));
  CHECK_THROWS_AS(aegan::nn::Upsample<float>(0), aegan::ValueError);
  aegan::nn::Dropout2d<float> drop(0.5);
  CHECK_THAT(message_of([&] { drop(Var<float>(Tensor<float>({2, 6}))); }), Contains("Dropout2d") && Contains("[2, 6]"));
  CHECK_THROWS_AS(aegan::nn::Dropout2d<float>(1.0), aegan::ValueError);
}

TEMPLATE_TEST_CASE("pooling, upsampling and reshaping modules pass the module gradient checker", "[pool][gradcheck][nn]",
                   float, double) {
  using T = TestType;
  Rng rng(8);
  const auto x = distinct<T>({2, 2, 5, 6}, rng);
  aegan::nn::MaxPool2d<T> mp(aegan::nn::MaxPool2dOptions(3).stride(2).padding(1));
  aegan::nn::AvgPool2d<T> ap(aegan::nn::AvgPool2dOptions({2, 3}).stride(1).padding({1, 0}));
  aegan::nn::Upsample<T> up(Size2(2, 3));
  aegan::nn::Flatten<T> flat;
  aegan::nn::Dropout2d<T> drop(0.5, rng);
  drop.eval();
  for (aegan::nn::Module<T>* m : std::vector<aegan::nn::Module<T>*>{&mp, &ap, &up, &flat, &drop}) {
    INFO(m->type_name());
    const auto r = aegan::testing::gradcheck_module<T>(*m, x, 11);
    INFO(r.message);
    CHECK(r.ok);
  }
  aegan::nn::Unflatten<T> unflat(1, {2, 3});
  const auto r = aegan::testing::gradcheck_module<T>(unflat, randn<T>({3, 6, 2}, rng), 12);
  INFO(r.message);
  CHECK(r.ok);
}
