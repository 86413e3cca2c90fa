// Winograd's F(7x7, 2x2) and F(4x4, 2x2) for 4x4 stride-2 convolutions with 7x7 outputs or
// output sides that are multiples of 4 (kernels/winograd.hpp): every pass against the direct
// (im2col) engine on random shapes, finite-difference gradients, thread-count independence, and
// that Auto picks it where intended.
#include <catch2/catch.hpp>

#include <aegan/aegan.hpp>
#include <aegan/testing/gradcheck.hpp>

#include "support/tensors.hpp"
#include "support/threads.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

using aegan::Index;
using aegan::Rng;
using aegan::Size2;
using aegan::Tensor;
using aegan::Var;
using aegan::test::randn;
namespace kernels = aegan::kernels;
using kernels::ConvAlgorithm;

namespace {

/// The settings of one algorithm, every convolution on the threaded path (support/threads.hpp).
kernels::ConvSettings with(ConvAlgorithm a) {
  kernels::ConvSettings settings = aegan::test::kAlwaysThreaded;
  settings.algorithm = a;
  return settings;
}

struct Shape4x4 {
  Index n, ci, co, h, w;    // h in {2·oh, 2·oh + 1}, w in {2·ow, 2·ow + 1}: the inputs a 4x4 stride-2 pad-1
  Index oh = 7, ow = 7;     // convolution maps to oh x ow
  std::string str() const {
    std::ostringstream s;
    s << "N=" << n << " Cin=" << ci << " Cout=" << co << " in " << h << "x" << w << " out " << oh << "x" << ow;
    return s.str();
  }
  kernels::Conv2dGeometry geometry() const {
    kernels::Conv2dGeometry g;
    g.batch = n, g.in_channels = ci, g.in_h = h, g.in_w = w, g.out_channels = co;
    g.kernel_h = g.kernel_w = 4, g.stride_h = g.stride_w = 2, g.pad_h = g.pad_w = 1, g.out_h = oh, g.out_w = ow;
    return g;
  }
};

/// A shape with an oh x ow output, odd or even inputs at random.
Shape4x4 shape_to(Index n, Index ci, Index co, Index oh, Index ow, Rng& rng) {
  return {n, ci, co, 2 * oh + static_cast<Index>(rng.below(2)), 2 * ow + static_cast<Index>(rng.below(2)), oh, ow};
}

/// Random shapes: channel counts on and off the 16-lane blocks, odd and even inputs; even trials
/// a 7x7 output (F7x7), odd ones sides of 4, 8 or 12, square or not (F4x4's grids of tiles).
Shape4x4 random_shape(Rng& rng, int trial) {
  const Index n = 1 + static_cast<Index>(rng.below(12)), ci = 1 + static_cast<Index>(rng.below(40)),
              co = 1 + static_cast<Index>(rng.below(40));
  if (trial % 2 == 0) return shape_to(n, ci, co, 7, 7, rng);
  return shape_to(n, ci, co, 4 * (1 + static_cast<Index>(rng.below(3))), 4 * (1 + static_cast<Index>(rng.below(3))), rng);
}

/// Everything one set of passes produces, to compare between algorithms.
template <class T>
struct Passes {
  std::vector<Tensor<T>> out;
  static constexpr const char* names[] = {"y",  "dx", "dw", "db", "y (adjoint)", "dx (adjoint backward)", "dw (adjoint backward)", "db (adjoint backward)"};
};

template <class T>
Passes<T> run_all(const Shape4x4& s, ConvAlgorithm algorithm, int threads, std::optional<kernels::Rectifier<T>> rectifier,
                  std::uint64_t seed) {
  aegan::set_num_threads(threads);
  const kernels::ConvSettings settings = with(algorithm);
  Rng rng(seed);
  const auto g = s.geometry();
  const auto x = randn<T>({s.n, s.ci, s.h, s.w}, rng), w = randn<T>({s.co, s.ci, 4, 4}, rng);
  const auto b = randn<T>({s.co}, rng), bx = randn<T>({s.ci}, rng), dy = randn<T>({s.n, s.co, s.oh, s.ow}, rng);
  Tensor<T> y({s.n, s.co, s.oh, s.ow}), dx({s.n, s.ci, s.h, s.w}), dw({s.co, s.ci, 4, 4}), db({s.co});
  kernels::conv2d_forward<T>(g, x.data(), w.data(), b.data(), y.data(), rectifier, nullptr, settings);
  // The rectifier's derivative comes from the direct engine's output for both algorithms: where
  // a pre-activation is within rounding of 0, the two outputs may sit on either side of the kink.
  Tensor<T> y_direct({s.n, s.co, s.oh, s.ow});
  kernels::conv2d_forward<T>(g, x.data(), w.data(), b.data(), y_direct.data(), rectifier, nullptr, with(ConvAlgorithm::Direct));
  kernels::conv2d_backward<T>(g, x.data(), w.data(), dy.data(), dx.data(), dw.data(), db.data(), rectifier,
                           rectifier ? y_direct.data() : nullptr, nullptr, settings);
  // conv_transpose2d's passes in the same geometry: dy plays its input, x its output gradient.
  Tensor<T> yt({s.n, s.ci, s.h, s.w}), dxt({s.n, s.co, s.oh, s.ow}), dwt({s.co, s.ci, 4, 4}), dbt({s.ci});
  kernels::conv2d_adjoint<T>(g, dy.data(), w.data(), bx.data(), yt.data(), settings);
  kernels::conv2d_adjoint_backward<T>(g, dy.data(), w.data(), x.data(), dxt.data(), dwt.data(), dbt.data(), settings);
  return {{y, dx, dw, db, yt, dxt, dwt, dbt}};
}

/// max |a - b| over max |b|.
template <class T>
double relative_error(const Tensor<T>& a, const Tensor<T>& b) {
  double scale = 0.0;
  for (Index i = 0; i < b.numel(); ++i) scale = std::max(scale, std::abs(static_cast<double>(b[i])));
  return aegan::test::max_abs_diff(a, b) / std::max(scale, 1e-30);
}

}  // namespace

