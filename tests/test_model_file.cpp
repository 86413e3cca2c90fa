// Model files: every layer kind writes its spec and weights and is rebuilt, by a reader that does
// not know the network, into a module whose outputs are bit-identical; GeneratorModel keeps what
// sampling needs; hostile or mismatched files are refused with the file, layer and problem named.
#include <catch2/catch.hpp>

#include <aegan/aegan.hpp>
#include <aegan/inference.hpp>

#include "support/files.hpp"

using namespace aegan;
namespace fs = std::filesystem;

namespace {

fs::path scratch(const std::string& name) { return test::scratch_path("model_file", name); }

template <Scalar T>
using Layer = std::shared_ptr<nn::Module<T>>;

template <Scalar T>
Tensor<T> random_tensor(const Shape& shape, Rng& rng) {
  Tensor<T> t = Tensor<T>::uninitialized(shape);
  for (T& v : t) v = static_cast<T>(rng.normal());
  return t;
}

/// Random parameters, and running statistics far from their initial 0 and 1, so a layer that
/// restored the wrong tensor (or none) cannot match by accident.
template <Scalar T>
void randomize_state(nn::Module<T>& m, Rng& rng) {
  for (auto& p : m.named_parameters()) p.var.mutable_value() = random_tensor<T>(p.var.shape(), rng);
  for (auto& b : m.named_buffers()) {
    Tensor<T> v = random_tensor<T>(b.var.shape(), rng);
    if (b.name.find("running_var") != std::string::npos)
      for (T& x : v) x = T(0.5) + x * x;
    b.var.mutable_value() = std::move(v);
  }
}

template <Scalar T>
bool bit_identical(const Tensor<T>& a, const Tensor<T>& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), static_cast<std::size_t>(a.numel()) * sizeof(T)) == 0;
}

/// One network per layer kind, with the input shape it takes; every kind of the registry appears.
template <Scalar T>
std::vector<std::tuple<std::string, Layer<T>, Shape>> one_network_per_kind(Rng& rng) {
  auto seq = [](std::initializer_list<Layer<T>> layers) {
    auto net = std::make_shared<nn::Sequential<T>>();
    for (const auto& l : layers) net->push_back(l);
    return net;
  };
  using namespace nn;
  std::vector<std::tuple<std::string, Layer<T>, Shape>> out;
  out.emplace_back("Linear", std::make_shared<Linear<T>>(LinearOptions(5, 3), rng), Shape{4, 5});
  out.emplace_back("Linear (no bias)", std::make_shared<Linear<T>>(LinearOptions(5, 3).bias(false), rng), Shape{4, 5});
  out.emplace_back("Conv2d", std::make_shared<Conv2d<T>>(Conv2dOptions(2, 3, {3, 2}).stride({2, 1}).padding({1, 0}), rng), Shape{2, 2, 7, 6});
  out.emplace_back("Conv2d (no bias, direct)",
                   std::make_shared<Conv2d<T>>(Conv2dOptions(3, 4, 4).stride(2).padding(1).bias(false).algorithm(ConvAlgorithm::Direct), rng),
                   Shape{2, 3, 8, 8});
  out.emplace_back("ConvTranspose2d",
                   std::make_shared<ConvTranspose2d<T>>(ConvTranspose2dOptions(3, 2, 4).stride(2).padding(1).output_padding({1, 0}), rng),
                   Shape{2, 3, 5, 4});
  out.emplace_back("BatchNorm1d", std::make_shared<BatchNorm1d<T>>(BatchNormOptions(6).eps(1e-3).momentum(0.3)), Shape{4, 6});
  out.emplace_back("BatchNorm1d (no affine, cumulative)", std::make_shared<BatchNorm1d<T>>(BatchNormOptions(6).affine(false).momentum(std::nullopt)),
                   Shape{4, 6, 3});
  out.emplace_back("BatchNorm2d", std::make_shared<BatchNorm2d<T>>(3), Shape{2, 3, 4, 4});
  out.emplace_back("ReLU", std::make_shared<ReLU<T>>(), Shape{3, 7});
  out.emplace_back("LeakyReLU", std::make_shared<LeakyReLU<T>>(T(0.137)), Shape{3, 7});
  out.emplace_back("Sigmoid", std::make_shared<Sigmoid<T>>(), Shape{3, 7});
  out.emplace_back("Tanh", std::make_shared<Tanh<T>>(), Shape{3, 7});
  out.emplace_back("Flatten", std::make_shared<Flatten<T>>(1, 2), Shape{2, 3, 4, 5});
  out.emplace_back("Unflatten", std::make_shared<Unflatten<T>>(1, std::vector<Index>{2, 3, 2}), Shape{4, 12});
  out.emplace_back("Upsample", std::make_shared<Upsample<T>>(Size2{2, 3}), Shape{2, 2, 3, 3});
  out.emplace_back("MaxPool2d", std::make_shared<MaxPool2d<T>>(MaxPool2dOptions(3).stride(2).padding(1)), Shape{2, 2, 7, 7});
  out.emplace_back("AvgPool2d", std::make_shared<AvgPool2d<T>>(AvgPool2dOptions({2, 3}).count_include_pad(false).padding(1)), Shape{2, 2, 6, 7});
  out.emplace_back("Dropout", std::make_shared<Dropout<T>>(0.3, rng), Shape{3, 7});
  out.emplace_back("Dropout2d", std::make_shared<Dropout2d<T>>(0.4, rng), Shape{2, 3, 4, 4});
  // A Sequential of fused pairs (Conv + LeakyReLU, BatchNorm + ReLU, Flatten + Linear) and a nested Sequential.
  out.emplace_back("Sequential",
                   seq({std::make_shared<Conv2d<T>>(Conv2dOptions(1, 4, 3).padding(1), rng), std::make_shared<LeakyReLU<T>>(T(0.2)),
                        std::make_shared<BatchNorm2d<T>>(4), std::make_shared<ReLU<T>>(),
                        seq({std::make_shared<Flatten<T>>(), std::make_shared<Linear<T>>(64, 5, rng)}), std::make_shared<Tanh<T>>()}),
                   Shape{3, 1, 4, 4});
  return out;
}

