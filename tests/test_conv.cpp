// Conv2d / ConvTranspose2d: forward against direct reference loops, the adjoint identity,
// finite-difference gradients on random geometries, thread-count independence, bad input.
#include <catch2/catch.hpp>

#include <aegan/aegan.hpp>
#include <aegan/testing/gradcheck.hpp>

#include "support/fusion.hpp"
#include "support/tensors.hpp"
#include "support/threads.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

using aegan::Index;
using aegan::test::randn;
using aegan::test::kAlwaysThreaded;
using aegan::test::max_abs_diff;
using aegan::Rng;
using aegan::Shape;
using aegan::Size2;
using aegan::Tensor;
using aegan::Var;

namespace {

/// Direct convolution: out[n, co, oh, ow] = b[co] + Σ x[n, ci, oh·s - p + i, ow·s - p + j]·w[co, ci, i, j].
template <class T>
Tensor<T> reference_conv(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>* b, Size2 s, Size2 p) {
  const Index N = x.dim(0), Ci = x.dim(1), H = x.dim(2), W = x.dim(3);
  const Index Co = w.dim(0), kh = w.dim(2), kw = w.dim(3);
  const Index Ho = (H + 2 * p.h - kh) / s.h + 1, Wo = (W + 2 * p.w - kw) / s.w + 1;
  Tensor<T> y({N, Co, Ho, Wo});
  for (Index n = 0; n < N; ++n)
    for (Index co = 0; co < Co; ++co)
      for (Index oh = 0; oh < Ho; ++oh)
        for (Index ow = 0; ow < Wo; ++ow) {
          double acc = b ? static_cast<double>((*b)[co]) : 0.0;
          for (Index ci = 0; ci < Ci; ++ci)
            for (Index i = 0; i < kh; ++i)
              for (Index j = 0; j < kw; ++j) {
                const Index ih = oh * s.h - p.h + i, iw = ow * s.w - p.w + j;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                acc += static_cast<double>(x.at({n, ci, ih, iw})) * static_cast<double>(w.at({co, ci, i, j}));
              }
          y.at({n, co, oh, ow}) = static_cast<T>(acc);
        }
  return y;
}

/// Direct transposed convolution: every input pixel scatters x·w[ci, co] onto the output window.
template <class T>
Tensor<T> reference_conv_transpose(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>* b, Size2 s, Size2 p,
                                   Size2 op) {
  const Index N = x.dim(0), Ci = x.dim(1), H = x.dim(2), W = x.dim(3);
  const Index Co = w.dim(1), kh = w.dim(2), kw = w.dim(3);
  const Index Ho = (H - 1) * s.h - 2 * p.h + kh + op.h, Wo = (W - 1) * s.w - 2 * p.w + kw + op.w;
  std::vector<double> acc(static_cast<std::size_t>(N * Co * Ho * Wo), 0.0);
  for (Index n = 0; n < N; ++n)
    for (Index ci = 0; ci < Ci; ++ci)
      for (Index ih = 0; ih < H; ++ih)
        for (Index iw = 0; iw < W; ++iw)
          for (Index co = 0; co < Co; ++co)
            for (Index i = 0; i < kh; ++i)
              for (Index j = 0; j < kw; ++j) {
                const Index oh = ih * s.h - p.h + i, ow = iw * s.w - p.w + j;
                if (oh < 0 || oh >= Ho || ow < 0 || ow >= Wo) continue;
                acc[static_cast<std::size_t>(((n * Co + co) * Ho + oh) * Wo + ow)] +=
                    static_cast<double>(x.at({n, ci, ih, iw})) * static_cast<double>(w.at({ci, co, i, j}));
              }
  Tensor<T> y({N, Co, Ho, Wo});
  for (Index i = 0; i < y.numel(); ++i)
    y[i] = static_cast<T>(acc[static_cast<std::size_t>(i)] + (b ? static_cast<double>((*b)[(i / (Ho * Wo)) % Co]) : 0.0));
  return y;
}

template <class T>
double tol() {
  return std::is_same_v<T, float> ? 1e-4 : 1e-11;
}

/// A random convolution geometry: kernel 1-5, stride 1-3, padding 0-2, odd and even sizes.
struct Config {
  Index n, ci, co, h, w;
  Size2 k, s, p;
  bool bias;
  std::string str() const {
    return "N=" + std::to_string(n) + " Ci=" + std::to_string(ci) + " Co=" + std::to_string(co) + " H=" +
           std::to_string(h) + " W=" + std::to_string(w) + " k=" + k.to_string() + " s=" + s.to_string() +
           " p=" + p.to_string() + " bias=" + std::to_string(bias);
  }
};

Config random_config(Rng& rng, Index max_batch, Index max_channels, Index max_extra) {
  Config c;
  c.n = 1 + static_cast<Index>(rng.below(static_cast<std::uint64_t>(max_batch)));
  c.ci = 1 + static_cast<Index>(rng.below(static_cast<std::uint64_t>(max_channels)));
  c.co = 1 + static_cast<Index>(rng.below(static_cast<std::uint64_t>(max_channels)));
  const Index kh = 1 + static_cast<Index>(rng.below(5)), kw = rng.bernoulli(0.7) ? kh : 1 + static_cast<Index>(rng.below(5));
  c.k = {kh, kw};
  const Index sh = 1 + static_cast<Index>(rng.below(3));
  c.s = rng.bernoulli(0.7) ? Size2(sh) : Size2(sh, 1 + static_cast<Index>(rng.below(3)));
  const Index ph = static_cast<Index>(rng.below(3));
  c.p = rng.bernoulli(0.7) ? Size2(ph) : Size2(ph, static_cast<Index>(rng.below(3)));
  c.h = std::max<Index>(1, kh - 2 * c.p.h) + static_cast<Index>(rng.below(static_cast<std::uint64_t>(max_extra + 1)));
  c.w = std::max<Index>(1, kw - 2 * c.p.w) + static_cast<Index>(rng.below(static_cast<std::uint64_t>(max_extra + 1)));
  c.bias = rng.bernoulli(0.6);
  return c;
}

}  // namespace

