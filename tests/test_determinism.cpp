// Determinism: the same seed and the same thread count give bit-identical weights, for the dense
// path (Linear, Dropout, Adam), the convolutional path (Conv2d, BatchNorm2d, ConvTranspose2d)
// and a whole AE-GAN trainer (shuffling, prior samples, instance noise, EMA), including a run
// split by a checkpoint resume. Each run builds everything afresh in the same process, so a
// hidden global random stream or a buffer reused across runs would show up as a difference.
// (docs/reliability.md says what changes across thread counts.)
#include <catch2/catch.hpp>

#include <aegan/aegan.hpp>
#include <aegan/train/aegan_trainer.hpp>

#include <unistd.h>

#include <cmath>
#include <cstring>

using namespace aegan;
namespace fs = std::filesystem;

namespace {
/// Every parameter and buffer of a module, in order, as raw bytes.
std::vector<unsigned char> snapshot(const nn::Module<float>& m) {
  std::vector<unsigned char> out;
  auto add = [&](const std::vector<nn::NamedVar<float>>& list) {
    for (const auto& nv : list) {
      const Tensor<float>& t = nv.var.value();
      const auto* p = reinterpret_cast<const unsigned char*>(t.data());
      out.insert(out.end(), p, p + t.numel() * static_cast<Index>(sizeof(float)));
    }
  };
  add(m.named_parameters());
  add(m.named_buffers());
  return out;
}

/// Restores the thread count the test runner had when a test ends.
struct ThreadsGuard {
  int saved = num_threads();
  ~ThreadsGuard() { set_num_threads(saved); }
};

Tensor<float> uniform(const Shape& s, Rng& rng) {
  Tensor<float> t = Tensor<float>::uninitialized(s);
  rng.fill_uniform(t, 0.0, 1.0);
  return t;
}

std::vector<unsigned char> train_dense(int threads, std::uint64_t seed, int steps) {
  set_num_threads(threads);
  Rng rng(seed);
  // Large enough that the GEMMs and the elementwise kernels split across threads.
  nn::Sequential<float> mlp(nn::Linear<float>(256, 128, rng), nn::ReLU<float>(), nn::Dropout<float>(0.2, rng),
                            nn::Linear<float>(128, 256, rng), nn::Sigmoid<float>());
  optim::Adam<float> adam(mlp.parameters(), optim::AdamOptions(1e-3));
  const Tensor<float> x = uniform({128, 256}, rng);
  for (int s = 0; s < steps; ++s) {
    adam.zero_grad();
    Var<float> in(x);
    mse_loss(mlp(in), in).backward();
    adam.step();
  }
  return snapshot(mlp);
}

std::vector<unsigned char> train_conv(int threads, std::uint64_t seed, int steps) {
  set_num_threads(threads);
  Rng rng(seed);
  nn::Sequential<float> net(nn::Conv2d<float>(nn::Conv2dOptions(1, 8, 3).padding(1), rng), nn::BatchNorm2d<float>(8),
                            nn::LeakyReLU<float>(0.2f), nn::Conv2d<float>(nn::Conv2dOptions(8, 16, 4).stride(2).padding(1), rng),
                            nn::BatchNorm2d<float>(16), nn::ReLU<float>(),
                            nn::ConvTranspose2d<float>(nn::ConvTranspose2dOptions(16, 1, 4).stride(2).padding(1), rng),
                            nn::Sigmoid<float>());
  optim::Adam<float> adam(net.parameters(), optim::AdamOptions(2e-3).betas(0.5, 0.999));
  const Tensor<float> x = uniform({16, 1, 16, 16}, rng);
  for (int s = 0; s < steps; ++s) {
    adam.zero_grad();
    Var<float> in(x);
    mse_loss(net(in), in).backward();
    adam.step();
  }
  return snapshot(net);  // weights and the batch norms' running statistics
}

// A small convolutional AE-GAN on 8x8 images: every network type and term of the trainer.
using Net = nn::Sequential<float>;
using Trainer = train::AEGANTrainer<Net>;
constexpr Index kLatent = 4;

Trainer::Networks conv_networks(std::uint64_t seed) {
  Rng rng(seed);
  Trainer::Networks n;
  n.generator = std::make_shared<Net>(
      nn::Linear<float>(kLatent, 8 * 4 * 4, rng), nn::Unflatten<float>(1, {8, 4, 4}), nn::BatchNorm2d<float>(8), nn::ReLU<float>(),
      nn::ConvTranspose2d<float>(nn::ConvTranspose2dOptions(8, 1, 4).stride(2).padding(1), rng), nn::Tanh<float>());
  n.encoder = std::make_shared<Net>(nn::Conv2d<float>(nn::Conv2dOptions(1, 8, 4).stride(2).padding(1), rng),
                                    nn::LeakyReLU<float>(0.2f), nn::Flatten<float>(), nn::Linear<float>(8 * 4 * 4, kLatent, rng));
  n.image_critic = std::make_shared<Net>(nn::Conv2d<float>(nn::Conv2dOptions(1, 8, 4).stride(2).padding(1), rng),
                                         nn::BatchNorm2d<float>(8), nn::LeakyReLU<float>(0.2f), nn::Flatten<float>(),
                                         nn::Linear<float>(8 * 4 * 4, 1, rng));
  n.latent_critic = std::make_shared<Net>(nn::Linear<float>(kLatent, 16, rng), nn::LeakyReLU<float>(0.2f), nn::Linear<float>(16, 1, rng));
  n.latent_dim = kLatent;
  return n;
}

train::AEGANOptions conv_options() {
  return train::AEGANOptions(train::Preset::AEGAN).batch_size(8).seed(21).label_smoothing(0.1).instance_noise(0.1, 10).ema_decay(0.9);
}

data::Dataset<float> blobs(Index n) {
  Rng rng(5);
  data::Dataset<float> d;
  d.images = Tensor<float>({n, 1, 8, 8});
  for (Index i = 0; i < n; ++i) {
    const double cx = rng.uniform(2, 6), cy = rng.uniform(2, 6);
    for (Index y = 0; y < 8; ++y)
      for (Index x = 0; x < 8; ++x)
        d.images[(i * 8 + y) * 8 + x] = static_cast<float>(2.0 * std::exp(-((x - cx) * (x - cx) + (y - cy) * (y - cy)) / 4.0) - 1.0);
  }
  d.labels.assign(static_cast<std::size_t>(n), 0);
  return d;
}

struct TrainerRun {
  std::vector<unsigned char> generator, encoder, image_critic, latent_critic, samples;
  std::vector<double> losses;
};

TrainerRun run_trainer(const Trainer::Networks& nets, Trainer& trainer) {
  TrainerRun r;
  r.generator = snapshot(*nets.generator);
  r.encoder = snapshot(*nets.encoder);
  r.image_critic = snapshot(*nets.image_critic);
  r.latent_critic = snapshot(*nets.latent_critic);
  Rng rng(77);
  const Tensor<float> s = trainer.sample(6, rng);  // EMA weights, eval mode
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  r.samples.assign(p, p + s.numel() * static_cast<Index>(sizeof(float)));
  return r;
}

TrainerRun train_conv_aegan(int threads, long epochs) {
  set_num_threads(threads);
  const auto nets = conv_networks(13);
  Trainer trainer(nets, conv_options());
  std::vector<double> losses;
  trainer.on_step([&](const train::StepReport& rep) {
    for (const auto& [name, v] : rep.losses) losses.push_back(v);
  });
  trainer.fit(blobs(32), epochs);
  TrainerRun r = run_trainer(nets, trainer);
  r.losses = losses;
  return r;
}

fs::path scratch(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("aegan_test_determinism_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}
}  // namespace

TEST_CASE("Dense path: same seed and threads give bit-identical weights after N Adam steps", "[determinism]") {
  ThreadsGuard guard;
  for (int threads : {1, 2}) {
    INFO(threads << " threads");
    const auto a = train_dense(threads, 42, 12);
    const auto b = train_dense(threads, 42, 12);
    REQUIRE(a.size() == b.size());
    CHECK(std::memcmp(a.data(), b.data(), a.size()) == 0);
    CHECK(train_dense(threads, 43, 12) != a);  // and the seed matters
  }
}

TEST_CASE("Dense path: manual_seed makes the default random stream repeatable", "[determinism]") {
  ThreadsGuard guard;
  set_num_threads(2);
  auto run = [] {
    manual_seed(9);
    nn::Sequential<float> mlp(nn::Linear<float>(16, 32), nn::Tanh<float>(), nn::Dropout<float>(0.3), nn::Linear<float>(32, 4));
    optim::Adam<float> adam(mlp.parameters(), optim::AdamOptions(1e-2));
    Tensor<float> x = Tensor<float>::uninitialized({8, 16});
    default_rng().fill_normal(x);
    for (int s = 0; s < 5; ++s) {
      adam.zero_grad();
      sum(mlp(Var<float>(x))).backward();
      adam.step();
    }
    return snapshot(mlp);
  };
  CHECK(run() == run());
}

TEST_CASE("Conv path: same seed and threads give bit-identical weights and running statistics", "[determinism][conv]") {
  ThreadsGuard guard;
  for (int threads : {1, 2}) {
    INFO(threads << " threads");
    const auto a = train_conv(threads, 7, 6);
    const auto b = train_conv(threads, 7, 6);
    REQUIRE(a.size() == b.size());
    CHECK(std::memcmp(a.data(), b.data(), a.size()) == 0);
    CHECK(train_conv(threads, 8, 6) != a);
  }
}

TEST_CASE("AEGANTrainer: the same seed and threads give identical losses, weights and samples", "[determinism][trainer]") {
  ThreadsGuard guard;
  const TrainerRun a = train_conv_aegan(2, 2);
  const TrainerRun b = train_conv_aegan(2, 2);
  REQUIRE(a.losses.size() == 2 * 4 * 9);  // 2 epochs of 4 batches, 9 reported terms each
  CHECK(a.losses == b.losses);
  CHECK(a.generator == b.generator);
  CHECK(a.encoder == b.encoder);
  CHECK(a.image_critic == b.image_critic);
  CHECK(a.latent_critic == b.latent_critic);
  CHECK(a.samples == b.samples);
}

TEST_CASE("AEGANTrainer (conv): a run split by a checkpoint resume is bit-identical to a straight one", "[determinism][trainer]") {
  ThreadsGuard guard;
  set_num_threads(2);
  const TrainerRun straight = train_conv_aegan(2, 2);

  const auto ckpt = scratch("conv.ckpt");
  {
    Trainer first(conv_networks(13), conv_options());
    first.fit(blobs(32), 1, ckpt);
  }
  const auto nets = conv_networks(99);  // different initial weights: everything must come from the file
  Trainer resumed(nets, conv_options());
  resumed.load_checkpoint(ckpt);
  resumed.fit(blobs(32), 2);
  const TrainerRun r = run_trainer(nets, resumed);
  CHECK(r.generator == straight.generator);  // includes the generator's batch-norm running statistics
  CHECK(r.encoder == straight.encoder);
  CHECK(r.image_critic == straight.image_critic);
  CHECK(r.latent_critic == straight.latent_critic);
  CHECK(r.samples == straight.samples);
}
