// Trains a two-layer net, then a small convolutional generator against a critic, for a few steps
// each through the public header; exits non-zero on failure. run.cmake also builds it at -O3 with
// -march=native and -Werror, so every kernel a user's program inlines (the AVX-512 GEMM and
// convolution paths on such a host) must compile warning-free in user code, not only in ours.
#include <aegan/aegan.hpp>

#include <cstdio>

namespace {

template <class Step>
bool loss_falls(const char* what, int steps, Step step) {
  float first = 0, last = 0;
  for (int i = 0; i < steps; ++i) (i == 0 ? first : last) = step();
  std::printf("consumer: %s loss %.4f -> %.4f\n", what, first, last);
  return last < first;
}

}  // namespace

int main() {
  using namespace aegan;
  manual_seed(7);
  nn::Sequential<float> net(nn::Linear<float>(4, 8), nn::ReLU<float>(), nn::Linear<float>(8, 1));
  optim::Adam<float> adam(net.parameters(), optim::AdamOptions(1e-2));
  Tensor<float> x({8, 4});
  default_rng().fill_normal(x);
  Var<float> input(x), target(Tensor<float>::ones({8, 1}));
  const bool dense_ok = loss_falls("dense", 50, [&] {
    adam.zero_grad();
    Var<float> loss = mse_loss(net(input), target);
    loss.backward();
    adam.step();
    return loss.item();
  });

  // The MNIST generator and critic at width 8: transposed and plain convolutions, batch norm,
  // the fused rectifiers, Flatten + Linear and a one-column GEMM, forward and backward.
  Rng rng(3);
  auto generator = models::mnist::generator<float>(8, 4, rng);
  auto critic = models::mnist::image_critic<float>(8, rng);
  auto params = generator->parameters();
  for (auto& p : critic->parameters()) params.push_back(p);
  optim::Adam<float> gan_adam(params, optim::AdamOptions(1e-3));
  Tensor<float> z({16, 4});
  rng.fill_normal(z);
  Var<float> latent(z), logit_target(Tensor<float>::ones({16, 1}));
  const bool conv_ok = loss_falls("conv", 20, [&] {
    gan_adam.zero_grad();
    Var<float> loss = mse_loss((*critic)((*generator)(latent)), logit_target);
    loss.backward();
    gan_adam.step();
    return loss.item();
  });
  return dense_ok && conv_ok ? 0 : 1;
}