template <Scalar T>
void check_every_kind_round_trips() {
  nn::register_layers<T>();  // float layers register with their headers; double ones on request
  Rng rng(11);
  std::set<std::string> kinds;
  for (auto& [label, net, input_shape] : one_network_per_kind<T>(rng)) {
    INFO(label);
    randomize_state(*net, rng);
    net->eval();
    kinds.insert(net->spec().kind());
    io::Archive archive;
    nn::write_network(archive, "net", *net);
    const auto path = scratch(std::string("kind_") + (std::is_same_v<T, float> ? "f" : "d") + ".aegan");
    archive.save(path);
    const auto loaded = nn::read_network<T>(io::Archive::load(path, "model file"), "net", "model file " + path.string());
    CHECK(loaded->type_name() == net->type_name());
    CHECK_FALSE(loaded->is_training());
    const Tensor<T> x = random_tensor<T>(input_shape, rng);
    NoGradGuard no_grad;
    CHECK(bit_identical(net->forward(Var<T>(x, false)).value(), loaded->forward(Var<T>(x, false)).value()));
    for (std::size_t i = 0; i < net->named_buffers().size(); ++i)
      CHECK(bit_identical(net->named_buffers()[i].var.value(), loaded->named_buffers()[i].var.value()));
    // nn::clone goes through the same spec: same outputs, and the copy owns its own weights.
    const auto copy = nn::clone<T>(*net);
    CHECK(bit_identical(net->forward(Var<T>(x, false)).value(), copy->forward(Var<T>(x, false)).value()));
    if (!copy->named_parameters().empty()) CHECK(copy->named_parameters()[0].var.value().data() != net->named_parameters()[0].var.value().data());
  }
  // Every registered kind was exercised: a new layer that registers itself must join the list above.
  std::set<std::string> registered;
  for (std::string known = nn::layer_registry<T>().known(), item; !known.empty();) {
    const auto comma = known.find(", ");
    registered.insert(known.substr(0, comma));
    known = comma == std::string::npos ? "" : known.substr(comma + 2);
  }
  for (const auto& [label, net, shape] : one_network_per_kind<T>(rng)) {
    const auto spec = net->spec();
    for (const auto& child : spec.children()) kinds.insert(child.kind());
  }
  CHECK(kinds == registered);
}