TEMPLATE_TEST_CASE("conv2d forward matches a direct convolution", "[conv]", float, double) {
  using T = TestType;
  Rng rng(11);
  for (int threads : {1, 2}) {
    aegan::set_num_threads(threads);
    for (int trial = 0; trial < 40; ++trial) {
      const Config c = random_config(rng, 5, 4, 9);
      INFO(c.str() << " threads=" << threads);
      const auto x = randn<T>({c.n, c.ci, c.h, c.w}, rng);
      const auto w = randn<T>({c.co, c.ci, c.k.h, c.k.w}, rng);
      const auto b = randn<T>({c.co}, rng);
      Var<T> y = aegan::conv2d(Var<T>(x), Var<T>(w), c.bias ? Var<T>(b) : Var<T>(), c.s, c.p, kAlwaysThreaded);
      CHECK(max_abs_diff(y.value(), reference_conv(x, w, c.bias ? &b : nullptr, c.s, c.p)) < tol<T>());
    }
  }
}

TEMPLATE_TEST_CASE("conv2d forward on DCGAN-sized maps (one sample per GEMM and batched chunks)", "[conv]", float, double) {
  using T = TestType;
  Rng rng(12);
  struct Case { Index n, ci, co, h; };
  for (const Case k : {Case{3, 1, 8, 28}, Case{5, 6, 4, 14}, Case{6, 5, 7, 14}, Case{4, 8, 3, 7}, Case{2, 2, 2, 40}})
    for (int threads : {1, 2}) {
      aegan::set_num_threads(threads);
      const auto x = randn<T>({k.n, k.ci, k.h, k.h}, rng);
      const auto w = randn<T>({k.co, k.ci, 4, 4}, rng);
      const auto b = randn<T>({k.co}, rng);
      Var<T> y = aegan::conv2d(Var<T>(x), Var<T>(w), Var<T>(b), 2, 1, kAlwaysThreaded);
      CHECK(max_abs_diff(y.value(), reference_conv(x, w, &b, 2, 1)) < 10 * tol<T>());
      // The transpose with the DCGAN generator's geometry.
      const auto wt = randn<T>({k.ci, k.co, 4, 4}, rng);
      Var<T> z = aegan::conv_transpose2d(Var<T>(x), Var<T>(wt), Var<T>(b), 2, 1, 0, kAlwaysThreaded);
      CHECK(z.shape() == Shape{k.n, k.co, 2 * k.h, 2 * k.h});
      CHECK(max_abs_diff(z.value(), reference_conv_transpose(x, wt, &b, 2, 1, 0)) < 10 * tol<T>());
    }
}

TEMPLATE_TEST_CASE("conv_transpose2d forward matches a direct transposed convolution", "[conv]", float, double) {
  using T = TestType;
  Rng rng(13);
  for (int threads : {1, 2}) {
    aegan::set_num_threads(threads);
    for (int trial = 0; trial < 40; ++trial) {
      const Config c = random_config(rng, 5, 4, 7);
      const Size2 op{static_cast<Index>(rng.below(static_cast<std::uint64_t>(c.s.h))),
                     static_cast<Index>(rng.below(static_cast<std::uint64_t>(c.s.w)))};
      const Index ho = (c.h - 1) * c.s.h - 2 * c.p.h + c.k.h + op.h, wo = (c.w - 1) * c.s.w - 2 * c.p.w + c.k.w + op.w;
      if (ho < 1 || wo < 1) continue;
      INFO(c.str() << " output_padding=" << op.to_string() << " threads=" << threads);
      const auto x = randn<T>({c.n, c.ci, c.h, c.w}, rng);
      const auto w = randn<T>({c.ci, c.co, c.k.h, c.k.w}, rng);
      const auto b = randn<T>({c.co}, rng);
      Var<T> y = aegan::conv_transpose2d(Var<T>(x), Var<T>(w), c.bias ? Var<T>(b) : Var<T>(), c.s, c.p, op, kAlwaysThreaded);
      CHECK(max_abs_diff(y.value(), reference_conv_transpose(x, w, c.bias ? &b : nullptr, c.s, c.p, op)) < tol<T>());
    }
  }
}

TEMPLATE_TEST_CASE("conv_transpose2d is the adjoint of conv2d: <conv(x), y> = <x, convT(y)>", "[conv]", float, double) {
  using T = TestType;
  Rng rng(14);
  for (int trial = 0; trial < 60; ++trial) {
    const Config c = random_config(rng, 4, 5, 10);
    INFO(c.str());
    const auto x = randn<T>({c.n, c.ci, c.h, c.w}, rng);
    const auto w = randn<T>({c.co, c.ci, c.k.h, c.k.w}, rng);  // conv: ci -> co; its transpose: co -> ci
    Var<T> cx = aegan::conv2d(Var<T>(x), Var<T>(w), Var<T>(), c.s, c.p, kAlwaysThreaded);
    const auto y = randn<T>(cx.shape(), rng);
    // output_padding recovers the input size the strided convolution rounded away.
    const Size2 op{(c.h + 2 * c.p.h - c.k.h) % c.s.h, (c.w + 2 * c.p.w - c.k.w) % c.s.w};
    Var<T> ty = aegan::conv_transpose2d(Var<T>(y), Var<T>(w), Var<T>(), c.s, c.p, op, kAlwaysThreaded);
    REQUIRE(ty.shape() == x.shape());
    double lhs = 0.0, rhs = 0.0, scale = 0.0;
    for (Index i = 0; i < y.numel(); ++i) {
      lhs += static_cast<double>(cx.value()[i]) * static_cast<double>(y[i]);
      scale += std::abs(static_cast<double>(cx.value()[i]) * static_cast<double>(y[i]));
    }
    for (Index i = 0; i < x.numel(); ++i) rhs += static_cast<double>(x[i]) * static_cast<double>(ty.value()[i]);
    CHECK(std::abs(lhs - rhs) <= (std::is_same_v<T, float> ? 1e-5 : 1e-12) * (scale + 1.0));
  }
}

