// The AE-GAN trainer on small networks (Sequentials and a hand-written generator module): presets,
// resume exactness, failure handling.
#include <catch2/catch.hpp>

#include <aegan/aegan.hpp>
#include <aegan/train/aegan_trainer.hpp>

#include "support/files.hpp"

using namespace aegan;
namespace fs = std::filesystem;
using Net = nn::Sequential<float>;
using Trainer = train::AEGANTrainer<Net>;

namespace {
constexpr Index kDim = 6, kLatent = 3;

fs::path scratch(const std::string& name) { return test::scratch_path("trainer", name); }
std::string slurp(const fs::path& p) { return test::read_file(p); }

Trainer::Networks make_networks(std::uint64_t seed) {
  Rng rng(seed);
  Trainer::Networks n;
  n.generator = std::make_shared<Net>(nn::Linear<float>(kLatent, 16, rng), nn::ReLU<float>(), nn::Linear<float>(16, kDim, rng), nn::Tanh<float>());
  n.encoder = std::make_shared<Net>(nn::Linear<float>(kDim, 16, rng), nn::LeakyReLU<float>(0.2f), nn::Linear<float>(16, kLatent, rng));
  n.image_critic = std::make_shared<Net>(nn::Linear<float>(kDim, 16, rng), nn::LeakyReLU<float>(0.2f), nn::Linear<float>(16, 1, rng));
  n.latent_critic = std::make_shared<Net>(nn::Linear<float>(kLatent, 16, rng), nn::LeakyReLU<float>(0.2f), nn::Linear<float>(16, 1, rng));
  n.latent_dim = kLatent;
  return n;
}

/// Points on a low-dimensional curve in [-1, 1]^kDim, so an autoencoder can learn them. Unlabelled:
/// the trainer needs no labels.
data::Dataset<float> curve_data(Index n, std::uint64_t seed) {
  Rng rng(seed);
  data::Dataset<float> d;
  d.images = Tensor<float>({n, kDim});
  for (Index i = 0; i < n; ++i) {
    const double t = rng.uniform(-1, 1), u = rng.uniform(-1, 1);
    for (Index j = 0; j < kDim; ++j) d.images[i * kDim + j] = static_cast<float>(0.8 * std::sin(t * (j + 1) + u));
  }
  return d;
}

train::AEGANOptions small(train::Preset p) { return train::AEGANOptions(p).batch_size(16).seed(5).lr_generator(2e-3).lr_critic(1e-3); }
}  // namespace

TEST_CASE("Presets parse, and name the valid ones when wrong", "[trainer]") {
  CHECK(train::parse_preset("alpha_gan") == train::Preset::AlphaGAN);
  CHECK_THROWS_WITH(train::parse_preset("vae"), Catch::Contains("'vae'") && Catch::Contains("ae, dcgan, aae, alpha_gan, aegan"));
  for (const train::Preset p : train::kPresets) CHECK(train::parse_preset(train::preset_name(p)) == p);
  CHECK(train::preset_names().size() == train::kPresets.size());
  const auto w = train::preset_weights(train::Preset::AEGAN);
  CHECK((w.rec_x == 1 && w.rec_z == 0.5 && w.adv_x_gen == 0.2 && w.adv_x_rec == 0.2 && w.adv_z_enc == 0.1 && w.adv_z_rec == 0.1));
  CHECK_FALSE(train::preset_weights(train::Preset::DCGAN).uses_encoder());
  CHECK_THROWS_AS(train::AEGANOptions().label_smoothing(0.7).validate(), ValueError);
  CHECK_THROWS_AS(train::AEGANOptions().weights(train::LossWeights{}).validate(), ValueError);
}

