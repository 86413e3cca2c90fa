#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

#include <aegan/models/mnist_nets.hpp>
#include <aegan/train/evaluator.hpp>

using namespace aegan;
using models::ImageNetOptions;

namespace {

template <class Module>
std::vector<Tensor<float>> parameter_values(Module& module) {
  std::vector<Tensor<float>> values;
  for (auto& p : module.named_parameters()) values.push_back(p.var.value());
  return values;
}

bool same_values(const std::vector<Tensor<float>>& a, const std::vector<Tensor<float>>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].shape() != b[i].shape() || !(a[i].array() == b[i].array()).all()) return false;
  return true;
}

}  // namespace

TEST_CASE("stage_plan halves the size down to a base of 4 to 7 and doubles widths up to the cap", "[image_nets]") {
  const auto mnist = models::stage_plan(ImageNetOptions(1, 28).width(32));
  CHECK(mnist.base == 7);
  CHECK(mnist.widths == std::vector<Index>{32, 64});
  const auto dcgan = models::stage_plan(ImageNetOptions(3, 64).width(64));
  CHECK(dcgan.base == 4);
  CHECK(dcgan.widths == std::vector<Index>{64, 128, 256, 512});
  const auto capped = models::stage_plan(ImageNetOptions(3, 64).width(16).max_width_multiplier(2));
  CHECK(capped.widths == std::vector<Index>{16, 32, 32, 32});
  CHECK(models::stage_plan(ImageNetOptions(3, 48)).base == 6);
  CHECK(models::stage_plan(ImageNetOptions(1, 20)).widths.size() == 2);  // 20 → 10 → 5
  CHECK(models::stage_plan(ImageNetOptions(1, 8)).widths.size() == 1);
}

TEST_CASE("ImageNetOptions that no network fits are refused with the field and the nearest sizes", "[image_nets]") {
  CHECK_THROWS_WITH(models::stage_plan(ImageNetOptions(3, 27)), Catch::Contains("27×27") && Catch::Contains("nearest: 24 or 28"));
  CHECK_THROWS_WITH(models::stage_plan(ImageNetOptions(3, 36)), Catch::Contains("nearest: 32 or 40"));
  CHECK_THROWS_WITH(models::stage_plan(ImageNetOptions(1, 4)), Catch::Contains("nearest: 8"));
  CHECK_THROWS_WITH(models::stage_plan(ImageNetOptions(1, 0)), Catch::Contains("nearest: 8"));
  CHECK_THROWS_WITH(models::stage_plan(ImageNetOptions(5, 32)), Catch::Contains("1 to 4 channels, got 5"));
  CHECK_THROWS_WITH(models::stage_plan(ImageNetOptions(3, 32).width(0)), Catch::Contains("W=0"));
  CHECK_THROWS_WITH(models::generator<float>(ImageNetOptions(3, 32).latent(-1)), Catch::Contains("z=-1"));
  CHECK_THROWS_WITH(models::stage_plan(ImageNetOptions(3, 32).max_width_multiplier(0)), Catch::Contains("max_width_multiplier"));
  CHECK_THROWS_AS(models::encoder<float>(ImageNetOptions(3, 100)), ValueError);
}

TEST_CASE("Generator, encoder and critics map between latents and C×S×S images at every kind of size", "[image_nets]") {
  for (const auto& [channels, size] : std::vector<std::pair<Index, Index>>{{1, 8}, {3, 20}, {3, 32}, {1, 48}}) {
    INFO("C=" << channels << " S=" << size);
    const auto options = ImageNetOptions(channels, size).width(4).latent(6);
    Rng rng(3);
    auto g = models::generator<float>(options, rng);
    auto e = models::encoder<float>(options, rng);
    auto dx = models::image_critic<float>(options, rng);
    auto dz = models::latent_critic<float>(options, rng);
    Tensor<float> z({5, 6});
    rng.fill_normal(z, 0.0, 1.0);
    const Var<float> images = g->forward(Var<float>(z));
    CHECK(images.shape() == Shape{5, channels, size, size});
    CHECK(images.value().array().abs().maxCoeff() <= 1.0f);
    CHECK(e->forward(images).shape() == Shape{5, 6});
    CHECK(dx->forward(images).shape() == Shape{5, 1});
    CHECK(dz->forward(Var<float>(z)).shape() == Shape{5, 1});
  }
}

