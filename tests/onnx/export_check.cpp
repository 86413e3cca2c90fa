// The ONNX exporter's check, in two parts.
//
//   aegan_onnx_export_check --refusals   networks the exporter must refuse, with the layer named
//   aegan_onnx_export_check DIR          exports the ready networks and a network holding every
//                                        other exportable layer kind to DIR, with an input batch
//                                        and aegan's evaluation-mode output for each, which
//                                        check_onnx.py compares with OpenCV's dnn module
//
// DIR/manifest.json lists the models; inputs and outputs are raw little-endian float32 files.
#include <aegan/export/onnx.hpp>
#include <aegan/inference.hpp>
#include <aegan/models/image_nets.hpp>
#include <aegan/models/mnist_nets.hpp>

#include <bit>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace nn = aegan::nn;
namespace models = aegan::models;
using aegan::Index;
using aegan::Rng;
using aegan::Shape;
using aegan::Tensor;
using aegan::Var;

static_assert(std::endian::native == std::endian::little, "the check's data files are little-endian float32");

constexpr Index kBatch = 8;

/// Gives batch norm layers running statistics far from their initial 0 and 1: a few training-mode
/// passes over random inputs, so that the exported inference form is really exercised.
template <aegan::Scalar T>
void settle_batch_norm(nn::Module<T>& net, const Shape& sample_shape, Rng& rng) {
  aegan::NoGradGuard no_grad;
  net.train();
  std::vector<Index> dims{16};
  dims.insert(dims.end(), sample_shape.begin(), sample_shape.end());
  for (int pass = 0; pass < 4; ++pass) {
    Tensor<T> x = Tensor<T>::uninitialized(Shape(std::span<const Index>(dims)));
    rng.fill_normal(x, 0.3 * pass, 1.0 + 0.5 * pass);
    net.forward(Var<T>(std::move(x), false));
  }
  net.eval();
}

template <aegan::Scalar T>
Tensor<T> random_batch(const Shape& sample_shape, Rng& rng) {
  std::vector<Index> dims{kBatch};
  dims.insert(dims.end(), sample_shape.begin(), sample_shape.end());
  Tensor<T> x = Tensor<T>::uninitialized(Shape(std::span<const Index>(dims)));
  rng.fill_normal(x);
  return x;
}

class Writer {
 public:
  explicit Writer(fs::path dir) : dir_(std::move(dir)) {}

  template <aegan::Scalar T>
  void add(const std::string& name, const std::string& input_name, const Tensor<T>& input, const Tensor<T>& output) {
    write_floats(name + ".input.f32", input);
    write_floats(name + ".output.f32", output);
    if (!entries_.empty()) entries_ += ",\n";
    entries_ += "  {\"name\": \"" + name + "\", \"onnx\": \"" + name + ".onnx\", \"input_name\": \"" + input_name +
                "\", \"input\": \"" + name + ".input.f32\", \"input_shape\": " + shape_json(input.shape()) +
                ", \"output\": \"" + name + ".output.f32\", \"output_shape\": " + shape_json(output.shape()) + "}";
  }
  fs::path path(const std::string& file) const { return dir_ / file; }
  void finish() const { aegan::io::write_file_atomically(dir_ / "manifest.json", "[\n" + entries_ + "\n]\n"); }

