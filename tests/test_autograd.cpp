// Every differentiable op against central differences, in float and double, on random shapes.
#include <catch2/catch.hpp>

#include <aegan/aegan.hpp>
#include <aegan/testing/gradcheck.hpp>

using namespace aegan;

namespace {
template <class T>
using Fn = std::function<Var<T>(const std::vector<Var<T>>&)>;

template <class T>
Tensor<T> random_tensor(Rng& rng, const Shape& s, double lo = -2, double hi = 2) {
  Tensor<T> t = Tensor<T>::uninitialized(s);
  rng.fill_uniform(t, lo, hi);
  return t;
}

/// Values bounded away from zero, so kinked functions (relu, abs) are probed only where smooth.
template <class T>
Tensor<T> away_from_zero(Rng& rng, const Shape& s) {
  Tensor<T> t = random_tensor<T>(rng, s, 0.2, 2.0);
  for (T& v : t)
    if (rng.bernoulli(0.5)) v = -v;
  return t;
}

Shape random_shape(Rng& rng, int rank) {
  std::vector<Index> dims;
  for (int i = 0; i < rank; ++i) dims.push_back(1 + static_cast<Index>(rng.below(4)));
  return Shape(std::span<const Index>(dims));
}

template <class T>
void require_gradcheck(const Fn<T>& f, const std::vector<Tensor<T>>& inputs, std::uint64_t seed = 1) {
  auto r = testing::gradcheck<T>(f, inputs, seed);
  INFO(r.message);
  REQUIRE(r.ok);
}
}  // namespace

TEMPLATE_TEST_CASE("gradcheck: elementwise arithmetic with broadcasting", "[autograd][gradcheck]", float, double) {
  using T = TestType;
  Rng rng(GENERATE(1, 2, 3));
  const Shape big = random_shape(rng, 3);
  const std::vector<Shape> smalls = {big, Shape{big[2]}, Shape{1, big[1], 1}, Shape{big[0], 1, 1}, Shape{}};
  for (const Shape& small : smalls) {
    INFO("big " << big.to_string() << " small " << small.to_string());
    auto a = random_tensor<T>(rng, big);
    auto b = random_tensor<T>(rng, small, 0.5, 2.0);  // positive: safe divisor
    require_gradcheck<T>([](auto& v) { return v[0] + v[1]; }, {a, b});
    require_gradcheck<T>([](auto& v) { return v[0] - v[1]; }, {a, b});
    require_gradcheck<T>([](auto& v) { return v[1] - v[0]; }, {a, b});
    require_gradcheck<T>([](auto& v) { return v[0] * v[1]; }, {a, b});
    require_gradcheck<T>([](auto& v) { return v[1] * v[0]; }, {a, b});
    require_gradcheck<T>([](auto& v) { return v[0] / v[1]; }, {a, b});
    auto pos = random_tensor<T>(rng, big, 0.5, 2.0);
    require_gradcheck<T>([](auto& v) { return v[1] / v[0]; }, {pos, b});
  }
}

TEMPLATE_TEST_CASE("gradcheck: scalar arithmetic, sum, mean", "[autograd][gradcheck]", float, double) {
  using T = TestType;
  Rng rng(GENERATE(4, 5));
  auto x = random_tensor<T>(rng, random_shape(rng, 2));
  require_gradcheck<T>([](auto& v) { return T(3) * v[0] - T(1); }, {x});
  require_gradcheck<T>([](auto& v) { return T(2) - v[0] / T(4); }, {x});
  require_gradcheck<T>([](auto& v) { return -v[0] + T(0.5); }, {x});
  require_gradcheck<T>([](auto& v) { return sum(v[0]); }, {x});
  require_gradcheck<T>([](auto& v) { return mean(v[0] * v[0]); }, {x});
}

TEMPLATE_TEST_CASE("gradcheck: activations", "[autograd][gradcheck]", float, double) {
  using T = TestType;
  Rng rng(GENERATE(6, 7));
  const Shape s = random_shape(rng, 3);
  auto x = away_from_zero<T>(rng, s);
  require_gradcheck<T>([](auto& v) { return relu(v[0]); }, {x});
  require_gradcheck<T>([](auto& v) { return leaky_relu(v[0], T(0.2)); }, {x});
  require_gradcheck<T>([](auto& v) { return sigmoid(v[0]); }, {x});
  require_gradcheck<T>([](auto& v) { return aegan::tanh(v[0]); }, {x});
  require_gradcheck<T>([](auto& v) { return aegan::exp(v[0]); }, {x});
  require_gradcheck<T>([](auto& v) { return square(v[0]); }, {x});
  auto pos = random_tensor<T>(rng, s, 0.5, 2.0);
  require_gradcheck<T>([](auto& v) { return aegan::log(v[0]); }, {pos});
}