/// A small image generator and encoder (z = 4 -> 3x8x8 -> z).
template <Scalar T>
models::GeneratorModel<T> small_model(Rng& rng) {
  using namespace nn;
  auto g = std::make_shared<Sequential<T>>();
  g->push_back(std::make_shared<Linear<T>>(4, 32, rng));
  g->push_back(std::make_shared<BatchNorm1d<T>>(32));
  g->push_back(std::make_shared<ReLU<T>>());
  g->push_back(std::make_shared<Unflatten<T>>(1, std::vector<Index>{2, 4, 4}));
  g->push_back(std::make_shared<ConvTranspose2d<T>>(ConvTranspose2dOptions(2, 3, 4).stride(2).padding(1), rng));
  g->push_back(std::make_shared<Tanh<T>>());
  auto e = std::make_shared<Sequential<T>>();
  e->push_back(std::make_shared<Conv2d<T>>(Conv2dOptions(3, 2, 4).stride(2).padding(1), rng));
  e->push_back(std::make_shared<LeakyReLU<T>>(T(0.2)));
  e->push_back(std::make_shared<Flatten<T>>());
  e->push_back(std::make_shared<Linear<T>>(32, 4, rng));
  randomize_state(*g, rng);
  Tensor<T> codes = random_tensor<T>({200, 4}, rng);
  models::GeneratorModel<T> model(g, 4, models::ImageFormat{3, 8, 8}, models::LatentSampler::fit_gmm(codes, 3, 5), "ema");
  model.set_encoder(e).set_class_names({"cats", "dogs"});
  return model;
}

}  // namespace

TEST_CASE("Every layer kind round-trips through a model file bit-identically, float", "[model_file]") {
  check_every_kind_round_trips<float>();
}

TEST_CASE("Every layer kind round-trips through a model file bit-identically, double", "[model_file]") {
  check_every_kind_round_trips<double>();
}

TEMPLATE_TEST_CASE("GeneratorModel keeps what sampling needs and samples the same after loading", "[model_file]", float, double) {
  using T = TestType;
  Rng rng(3);
  const auto model = small_model<T>(rng);
  const auto path = scratch("gen.aegan");
  model.save(path);
  const auto loaded = models::GeneratorModel<T>::load(path);
  CHECK(loaded.latent_dim() == 4);
  CHECK(loaded.image().shape(2) == Shape{2, 3, 8, 8});
  CHECK(loaded.weights() == "ema");
  CHECK(loaded.class_names() == std::vector<std::string>{"cats", "dogs"});
  CHECK(loaded.sampler().kind() == models::SamplerKind::Gmm);
  CHECK(loaded.sampler().components().size() == 3);
  CHECK(loaded.has_encoder());
  Rng a(9), b(9);
  const Tensor<T> images = model.sample(70, a);
  CHECK(bit_identical(images, loaded.sample(70, b)));
  CHECK(bit_identical(model.encode(images), loaded.encode(images)));
  CHECK(bit_identical(model.reconstruct(images), loaded.reconstruct(images)));
  const Tensor<T> unit = loaded.to_unit_range(images);
  for (T v : unit) REQUIRE((v >= T(0) && v <= T(1)));
  // Codes past the first batch of kBatch are generated too (to rounding: GEMM blocking follows the batch size).
  Rng c(4);
  const Tensor<T> z = loaded.sampler().template sample<T>(models::GeneratorModel<T>::kBatch + 3, c);
  const Tensor<T> last = slice_rows(loaded.generate(z), models::GeneratorModel<T>::kBatch + 2, 1);
  const Tensor<T> alone = loaded.generate(slice_rows(z, models::GeneratorModel<T>::kBatch + 2, 1));
  for (Index i = 0; i < last.numel(); ++i) REQUIRE(last[i] == Approx(alone[i]).margin(1e-5));
}

