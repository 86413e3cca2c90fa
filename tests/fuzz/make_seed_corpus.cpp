// Writes the fuzzers' seed corpora with the library's own writers, so no binary file is committed:
//   make_seed_corpus DIR   ->  DIR/idx/*         raw and gzip IDX images, labels and other arrays
//                              DIR/checkpoint/*  checkpoints: every entry kind, an empty one, the
//                                                train/state.hpp helpers' and an AEGANTrainer's
// Every seed is a valid file; the program reads each one back and fails if any does not load.
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include "fuzz_common.hpp"

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

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR   (writes DIR/idx and DIR/checkpoint)\n", argv[0]);
    return 2;
  }
  try {
    const fs::path root = argv[1];
    fs::create_directories(root / "idx");
    fs::create_directories(root / "checkpoint");
    write_idx_seeds(root / "idx");
    write_checkpoint_seeds(root / "checkpoint");
    std::printf("make_seed_corpus: seeds written to %s/idx and %s/checkpoint\n", argv[1], argv[1]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_seed_corpus: %s\n", e.what());
    return 1;
  }
  return 0;
}