TEMPLATE_TEST_CASE("Winograd convolution passes equal the direct engine's on random shapes", "[conv][winograd]", float,
                   double) {
  using T = TestType;
  // Measured: float within 3e-5 of the largest value (the transforms' rounding), double 1e-13.
  const double tolerance = std::is_same_v<T, float> ? 2e-4 : 1e-11;
  Rng rng(41);
  for (int trial = 0; trial < 26; ++trial) {
    // The last shapes' per-point matrices ([N·tiles, 4·Cin], [N·tiles, Cout], [4·Cin, Cout]) are
    // whole multiples of 4 KiB, so every buffer carries the gap of point_stride, as in the models.
    const Shape4x4 s = trial < 24   ? random_shape(rng, trial)
                       : trial == 24 ? Shape4x4{16, 16, 64, 14, 14}
                                     : Shape4x4{16, 16, 64, 8, 8, 4, 4};
    std::optional<kernels::Rectifier<T>> rectifier;
    if (trial % 3 == 1) rectifier = kernels::Rectifier<T>{T(0)};
    if (trial % 3 == 2) rectifier = kernels::Rectifier<T>{T(0.2)};
    const int threads = 1 + trial % 2;
    INFO(s.str() << " rectifier=" << (rectifier ? std::to_string(rectifier->slope) : "none") << " threads=" << threads);
    const auto direct = run_all<T>(s, ConvAlgorithm::Direct, threads, rectifier, 500 + static_cast<std::uint64_t>(trial));
    const auto winograd = run_all<T>(s, ConvAlgorithm::Winograd, threads, rectifier, 500 + static_cast<std::uint64_t>(trial));
    for (std::size_t k = 0; k < direct.out.size(); ++k) {
      INFO(Passes<T>::names[k]);
      CHECK(relative_error(winograd.out[k], direct.out[k]) <= tolerance);
    }
  }
}

TEST_CASE("Winograd convolution: a batch of tiles deeper than one GEMM block takes its kernel gradient in slices",
          "[conv][winograd]") {
  // Above kTileSinkMaxDepth rows (samples times tiles) the weight gradient's products are taken
  // in slices of rows, the last one short.
  const Index depth = kernels::kTileSinkMaxDepth > 0 ? kernels::kTileSinkMaxDepth : 256;
  Rng rng(78);
  for (const Shape4x4& s : {Shape4x4{depth + 3, 3, 5, 14, 14}, shape_to(depth / 16 + 3, 5, 17, 16, 16, rng)}) {
    INFO(s.str());
    const auto direct = run_all<float>(s, ConvAlgorithm::Direct, 2, std::nullopt, 77);
    const auto winograd = run_all<float>(s, ConvAlgorithm::Winograd, 2, std::nullopt, 77);
    for (std::size_t k = 0; k < direct.out.size(); ++k) {
      INFO(Passes<float>::names[k]);
      CHECK(relative_error(winograd.out[k], direct.out[k]) <= 2e-4);
    }
  }
}