TEST_CASE("Every preset trains and reports exactly its terms", "[trainer]") {
  const auto data = curve_data(64, 1);
  const std::map<train::Preset, std::vector<std::string>> expected{
      {train::Preset::AE, {"rec_x", "total"}},
      {train::Preset::DCGAN, {"d_x", "adv_x_gen", "total"}},
      {train::Preset::AAE, {"d_z", "rec_x", "adv_z_enc", "total"}},
      {train::Preset::AlphaGAN, {"d_x", "d_z", "rec_x", "adv_x_gen", "adv_x_rec", "adv_z_enc", "total"}},
      {train::Preset::AEGAN, {"d_x", "d_z", "rec_x", "rec_z", "adv_x_gen", "adv_x_rec", "adv_z_enc", "adv_z_rec", "total"}}};
  for (const auto& [preset, names] : expected) {
    INFO(train::preset_name(preset));
    auto nets = make_networks(2);
    if (preset == train::Preset::DCGAN) nets.encoder = nullptr;  // dcgan needs none
    Trainer trainer(nets, small(preset));
    const auto report = trainer.step(data.images.reshape({64, kDim}));
    std::vector<std::string> got;
    for (auto& [n, v] : report.losses) {
      got.push_back(n);
      CHECK(std::isfinite(v));
    }
    CHECK(got == names);
  }
  auto nets = make_networks(3);
  nets.encoder = nullptr;
  CHECK_THROWS_WITH(Trainer(nets, small(train::Preset::AEGAN)), Catch::Contains("aegan") && Catch::Contains("an encoder"));
}

TEST_CASE("The ae and aegan presets both learn to reconstruct", "[trainer]") {
  const auto data = curve_data(256, 4);
  for (auto preset : {train::Preset::AE, train::Preset::AEGAN}) {
    INFO(train::preset_name(preset));
    Trainer trainer(make_networks(4), small(preset));
    const double before = train::frechet_distance(trainer.reconstruct(data.images), data.images) +
                          mse_loss(Var<float>(trainer.reconstruct(data.images)), Var<float>(data.images)).item();
    trainer.fit(data, 40);
    const double after = train::frechet_distance(trainer.reconstruct(data.images), data.images) +
                         mse_loss(Var<float>(trainer.reconstruct(data.images)), Var<float>(data.images)).item();
    CHECK(after < 0.5 * before);
    CHECK(trainer.steps() == 40 * 16);
  }
}

TEST_CASE("A run split by a resume gives the same weights as an uninterrupted one", "[trainer]") {
  const auto data = curve_data(96, 6);
  auto opts = small(train::Preset::AEGAN).label_smoothing(0.1).instance_noise(0.1, 30);
  Trainer straight(make_networks(7), opts);
  straight.fit(data, 4);

  const auto ckpt = scratch("resume.ckpt");
  {
    Trainer first(make_networks(7), opts);
    first.fit(data, 2, ckpt);
  }
  Trainer resumed(make_networks(99), opts);  // different init: everything must come from the file
  resumed.load_checkpoint(ckpt);
  CHECK(resumed.epoch() == 2);
  resumed.fit(data, 4);

  auto a = straight.generator().parameters(), b = resumed.generator().parameters();
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    for (Index k = 0; k < a[i].numel(); ++k) REQUIRE(a[i].value()[k] == b[i].value()[k]);
  Tensor<float> z({4, kLatent});
  CHECK(straight.generate(z)[3] == resumed.generate(z)[3]);  // EMA weights too

  Trainer other(make_networks(7), small(train::Preset::AAE));
  CHECK_THROWS_WITH(other.load_checkpoint(ckpt), Catch::Contains("preset=aegan") && Catch::Contains("preset=aae"));
}

