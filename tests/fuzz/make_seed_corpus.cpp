// Writes the fuzzers' seed corpora with the library's own writers, so no binary file is committed:
//   make_seed_corpus DIR   ->  DIR/idx/*         raw and gzip IDX images, labels and other arrays
//                              DIR/checkpoint/*  checkpoints: every entry kind, an empty one, the
//                                                train/state.hpp helpers' and an AEGANTrainer's
//                              DIR/model/*       model files: a generator with encoder and GMM
//                                                sampler, one with every other layer kind
//                              DIR/image/*       PNG (every colour type, 8 and 16 bit), JPEG, BMP,
//                                                TGA, GIF, PGM and PPM files
// Every seed is a valid file; the program reads each one back and fails if any does not load.
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "support/files.hpp"
#include "support/image_files.hpp"

namespace fs = std::filesystem;
using namespace aegan;

namespace {

data::IdxArray idx_array(std::vector<Index> dims, std::uint64_t seed) {
  data::IdxArray a;
  a.dims = std::move(dims);
  std::size_t n = 1;
  for (Index d : a.dims) n *= static_cast<std::size_t>(d);
  Rng rng(seed);
  a.values.resize(n);
  for (auto& v : a.values) v = static_cast<std::uint8_t>(rng.below(256));
  return a;
}

void write_idx_seeds(const fs::path& dir) {
  struct Seed {
    const char* name;
    std::vector<Index> dims;
  };
  const std::vector<Seed> seeds = {
      {"images-3x28x28", {3, 28, 28}},  // MNIST's layout, magic 2051
      {"images-2x4x4", {2, 4, 4}},
      {"labels-3", {3}},                // magic 2049
      {"labels-1", {1}},
      {"array-2x3x2x2", {2, 3, 2, 2}},  // a 4-dimensional array
  };
  std::uint64_t seed = 1;
  for (const auto& s : seeds) {
    const auto a = idx_array(s.dims, seed++);
    for (bool gz : {false, true}) {
      const fs::path file = dir / (std::string(s.name) + (gz ? ".idx.gz" : ".idx"));
      data::write_idx(file, a, gz);
      const auto back = data::read_idx(file);
      if (back.dims != a.dims || back.values != a.values) throw Error("make_seed_corpus: " + file.string() + " does not read back");
    }
  }
}

void write_checkpoint_seeds(const fs::path& dir) {
  {  // every entry kind, both tensor types, a scalar and an empty tensor
    train::Checkpoint ck;
    ck.put("weights", Tensor<float>({2, 3}, {1, 2, 3, 4, 5, 6}));
    ck.put("stats", Tensor<double>({2}, {0.5, -0.25}));
    ck.put("scalar", Tensor<float>::scalar(7));
    ck.put("nothing", Tensor<float>({0, 3}));
    ck.put_ints("step", {1234, -5});
    ck.put_text("preset", "aegan");
    ck.save(dir / "kinds.ckpt");
  }
  train::Checkpoint().save(dir / "empty.ckpt");
  {  // train/state.hpp: module parameters, Adam moments, EMA shadows, an Rng with a spare normal
    fuzz::StateBundle state;
    state.train_steps(3);
    state.save().save(dir / "state.ckpt");
  }
  {  // a whole AE-GAN trainer after one epoch, with a fitted Gaussian latent sampler
    fuzz::Trainer trainer(fuzz::make_trainer_networks(2), fuzz::trainer_options());
    const auto data = fuzz::trainer_data(8);
    trainer.fit(data, 1);
    trainer.fit_sampler(models::LatentSampler::Kind::Gaussian, data.images);
    trainer.save_checkpoint(dir / "trainer.ckpt");
    fuzz::Trainer check(fuzz::make_trainer_networks(2), fuzz::trainer_options());
    check.load_checkpoint(dir / "trainer.ckpt");
  }
  for (const auto& entry : fs::directory_iterator(dir)) (void)train::Checkpoint::load(entry.path());
}

void write_model_seeds(const fs::path& dir) {
  using namespace nn;
  Rng rng(7);
  {  // the image networks at their smallest: 1x8x8 grey, z = 3, an encoder and a fitted GMM
    const auto options = models::ImageNetOptions(1, 8).width(2).latent(3);
    Tensor<float> codes({40, 3});
    for (float& v : codes) v = static_cast<float>(rng.normal());
    models::GeneratorModel<float> model(models::generator<float>(options, rng), 3, models::ImageFormat{1, 8, 8},
                                        models::LatentSampler::fit_gmm(codes, 2, 1), "ema");
    model.set_encoder(models::encoder<float>(options, rng)).set_class_names({"zero", "one"});
    model.save(dir / "image_nets.aegan");
  }
  {  // every other layer kind, 2 -> 3x4x4 RGB in [0, 1]
    auto net = std::make_shared<Sequential<float>>();
    net->push_back(std::make_shared<Linear<float>>(LinearOptions(2, 8).bias(false), rng));
    net->push_back(std::make_shared<BatchNorm1d<float>>(BatchNormOptions(8).momentum(std::nullopt)));
    net->push_back(std::make_shared<LeakyReLU<float>>(0.1f));
    net->push_back(std::make_shared<Dropout<float>>(0.2, rng));
    net->push_back(std::make_shared<Unflatten<float>>(1, std::vector<Index>{2, 2, 2}));
    net->push_back(std::make_shared<Upsample<float>>(Size2{2, 2}));
    net->push_back(std::make_shared<Conv2d<float>>(Conv2dOptions(2, 3, 3).padding(1).algorithm(ConvAlgorithm::Direct), rng));
    net->push_back(std::make_shared<MaxPool2d<float>>(MaxPool2dOptions(3).stride(1).padding(1)));
    net->push_back(std::make_shared<AvgPool2d<float>>(AvgPool2dOptions(3).stride(1).padding(1).count_include_pad(false)));
    net->push_back(std::make_shared<Dropout2d<float>>(0.1, rng));
    net->push_back(std::make_shared<Flatten<float>>());
    net->push_back(std::make_shared<Unflatten<float>>(1, std::vector<Index>{3, 4, 4}));
    net->push_back(std::make_shared<Sigmoid<float>>());
    models::GeneratorModel<float>(net, 2, models::ImageFormat{3, 4, 4, 0.0, 1.0}, models::LatentSampler::prior(2)).save(dir / "layers.aegan");
  }
  for (const auto& entry : fs::directory_iterator(dir)) {
    const auto model = models::GeneratorModel<float>::load(entry.path());
    Rng sample_rng(1);
    (void)model.sample(2, sample_rng);
  }
}

void write_image_seeds(const fs::path& dir) {
  using test::StbFormat;
  std::vector<unsigned char> rgba;
  for (int i = 0; i < 6 * 5; ++i) rgba.insert(rgba.end(), {static_cast<unsigned char>(8 * i), 200, static_cast<unsigned char>(255 - 8 * i), static_cast<unsigned char>(i % 2 ? 255 : 90)});
  std::vector<unsigned char> rgb, grey;
  for (std::size_t i = 0; i < rgba.size(); i += 4) {
    rgb.insert(rgb.end(), {rgba[i], rgba[i + 1], rgba[i + 2]});
    grey.push_back(rgba[i]);
  }
  const std::vector<std::pair<std::string, std::string>> files = {
      {"rgba.png", test::stb_file(StbFormat::Png, 6, 5, 4, rgba)},
      {"rgb.png", test::stb_file(StbFormat::Png, 6, 5, 3, rgb)},
      {"grey.png", test::stb_file(StbFormat::Png, 6, 5, 1, grey)},
      {"grey16.png", test::png_file(2, 2, 16, 0, {std::string("\x80\x01\x00\xff", 4), std::string("\x10\x20\x30\x40", 4)})},
      {"grey_alpha.png", test::png_file(2, 1, 8, 4, {std::string("\x00\xff\x80\x40", 4)})},
      {"palette.png", test::png_file(3, 1, 8, 3, {std::string("\x00\x01\x00", 3)}, std::string("\x0a\x14\x1e\x28\x32\x3c", 6), std::string("\x80", 1))},
      {"rgb.jpg", test::stb_file(StbFormat::Jpeg, 16, 9, 3, std::vector<unsigned char>(16 * 9 * 3, 120))},
      {"grey.jpg", test::stb_file(StbFormat::Jpeg, 9, 16, 1, std::vector<unsigned char>(9 * 16, 30))},
      {"rgb.bmp", test::stb_file(StbFormat::Bmp, 6, 5, 3, rgb)},
      {"rgba.tga", test::stb_file(StbFormat::Tga, 6, 5, 4, rgba)},
      {"one.gif", test::gif_1x1(1, 2, 3)},
      {"grey.pgm", test::pnm_file(3, 2, {7})},
      {"rgb.ppm", test::pnm_file(2, 3, {7, 8, 9})},
  };
  for (const auto& [name, bytes] : files) {
    test::write_file(dir / name, bytes);
    const std::span<const std::uint8_t> span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    (void)data::decode_image(span, name.ends_with(".tga"));  // every seed must decode
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR   (writes DIR/idx, DIR/checkpoint, DIR/image and DIR/model)\n", argv[0]);
    return 2;
  }
  try {
    const fs::path root = argv[1];
    fs::create_directories(root / "idx");
    fs::create_directories(root / "checkpoint");
    fs::create_directories(root / "image");
    fs::create_directories(root / "model");
    write_idx_seeds(root / "idx");
    write_checkpoint_seeds(root / "checkpoint");
    write_image_seeds(root / "image");
    write_model_seeds(root / "model");
    std::printf("make_seed_corpus: seeds written to %s/{idx,checkpoint,image,model}\n", argv[1]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_seed_corpus: %s\n", e.what());
    return 1;
  }
  return 0;
}