TEST_CASE("Winograd convolution gives bit-identical results on 1 and 2 threads", "[conv][winograd]") {
  for (const Shape4x4& s : {Shape4x4{16, 24, 40, 14, 14}, Shape4x4{12, 24, 40, 32, 17, 16, 8}}) {
    INFO(s.str());
    const auto one = run_all<float>(s, ConvAlgorithm::Winograd, 1, kernels::Rectifier<float>{0.2f}, 9);
    const auto two = run_all<float>(s, ConvAlgorithm::Winograd, 2, kernels::Rectifier<float>{0.2f}, 9);
    for (std::size_t k = 0; k < one.out.size(); ++k) {
      INFO(Passes<float>::names[k]);
      CHECK(aegan::test::max_abs_diff(one.out[k], two.out[k]) == 0.0);
    }
  }
}

TEST_CASE("Winograd convolution: the forward pass's transform of x serves the weight gradient unchanged", "[conv][winograd]") {
  for (const Shape4x4& s : {Shape4x4{9, 20, 24, 15, 14}, Shape4x4{9, 20, 24, 9, 16, 4, 8}}) {
    INFO(s.str());
    const auto g = s.geometry();
    aegan::set_num_threads(2);
    const kernels::ConvSettings winograd = with(ConvAlgorithm::Winograd);
    Rng rng(45);
    const auto x = randn<float>({s.n, s.ci, s.h, s.w}, rng), w = randn<float>({s.co, s.ci, 4, 4}, rng);
    const auto dy = randn<float>({s.n, s.co, s.oh, s.ow}, rng);
    const Index kept_size = kernels::transformed_input_size<float>(g, ConvAlgorithm::Winograd);
    const Index point_rows = s.oh == 7 ? 64 * s.n : 25 * s.n * (s.oh / 4) * (s.ow / 4);  // points x samples x tiles
    REQUIRE(kept_size >= point_rows * 4 * s.ci);
    Tensor<float> y({s.n, s.co, s.oh, s.ow}), kept({kept_size});
    kernels::conv2d_forward<float>(g, x.data(), w.data(), nullptr, y.data(), std::nullopt, kept.data(), winograd);
    Tensor<float> dw_again({s.co, s.ci, 4, 4}), dw_kept({s.co, s.ci, 4, 4});
    kernels::conv2d_backward<float>(g, x.data(), w.data(), dy.data(), nullptr, dw_again.data(), nullptr, std::nullopt, nullptr,
                                    nullptr, winograd);
    kernels::conv2d_backward<float>(g, x.data(), w.data(), dy.data(), nullptr, dw_kept.data(), nullptr, std::nullopt, nullptr,
                                    kept.data(), winograd);
    CHECK(aegan::test::max_abs_diff(dw_kept, dw_again) == 0.0);
    // The direct engine keeps nothing.
    CHECK(kernels::transformed_input_size<float>(g, ConvAlgorithm::Direct) == 0);
  }
}

TEMPLATE_TEST_CASE("Winograd conv2d and conv_transpose2d pass the gradient checker", "[conv][winograd][gradcheck]", float,
                   double) {
  using T = TestType;
  // Both are linear in each input, so central differences have no truncation error at any step;
  // a unit step keeps the transforms' rounding (larger than im2col's) from swamping the difference.
  auto options = aegan::testing::GradcheckOptions::defaults<T>();
  options.eps = 1.0;
  Rng rng(43);
  for (int trial = 0; trial < 7; ++trial) {
    // 7x7 outputs (F7x7), then 4x4 and 4x8 (F4x4: one tile, and two side by side).
    const Index oh = trial < 4 ? 7 : 4, ow = trial < 4 ? 7 : 4 * (1 + trial % 2);
    const Index n = 1 + static_cast<Index>(rng.below(2)), ci = 1 + static_cast<Index>(rng.below(3)),
                co = 1 + static_cast<Index>(rng.below(3)), h = 2 * oh + static_cast<Index>(rng.below(2)), w = 2 * ow;
    aegan::set_num_threads(1 + trial % 2);
    const kernels::ConvSettings winograd = with(ConvAlgorithm::Winograd);
    INFO("N=" << n << " Cin=" << ci << " Cout=" << co << " in " << h << "x" << w);
    {
      std::vector<Tensor<T>> inputs{randn<T>({n, ci, h, w}, rng), randn<T>({co, ci, 4, 4}, rng), randn<T>({co}, rng)};
      auto f = [&](const std::vector<Var<T>>& v) {
        return aegan::conv2d(v[0], v[1], v[2], Size2{2, 2}, Size2{1, 1}, winograd);
      };
      const auto r = aegan::testing::gradcheck<T>(f, inputs, 600 + static_cast<std::uint64_t>(trial), options);
      INFO("conv2d: " << r.message);
      CHECK(r.ok);
    }
    {
      // oh x ow -> 2·oh (output_padding 0) or 2·oh + 1 (1) x 2·ow: the adjoint of the convolution above.
      const Size2 op{h - 2 * oh, 0};
      std::vector<Tensor<T>> inputs{randn<T>({n, ci, oh, ow}, rng), randn<T>({ci, co, 4, 4}, rng), randn<T>({co}, rng)};
      auto f = [&](const std::vector<Var<T>>& v) {
        return aegan::conv_transpose2d(v[0], v[1], v[2], Size2{2, 2}, Size2{1, 1}, op, winograd);
      };
      const auto r = aegan::testing::gradcheck<T>(f, inputs, 700 + static_cast<std::uint64_t>(trial), options);
      INFO("conv_transpose2d: " << r.message);
      CHECK(r.ok);
    }
  }
}