TEST_CASE("GeneratorModel refuses what is not its model, naming the file and the problem", "[model_file]") {
  Rng rng(5);
  const auto model = small_model<float>(rng);
  const auto path = scratch("refuse.aegan");
  model.save(path);
  CHECK_THROWS_WITH(models::GeneratorModel<double>::load(path), Catch::Contains("refuse.aegan") && Catch::Contains("GeneratorModel<float>"));
  io::Archive checkpoint;
  checkpoint.put_text("trainer.options", "x");
  checkpoint.save(scratch("ckpt.aegan"));
  CHECK_THROWS_WITH(models::GeneratorModel<float>::load(scratch("ckpt.aegan")),
                    Catch::Contains("ckpt.aegan") && Catch::Contains("not an aegan generator model") && Catch::Contains("aegan export"));
  std::string bytes = test::read_file(path);
  bytes[bytes.size() / 2] ^= 0x21;
  test::write_file(scratch("flipped.aegan"), bytes);
  CHECK_THROWS_WITH(models::GeneratorModel<float>::load(scratch("flipped.aegan")),
                    Catch::Contains("model file") && Catch::Contains("flipped.aegan") && Catch::Contains("checksum"));
  CHECK_THROWS_WITH(model.generate(Tensor<float>::zeros({2, 5})), Catch::Contains("[2, 5]") && Catch::Contains("[N, 4]"));
  CHECK_THROWS_WITH(model.encode(Tensor<float>::zeros({2, 1, 8, 8})), Catch::Contains("[2, 1, 8, 8]") && Catch::Contains("[2, 3, 8, 8]"));
  // A generator whose output is not the declared image format is named when it runs.
  models::GeneratorModel<float> wrong(std::shared_ptr<nn::Module<float>>(nn::clone<float>(model.generator())), 4,
                                      models::ImageFormat{1, 8, 8}, models::LatentSampler::prior(4));
  CHECK_THROWS_WITH(wrong.generate(Tensor<float>::zeros({1, 4})), Catch::Contains("[1, 3, 8, 8]") && Catch::Contains("[1, 1, 8, 8]"));
  CHECK_THROWS_WITH(models::GeneratorModel<float>(nn::clone<float>(model.generator()), 5, models::ImageFormat{3, 8, 8},
                                                  models::LatentSampler::prior(4)),
                    Catch::Contains("4-dimensional codes") && Catch::Contains("latent size is 5"));
}

namespace {
/// The archive of small_model after `edit`, saved and loaded back as a model file.
io::Archive edited(const std::function<void(io::Archive&)>& edit) {
  Rng rng(6);
  io::Archive archive;
  small_model<float>(rng).write(archive);
  edit(archive);
  const auto path = scratch("edited.aegan");
  archive.save(path);
  return io::Archive::load(path, "model file");
}
std::string load_error(const std::function<void(io::Archive&)>& edit) {
  try {
    models::GeneratorModel<float>::read(edited(edit));
  } catch (const IoError& e) {
    return e.what();
  }
  return "(loaded)";
}
}  // namespace

TEST_CASE("Hostile architectures are refused before anything is allocated, naming the layer and option", "[model_file]") {
  // An unknown kind and an unknown option name themselves.
  CHECK_THAT(load_error([](io::Archive& a) { a.put_text("generator.arch.2.kind", "Swish"); }),
             Catch::Contains("edited.aegan") && Catch::Contains("layer 2") && Catch::Contains("unknown layer kind 'Swish'") &&
                 Catch::Contains("ReLU"));
  CHECK_THAT(load_error([](io::Archive& a) { a.put_ints("generator.arch.0.option.dilation", {2}); }),
             Catch::Contains("layer 0") && Catch::Contains("unknown option 'dilation' for a Linear layer"));
  CHECK_THAT(load_error([](io::Archive& a) { a.put_text("generator.arch.0.option.bias", "yes"); }),
             Catch::Contains("option 'bias' is not a list of integers"));
  // Sizes that disagree with the stored weights never reach an allocation: 2^24 x 2^24 floats would be 1 PiB.
  CHECK_THAT(load_error([](io::Archive& a) {
               a.put_ints("generator.arch.0.option.in_features", {1 << 24});
               a.put_ints("generator.arch.0.option.out_features", {1 << 24});
             }),
             Catch::Contains("stored tensor 'weight' has shape [32, 4]") && Catch::Contains("[16777216, 16777216]"));
  CHECK_THAT(load_error([](io::Archive& a) { a.put_ints("generator.arch.4.option.stride", {0, 2}); }),
             Catch::Contains("layer 4") && Catch::Contains("option 'stride' holds 0"));
  CHECK_THAT(load_error([](io::Archive& a) { a.put_ints("generator.arch.3.option.sizes", {197912092999680, 255086697644036}); }),
             Catch::Contains("layer 3") && Catch::Contains("multiply past"));
  CHECK_THAT(load_error([](io::Archive& a) { a.put_ints("generator.arch.children", {1000000}); }),
             Catch::Contains("children") && Catch::Contains("4096"));
  CHECK_THAT(load_error([](io::Archive& a) { a.put_ints("generator.arch.children", {7}); }),
             Catch::Contains("layer 6") && Catch::Contains("no layer kind"));
  CHECK_THAT(load_error([](io::Archive& a) { a.put("generator.state.5.weight", Tensor<float>::zeros({1})); }),
             Catch::Contains("stores 10 tensors, the architecture has 9"));
  CHECK_THAT(load_error([](io::Archive& a) { a.put_ints("model.image", {3, 8, 9000}); }), Catch::Contains("model.image holds 9000"));
  CHECK_THAT(load_error([](io::Archive& a) { a.put_text("model.channel_order", "BGR"); }), Catch::Contains("'BGR'"));
  CHECK_THAT(load_error([](io::Archive& a) { a.put("model.pixel_range", Tensor<double>(Shape{2}, {1.0, -1.0})); }),
             Catch::Contains("low < high"));
  CHECK_THAT(load_error([](io::Archive& a) { a.put_ints("model.latent", {5}); }), Catch::Contains("the sampler draws 4-dimensional codes"));
  // Nesting without end: every level a Sequential holding the next.
  CHECK_THAT(load_error([](io::Archive& a) {
               std::string prefix = "generator.arch";
               for (int depth = 0; depth < 20; ++depth) {
                 a.put_text(prefix + ".kind", "Sequential");
                 a.put_ints(prefix + ".children", {1});
                 prefix += ".0";
               }
               a.put_text(prefix + ".kind", "ReLU");
             }),
             Catch::Contains("nested deeper than 16"));
}

