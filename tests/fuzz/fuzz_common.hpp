#pragma once
// Shared by the fuzz harnesses and make_seed_corpus: an in-memory file with a real path (the
// loaders take paths), and the small models whose checkpoints seed the checkpoint fuzzer, so a
// seed checkpoint always fits the live objects the harness restores it into.
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <zlib.h>

#include <aegan/aegan.hpp>
#include <aegan/train/aegan_trainer.hpp>
#include <aegan/train/state.hpp>

namespace aegan::fuzz {

/// `bytes` (an archive: checkpoint or model file) with the header's payload length and CRC-32
/// rewritten to match, or nothing when they do not start with the archive magic. Almost every
/// mutation breaks the checksum: without this the fuzzers would never get past it into the
/// payload parser and what reads the entries.
inline std::optional<std::string> with_valid_checksum(const std::string& bytes) {
  using io::Archive;
  if (bytes.size() < Archive::kHeaderBytes || std::memcmp(bytes.data(), Archive::kMagic, 8) != 0) return std::nullopt;
  std::string fixed = bytes;
  const std::uint64_t payload_bytes = bytes.size() - Archive::kHeaderBytes;
  const auto crc = static_cast<std::uint32_t>(
      crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(fixed.data() + Archive::kHeaderBytes), static_cast<uInt>(payload_bytes)));
  std::memcpy(fixed.data() + 12, &payload_bytes, 8);
  std::memcpy(fixed.data() + 20, &crc, 4);
  return fixed;
}

/// A file that lives in memory (memfd) and is reachable by path (/proc/self/fd/N), so a harness
/// hands its bytes to a path-taking loader without touching the disk.
class MemFile {
 public:
  explicit MemFile(const char* name) : fd_(::memfd_create(name, 0)) {
    if (fd_ < 0) {
      std::perror("memfd_create");
      std::abort();
    }
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~MemFile() { ::close(fd_); }
  MemFile(const MemFile&) = delete;
  MemFile& operator=(const MemFile&) = delete;

  /// Replaces the contents with `size` bytes at `data`.
  void assign(const void* data, std::size_t size) {
    if (::ftruncate(fd_, 0) != 0) fail("ftruncate");
    const auto* p = static_cast<const char*>(data);
    std::size_t done = 0;
    while (done < size) {
      const ssize_t n = ::pwrite(fd_, p + done, size - done, static_cast<off_t>(done));
      if (n <= 0) fail("pwrite");
      done += static_cast<std::size_t>(n);
    }
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  [[noreturn]] static void fail(const char* what) {
    std::perror(what);  // the harness itself is broken, not the library: stop loudly
    std::abort();
  }
  int fd_;
  std::filesystem::path path_;
};

// ---- the "state" model: a module, its Adam, its EMA and an Rng, as train/state.hpp stores them ----
using Net = nn::Sequential<float>;

inline std::shared_ptr<Net> make_state_net(std::uint64_t seed) {
  Rng rng(seed);
  return std::make_shared<Net>(nn::Linear<float>(3, 4, rng), nn::ReLU<float>(), nn::Linear<float>(4, 2, rng));
}

/// Everything train/state.hpp can store, live.
struct StateBundle {
  std::shared_ptr<Net> net = make_state_net(1);
  optim::Adam<float> adam{net->parameters(), optim::AdamOptions(0.01)};
  optim::EMA<float> ema{*net, 0.9};
  Rng rng{5};

  void train_steps(int n) {
    Var<float> x(Tensor<float>::ones({5, 3}));
    for (int i = 0; i < n; ++i) {
      adam.zero_grad();
      sum((*net)(x)).backward();
      adam.step();
      ema.update();
    }
    rng.normal();  // leaves a cached spare normal in the state
  }
  train::Checkpoint save() {
    train::Checkpoint ck;
    train::save_module(ck, "net", *net);
    train::save_adam(ck, "adam", adam);
    train::save_ema(ck, "ema", ema);
    train::save_rng(ck, "rng", rng);
    return ck;
  }
};

// ---- a tiny AE-GAN trainer (all four networks, EMA, a fitted latent sampler) ----
using Trainer = train::AEGANTrainer<Net>;
inline constexpr Index kDim = 4, kLatent = 2;

inline Trainer::Networks make_trainer_networks(std::uint64_t seed) {
  Rng rng(seed);
  Trainer::Networks n;
  n.generator = std::make_shared<Net>(nn::Linear<float>(kLatent, 6, rng), nn::ReLU<float>(), nn::Linear<float>(6, kDim, rng),
                                      nn::Tanh<float>());
  n.encoder = std::make_shared<Net>(nn::Linear<float>(kDim, 6, rng), nn::LeakyReLU<float>(0.2f), nn::Linear<float>(6, kLatent, rng));
  n.image_critic = std::make_shared<Net>(nn::Linear<float>(kDim, 6, rng), nn::LeakyReLU<float>(0.2f), nn::Linear<float>(6, 1, rng));
  n.latent_critic = std::make_shared<Net>(nn::Linear<float>(kLatent, 6, rng), nn::LeakyReLU<float>(0.2f), nn::Linear<float>(6, 1, rng));
  n.latent_dim = kLatent;
  return n;
}

inline train::AEGANOptions trainer_options() {
  return train::AEGANOptions(train::Preset::AEGAN).batch_size(4).seed(3).ema_decay(0.9);
}

/// Points on a curve in [-1, 1]^kDim: something for the tiny trainer to train on.
inline data::Dataset<float> trainer_data(Index n) {
  Rng rng(11);
  data::Dataset<float> d;
  d.images = Tensor<float>({n, kDim});
  for (Index i = 0; i < n; ++i) {
    const double t = rng.uniform(-1, 1);
    for (Index j = 0; j < kDim; ++j) d.images[i * kDim + j] = static_cast<float>(0.8 * std::sin(t * static_cast<double>(j + 1)));
  }
  d.labels.assign(static_cast<std::size_t>(n), 0);
  return d;
}

}  // namespace aegan::fuzz