TEMPLATE_TEST_CASE("conv2d gradients pass the gradient checker on random geometries", "[conv][gradcheck]", float, double) {
  using T = TestType;
  Rng rng(15);
  for (int trial = 0; trial < 30; ++trial) {
    const Config c = random_config(rng, 3, 3, 4);
    const int threads = trial % 2 ? 2 : 1;
    aegan::set_num_threads(threads);
    INFO(c.str() << " threads=" << threads);
    std::vector<Tensor<T>> inputs{randn<T>({c.n, c.ci, c.h, c.w}, rng), randn<T>({c.co, c.ci, c.k.h, c.k.w}, rng)};
    if (c.bias) inputs.push_back(randn<T>({c.co}, rng));
    auto f = [&](const std::vector<Var<T>>& v) {
      return aegan::conv2d(v[0], v[1], c.bias ? v[2] : Var<T>(), c.s, c.p, kAlwaysThreaded);
    };
    const auto r = aegan::testing::gradcheck<T>(f, inputs, 100 + static_cast<std::uint64_t>(trial));
    INFO(r.message);
    CHECK(r.ok);
  }
}

TEMPLATE_TEST_CASE("conv_transpose2d gradients pass the gradient checker on random geometries", "[conv][gradcheck]", float,
                   double) {
  using T = TestType;
  Rng rng(16);
  int checked = 0;
  for (int trial = 0; checked < 30; ++trial) {
    const Config c = random_config(rng, 3, 3, 3);
    const Size2 op{static_cast<Index>(rng.below(static_cast<std::uint64_t>(c.s.h))),
                   static_cast<Index>(rng.below(static_cast<std::uint64_t>(c.s.w)))};
    if ((c.h - 1) * c.s.h - 2 * c.p.h + c.k.h + op.h < 1 || (c.w - 1) * c.s.w - 2 * c.p.w + c.k.w + op.w < 1) continue;
    ++checked;
    const int threads = trial % 2 ? 2 : 1;
    aegan::set_num_threads(threads);
    INFO(c.str() << " output_padding=" << op.to_string() << " threads=" << threads);
    std::vector<Tensor<T>> inputs{randn<T>({c.n, c.ci, c.h, c.w}, rng), randn<T>({c.ci, c.co, c.k.h, c.k.w}, rng)};
    if (c.bias) inputs.push_back(randn<T>({c.co}, rng));
    auto f = [&](const std::vector<Var<T>>& v) {
      return aegan::conv_transpose2d(v[0], v[1], c.bias ? v[2] : Var<T>(), c.s, c.p, op, kAlwaysThreaded);
    };
    const auto r = aegan::testing::gradcheck<T>(f, inputs, 200 + static_cast<std::uint64_t>(trial));
    INFO(r.message);
    CHECK(r.ok);
  }
}

TEST_CASE("conv gradients agree across thread counts and batch chunking", "[conv]") {
  Rng rng(17);
  // 9 samples: 2 threads split 5 + 4, and 7x7 outputs make several samples share one GEMM.
  const auto x = randn<double>({9, 5, 14, 14}, rng);
  const auto w = randn<double>({6, 5, 4, 4}, rng);
  const auto b = randn<double>({6}, rng);
  const auto seed = randn<double>({9, 6, 7, 7}, rng);
  std::vector<std::vector<Tensor<double>>> grads;
  for (int threads : {1, 2}) {
    aegan::set_num_threads(threads);
    Var<double> xv(x, true), wv(w, true), bv(b, true);
    aegan::conv2d(xv, wv, bv, 2, 1, kAlwaysThreaded).backward(seed);
    Var<double> yv(seed, true), wt(w, true);
    aegan::conv_transpose2d(yv, wt, Var<double>(), 2, 1, 0, kAlwaysThreaded).backward(x);
    grads.push_back({xv.grad(), wv.grad(), bv.grad(), yv.grad(), wt.grad()});
  }
  for (std::size_t k = 0; k < grads[0].size(); ++k) CHECK(max_abs_diff(grads[0][k], grads[1][k]) < 1e-10);
  // The weight gradient of the transpose equals the conv's with the roles of x and dy swapped.
  CHECK(max_abs_diff(grads[0][1], grads[0][4]) < 1e-10);
}

TEST_CASE("Conv2d and ConvTranspose2d modules: options, parameters, initialization", "[conv][nn]") {
  Rng rng(18);
  aegan::nn::Conv2d<float> conv(aegan::nn::Conv2dOptions(3, 8, 4).stride(2).padding(1), rng);
  CHECK(conv.weight.shape() == Shape{8, 3, 4, 4});
  CHECK(conv.bias.shape() == Shape{8});
  const auto named = conv.named_parameters();
  REQUIRE(named.size() == 2);
  CHECK(named[0].name == "weight");
  CHECK(named[1].name == "bias");
  const double bound = 1.0 / std::sqrt(3.0 * 16.0);
  for (float v : conv.weight.value()) CHECK(std::abs(v) <= bound);
  for (float v : conv.bias.value()) CHECK(std::abs(v) <= bound);
  Var<float> x(randn<float>({2, 3, 28, 28}, rng));
  Var<float> y = conv(x);
  CHECK(y.shape() == Shape{2, 8, 14, 14});
  CHECK(max_abs_diff(y.value(), reference_conv(x.value(), conv.weight.value(), &conv.bias.value(), 2, 1)) < 1e-4);

  aegan::nn::Conv2d<float> nobias(aegan::nn::Conv2dOptions(3, 2, {3, 1}).bias(false), rng);
  CHECK_FALSE(nobias.bias.defined());
  CHECK(nobias.parameters().size() == 1);
  CHECK(nobias(x).shape() == Shape{2, 2, 26, 28});

  aegan::nn::ConvTranspose2d<float> up(aegan::nn::ConvTranspose2dOptions(8, 3, 4).stride(2).padding(1), rng);
  CHECK(up.weight.shape() == Shape{8, 3, 4, 4});  // [in, out, kh, kw], as PyTorch
  CHECK(up(y).shape() == Shape{2, 3, 28, 28});
  aegan::nn::ConvTranspose2d<float> odd(
      aegan::nn::ConvTranspose2dOptions(8, 1, 3).stride(2).padding(1).output_padding(1).bias(false), rng);
  CHECK(odd(y).shape() == Shape{2, 1, 28, 28});
  CHECK(conv.type_name() == "Conv2d(3 -> 8, kernel=4, stride=2, padding=1, bias=true)");

  // Module gradients equal the functional op's.
  Var<float> xin(x.value(), true);
  Var<float> out = conv(xin);
  out.backward(Tensor<float>::ones(out.shape()));
  CHECK(conv.weight.has_grad());
  CHECK(conv.bias.grad()[0] == Approx(2.0 * 14 * 14));
  CHECK(xin.grad().shape() == x.shape());
}

