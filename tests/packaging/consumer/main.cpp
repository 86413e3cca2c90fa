// Trains a two-layer net for a few steps through the public header; exits non-zero on failure.
#include <aegan/aegan.hpp>

#include <cstdio>

int main() {
  using namespace aegan;
  manual_seed(7);
  nn::Sequential<float> net(nn::Linear<float>(4, 8), nn::ReLU<float>(), nn::Linear<float>(8, 1));
  optim::Adam<float> adam(net.parameters(), optim::AdamOptions(1e-2));
  Tensor<float> x({8, 4});
  default_rng().fill_normal(x);
  Var<float> input(x), target(Tensor<float>::ones({8, 1}));
  float first = 0, last = 0;
  for (int step = 0; step < 50; ++step) {
    adam.zero_grad();
    Var<float> loss = mse_loss(net(input), target);
    loss.backward();
    adam.step();
    (step == 0 ? first : last) = loss.item();
  }
  std::printf("consumer: loss %.4f -> %.4f\n", first, last);
  return last < first ? 0 : 1;
}
