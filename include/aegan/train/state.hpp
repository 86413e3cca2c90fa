#pragma once
// Storing and restoring training state in a Checkpoint (an io::Archive): module parameters and
// buffers by name, Adam moments, Rng streams. Restoring checks every name and shape against the
// live object and says which entry does not fit, so loading a checkpoint into the wrong model
// fails clearly.
#include <string>

#include "aegan/io/archive.hpp"
#include "aegan/nn/network_file.hpp"
#include "aegan/optim/adam.hpp"
#include "aegan/optim/ema.hpp"
#include "aegan/tensor/rng.hpp"

namespace aegan::train {

/// A checkpoint is an archive holding the trainer's state under the names below.
using Checkpoint = io::Archive;

/// Largest step or epoch count a checkpoint may carry.
inline constexpr std::int64_t kMaxCounter = std::int64_t(1) << 53;

// Module parameters and buffers by name: the same functions model files use.
using nn::load_module;
using nn::save_module;

template <Scalar T>
void save_adam(Checkpoint& ck, const std::string& prefix, optim::Adam<T>& opt) {
  ck.put_ints(prefix + ".steps", {opt.steps()});
  auto& slots = opt.slots();
  for (std::size_t i = 0; i < slots.size(); ++i) {
    ck.put(prefix + "." + std::to_string(i) + ".exp_avg", slots[i].state.exp_avg);
    ck.put(prefix + "." + std::to_string(i) + ".exp_avg_sq", slots[i].state.exp_avg_sq);
  }
}

template <Scalar T>
void load_adam(const Checkpoint& ck, const std::string& prefix, optim::Adam<T>& opt) {
  const auto& steps = ck.ints(prefix + ".steps");
  if (steps.size() != 1) throw IoError("checkpoint " + ck.origin() + ": '" + prefix + ".steps' must hold one integer");
  if (steps[0] < 0 || steps[0] > kMaxCounter)  // a later ++ must not overflow; 2^53 steps is far beyond any run
    throw IoError("checkpoint " + ck.origin() + ": '" + prefix + ".steps' is " + std::to_string(steps[0]) + ", outside [0, 2^53]");
  auto& slots = opt.slots();
  for (std::size_t i = 0; i < slots.size(); ++i) {
    const Shape& shape = slots[i].param.shape();
    slots[i].state.exp_avg = ck.tensor<T>(prefix + "." + std::to_string(i) + ".exp_avg", &shape);
    slots[i].state.exp_avg_sq = ck.tensor<T>(prefix + "." + std::to_string(i) + ".exp_avg_sq", &shape);
  }
  opt.set_steps(steps[0]);
}

template <Scalar T>
void save_ema(Checkpoint& ck, const std::string& prefix, optim::EMA<T>& ema) {
  for (std::size_t i = 0; i < ema.entries().size(); ++i) ck.put(prefix + "." + std::to_string(i), ema.entries()[i].shadow);
  for (std::size_t i = 0; i < ema.buffer_entries().size(); ++i)
    ck.put(prefix + ".buffer." + std::to_string(i), ema.buffer_entries()[i].shadow);
}

template <Scalar T>
void load_ema(const Checkpoint& ck, const std::string& prefix, optim::EMA<T>& ema) {
  for (std::size_t i = 0; i < ema.entries().size(); ++i)
    ema.entries()[i].shadow = ck.tensor<T>(prefix + "." + std::to_string(i), &ema.entries()[i].live.shape());
  for (std::size_t i = 0; i < ema.buffer_entries().size(); ++i)
    ema.buffer_entries()[i].shadow = ck.tensor<T>(prefix + ".buffer." + std::to_string(i), &ema.buffer_entries()[i].live.shape());
}

inline void save_rng(Checkpoint& ck, const std::string& name, const Rng& rng) {
  const auto s = rng.serialize();
  ck.put_ints(name, Checkpoint::Ints(s.begin(), s.end()));
}

inline void load_rng(const Checkpoint& ck, const std::string& name, Rng& rng) {
  const auto& v = ck.ints(name);
  Rng::Serialized s;
  if (v.size() != s.size())
    throw IoError("checkpoint " + ck.origin() + ": rng '" + name + "' has " + std::to_string(v.size()) + " words, expected " +
                  std::to_string(s.size()));
  std::copy(v.begin(), v.end(), s.begin());
  if (s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] == 0)  // xoshiro never leaves the all-zero state
    throw IoError("checkpoint " + ck.origin() + ": rng '" + name + "' has the all-zero state, which no generator reaches");
  rng.deserialize(s);
}

}  // namespace aegan::train