TEST_CASE("conv layers reject bad input with the layer, its options and the input shape", "[conv][errors]") {
  Rng rng(19);
  aegan::nn::Conv2d<float> conv(aegan::nn::Conv2dOptions(1, 4, 4).stride(2).padding(1), rng);
  auto message = [](auto&& fn) -> std::string {
    try {
      fn();
    } catch (const aegan::Error& e) {
      return e.what();
    }
    return "no exception";
  };
  using Catch::Matchers::Contains;
  const std::string layer = "Conv2d(1 -> 4, kernel=4, stride=2, padding=1, bias=true)";
  auto wrong_channels = message([&] { conv(Var<float>(Tensor<float>({2, 3, 28, 28}))); });
  CHECK_THAT(wrong_channels, Contains(layer) && Contains("[2, 3, 28, 28]") && Contains("3 channels, expected 1"));
  auto too_small = message([&] { conv(Var<float>(Tensor<float>({2, 1, 1, 1}))); });
  CHECK_THAT(too_small, Contains(layer) && Contains("[2, 1, 1, 1]") && Contains("larger than the padded input"));
  auto wrong_rank = message([&] { conv(Var<float>(Tensor<float>({2, 784}))); });
  CHECK_THAT(wrong_rank, Contains(layer) && Contains("[2, 784]") && Contains("4-D"));
  CHECK_THROWS_AS(conv(Var<float>(Tensor<float>({2, 3, 28, 28}))), aegan::ShapeError);

  auto zero_stride = message([&] { aegan::nn::Conv2d<float>(aegan::nn::Conv2dOptions(1, 4, 4).stride(0), rng); });
  CHECK_THAT(zero_stride, Contains("Conv2d(1 -> 4, kernel=4, stride=0, padding=0, bias=true)") && Contains("stride"));
  auto functional = message([&] {
    aegan::conv2d(Var<float>(Tensor<float>({1, 1, 8, 8})), Var<float>(Tensor<float>({2, 1, 3, 3})), Var<float>(), {0, 1});
  });
  CHECK_THAT(functional, Contains("conv2d") && Contains("stride=[0, 1]") && Contains("[1, 1, 8, 8]"));

  aegan::nn::ConvTranspose2d<float> up(aegan::nn::ConvTranspose2dOptions(8, 1, 4).stride(2).padding(1), rng);
  auto t_channels = message([&] { up(Var<float>(Tensor<float>({2, 4, 7, 7}))); });
  CHECK_THAT(t_channels, Contains("ConvTranspose2d(8 -> 1, kernel=4, stride=2, padding=1, output_padding=0, bias=true)") &&
                             Contains("[2, 4, 7, 7]"));
  auto t_rank = message([&] { up(Var<float>(Tensor<float>({8, 7, 7}))); });
  CHECK_THAT(t_rank, Contains("ConvTranspose2d") && Contains("[8, 7, 7]") && Contains("4-D"));
  auto t_pad = message([&] {
    aegan::nn::ConvTranspose2d<float> big(aegan::nn::ConvTranspose2dOptions(1, 1, 3).padding(2), rng);
    big(Var<float>(Tensor<float>({1, 1, 1, 1})));
  });
  CHECK_THAT(t_pad, Contains("ConvTranspose2d") && Contains("[1, 1, 1, 1]") && Contains("output would be"));
  CHECK_THROWS_AS(aegan::nn::ConvTranspose2d<float>(aegan::nn::ConvTranspose2dOptions(1, 1, 3).stride(2).output_padding(2)),
                  aegan::ValueError);
  CHECK_THROWS_AS(aegan::conv2d(Var<float>(Tensor<float>({1, 2, 8, 8})), Var<float>(Tensor<float>({2, 2, 3, 3})),
                                Var<float>(Tensor<float>({3}))),
                  aegan::ShapeError);
}