TEMPLATE_TEST_CASE("gradcheck: matmul, linear, reshape, flatten, concat", "[autograd][gradcheck]", float, double) {
  using T = TestType;
  Rng rng(GENERATE(8, 9, 10));
  const Index n = 1 + static_cast<Index>(rng.below(4)), k = 1 + static_cast<Index>(rng.below(5)),
              m = 1 + static_cast<Index>(rng.below(4));
  auto a = random_tensor<T>(rng, {n, k});
  auto b = random_tensor<T>(rng, {k, m});
  auto w = random_tensor<T>(rng, {m, k});
  auto bias = random_tensor<T>(rng, {m});
  require_gradcheck<T>([](auto& v) { return matmul(v[0], v[1]); }, {a, b});
  require_gradcheck<T>([](auto& v) { return linear(v[0], v[1], v[2]); }, {a, w, bias});
  require_gradcheck<T>([](auto& v) { return linear(v[0], v[1]); }, {a, w});
  require_gradcheck<T>([](auto& v) { return reshape(v[0] * v[0], {-1}); }, {a});
  auto img = random_tensor<T>(rng, {n, 2, 3, 2});
  require_gradcheck<T>([](auto& v) { return flatten(v[0]) * T(2); }, {img});
  auto c = random_tensor<T>(rng, {n, m});
  require_gradcheck<T>([](auto& v) { return concat<T>({v[0], v[1], v[0]}, 1); }, {a, c});
  auto d = random_tensor<T>(rng, {m, k});
  require_gradcheck<T>([](auto& v) { return concat<T>({v[0], v[1]}, 0); }, {a, d});
}

TEMPLATE_TEST_CASE("gradcheck: losses, both reductions", "[autograd][gradcheck]", float, double) {
  using T = TestType;
  Rng rng(GENERATE(11, 12));
  const Shape s = random_shape(rng, 2);
  auto p = random_tensor<T>(rng, s);
  auto t = random_tensor<T>(rng, s);
  for (Index i = 0; i < t.numel(); ++i)  // keep |p - t| away from the L1 kink
    if (std::abs(p[i] - t[i]) < T(0.1)) t[i] = p[i] + T(0.5);
  auto prob = random_tensor<T>(rng, s, 0.1, 0.9);
  auto label = random_tensor<T>(rng, s, 0.0, 1.0);
  for (Reduction r : {Reduction::Mean, Reduction::Sum}) {
    require_gradcheck<T>([r](auto& v) { return mse_loss(v[0], v[1], r); }, {p, t});
    require_gradcheck<T>([r](auto& v) { return l1_loss(v[0], v[1], r); }, {p, t});
    require_gradcheck<T>([r](auto& v) { return bce_loss(v[0], v[1], r); }, {prob, label});
    require_gradcheck<T>([r](auto& v) { return bce_with_logits(v[0], v[1], r); }, {p, label});
  }
}

TEMPLATE_TEST_CASE("gradcheck: dropout with a fixed mask", "[autograd][gradcheck]", float, double) {
  using T = TestType;
  Rng rng(13);
  auto x = random_tensor<T>(rng, {3, 5});
  require_gradcheck<T>(
      [](auto& v) {
        Rng mask_rng(99);  // same mask on every call, as the checker requires
        return dropout(v[0], 0.4, true, mask_rng);
      },
      {x});
}

TEST_CASE("losses: known values and stable extremes", "[autograd]") {
  Var<double> p(Tensor<double>({2}, {0.0, 1000.0})), t(Tensor<double>({2}, {1.0, 0.0}));
  // bce_with_logits(0, 1) = log 2; bce_with_logits(1000, 0) = 1000: no overflow.
  CHECK(bce_with_logits(p, t, Reduction::Sum).item() == Approx(std::log(2.0) + 1000.0));
  Var<float> sat(Tensor<float>({1}, {1.0f})), zero(Tensor<float>({1}, {0.0f}));
  const float clamped = bce_loss(sat, zero).item();  // log(0) clamps to -100
  CHECK(std::isfinite(clamped));
  CHECK(clamped == Approx(100.0f));
  Var<double> a(Tensor<double>({3}, {1, 2, 3})), b(Tensor<double>({3}, {1, 0, 5}));
  CHECK(mse_loss(a, b).item() == Approx((0 + 4 + 4) / 3.0));
  CHECK(l1_loss(a, b).item() == Approx((0 + 2 + 2) / 3.0));
}

TEST_CASE("autograd: accumulation, shared subexpressions, detach and no_grad", "[autograd]") {
  Var<double> x(Tensor<double>({2}, {1.0, -2.0}), true);
  Var<double> y = x * x + x;  // x used three times in one graph
  sum(y).backward();
  CHECK(x.grad()[0] == Approx(3.0));
  CHECK(x.grad()[1] == Approx(-3.0));
  sum(x * 2.0).backward();  // a second graph accumulates
  CHECK(x.grad()[0] == Approx(5.0));
  x.zero_grad();
  CHECK_FALSE(x.has_grad());

  Var<double> d = x.detach();
  CHECK_FALSE(d.requires_grad());
  {
    NoGradGuard guard;
    Var<double> z = x * x;
    CHECK_FALSE(z.requires_grad());
  }
  CHECK((x * x).requires_grad());
  CHECK_THROWS_AS(sum(d).backward(), Error);
}