TEST_CASE("A non-finite loss stops training, names step and term, keeps the checkpoint", "[trainer]") {
  auto data = curve_data(32, 8);
  const auto ckpt = scratch("nan.ckpt");
  Trainer trainer(make_networks(8), small(train::Preset::AE));
  trainer.fit(data, 1, ckpt);
  const std::string before = slurp(ckpt);
  for (Index i = 0; i < data.size(); ++i) data.images[i * kDim] = std::numeric_limits<float>::quiet_NaN();  // first step of epoch 2 is step 3
  CHECK_THROWS_WITH(trainer.fit(data, 2, ckpt), Catch::Contains("step 3") && Catch::Contains("rec_x") && Catch::Contains("nan"));
  CHECK(slurp(ckpt) == before);
  CHECK(train::Checkpoint::load(ckpt).ints("trainer.progress")[1] == 1);
}

TEST_CASE("Callbacks see every step and epoch, and samplers fit to the encoder codes", "[trainer]") {
  const auto data = curve_data(64, 9);
  Trainer trainer(make_networks(9), small(train::Preset::AEGAN));
  long steps = 0, epochs = 0;
  trainer.on_step([&](const train::StepReport& r) {
    ++steps;
    CHECK(r.step == steps);
  });
  trainer.on_epoch_end([&](long epoch, const std::vector<train::StepReport>& reports) {
    ++epochs;
    CHECK(epoch == epochs);
    CHECK(reports.size() == 4);
  });
  trainer.fit(data, 3);
  CHECK(steps == 12);
  CHECK(epochs == 3);

  trainer.fit_sampler(models::LatentSampler::Kind::Gmm, data.images, 3);
  REQUIRE(trainer.sampler());
  CHECK(trainer.sampler()->components().size() == 3);
  Rng rng(1);
  const auto samples = trainer.sample(10, rng);
  CHECK(samples.shape() == Shape{10, kDim});
  CHECK(samples.array().abs().maxCoeff() <= 1.0f);  // tanh output
  CHECK_THROWS_WITH(trainer.step(Tensor<float>({1, kDim})), Catch::Contains("at least 2"));
}

TEST_CASE("A refused checkpoint leaves the trainer exactly as it was", "[trainer]") {
  const auto data = curve_data(64, 10);
  const auto good = scratch("rollback-good.ckpt");
  {
    Trainer source(make_networks(10), small(train::Preset::AEGAN));
    source.fit(data, 2);
    source.fit_sampler(models::LatentSampler::Kind::Gaussian, data.images);
    source.save_checkpoint(good);
  }
  Trainer target(make_networks(11), small(train::Preset::AEGAN));
  target.fit(data, 1);
  const auto before = target.generator().parameters();
  std::vector<Tensor<float>> weights;
  for (auto& p : before) weights.push_back(p.value());
  Tensor<float> z({4, kLatent});
  const Tensor<float> generated = target.generate(z);

  // Each file is valid up to one late entry, so a loader without rollback would have overwritten
  // the networks, Adam moments and EMA before noticing.
  auto refused = [&](const std::string& name, auto&& spoil, const std::string& message) {
    train::Checkpoint ck = train::Checkpoint::load(good);
    spoil(ck);
    const auto path = scratch(name);
    ck.save(path);
    CHECK_THROWS_WITH(target.load_checkpoint(path), Catch::Contains(path.string()) && Catch::Contains(message));
    CHECK(target.epoch() == 1);
    CHECK(target.steps() == 4);
    CHECK_FALSE(target.sampler());
    const auto after = target.generator().parameters();
    for (std::size_t i = 0; i < after.size(); ++i) REQUIRE((after[i].value().array() == weights[i].array()).all());
    CHECK((target.generate(z).array() == generated.array()).all());  // the EMA copy too
  };
  refused("rollback-rng.ckpt", [](train::Checkpoint& ck) { ck.put_ints("trainer.rng", {0, 0, 0, 0, 0, 0}); }, "all-zero");
  refused("rollback-sampler.ckpt", [](train::Checkpoint& ck) {
    ck.put("sampler.weights", Tensor<double>::full({1}, 1.0));
    ck.put("sampler.means", Tensor<double>({1, kLatent + 1}));
    ck.put("sampler.chol", Tensor<double>({1, kLatent + 1, kLatent + 1}));
  }, "latent size is 3");

  target.load_checkpoint(good);  // and a good one still loads afterwards
  CHECK(target.epoch() == 2);
  REQUIRE(target.sampler());
  CHECK(target.sampler()->kind() == models::LatentSampler::Kind::Gaussian);
}