TEST_CASE("conv kernels: im2row and row2im are adjoint, and im2row reads the right pixels", "[conv][kernels]") {
  Rng rng(20);
  for (int trial = 0; trial < 30; ++trial) {
    Config c = random_config(rng, 1, 3, 8);
    if (trial == 0) c = Config{1, 3, 1, 14, 14, 4, 2, 1, false};  // 16x16 padded planes: laid out with a gap
    aegan::kernels::Conv2dGeometry g;
    g.batch = 1, g.in_channels = c.ci, g.in_h = c.h, g.in_w = c.w, g.out_channels = 1;
    g.kernel_h = c.k.h, g.kernel_w = c.k.w, g.stride_h = c.s.h, g.stride_w = c.s.w, g.pad_h = c.p.h, g.pad_w = c.p.w;
    g.out_h = (c.h + 2 * c.p.h - c.k.h) / c.s.h + 1;
    g.out_w = (c.w + 2 * c.p.w - c.k.w) / c.s.w + 1;
    const Index padded_size = aegan::kernels::padded_size<double>(g);
    if (trial == 0) CHECK(padded_size > c.ci * (c.h + 2) * (c.w + 2));
    const auto x = randn<double>({c.ci, c.h, c.w}, rng);
    const auto rows_y = randn<double>({g.out_plane() * g.patch()}, rng);
    Tensor<double> padded = Tensor<double>::full({padded_size}, std::nan("")), rows({g.out_plane() * g.patch()});
    INFO(c.str());
    auto check_rows = [&](const Tensor<double>& sample) {
      for (Index oh = 0; oh < g.out_h; ++oh)
        for (Index ow = 0; ow < g.out_w; ++ow)
          for (Index ci = 0; ci < c.ci; ++ci)
            for (Index i = 0; i < c.k.h; ++i)
              for (Index j = 0; j < c.k.w; ++j) {
                const Index ih = oh * c.s.h - c.p.h + i, iw = ow * c.s.w - c.p.w + j;
                const double expect = ih < 0 || ih >= c.h || iw < 0 || iw >= c.w ? 0.0 : sample.at({ci, ih, iw});
                REQUIRE(rows[(oh * g.out_w + ow) * g.patch() + (ci * c.k.h + i) * c.k.w + j] == expect);
              }
    };
    aegan::kernels::pad_planes(g, x.data(), padded.data());  // overwrites the NaNs, border included
    aegan::kernels::im2row(g, padded.data(), rows.data());
    check_rows(x);
    // The batch path: a later sample of the same geometry only rewrites the interior.
    const auto x2 = randn<double>({c.ci, c.h, c.w}, rng);
    aegan::kernels::copy_interior(g, x2.data(), padded.data());
    aegan::kernels::im2row(g, padded.data(), rows.data());
    check_rows(x2);
    Tensor<double> acc({padded_size}), back({c.ci, c.h, c.w});
    aegan::kernels::row2im_add(g, rows_y.data(), acc.data());
    aegan::kernels::unpad_planes(g, acc.data(), back.data());
    double lhs = 0.0, rhs = 0.0;
    for (Index i = 0; i < rows.numel(); ++i) lhs += rows[i] * rows_y[i];
    for (Index i = 0; i < x2.numel(); ++i) rhs += x2[i] * back[i];  // rows now hold x2
    CHECK(lhs == Approx(rhs).margin(1e-9));
  }
}

TEMPLATE_TEST_CASE("conv kernels: im2row_window reads, and row2im_window_add adds back, a window of the stacked im2row "
                   "matrix",
                   "[conv][kernels]", float, double) {
  using T = TestType;
  Rng rng(21);
  for (int trial = 0; trial < 40; ++trial) {
    const Config c = random_config(rng, 4, 5, 8);
    aegan::kernels::Conv2dGeometry g;
    g.batch = c.n, g.in_channels = c.ci, g.in_h = c.h, g.in_w = c.w, g.out_channels = 1;
    g.kernel_h = c.k.h, g.kernel_w = c.k.w, g.stride_h = c.s.h, g.stride_w = c.s.w, g.pad_h = c.p.h, g.pad_w = c.p.w;
    g.out_h = (c.h + 2 * c.p.h - c.k.h) / c.s.h + 1;
    g.out_w = (c.w + 2 * c.p.w - c.k.w) / c.s.w + 1;
    const Index P = g.out_plane(), Kd = g.patch(), sample_values = aegan::kernels::padded_size<T>(g);
    // Every sample's padded copy, sample_values apart, and the stacked im2row matrix they make.
    std::vector<T> padded(static_cast<std::size_t>(c.n * sample_values)), rows(static_cast<std::size_t>(c.n * P * Kd));
    for (Index n = 0; n < c.n; ++n) {
      const auto x = randn<T>({c.ci, c.h, c.w}, rng);
      aegan::kernels::pad_planes(g, x.data(), padded.data() + n * sample_values);
      aegan::kernels::im2row(g, padded.data() + n * sample_values, rows.data() + n * P * Kd);
    }
    std::vector<const T*> origins(static_cast<std::size_t>(c.n * P));
    aegan::kernels::patch_origins<const T>(g, padded.data(), sample_values, c.n, origins.data());
    std::vector<Index> offsets(static_cast<std::size_t>(Kd));
    aegan::kernels::patch_offsets<T>(g, 0, Kd, offsets.data());
    // The scatter's target: padded gradients of every sample, starting from random values.
    std::vector<T> target(padded.size());
    for (auto& v : target) v = static_cast<T>(rng.normal());
    std::vector<T*> target_origins(origins.size());
    aegan::kernels::patch_origins<T>(g, target.data(), sample_values, c.n, target_origins.data());
    for (int window = 0; window < 8; ++window) {
      // Windows of any origin and width, whole kernel rows or cut through them, across samples.
      const Index k0 = static_cast<Index>(rng.below(static_cast<std::uint64_t>(c.n * P)));
      const Index kc = 1 + static_cast<Index>(rng.below(static_cast<std::uint64_t>(c.n * P - k0)));
      const Index j0 = window % 2 ? static_cast<Index>(rng.below(static_cast<std::uint64_t>(Kd))) / c.k.w * c.k.w
                                  : static_cast<Index>(rng.below(static_cast<std::uint64_t>(Kd)));
      const Index nr = window % 4 == 1 ? (Kd - j0) / c.k.w * c.k.w  // whole kernel rows, up to the last
                                       : 1 + static_cast<Index>(rng.below(static_cast<std::uint64_t>(Kd - j0)));
      if (nr == 0) continue;
      const Index ld = nr + static_cast<Index>(rng.below(4));
      std::vector<T> out(static_cast<std::size_t>(kc * ld), std::numeric_limits<T>::quiet_NaN());
      aegan::kernels::im2row_window(g, origins.data() + k0, kc, offsets.data(), j0, nr, out.data(), ld);
      INFO(c.str() << " rows " << k0 << "+" << kc << " columns " << j0 << "+" << nr << " ld " << ld);
      Index wrong = 0, touched_gap = 0;
      for (Index k = 0; k < kc; ++k)
        for (Index j = 0; j < ld; ++j) {
          const T got = out[static_cast<std::size_t>(k * ld + j)];
          if (j >= nr)
            touched_gap += !std::isnan(got);
          else
            wrong += got != rows[static_cast<std::size_t>((k0 + k) * Kd + j0 + j)];
        }
      REQUIRE(wrong == 0);
      REQUIRE(touched_gap == 0);
      // The adjoint: a tile added back lands, entry by entry, where im2row read it from; the gap
      // columns (NaN) must not be read.
      std::vector<T> tile(out.size(), std::numeric_limits<T>::quiet_NaN()), expect = target;
      for (Index k = 0; k < kc; ++k)
        for (Index j = 0; j < nr; ++j) {
          const T v = static_cast<T>(rng.normal());
          tile[static_cast<std::size_t>(k * ld + j)] = v;
          const T* at = origins[static_cast<std::size_t>(k0 + k)] + offsets[static_cast<std::size_t>(j0 + j)];
          expect[static_cast<std::size_t>(at - padded.data())] += v;
        }
      aegan::kernels::row2im_window_add(g, target_origins.data() + k0, kc, offsets.data(), j0, nr, tile.data(), ld);
      Index differ = 0;
      for (std::size_t i = 0; i < target.size(); ++i) differ += target[i] != expect[i];  // same order of additions
      REQUIRE(differ == 0);
    }
  }
}