TEMPLATE_TEST_CASE("Auto runs the image networks' 4x4 stride-2 convolutions on Winograd in float only", "[conv][winograd]",
                   float, double) {
  using T = TestType;
  // Counted products tell the algorithms apart: the direct forward multiplies 2·N·49·Cout·Cin·16,
  // Winograd's 64 point products 2·64·N·4·Cin·Cout, 64/196 of that.
  Rng rng(44);
  const Shape4x4 s{8, 16, 32, 14, 14};
  const auto x = randn<T>({s.n, s.ci, 14, 14}, rng), w = randn<T>({s.co, s.ci, 4, 4}, rng);
  Tensor<T> y({s.n, s.co, 7, 7});
  aegan::set_num_threads(1);
  aegan::FlopCounter counter;
  kernels::conv2d_forward<T>(s.geometry(), x.data(), w.data(), nullptr, y.data());
  const double direct = 2.0 * static_cast<double>(s.n * 49 * s.co * s.ci * 16);
  CHECK(static_cast<double>(counter.flops()) == (std::is_same_v<T, float> ? direct * 64.0 / 196.0 : direct));
  // Fewer samples than the transforms pay off for: direct, in both types.
  const Shape4x4 small{4, 16, 32, 14, 14};
  Tensor<T> ys({small.n, small.co, 7, 7});
  aegan::FlopCounter small_counter;
  kernels::conv2d_forward<T>(small.geometry(), x.data(), w.data(), nullptr, ys.data());
  CHECK(static_cast<double>(small_counter.flops()) == 2.0 * static_cast<double>(small.n * 49 * small.co * small.ci * 16));
  // 16x16 -> 8x8, as in the 32x32 networks: four F(4x4, 2x2) tiles per plane, 25 products per
  // tile where the direct convolution takes 64.
  const Shape4x4 tiled{16, 16, 32, 16, 16, 8, 8};  // 64 tiles over the batch: the fewest Auto takes
  const auto xt = randn<T>({tiled.n, tiled.ci, 16, 16}, rng);
  Tensor<T> yt({tiled.n, tiled.co, 8, 8});
  aegan::FlopCounter tiled_counter;
  kernels::conv2d_forward<T>(tiled.geometry(), xt.data(), w.data(), nullptr, yt.data());
  const double tiled_direct = 2.0 * static_cast<double>(tiled.n * 64 * tiled.co * tiled.ci * 16);
  CHECK(static_cast<double>(tiled_counter.flops()) == (std::is_same_v<T, float> ? tiled_direct * 25.0 / 64.0 : tiled_direct));
  // Fewer than 64 tiles over the batch (here 4 samples of 4x4 outputs, one tile each): direct.
  const Shape4x4 few{4, 16, 32, 8, 8, 4, 4};
  Tensor<T> yf({few.n, few.co, 4, 4});
  aegan::FlopCounter few_counter;
  kernels::conv2d_forward<T>(few.geometry(), xt.data(), w.data(), nullptr, yf.data());
  CHECK(static_cast<double>(few_counter.flops()) == 2.0 * static_cast<double>(few.n * 16 * few.co * few.ci * 16));
}