namespace {
/// A generator written by hand, not a Sequential: a Linear to four 2x2 feature maps, a reshape,
/// and a transposed convolution up to one 4x4 image in [-1, 1].
class MyGenerator : public nn::Module<float> {
 public:
  MyGenerator(Index latent, Rng& rng)
      : fc_(register_module("fc", std::make_shared<nn::Linear<float>>(latent, 4 * 2 * 2, rng))),
        up_(register_module("up", std::make_shared<nn::ConvTranspose2d<float>>(
                                      nn::ConvTranspose2dOptions(4, 1, 4).stride(2).padding(1), rng))) {}
  Var<float> forward(const Var<float>& z) override {
    const Var<float> maps = reshape(relu((*fc_)(z)), {z.dim(0), 4, 2, 2});
    return tanh((*up_)(maps));
  }
  std::string type_name() const override { return "MyGenerator"; }

 private:
  std::shared_ptr<nn::Linear<float>> fc_;
  std::shared_ptr<nn::ConvTranspose2d<float>> up_;
};

using MyTrainer = train::AEGANTrainer<MyGenerator, Net>;  // encoder and both critics: Sequentials
static_assert(std::is_same_v<MyTrainer, train::AEGANTrainer<MyGenerator, Net, Net, Net>>);
static_assert(std::is_same_v<Trainer, train::AEGANTrainer<Net, Net, Net, Net>>);

MyTrainer::Networks my_generator_networks(std::uint64_t seed) {
  Rng rng(seed);
  MyTrainer::Networks n;  // dcgan: no encoder, no latent critic
  n.generator = std::make_shared<MyGenerator>(kLatent, rng);
  n.image_critic = std::make_shared<Net>(nn::Flatten<float>(), nn::Linear<float>(16, 8, rng), nn::LeakyReLU<float>(0.2f),
                                         nn::Linear<float>(8, 1, rng));
  n.latent_dim = kLatent;
  return n;
}
}  // namespace

TEST_CASE("A hand-written generator module trains with the dcgan preset and round-trips a checkpoint", "[trainer]") {
  data::Dataset<float> data;  // 32 unlabelled 1x4x4 images in [-1, 1]
  data.images = Tensor<float>({32, 1, 4, 4});
  Rng rng(12);
  for (Index i = 0; i < data.images.numel(); ++i) data.images[i] = static_cast<float>(rng.uniform(-1, 1));
  const auto options = train::AEGANOptions(train::Preset::DCGAN).batch_size(8).seed(3).ema_decay(0.9);

  MyTrainer trainer(my_generator_networks(1), options);
  std::vector<train::StepReport> reports;
  trainer.on_step([&](const train::StepReport& r) { reports.push_back(r); });
  trainer.fit(data, 2);
  REQUIRE(reports.size() == 8);
  for (const auto& r : reports) {
    REQUIRE(r.losses.size() == 3);  // d_x, adv_x_gen, total
    for (const auto& [name, value] : r.losses) CHECK(std::isfinite(value));
  }

  Tensor<float> z({5, kLatent});
  rng.fill_normal(z);
  const Tensor<float> generated = trainer.generate(z);
  CHECK(generated.shape() == Shape{5, 1, 4, 4});
  CHECK(generated.array().abs().maxCoeff() <= 1.0f);

  const auto path = scratch("my-generator.ckpt");
  trainer.save_checkpoint(path);
  const auto saved = train::Checkpoint::load(path);
  CHECK(saved.contains("generator.net.fc.weight"));  // the names the module registered
  CHECK(saved.contains("generator.net.up.weight"));
  MyTrainer fresh(my_generator_networks(2), options);  // other weights: everything must come from the file
  CHECK_FALSE((fresh.generate(z).array() == generated.array()).all());
  fresh.load_checkpoint(path);
  CHECK(fresh.steps() == 8);
  CHECK((fresh.generate(z).array() == generated.array()).all());
  // Adam moments and the Rng came back too: the next step is the same on both.
  const Tensor<float> batch = slice_rows(data.images, 0, 8);
  CHECK(fresh.step(batch).losses == trainer.step(batch).losses);
}