TEMPLATE_TEST_CASE("conv2d's weight and data gradients equal direct sums, when the GEMMs make or take the patches "
                   "themselves",
                   "[conv]", float, double) {
  // On an AVX-512 host the float conv2d never stores the im2col matrix: the weight gradient's GEMM
  // fills its panels from the padded samples (RhsSource), and the data gradient's hands its tiles
  // to row2im (TileSink). These shapes cross those paths' edges: chunks of several samples, chunks
  // deeper than one k block (288 rows), patch widths that are not a multiple of 16, the 1024-wide
  // patch of the W=64 models, a single input channel, more filters than one k block holds (the data
  // gradient then stores its product), and a single sample, whose GEMMs are split over the threads
  // (the panels are then filled concurrently, and the data gradient is stored).
  using T = TestType;
  Rng rng(23);
  struct Case { Index n, ci, co, h, k, s, p; };
  for (const Case q : {Case{6, 3, 5, 12, 3, 1, 1}, Case{7, 16, 8, 14, 4, 2, 1}, Case{3, 64, 4, 14, 4, 2, 1},
                       Case{5, 1, 8, 28, 4, 2, 1}, Case{4, 2, 3, 9, 5, 2, 2}, Case{3, 2, 260, 6, 3, 1, 1},
                       Case{1, 16, 40, 20, 4, 2, 1}})
    for (int threads : {1, 2}) {
      aegan::set_num_threads(threads);
      const Index ho = (q.h + 2 * q.p - q.k) / q.s + 1;
      const auto x = randn<T>({q.n, q.ci, q.h, q.h}, rng);
      const auto w = randn<T>({q.co, q.ci, q.k, q.k}, rng);
      const auto seed = randn<T>({q.n, q.co, ho, ho}, rng);
      Var<T> xv(x, true), wv(w, true);
      aegan::conv2d(xv, wv, Var<T>(), q.s, q.p, kAlwaysThreaded).backward(seed);
      Tensor<T> expect_w({q.co, q.ci, q.k, q.k}), expect_x({q.n, q.ci, q.h, q.h});
      std::vector<double> dx(static_cast<std::size_t>(expect_x.numel()), 0.0);
      for (Index co = 0; co < q.co; ++co)
        for (Index ci = 0; ci < q.ci; ++ci)
          for (Index i = 0; i < q.k; ++i)
            for (Index j = 0; j < q.k; ++j) {
              double acc = 0.0;
              for (Index n = 0; n < q.n; ++n)
                for (Index oh = 0; oh < ho; ++oh)
                  for (Index ow = 0; ow < ho; ++ow) {
                    const Index ih = oh * q.s - q.p + i, iw = ow * q.s - q.p + j;
                    if (ih < 0 || ih >= q.h || iw < 0 || iw >= q.h) continue;
                    const double gy = static_cast<double>(seed.at({n, co, oh, ow}));
                    acc += gy * static_cast<double>(x.at({n, ci, ih, iw}));
                    dx[static_cast<std::size_t>(((n * q.ci + ci) * q.h + ih) * q.h + iw)] += gy * static_cast<double>(w.at({co, ci, i, j}));
                  }
              expect_w.at({co, ci, i, j}) = static_cast<T>(acc);
            }
      for (Index i = 0; i < expect_x.numel(); ++i) expect_x[i] = static_cast<T>(dx[static_cast<std::size_t>(i)]);
      INFO("N=" << q.n << " Ci=" << q.ci << " Co=" << q.co << " H=" << q.h << " k=" << q.k << " threads=" << threads);
      CHECK(max_abs_diff(wv.grad(), expect_w) < 10 * tol<T>() * std::sqrt(static_cast<double>(q.n * ho * ho)));
      CHECK(max_abs_diff(xv.grad(), expect_x) < 10 * tol<T>() * std::sqrt(static_cast<double>(q.co * q.k * q.k)));
    }
}

TEMPLATE_TEST_CASE("conv kernels: copy_run copies exactly n values, at every length and alignment", "[conv][kernels]", float,
                   double) {
  using T = TestType;
  std::vector<T> src(64), dst(80);
  for (std::size_t i = 0; i < src.size(); ++i) src[i] = static_cast<T>(i + 1);
  for (Index offset = 0; offset < 3; ++offset)
    for (Index n = 0; n <= 40; ++n) {
      std::fill(dst.begin(), dst.end(), T(-1));
      aegan::kernels::copy_run(src.data() + offset, n, dst.data() + 5 + offset);
      INFO("n = " << n << ", offset = " << offset);
      for (Index i = 0; i < static_cast<Index>(dst.size()); ++i) {
        const Index k = i - 5 - offset;
        REQUIRE(dst[static_cast<std::size_t>(i)] == (k >= 0 && k < n ? src[static_cast<std::size_t>(offset + k)] : T(-1)));
      }
    }
}