 private:
  template <aegan::Scalar T>
  void write_floats(const std::string& file, const Tensor<T>& t) const {
    std::vector<float> values(t.begin(), t.end());
    aegan::io::write_file_atomically(dir_ / file, std::string_view(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
  }
  static std::string shape_json(const Shape& s) {
    std::string out = "[";
    for (int i = 0; i < s.rank(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
    return out + "]";
  }
  fs::path dir_;
  std::string entries_;
};

template <aegan::Scalar T>
Tensor<T> eval_forward(nn::Module<T>& net, const Tensor<T>& x) {
  aegan::NoGradGuard no_grad;
  return net.forward(Var<T>(x, false)).value();
}

/// Exports a generator model (and its encoder) with its sample batches.
template <aegan::Scalar T>
void add_model(Writer& out, const std::string& name, std::shared_ptr<nn::Module<T>> generator, std::shared_ptr<nn::Module<T>> encoder,
               Index latent, models::ImageFormat image, Rng& rng) {
  settle_batch_norm(*generator, Shape{latent}, rng);
  if (encoder) settle_batch_norm(*encoder, Shape{image.channels, image.height, image.width}, rng);
  models::GeneratorModel<T> model(generator, latent, image, models::LatentSampler::prior(latent));
  model.set_encoder(encoder);
  const Tensor<T> z = random_batch<T>(Shape{latent}, rng);
  aegan::onnx::export_generator(model, out.path(name + "_generator.onnx"));
  out.add(name + "_generator", "z", z, model.generate(z));
  if (encoder) {
    const Tensor<T> images = random_batch<T>(Shape{image.channels, image.height, image.width}, rng);
    aegan::onnx::export_encoder(model, out.path(name + "_encoder.onnx"));
    out.add(name + "_encoder", "image", images, model.encode(images));
  }
}

/// Every exportable kind the ready networks leave out, and the forms the exporter chooses between
/// (Flatten as Flatten or Reshape, batch norm on 2-D, 3-D and 4-D inputs, with and without affine
/// parameters, an upsampling factor that differs per axis, average pools with and without padding).
std::shared_ptr<nn::Sequential<float>> every_kind(Rng& rng) {
  auto net = std::make_shared<nn::Sequential<float>>();
  net->push_back(std::make_shared<nn::Conv2d<float>>(nn::Conv2dOptions(3, 6, 3).padding(1), rng));                  // [6, 12, 12]
  net->push_back(std::make_shared<nn::BatchNorm2d<float>>(nn::BatchNormOptions(6).affine(false)));
  net->push_back(std::make_shared<nn::LeakyReLU<float>>(0.1f));
  net->push_back(std::make_shared<nn::MaxPool2d<float>>(nn::MaxPool2dOptions(3).stride(1).padding(1)));             // [6, 12, 12]
  net->push_back(std::make_shared<nn::MaxPool2d<float>>(2));                                                         // [6, 6, 6]
  net->push_back(std::make_shared<nn::Upsample<float>>(aegan::Size2(2, 3)));                                         // [6, 12, 18]
  net->push_back(std::make_shared<nn::AvgPool2d<float>>(nn::AvgPool2dOptions(3).stride(2).padding(1).count_include_pad(false)));  // [6, 6, 9]
  net->push_back(std::make_shared<nn::AvgPool2d<float>>(nn::AvgPool2dOptions(3).stride(1).padding(1)));             // [6, 6, 9]
  net->push_back(std::make_shared<nn::AvgPool2d<float>>(2));                                                         // [6, 3, 4]
  net->push_back(std::make_shared<nn::Dropout2d<float>>(0.2, rng));
  net->push_back(std::make_shared<nn::ConvTranspose2d<float>>(nn::ConvTranspose2dOptions(6, 4, 3).stride(2).padding(1).output_padding(1), rng));  // [4, 6, 8]
  net->push_back(std::make_shared<nn::Flatten<float>>(2));                                                           // [4, 48]
  net->push_back(std::make_shared<nn::BatchNorm1d<float>>(4));
  net->push_back(std::make_shared<nn::Flatten<float>>());                                                            // [192]
  net->push_back(std::make_shared<nn::Linear<float>>(nn::LinearOptions(192, 32).bias(false), rng));
  net->push_back(std::make_shared<nn::BatchNorm1d<float>>(32));
  net->push_back(std::make_shared<nn::Sigmoid<float>>());
  net->push_back(std::make_shared<nn::Dropout<float>>(0.5, rng));
  net->push_back(std::make_shared<nn::Linear<float>>(32, 24, rng));
  net->push_back(std::make_shared<nn::Tanh<float>>());
  net->push_back(std::make_shared<nn::Unflatten<float>>(1, std::vector<Index>{2, 3, 4}));                           // [2, 3, 4]
  net->push_back(std::make_shared<nn::ReLU<float>>());
  // Batch norm's affine parameters start at 1 and 0, which would leave scale and shift untested.
  for (auto& p : net->named_parameters())
    if (p.var.value().rank() == 1) rng.fill_uniform(p.var.mutable_value(), p.name.ends_with("weight") ? 0.5 : -0.5, 1.5);
  return net;
}

int export_all(const fs::path& dir) {
  fs::create_directories(dir);
  Writer out(dir);
  {
    Rng rng(11);
    add_model<float>(out, "mnist", models::mnist::generator<float>(32, 16, rng), models::mnist::encoder<float>(32, 16, rng), 16,
                     models::ImageFormat{1, 28, 28}, rng);
  }
  {
    Rng rng(12);  // the weights in double, written as float
    add_model<double>(out, "mnist_double", models::mnist::generator<double>(32, 16, rng), nullptr, 16, models::ImageFormat{1, 28, 28},
                      rng);
  }
  {
    Rng rng(13);
    const auto o = models::ImageNetOptions(3, 32).width(32).latent(16);
    add_model<float>(out, "emoji32", models::generator<float>(o, rng), models::encoder<float>(o, rng), 16, models::ImageFormat{3, 32, 32}, rng);
  }
  {
    Rng rng(14);
    const auto o = models::ImageNetOptions(3, 64).width(64).latent(100);
    add_model<float>(out, "dcgan64", models::generator<float>(o, rng), nullptr, 100, models::ImageFormat{3, 64, 64}, rng);
  }
  {
    Rng rng(15);
    auto net = every_kind(rng);
    const Shape sample{3, 12, 12};
    settle_batch_norm(*net, sample, rng);
    const Tensor<float> x = random_batch<float>(sample, rng);
    aegan::onnx::save(aegan::onnx::to_onnx(*net, sample, "input", "output"), out.path("every_kind.onnx"));
    out.add("every_kind", "input", x, eval_forward(*net, x));
  }
  {
    // A network that is a single layer (its tensors named without a path) and one that has no
    // node at all in evaluation mode (an Identity joins input and output).
    Rng rng(16);
    nn::Conv2d<float> conv(nn::Conv2dOptions(2, 3, 3).stride(2), rng);
    const Shape sample{2, 7, 7};
    const Tensor<float> x = random_batch<float>(sample, rng);
    aegan::onnx::save(aegan::onnx::to_onnx(conv, sample, "input", "output"), out.path("single_layer.onnx"));
    out.add("single_layer", "input", x, eval_forward(conv, x));

    nn::Sequential<float> dropout(nn::Dropout<float>(0.5, rng));
    dropout.eval();
    const Tensor<float> y = random_batch<float>(Shape{5}, rng);
    aegan::onnx::save(aegan::onnx::to_onnx(dropout, Shape{5}, "input", "output"), out.path("dropout_only.onnx"));
    out.add("dropout_only", "input", y, eval_forward(dropout, y));
  }
  out.finish();
  std::printf("exported to %s\n", dir.c_str());
  return 0;
}

// ---- refusals -------------------------------------------------------------------------------

/// A layer of the user's that aegan cannot describe.
class Swish : public nn::Module<float> {
 public:
  Var<float> forward(const Var<float>& x) override { return x; }
  std::string type_name() const override { return "Swish(beta=1)"; }
};

/// A layer that describes itself with a kind the exporter does not know.
class Described : public nn::Module<float> {
 public:
  Var<float> forward(const Var<float>& x) override { return x; }
  std::string type_name() const override { return "Described()"; }
  nn::LayerSpec spec() const override { return nn::LayerSpec("GroupNorm"); }
};

int failures = 0;

/// Runs `f`, which must throw an aegan::Error of type E whose message holds every one of `parts`.
template <class E>
void expect_refusal(const std::string& what, const std::function<void()>& f, const std::vector<std::string>& parts) {
  try {
    f();
  } catch (const E& e) {
    const std::string message = e.what();
    for (const auto& p : parts)
      if (message.find(p) == std::string::npos) {
        std::printf("FAIL %s: the message does not name '%s': %s\n", what.c_str(), p.c_str(), message.c_str());
        ++failures;
        return;
      }
    std::printf("ok   %s: %s\n", what.c_str(), message.c_str());
    return;
  } catch (const std::exception& e) {
    std::printf("FAIL %s: wrong exception: %s\n", what.c_str(), e.what());
    ++failures;
    return;
  }
  std::printf("FAIL %s: no exception\n", what.c_str());
  ++failures;
}

std::shared_ptr<nn::Sequential<float>> linear_then(std::shared_ptr<nn::Module<float>> layer, Rng& rng) {
  auto net = std::make_shared<nn::Sequential<float>>();
  net->push_back(std::make_shared<nn::Linear<float>>(4, 6, rng));
  net->push_back(std::move(layer));
  return net;
}

int refusals() {
  Rng rng(21);
  const auto export_net = [](const nn::Module<float>& net, const Shape& shape) { (void)aegan::onnx::to_onnx(net, shape, "x", "y"); };

  auto custom = linear_then(std::make_shared<Swish>(), rng);
  expect_refusal<aegan::ValueError>("a custom layer", [&] { export_net(*custom, Shape{4}); }, {"layer 1", "Swish(beta=1)", "no ONNX form"});

  auto nested = std::make_shared<nn::Sequential<float>>();
  nested->push_back(std::make_shared<nn::ReLU<float>>());
  nested->push_back(linear_then(std::make_shared<Swish>(), rng));
  expect_refusal<aegan::ValueError>("a custom layer in a nested Sequential", [&] { export_net(*nested, Shape{4}); }, {"layer 1.1", "Swish"});

  auto unknown = linear_then(std::make_shared<Described>(), rng);
  expect_refusal<aegan::ValueError>("an unknown layer kind", [&] { export_net(*unknown, Shape{4}); }, {"layer 1", "'GroupNorm'"});

  auto batch_stats = linear_then(std::make_shared<nn::BatchNorm1d<float>>(nn::BatchNormOptions(6).track_running_stats(false)), rng);
  expect_refusal<aegan::ValueError>("batch norm without running statistics", [&] { export_net(*batch_stats, Shape{4}); },
                                    {"layer 1", "BatchNorm1d", "track_running_stats=false"});

  auto linear = linear_then(std::make_shared<nn::ReLU<float>>(), rng);
  expect_refusal<aegan::ShapeError>("an input the network cannot take", [&] { export_net(*linear, Shape{5}); }, {"layer 0", "[N, 5]", "[N, 4]"});

  auto batch_flatten = linear_then(std::make_shared<nn::Flatten<float>>(0), rng);
  expect_refusal<aegan::ValueError>("a reshape of the batch dimension", [&] { export_net(*batch_flatten, Shape{4}); }, {"layer 1", "batch dimension"});

  expect_refusal<aegan::ValueError>("one name for input and output",
                                    [&] { (void)aegan::onnx::to_onnx(*linear, Shape{4}, "x", "x"); }, {"'x'"});

  models::GeneratorModel<float> no_encoder(linear_then(std::make_shared<nn::Unflatten<float>>(1, std::vector<Index>{1, 2, 3}), rng), 4,
                                           models::ImageFormat{1, 2, 3}, models::LatentSampler::prior(4));
  expect_refusal<aegan::ValueError>("an encoder the model does not have",
                                    [&] { aegan::onnx::export_encoder(no_encoder, fs::temp_directory_path() / "aegan_no_encoder.onnx"); }, {"no encoder"});
  expect_refusal<aegan::IoError>("a folder that does not exist",
                                 [&] { aegan::onnx::export_generator(no_encoder, "/nonexistent-aegan-folder/g.onnx"); }, {"does not exist"});

  models::GeneratorModel<float> wrong_image(linear_then(std::make_shared<nn::Unflatten<float>>(1, std::vector<Index>{1, 2, 3}), rng), 4,
                                            models::ImageFormat{1, 3, 2}, models::LatentSampler::prior(4));
  expect_refusal<aegan::ShapeError>("a generator that does not make the model's images",
                                    [&] { (void)aegan::onnx::generator_to_onnx(wrong_image); }, {"1x3x2"});

  std::printf(failures ? "%d refusal check(s) failed\n" : "all refusals as expected\n", failures);
  return failures ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s --refusals | OUTPUT_FOLDER\n", argv[0]);
    return 2;
  }
  try {
    if (std::string(argv[1]) == "--refusals") return refusals();
    return export_all(argv[1]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