TEST_CASE("Training on an ImageDataset trains on its pixels mapped to [-1, 1], flipped on request", "[trainer]") {
  data::ImageDataset pixels;  // 32 unlabelled 1x4x4 8-bit images
  pixels.channels = 1;
  pixels.height = pixels.width = 4;
  Rng rng(12);
  for (int i = 0; i < 32 * 16; ++i) pixels.pixels.push_back(static_cast<std::uint8_t>(rng.next_u64() & 0xFF));
  const auto tensors = data::to_dataset<float>(pixels, data::PixelRange::MinusOneOne);
  const auto options = train::AEGANOptions(train::Preset::DCGAN).batch_size(8).seed(3);
  Tensor<float> z({5, kLatent});
  rng.fill_normal(z);
  auto trained = [&](const auto& data, const train::AEGANOptions& o) {
    MyTrainer trainer(my_generator_networks(1), o);
    trainer.fit(data, 2);
    return trainer.generate(z);
  };
  const Tensor<float> from_pixels = trained(pixels, options);
  CHECK((from_pixels.array() == trained(tensors, options).array()).all());
  const auto flipping = train::AEGANOptions(options).horizontal_flips(true);
  const Tensor<float> flipped = trained(pixels, flipping);
  CHECK_FALSE((flipped.array() == from_pixels.array()).all());
  CHECK((flipped.array() == trained(tensors, flipping).array()).all());
  CHECK_THAT(flipping.describe(), Catch::Contains("flips=1"));
  CHECK_THAT(options.describe(), !Catch::Contains("flips"));
}

TEST_CASE("ImageEvaluator refuses unlabelled images where it needs labels", "[trainer]") {
  const auto path = scratch("classifier.ckpt");
  {
    models::mnist::Classifier<float> classifier;
    train::Checkpoint ck;
    train::save_module(ck, "classifier", classifier);
    ck.save(path);
  }
  train::ImageEvaluator<float> evaluator(path);
  const Tensor<float> images({4, 1, 28, 28});
  CHECK_THROWS_WITH(evaluator.accuracy(images, {}), Catch::Contains("ImageEvaluator::accuracy") && Catch::Contains("needs labelled data"));
  CHECK_THROWS_WITH(evaluator.accuracy(images, {1, 2, 3}), Catch::Contains("4 images") && Catch::Contains("3 labels"));
  CHECK_THROWS_WITH(evaluator.score(images, images, {}, images), Catch::Contains("ImageEvaluator::score") && Catch::Contains("needs labelled data"));
}

TEST_CASE("mean_losses averages each named term over an epoch's reports", "[trainer]") {
  std::vector<train::StepReport> reports(2);
  reports[0].losses = {{"d_x", 1.0}, {"total", 4.0}};
  reports[1].losses = {{"d_x", 2.0}, {"total", 8.0}};
  const auto means = train::mean_losses(reports);
  REQUIRE(means.size() == 2);
  CHECK(means[0].first == "d_x");
  CHECK(means[0].second == Approx(1.5));
  CHECK(means[1].first == "total");
  CHECK(means[1].second == Approx(6.0));
  CHECK(train::mean_losses({}).empty());
  reports[1].losses.pop_back();
  CHECK_THROWS_WITH(train::mean_losses(reports), Catch::Contains("different loss terms"));
}