TEST_CASE("conv gradients for a subset of inputs equal those of the full backward", "[conv]") {
  Rng rng(21);
  const auto x = randn<float>({6, 3, 9, 9}, rng);
  const auto w = randn<float>({4, 3, 4, 4}, rng);
  const auto b = randn<float>({4}, rng);
  const auto wt = randn<float>({3, 4, 4, 4}, rng);
  const auto bt = randn<float>({4}, rng);
  // All inputs require gradients.
  Var<float> x1(x, true), w1(w, true), b1(b, true), wt1(wt, true), bt1(bt, true);
  const Tensor<float> seed_c = randn<float>({6, 4, 4, 4}, rng), seed_t = randn<float>({6, 4, 18, 18}, rng);
  aegan::conv2d(x1, w1, b1, 2, 1, kAlwaysThreaded).backward(seed_c);
  Var<float> x2(x, true);
  aegan::conv_transpose2d(x2, wt1, bt1, 2, 1, 0, kAlwaysThreaded).backward(seed_t);
  // Only the parameters (a first layer: the data needs no gradient), or only the bias.
  Var<float> x3(x), w3(w, true), b3(b, true), wt3(wt), bt3(bt, true);
  aegan::conv2d(x3, w3, b3, 2, 1, kAlwaysThreaded).backward(seed_c);
  aegan::conv_transpose2d(Var<float>(x), wt3, bt3, 2, 1, 0, kAlwaysThreaded).backward(seed_t);
  CHECK(max_abs_diff(w1.grad(), w3.grad()) == 0.0);
  CHECK(max_abs_diff(b1.grad(), b3.grad()) == 0.0);
  CHECK(max_abs_diff(bt1.grad(), bt3.grad()) == 0.0);
  CHECK_FALSE(x3.requires_grad());
  CHECK_FALSE(wt3.has_grad());
  // The bias gradients are the output gradient's channel sums.
  for (Index c = 0; c < 4; ++c) {
    double sc = 0.0, st = 0.0;
    for (Index n = 0; n < 6; ++n) {
      for (Index p = 0; p < 16; ++p) sc += seed_c[(n * 4 + c) * 16 + p];
      for (Index p = 0; p < 324; ++p) st += seed_t[(n * 4 + c) * 324 + p];
    }
    CHECK(b1.grad()[c] == Approx(sc).epsilon(1e-5));
    CHECK(bt1.grad()[c] == Approx(st).epsilon(1e-5));
  }
}

TEMPLATE_TEST_CASE("Conv2d and ConvTranspose2d modules pass the module gradient checker", "[conv][gradcheck][nn]", float,
                   double) {
  using T = TestType;
  Rng rng(22);
  aegan::nn::Conv2d<T> conv(aegan::nn::Conv2dOptions(2, 3, {3, 2}).stride({2, 1}).padding({1, 0}), rng);
  auto r = aegan::testing::gradcheck_module<T>(conv, randn<T>({2, 2, 5, 4}, rng), 3);
  INFO(r.message);
  CHECK(r.ok);
  aegan::nn::ConvTranspose2d<T> up(aegan::nn::ConvTranspose2dOptions(3, 2, 4).stride(2).padding(1).output_padding(1), rng);
  r = aegan::testing::gradcheck_module<T>(up, randn<T>({2, 3, 3, 2}, rng), 4);
  INFO(r.message);
  CHECK(r.ok);
  aegan::nn::Conv2d<T> nobias(aegan::nn::Conv2dOptions(1, 2, 5).padding(2).bias(false), rng);
  r = aegan::testing::gradcheck_module<T>(nobias, randn<T>({1, 1, 5, 5}, rng), 5);
  INFO(r.message);
  CHECK(r.ok);
}

TEST_CASE("small convolutions stay on one thread and give the threaded path's results", "[conv]") {
  Rng rng(23);
  const auto x = randn<double>({8, 1, 12, 12}, rng);
  const auto w = randn<double>({4, 1, 4, 4}, rng);
  const auto seed = randn<double>({8, 4, 6, 6}, rng);
  aegan::set_num_threads(2);
  // This tiny problem is below the default threshold, so it runs on one thread.
  REQUIRE(2.0 * 8 * 36 * 16 * 4 < aegan::kernels::kConvMinParallelFlops);
  Var<double> x1(x, true), w1(w, true);
  aegan::conv2d(x1, w1, Var<double>(), 2, 1).backward(seed);
  CHECK(aegan::num_threads() == 2);  // the caller's setting is untouched by the single-threaded run
  Tensor<double> serial_dx = x1.grad(), serial_dw = w1.grad();
  Var<double> x2(x, true), w2(w, true);
  aegan::conv2d(x2, w2, Var<double>(), 2, 1, kAlwaysThreaded).backward(seed);
  CHECK(max_abs_diff(serial_dx, x2.grad()) < 1e-12);
  CHECK(max_abs_diff(serial_dw, w2.grad()) < 1e-12);
  CHECK(aegan::num_threads() == 2);
}

