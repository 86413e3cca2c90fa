// Optimizers step by step against values computed by hand from the papers' formulas.
#include <catch2/catch.hpp>

#include <aegan/aegan.hpp>

using namespace aegan;

namespace {
/// A one-element parameter p whose gradient we set directly.
struct Scalar1 {
  Var<double> p = parameter(Tensor<double>({1}, {1.0}));
  void set_grad(double g) {
    p.zero_grad();
    p.node()->accumulate(Tensor<double>({1}, {g}));
  }
  double value() const { return p.value()[0]; }
};
}  // namespace

TEST_CASE("Adam matches Kingma & Ba step by step", "[optim]") {
  Scalar1 s;
  optim::Adam<double> adam({s.p}, optim::AdamOptions(0.1));
  s.set_grad(0.5);
  adam.step();
  // m = 0.05, v = 0.00025, m̂ = 0.5, v̂ = 0.25: p = 1 - 0.1 * 0.5 / (0.5 + 1e-8)
  const double p1 = 1.0 - 0.1 * 0.5 / (0.5 + 1e-8);
  CHECK(s.value() == Approx(p1).epsilon(1e-12));
  s.set_grad(-1.0);
  adam.step();
  // m = 0.045 - 0.1 = -0.055, v = 0.00024975 + 0.001 = 0.00124975
  const double m_hat = -0.055 / (1 - 0.9 * 0.9), v_hat = 0.00124975 / (1 - 0.999 * 0.999);
  CHECK(s.value() == Approx(p1 - 0.1 * m_hat / (std::sqrt(v_hat) + 1e-8)).epsilon(1e-12));
  CHECK(adam.steps() == 2);
}

TEST_CASE("Adam: eps sits outside the square root", "[optim]") {
  Scalar1 s;
  optim::Adam<double> adam({s.p}, optim::AdamOptions(1.0).eps(0.1));
  s.set_grad(1e-4);
  adam.step();
  // m̂ = 1e-4, v̂ = 1e-8: 1e-4 / (1e-4 + 0.1), not 1e-4 / sqrt(1e-8 + 0.1)
  CHECK(s.value() == Approx(1.0 - 1e-4 / (1e-4 + 0.1)).epsilon(1e-12));
}

TEST_CASE("Adam with L2 decay vs AdamW with decoupled decay", "[optim]") {
  Scalar1 a, w;
  optim::Adam<double> adam({a.p}, optim::AdamOptions(0.1).weight_decay(0.1));
  optim::AdamW<double> adamw({w.p}, optim::AdamOptions(0.1).weight_decay(0.1));
  a.set_grad(0.5);
  w.set_grad(0.5);
  adam.step();
  adamw.step();
  // L2: g = 0.5 + 0.1·1 = 0.6, first step moves by lr exactly (m̂/sqrt(v̂) = 1).
  CHECK(a.value() == Approx(1.0 - 0.1 * 0.6 / (0.6 + 1e-8)).epsilon(1e-12));
  // Decoupled: p·(1 - lr·wd) - lr·m̂/(sqrt(v̂)+eps) = 0.99 - 0.1·0.5/(0.5+1e-8)
  CHECK(w.value() == Approx(0.99 - 0.1 * 0.5 / (0.5 + 1e-8)).epsilon(1e-12));
  CHECK(optim::AdamOptions().weight_decay() == 0.0);
}