TEMPLATE_TEST_CASE("The convolution algorithm is a per-layer option: layers with different algorithms run side by side",
                   "[conv][winograd][options]", float, double) {
  using T = TestType;
  // Two layers with the same weights, one Direct and one Winograd, in one program, interleaved:
  // each computes with its own algorithm (its counted products say which), and nothing a call
  // does changes the other's choice.
  aegan::set_num_threads(2);
  Rng rng(46);
  namespace nn = aegan::nn;
  const Shape4x4 s{8, 16, 32, 14, 14};
  nn::Conv2d<T> direct(nn::Conv2dOptions(s.ci, s.co, 4).stride(2).padding(1).algorithm(ConvAlgorithm::Direct), rng);
  nn::Conv2d<T> winograd(nn::Conv2dOptions(s.ci, s.co, 4).stride(2).padding(1).algorithm(ConvAlgorithm::Winograd), rng);
  nn::Conv2d<T> automatic(nn::Conv2dOptions(s.ci, s.co, 4).stride(2).padding(1), rng);
  winograd.load_state_from(direct);
  automatic.load_state_from(direct);
  CHECK(direct.options().algorithm() == ConvAlgorithm::Direct);
  CHECK(automatic.options().algorithm() == ConvAlgorithm::Auto);
  CHECK_THAT(direct.type_name(), Catch::Contains("algorithm=direct"));
  CHECK_THAT(automatic.type_name(), !Catch::Contains("algorithm"));
  const auto x = randn<T>({s.n, s.ci, 14, 14}, rng);
  const double direct_flops = 2.0 * static_cast<double>(s.n * 49 * s.co * s.ci * 16);
  const double winograd_flops = direct_flops * 64.0 / 196.0;
  for (int round = 0; round < 2; ++round) {
    aegan::FlopCounter on_direct;
    const Tensor<T> y_direct = direct(Var<T>(x)).value();
    CHECK(static_cast<double>(on_direct.flops()) == direct_flops);
    aegan::FlopCounter on_winograd;
    const Tensor<T> y_winograd = winograd(Var<T>(x)).value();
    CHECK(static_cast<double>(on_winograd.flops()) == winograd_flops);
    aegan::FlopCounter on_auto;
    automatic(Var<T>(x));
    CHECK(static_cast<double>(on_auto.flops()) == (std::is_same_v<T, float> ? winograd_flops : direct_flops));
    CHECK(relative_error(y_winograd, y_direct) <= (std::is_same_v<T, float> ? 2e-4 : 1e-11));
  }
  // The transposed layer takes the option too.
  nn::ConvTranspose2d<T> up(nn::ConvTranspose2dOptions(s.co, s.ci, 4).stride(2).padding(1).algorithm(ConvAlgorithm::Direct), rng);
  aegan::FlopCounter on_up;
  up(Var<T>(randn<T>({s.n, s.co, 7, 7}, rng)));
  CHECK(static_cast<double>(on_up.flops()) == direct_flops);
}

TEST_CASE("set_conv_algorithm sets every convolution of a network, and only those", "[conv][winograd][options]") {
  namespace nn = aegan::nn;
  Rng rng(47);
  nn::Sequential<float> net(nn::Conv2d<float>(nn::Conv2dOptions(1, 8, 4).stride(2).padding(1), rng), nn::ReLU<float>(),
                            nn::Sequential<float>(nn::ConvTranspose2d<float>(nn::ConvTranspose2dOptions(8, 1, 4).stride(2).padding(1), rng)));
  auto algorithms = [&] {
    std::vector<ConvAlgorithm> seen;
    net.apply([&](nn::Module<float>& m) {
      if (auto* c = dynamic_cast<nn::Conv2d<float>*>(&m)) seen.push_back(c->options().algorithm());
      if (auto* c = dynamic_cast<nn::ConvTranspose2d<float>*>(&m)) seen.push_back(c->options().algorithm());
    });
    return seen;
  };
  CHECK(algorithms() == std::vector<ConvAlgorithm>{ConvAlgorithm::Auto, ConvAlgorithm::Auto});
  nn::set_conv_algorithm(net, ConvAlgorithm::Direct);
  CHECK(algorithms() == std::vector<ConvAlgorithm>{ConvAlgorithm::Direct, ConvAlgorithm::Direct});
  // A network without convolutions is left as it is.
  nn::Sequential<float> dense(nn::Linear<float>(4, 2, rng));
  nn::set_conv_algorithm(dense, ConvAlgorithm::Winograd);
  CHECK(dense(Var<float>(Tensor<float>({3, 4}))).shape() == aegan::Shape{3, 2});
}

TEST_CASE("Convolution algorithms are named one way, and an unknown name is refused naming the valid ones",
          "[conv][options]") {
  for (ConvAlgorithm a : kernels::kConvAlgorithms) CHECK(kernels::parse_conv_algorithm(kernels::algorithm_name(a)) == a);
  CHECK(kernels::conv_algorithm_names() == std::vector<std::string>{"auto", "direct", "winograd"});
  CHECK_THROWS_WITH(kernels::parse_conv_algorithm("fft"),
                    Catch::Contains("'fft'") && Catch::Contains("auto, direct, winograd"));
}