TEST_CASE("FlopCounter sees a convolution's products at any thread count: 2·N·P·Cout·Cin·k² forward, twice that backward",
          "[conv][flops]") {
  Rng rng(24);
  // 9 samples of 7x7 outputs: several samples share a GEMM, and two threads split them 5 + 4.
  const Index N = 9, Cin = 5, Cout = 6, k = 4, P = 7 * 7;
  const auto x = randn<double>({N, Cin, 14, 14}, rng);
  const auto w = randn<double>({Cout, Cin, k, k}, rng);
  const auto b = randn<double>({Cout}, rng);
  const auto seed = randn<double>({N, Cout, 7, 7}, rng);
  const double forward = 2.0 * N * P * Cout * Cin * k * k;
  for (int threads : {1, 2}) {
    aegan::set_num_threads(threads);
    INFO("threads " << threads);
    Var<double> xv(x, true), wv(w, true), bv(b, true);
    aegan::FlopCounter counter;
    Var<double> y = aegan::conv2d(xv, wv, bv, 2, 1, kAlwaysThreaded);
    CHECK(counter.flops() == forward);  // the bias is added, not multiplied: not counted
    y.backward(seed);
    CHECK(counter.flops() == 3 * forward);  // the data and the weight gradient, one product each
    // The transposed convolution runs the same products the other way round.
    aegan::FlopCounter transposed;
    Var<double> yt(seed, true), wt(w, true);
    aegan::conv_transpose2d(yt, wt, Var<double>(), 2, 1, 0, kAlwaysThreaded).backward(x);
    CHECK(transposed.flops() == 3 * forward);
    // Only the weight gradient when the input needs none (a network's first layer).
    aegan::FlopCounter first_layer;
    aegan::conv2d(Var<double>(x), wv, bv, 2, 1, kAlwaysThreaded).backward(seed);
    CHECK(first_layer.flops() == 2 * forward);
  }
}

TEMPLATE_TEST_CASE("conv2d_rectified equals leaky_relu(conv2d) in values and gradients, and passes the gradient checker",
                   "[conv][gradcheck]", float, double) {
  using T = TestType;
  Rng rng(24);
  for (int trial = 0; trial < 24; ++trial) {
    Config c = random_config(rng, 3, 3, 4);
    if (trial < 2) c = Config{5, 3, 4, 14, 14, 4, 2, 1, trial == 0};  // 7x7 outputs: several samples per GEMM
    const T slope = trial % 3 == 0 ? T(0) : T(0.2);
    const int threads = trial % 2 ? 2 : 1;
    aegan::set_num_threads(threads);
    INFO(c.str() << " slope=" << slope << " threads=" << threads);
    std::vector<Tensor<T>> inputs{randn<T>({c.n, c.ci, c.h, c.w}, rng), randn<T>({c.co, c.ci, c.k.h, c.k.w}, rng)};
    if (c.bias) inputs.push_back(randn<T>({c.co}, rng));
    const Index ho = (c.h + 2 * c.p.h - c.k.h) / c.s.h + 1, wo = (c.w + 2 * c.p.w - c.k.w) / c.s.w + 1;
    const auto seed = randn<T>({c.n, c.co, ho, wo}, rng);

    std::vector<std::vector<Tensor<T>>> results;  // [fused, separate]: y, dx, dw (, db)
    for (bool fused : {true, false}) {
      std::vector<Var<T>> v;
      for (const auto& t : inputs) v.emplace_back(t, true);
      const Var<T> b = c.bias ? v[2] : Var<T>();
      Var<T> y = fused ? aegan::conv2d_rectified(v[0], v[1], b, c.s, c.p, slope, kAlwaysThreaded)
                       : aegan::leaky_relu(aegan::conv2d(v[0], v[1], b, c.s, c.p, kAlwaysThreaded), slope);
      y.backward(seed);
      std::vector<Tensor<T>> r{y.value()};
      for (const auto& var : v) r.push_back(var.grad());
      results.push_back(std::move(r));
    }
    for (std::size_t k = 0; k < results[0].size(); ++k) CHECK(max_abs_diff(results[0][k], results[1][k]) == 0.0);

    if (trial >= 2) {  // finite differences on the small geometries
      auto f = [&](const std::vector<Var<T>>& v) {
        return aegan::conv2d_rectified(v[0], v[1], c.bias ? v[2] : Var<T>(), c.s, c.p, slope, kAlwaysThreaded);
      };
      // In float a smaller step than the default 1e-2, which would often straddle the kink at 0.
      auto options = aegan::testing::GradcheckOptions::defaults<T>();
      if constexpr (std::is_same_v<T, float>) options = {1e-3, 3e-2, 5e-3};
      const auto r = aegan::testing::gradcheck<T>(f, inputs, 300 + static_cast<std::uint64_t>(trial), options);
      INFO(r.message);
      CHECK(r.ok);
    }
  }
  Var<T> x(randn<T>({1, 1, 4, 4}, rng)), w(randn<T>({1, 1, 3, 3}, rng));
  CHECK_THROWS_WITH(aegan::conv2d_rectified(x, w, Var<T>(), 1, 0, T(-0.5)),
                    Catch::Contains("negative_slope must be >= 0") && Catch::Contains("-0.5"));
}

TEST_CASE("Sequential runs a Conv2d and the rectifier after it as one fused layer, with unchanged results", "[conv][nn]") {
  Rng init(25), rng(26);
  using aegan::nn::Conv2d;
  using aegan::nn::Conv2dOptions;
  aegan::nn::Sequential<double> net(Conv2d<double>(Conv2dOptions(2, 6, 4).stride(2).padding(1), init),
                                    aegan::nn::LeakyReLU<double>(0.2),
                                    Conv2d<double>(Conv2dOptions(6, 5, 3).padding(1), init), aegan::nn::ReLU<double>(),
                                    Conv2d<double>(Conv2dOptions(5, 3, 3), init),
                                    aegan::nn::LeakyReLU<double>(-0.5));  // not a rectifier: runs on its own
  const auto x = randn<double>({7, 2, 12, 12}, rng);
  const auto seed = randn<double>({7, 3, 4, 4}, rng);

  const auto separate = aegan::test::run_pass(net, x, seed, /*fused=*/false);
  const auto fused = aegan::test::run_pass(net, x, seed, /*fused=*/true);
  // leaky_relu(-0.5) <- conv2d <- conv2d_rectified (ReLU fused) <- conv2d_rectified (LeakyReLU fused) <- x
  CHECK(fused.ops == std::vector<std::string>{"leaky_relu", "conv2d", "conv2d_rectified", "conv2d_rectified"});
  REQUIRE(fused.values.size() == separate.values.size());
  for (std::size_t k = 0; k < fused.values.size(); ++k) CHECK(max_abs_diff(fused.values[k], separate.values[k]) == 0.0);
}