TEST_CASE("SGD: plain, momentum, nesterov, weight decay", "[optim]") {
  Scalar1 plain, mom, nest, wd;
  optim::SGD<double> o1({plain.p}, optim::SGDOptions(0.1));
  optim::SGD<double> o2({mom.p}, optim::SGDOptions(0.1).momentum(0.9));
  optim::SGD<double> o3({nest.p}, optim::SGDOptions(0.1).momentum(0.9).nesterov(true));
  optim::SGD<double> o4({wd.p}, optim::SGDOptions(0.1).weight_decay(0.5));
  for (auto* s : {&plain, &mom, &nest, &wd}) s->set_grad(0.5);
  o1.step(); o2.step(); o3.step(); o4.step();
  CHECK(plain.value() == Approx(0.95));
  CHECK(mom.value() == Approx(0.95));                    // buf = g on the first step
  CHECK(nest.value() == Approx(1.0 - 0.1 * (0.5 + 0.9 * 0.5)));
  CHECK(wd.value() == Approx(1.0 - 0.1 * (0.5 + 0.5 * 1.0)));
  mom.set_grad(-1.0);
  o2.step();
  CHECK(mom.value() == Approx(0.95 - 0.1 * (0.9 * 0.5 - 1.0)));  // buf = 0.45 - 1 = -0.55
}

TEST_CASE("Optimizers skip parameters without a gradient and validate options", "[optim]") {
  Scalar1 s;
  optim::Adam<double> adam({s.p});
  adam.step();  // no gradient yet: unchanged
  CHECK(s.value() == 1.0);
  CHECK_THROWS_WITH(optim::Adam<double>({s.p}, optim::AdamOptions(-1)), Catch::Contains("learning rate"));
  CHECK_THROWS_WITH(optim::Adam<double>({s.p}, optim::AdamOptions().betas(1.0, 0.9)), Catch::Contains("beta1"));
  CHECK_THROWS_AS(optim::Adam<double>(std::vector<Var<double>>{}), ValueError);
  Var<double> frozen(Tensor<double>({1}), false);
  CHECK_THROWS_WITH(optim::Adam<double>({frozen}), Catch::Contains("does not require a gradient"));
  CHECK_THROWS_AS(optim::SGD<double>({s.p}, optim::SGDOptions(0.1).nesterov(true)), ValueError);
}

TEST_CASE("Adam state travels with its parameter when the module moves", "[optim]") {
  auto net = std::make_unique<nn::Linear<double>>(3, 2);
  optim::Adam<double> adam(net->parameters(), optim::AdamOptions(0.1));
  nn::Linear<double> moved = std::move(*net);
  net.reset();  // the original object is gone; the optimizer must still reach the weights
  const double before = moved.weight.value()[0];
  Var<double> x(Tensor<double>::ones({4, 3}));
  sum(moved(x)).backward();
  adam.step();
  CHECK(moved.weight.value()[0] != before);
  CHECK(adam.slots()[0].state.exp_avg[0] != 0.0);
}

TEST_CASE("EMA averages weights and swaps them for sampling", "[optim]") {
  nn::Linear<double> net(1, 1);
  net.weight.mutable_value()[0] = 1.0;
  optim::EMA<double> ema(net, 0.5);
  net.weight.mutable_value()[0] = 3.0;
  ema.update();  // 0.5·1 + 0.5·3
  net.weight.mutable_value()[0] = 5.0;
  ema.update();  // 0.5·2 + 0.5·5
  ema.swap();
  CHECK(net.weight.value()[0] == Approx(3.5));
  ema.swap();
  CHECK(net.weight.value()[0] == 5.0);
  CHECK_THROWS_AS(optim::EMA<double>(net, 1.0), ValueError);
}

TEST_CASE("A small MLP learns XOR with Adam", "[optim][nn]") {
  Rng rng(11);
  nn::Sequential<float> net(nn::Linear<float>(2, 8, rng), nn::Tanh<float>(), nn::Linear<float>(8, 1, rng));
  optim::Adam<float> adam(net.parameters(), optim::AdamOptions(0.05));
  Var<float> x(Tensor<float>({4, 2}, {0, 0, 0, 1, 1, 0, 1, 1})), y(Tensor<float>({4, 1}, {0, 1, 1, 0}));
  float loss = 0;
  for (int i = 0; i < 300; ++i) {
    adam.zero_grad();
    Var<float> l = bce_with_logits(net(x), y);
    l.backward();
    adam.step();
    loss = l.item();
  }
  CHECK(loss < 0.05f);
}
