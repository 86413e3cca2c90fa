#include <catch2/catch.hpp>

#include <aegan/aegan.hpp>
#include <aegan/testing/gradcheck.hpp>

using namespace aegan;

TEMPLATE_TEST_CASE("Linear and Sequential pass the module gradient checker", "[nn][gradcheck]", float, double) {
  using T = TestType;
  Rng rng(GENERATE(1, 2));
  const Index in = 2 + static_cast<Index>(rng.below(4)), hidden = 1 + static_cast<Index>(rng.below(5)),
              batch = 1 + static_cast<Index>(rng.below(3));
  Tensor<T> x({batch, in});
  rng.fill_uniform(x, -1, 1);

  nn::Linear<T> single(nn::LinearOptions(in, hidden), rng);
  auto r1 = testing::gradcheck_module(single, x);
  INFO(r1.message);
  CHECK(r1.ok);

  nn::Linear<T> no_bias(nn::LinearOptions(in, hidden).bias(false), rng);
  CHECK_FALSE(no_bias.bias.defined());
  CHECK(no_bias.named_parameters().size() == 1);
  CHECK(testing::gradcheck_module(no_bias, x).ok);

  nn::Sequential<T> net(nn::Linear<T>(in, hidden, rng), nn::Tanh<T>(), nn::Linear<T>(hidden, 3, rng),
                        nn::LeakyReLU<T>(T(0.2)), nn::Linear<T>(3, 2, rng), nn::Sigmoid<T>());
  auto r2 = testing::gradcheck_module(net, x);
  INFO(r2.message);
  CHECK(r2.ok);
}

TEST_CASE("Module: named parameters, counts, train/eval, state copy", "[nn]") {
  nn::Sequential<float> net(nn::Linear<float>(4, 3), nn::ReLU<float>(), nn::Dropout<float>(0.5), nn::Linear<float>(3, 2));
  auto named = net.named_parameters();
  REQUIRE(named.size() == 4);
  CHECK(named[0].name == "0.weight");
  CHECK(named[1].name == "0.bias");
  CHECK(named[2].name == "3.weight");
  CHECK(net.num_parameters() == 4 * 3 + 3 + 3 * 2 + 2);

  CHECK(net.is_training());
  net.eval();
  CHECK_FALSE(net[2].is_training());
  net.train();
  CHECK(net[2].is_training());

  nn::Sequential<float> twin(nn::Linear<float>(4, 3), nn::ReLU<float>(), nn::Dropout<float>(0.5), nn::Linear<float>(3, 2));
  twin.load_state_from(net);
  CHECK(twin.named_parameters()[2].var.value()[5] == named[2].var.value()[5]);
  nn::Sequential<float> other(nn::Linear<float>(4, 5), nn::Linear<float>(5, 2));
  CHECK_THROWS_AS(other.load_state_from(net), ShapeError);
}

TEST_CASE("Linear: PyTorch's init bounds, reproducible for a seed, clear shape errors", "[nn]") {
  Rng a(5), b(5);
  nn::Linear<float> l1(nn::LinearOptions(784, 32), a), l2(nn::LinearOptions(784, 32), b);
  const float bound = 1.0f / std::sqrt(784.0f);
  CHECK(l1.weight.value().array().abs().maxCoeff() <= bound);
  CHECK(l1.weight.value().array().abs().maxCoeff() > 0.9f * bound);
  CHECK(l1.weight.value()[100] == l2.weight.value()[100]);
  Var<float> wrong(Tensor<float>({8, 100}));
  CHECK_THROWS_WITH(l1(wrong), Catch::Contains("Linear(784 -> 32)") && Catch::Contains("[8, 100]") &&
                                   Catch::Contains("[N, 784]"));
  CHECK_THROWS_AS(nn::Linear<float>(0, 3), ValueError);
}

TEST_CASE("Dropout: identity in eval, unbiased in training", "[nn]") {
  nn::Dropout<double> drop(0.25, default_rng());
  Var<double> x(Tensor<double>::ones({1000, 10}));
  const double train_mean = mean(drop(x)).item();
  CHECK(train_mean == Approx(1.0).epsilon(0.03));
  drop.eval();
  CHECK(mean(drop(x)).item() == 1.0);
  CHECK_THROWS_AS(nn::Dropout<float>(1.0), ValueError);
}

TEST_CASE("init: fan-based initializers have the right spread", "[nn]") {
  Rng rng(3);
  Tensor<double> w({400, 300});
  nn::init::xavier_uniform(w, 1.0, rng);
  CHECK(w.array().abs().maxCoeff() <= std::sqrt(6.0 / 700.0));
  nn::init::kaiming_normal(w, 0.0, rng);
  const double var = w.array().square().mean();
  CHECK(var == Approx(2.0 / 300.0).epsilon(0.05));
  Tensor<double> conv({8, 4, 3, 3});
  CHECK(nn::init::fans(conv).in == 36.0);
  CHECK(nn::init::fans(conv).out == 72.0);
  Tensor<double> vec({5});
  CHECK_THROWS_AS(nn::init::xavier_uniform(vec, 1.0, rng), ShapeError);
}
