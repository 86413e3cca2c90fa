#pragma once
// Rng: a small, fast, seedable generator (xoshiro256**) whose streams are identical on every
// platform and compiler, unlike std::normal_distribution. Its whole state is four words, so a
// checkpoint can store it and a resumed run continues the exact same sequence.
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <utility>

#include "aegan/tensor/tensor.hpp"

namespace aegan {

class Rng {
 public:
  using State = std::array<std::uint64_t, 4>;

  explicit Rng(std::uint64_t seed = 0) { this->seed(seed); }

  void seed(std::uint64_t seed) {
    std::uint64_t x = seed;
    for (auto& s : state_) s = splitmix64(x);
    has_spare_normal_ = false;
  }

  const State& state() const { return state_; }
  void set_state(const State& s) {
    state_ = s;
    has_spare_normal_ = false;
  }

  /// Everything needed to continue the exact sequence, including a cached normal: for checkpoints.
  using Serialized = std::array<std::uint64_t, 6>;
  Serialized serialize() const {
    return {state_[0], state_[1], state_[2], state_[3], has_spare_normal_ ? 1u : 0u, std::bit_cast<std::uint64_t>(spare_normal_)};
  }
  void deserialize(const Serialized& s) {
    state_ = {s[0], s[1], s[2], s[3]};
    has_spare_normal_ = s[4] != 0;
    spare_normal_ = std::bit_cast<double>(s[5]);
  }

  /// A new generator with an independent stream, derived deterministically from this one.
  Rng split() { return Rng(next_u64()); }

  std::uint64_t next_u64() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  /// Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

  /// Uniform integer in [0, n), without modulo bias.
  std::uint64_t below(std::uint64_t n) {
    if (n == 0) throw ValueError("Rng::below: n must be positive");
    const std::uint64_t limit = ~std::uint64_t(0) - (~std::uint64_t(0) % n);
    std::uint64_t x;
    do x = next_u64();
    while (x >= limit);
    return x % n;
  }

  /// Standard normal by Box-Muller, caching the second value.
  double normal() {
    if (has_spare_normal_) {
      has_spare_normal_ = false;
      return spare_normal_;
    }
    double u1;
    do u1 = uniform();
    while (u1 <= 0.0);
    const double u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_normal_ = r * std::sin(2.0 * std::numbers::pi * u2);
    has_spare_normal_ = true;
    return r * std::cos(2.0 * std::numbers::pi * u2);
  }
  double normal(double mean, double stddev) { return mean + stddev * normal(); }

  bool bernoulli(double p) { return uniform() < p; }

  template <Scalar T>
  void fill_uniform(Tensor<T>& t, double lo, double hi) {
    for (T& v : t) v = static_cast<T>(uniform(lo, hi));
  }
  template <Scalar T>
  void fill_normal(Tensor<T>& t, double mean = 0.0, double stddev = 1.0) {
    for (T& v : t) v = static_cast<T>(normal(mean, stddev));
  }

  /// Fisher-Yates shuffle of any random-access range.
  template <class It>
  void shuffle(It first, It last) {
    const auto n = last - first;
    for (auto i = n - 1; i > 0; --i) std::swap(first[i], first[static_cast<decltype(n)>(below(static_cast<std::uint64_t>(i + 1)))]);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitmix64(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  State state_{};
  double spare_normal_ = 0.0;
  bool has_spare_normal_ = false;
};

/// The generator used when a layer is built without an explicit Rng. Seed it once with
/// manual_seed() for reproducible initialization; each thread has its own.
inline Rng& default_rng() {
  thread_local Rng rng(0x5EED);
  return rng;
}
inline void manual_seed(std::uint64_t seed) { default_rng().seed(seed); }

}  // namespace aegan