TEST_CASE("A module that cannot describe itself is named, and nothing is written", "[model_file]") {
  struct Custom : nn::Module<float> {
    std::string type_name() const override { return "MyAttention"; }
  };
  auto net = std::make_shared<nn::Sequential<float>>();
  Rng rng(1);
  net->push_back(std::make_shared<nn::Linear<float>>(4, 8, rng));
  net->push_back(std::make_shared<Custom>());
  models::GeneratorModel<float> model(net, 4, models::ImageFormat{1, 2, 4}, models::LatentSampler::prior(4));
  const auto path = scratch("kept.aegan");
  test::write_file(path, "an earlier model");
  CHECK_THROWS_WITH(model.save(path), Catch::Contains("MyAttention cannot be saved in a model file"));
  CHECK(test::read_file(path) == "an earlier model");
}

TEST_CASE("AEGANTrainer::export_model writes the EMA generator, the sampler and the encoder", "[model_file]") {
  using Net = nn::Sequential<float>;
  Rng init(2);
  const auto options = models::ImageNetOptions(1, 8).width(4).latent(3);
  train::AEGANTrainer<Net>::Networks nets;
  nets.generator = models::generator<float>(options, init);
  nets.encoder = models::encoder<float>(options, init);
  nets.image_critic = models::image_critic<float>(options, init);
  nets.latent_critic = models::latent_critic<float>(options, init);
  nets.latent_dim = 3;
  train::AEGANTrainer<Net> trainer(std::move(nets), train::AEGANOptions(train::Preset::AEGAN).batch_size(8).ema_decay(0.9));
  Rng data_rng(4);
  Tensor<float> real = random_tensor<float>({8, 1, 8, 8}, data_rng);
  for (float& v : real) v = std::tanh(v);
  for (int i = 0; i < 3; ++i) trainer.step(real);
  trainer.fit_sampler(models::SamplerKind::Gaussian, real);
  const auto model = trainer.export_model(train::ExportOptions().class_names({"a"}));
  CHECK(model.weights() == "ema");
  CHECK(model.image().shape(1) == Shape{1, 1, 8, 8});
  CHECK(model.sampler().kind() == models::SamplerKind::Gaussian);
  CHECK(model.class_names() == std::vector<std::string>{"a"});
  const Tensor<float> z = random_tensor<float>({5, 3}, data_rng);
  CHECK(bit_identical(model.generate(z), trainer.generate(z)));  // generate() samples with the EMA weights too
  CHECK(bit_identical(model.encode(real), trainer.encode(real)));
  CHECK_FALSE(trainer.export_model(train::ExportOptions().encoder(false)).has_encoder());
  // The trainer keeps training with its own weights: the export copied them.
  trainer.step(real);
  CHECK_FALSE(bit_identical(model.generate(z), trainer.generate(z)));
}