TEST_CASE("autograd: a long chain does not overflow the stack", "[autograd]") {
  Var<float> x(Tensor<float>({1}, {1.0f}), true);
  Var<float> h = x;
  for (int i = 0; i < 100000; ++i) h = h * 1.0f;
  sum(h).backward();
  CHECK(x.grad()[0] == 1.0f);
}

TEST_CASE("autograd: reshape and add pass their gradient on without copying it", "[autograd]") {
  // The seed becomes the output's gradient (moved); a consuming backward hands that same buffer on.
  Var<float> x(Tensor<float>({2, 3}, {1, 2, 3, 4, 5, 6}), true);
  Tensor<float> seed({3, 2}, {1, -2, 3, -4, 5, -6});
  const float* seed_data = seed.data();
  reshape(x, {3, 2}).backward(std::move(seed));
  CHECK(x.grad().data() == seed_data);
  CHECK(x.grad().shape() == Shape{2, 3});
  CHECK(x.grad()[3] == -4.0f);

  // a + b with only b needing a gradient moves it to b; with both, a gets a copy and b the buffer.
  Var<float> a(Tensor<float>({4}, {1, 1, 1, 1})), b(Tensor<float>({4}, {2, 2, 2, 2}), true);
  Tensor<float> g({4}, {0.5f, -1, 2, 3});
  const float* g_data = g.data();
  (a + b).backward(std::move(g));
  CHECK(b.grad().data() == g_data);
  Var<float> c(Tensor<float>({4}, {1, 1, 1, 1}), true), d(Tensor<float>({4}, {2, 2, 2, 2}), true);
  Tensor<float> h({4}, {0.5f, -1, 2, 3});
  const float* h_data = h.data();
  (c + d).backward(std::move(h));
  CHECK(c.grad().data() != h_data);
  CHECK(d.grad().data() == h_data);
  for (Index i = 0; i < 4; ++i) CHECK(c.grad()[i] == d.grad()[i]);
  // x - x and x + x still sum both paths.
  Var<float> e(Tensor<float>({2}, {1, 2}), true);
  sum(e - e + e + e).backward();
  CHECK(e.grad()[0] == 2.0f);
  CHECK(e.grad()[1] == 2.0f);
}

TEST_CASE("autograd: clear errors for bad shapes", "[autograd]") {
  Var<float> a(Tensor<float>({2, 3})), b(Tensor<float>({4, 5})), c(Tensor<float>({2, 4}));
  CHECK_THROWS_WITH(matmul(a, b), Catch::Contains("matmul") && Catch::Contains("[2, 3]") && Catch::Contains("[4, 5]"));
  CHECK_THROWS_WITH(a + c, Catch::Contains("add") && Catch::Contains("[2, 4]"));
  CHECK_THROWS_WITH(mse_loss(a, c), Catch::Contains("mse_loss") && Catch::Contains("[2, 3]"));
  CHECK_THROWS_WITH(linear(a, b), Catch::Contains("linear"));
  CHECK_THROWS_WITH(reshape(a, {4, -1}), Catch::Contains("reshape"));
  CHECK_THROWS_AS(concat<float>({a, b}, 1), ShapeError);
  Var<float> undefined;
  CHECK_THROWS_WITH(undefined.value(), Catch::Contains("undefined"));
  Var<float> leaf(Tensor<float>({3}), true);
  CHECK_THROWS_WITH((leaf * 2.0f).backward(), Catch::Contains("backward(seed)"));
  CHECK_THROWS_AS(dropout(a, 1.0, true, default_rng()), ValueError);
}

TEMPLATE_TEST_CASE("gradcheck: cross_entropy, and its known value", "[autograd][gradcheck]", float, double) {
  using T = TestType;
  Rng rng(GENERATE(14, 15));
  const Index n = 1 + static_cast<Index>(rng.below(4)), c = 2 + static_cast<Index>(rng.below(5));
  auto logits = random_tensor<T>(rng, {n, c});
  std::vector<int> labels;
  for (Index i = 0; i < n; ++i) labels.push_back(static_cast<int>(rng.below(static_cast<std::uint64_t>(c))));
  for (Reduction r : {Reduction::Mean, Reduction::Sum})
    require_gradcheck<T>([&labels, r](auto& v) { return cross_entropy(v[0], labels, r); }, {logits});
  Var<T> uniform(Tensor<T>({2, 4}));
  CHECK(cross_entropy(uniform, {0, 3}).item() == Approx(std::log(4.0)));
  CHECK_THROWS_WITH(cross_entropy(uniform, {0}), Catch::Contains("[2, 4]") && Catch::Contains("1 labels"));
  CHECK_THROWS_AS(cross_entropy(uniform, {0, 4}), ValueError);
}