TEST_CASE("Networks of a seed are the same twice, and the MNIST ones are the 1×28×28 family", "[image_nets]") {
  const auto options = ImageNetOptions(1, 28).width(8).latent(4);
  Rng a(11), b(11);
  CHECK(same_values(parameter_values(*models::generator<float>(options, a)), parameter_values(*models::mnist::generator<float>(8, 4, b))));
  CHECK(same_values(parameter_values(*models::encoder<float>(options, a)), parameter_values(*models::mnist::encoder<float>(8, 4, b))));
  CHECK(same_values(parameter_values(*models::image_critic<float>(options, a)), parameter_values(*models::mnist::image_critic<float>(8, b))));
  Rng c(12);
  CHECK_FALSE(same_values(parameter_values(*models::generator<float>(options, a)), parameter_values(*models::generator<float>(options, c))));
}

TEST_CASE("classifier_plan pools while the size is even and above 7", "[image_nets]") {
  const auto mnist = models::classifier_plan(28);
  CHECK(mnist.widths == std::vector<Index>{32, 64});
  CHECK(mnist.final_size == 7);
  const auto colour = models::classifier_plan(64);
  CHECK(colour.widths == std::vector<Index>{32, 64, 128, 128});
  CHECK(colour.final_size == 4);
  const auto odd = models::classifier_plan(27);
  CHECK(odd.widths == std::vector<Index>{32});
  CHECK(odd.pooled == std::vector<bool>{false});
  CHECK(odd.final_size == 27);
}

TEST_CASE("ImageClassifier gives 256 features and a logit per class, and names a wrong input shape", "[image_nets]") {
  Rng rng(2);
  models::ImageClassifier<float> net(3, 32, 9, rng);
  net.eval();
  Tensor<float> x({4, 3, 32, 32});
  rng.fill_uniform(x, 0.0, 1.0);
  const Var<float> features = net.features(Var<float>(x));
  CHECK(features.shape() == Shape{4, models::ImageClassifier<float>::kFeatures});
  CHECK(net.forward(Var<float>(x)).shape() == Shape{4, 9});
  CHECK(net.classes() == 9);
  CHECK_THROWS_WITH(net.forward(Var<float>(Tensor<float>({4, 1, 32, 32}))), Catch::Contains("[N, 3, 32, 32]") && Catch::Contains("[4, 1, 32, 32]"));
  CHECK_THROWS_WITH(models::ImageClassifier<float>(3, 32, 0), Catch::Contains("classes=0"));
  // The digit classifier is the 1×28×28, 10-class member: its entries keep their names.
  models::mnist::Classifier<float> digits;
  std::vector<std::string> names;
  for (auto& p : digits.named_parameters()) names.push_back(p.name);
  CHECK(names == std::vector<std::string>{"trunk.0.weight", "trunk.0.bias", "trunk.3.weight", "trunk.3.bias", "trunk.7.weight",
                                          "trunk.7.bias", "head.1.weight", "head.1.bias"});
}

TEST_CASE("ImageEvaluator rebuilds the classifier a file's classifier.shape names, and refuses a bad shape", "[image_nets]") {
  const auto path = std::filesystem::temp_directory_path() / "aegan_test_image_nets_classifier.ckpt";
  Rng rng(4);
  {
    models::ImageClassifier<float> net(3, 16, 5, rng);
    train::Checkpoint ck;
    train::save_module(ck, "classifier", net);
    ck.put_ints("classifier.shape", {3, 16, 5});
    ck.save(path);
  }
  train::ImageEvaluator<float> evaluator(path);
  CHECK(evaluator.classifier().classes() == 5);
  Tensor<float> images({7, 3, 16, 16});
  rng.fill_uniform(images, 0.0, 1.0);
  Tensor<float> features;
  std::vector<int> classes;
  evaluator.embed(images, features, classes);
  CHECK(features.shape() == Shape{7, 256});
  CHECK(classes.size() == 7);
  CHECK(std::all_of(classes.begin(), classes.end(), [](int c) { return c >= 0 && c < 5; }));
  CHECK_THROWS_WITH(evaluator.embed(Tensor<float>({2, 1, 28, 28}), features, classes), Catch::Contains("[N, 3, 16, 16]"));
  {
    train::Checkpoint ck = train::Checkpoint::load(path);
    ck.put_ints("classifier.shape", {3, 16});
    ck.save(path);
  }
  CHECK_THROWS_WITH(train::ImageEvaluator<float>(path), Catch::Contains("classifier.shape") && Catch::Contains(path.string()));
  std::filesystem::remove(path);
}
