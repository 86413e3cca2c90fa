// libFuzzer harness for the checkpoint loader (io::Archive, aegan/io/archive.hpp) and everything
// that restores state from a loaded checkpoint (train/state.hpp, AEGANTrainer::load_checkpoint,
// LatentSampler::load).
//
// Each input is one file's bytes. It is loaded twice:
//  1. as it is, through Checkpoint::load on a path (the file route users take);
//  2. with the header's payload length and CRC-32 rewritten to match the bytes, through
//     Checkpoint::from_bytes: almost every mutation breaks the checksum, so without this the
//     fuzzer would never get past it into the payload parser and the restore functions.
// Whatever loads is then read entry by entry and restored into live objects that fit the seed
// checkpoints (tests/fuzz/fuzz_common.hpp), and the restored objects take a step, so a corrupt
// value that passed the loader must still fail cleanly. A refusal is an aegan::Error (expected);
// anything else — another exception, a crash, a sanitizer report, a leak, an allocation over
// -malloc_limit_mb — is a finding.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <variant>

#include "fuzz_common.hpp"

namespace {
using aegan::train::Checkpoint;

template <class F>
void expect_refusal_or_success(F&& f) {
  try {
    f();
  } catch (const aegan::Error&) {
    // a clear refusal: expected
  }
}

/// Touches every byte of every entry through the public accessors.
void read_every_entry(const Checkpoint& ck) {
  double sink = 0;
  for (const auto& [name, entry] : ck.entries()) {
    switch (entry.index()) {
      case 0: {
        const auto& t = ck.tensor<float>(name);
        for (aegan::Index i = 0; i < t.numel(); ++i) sink += static_cast<double>(t[i]);
        break;
      }
      case 1: {
        const auto& t = ck.tensor<double>(name);
        for (aegan::Index i = 0; i < t.numel(); ++i) sink += t[i];
        break;
      }
      case 2:
        for (std::int64_t v : ck.ints(name)) sink += static_cast<double>(v);
        break;
      default:
        sink += static_cast<double>(ck.text(name).size());
        break;
    }
  }
  volatile double keep = sink;
  (void)keep;
}

/// Restores into a module + Adam + EMA + Rng like the state seed's, then trains one step.
void restore_state(const Checkpoint& ck) {
  aegan::fuzz::StateBundle live;
  expect_refusal_or_success([&] { aegan::train::load_module(ck, "net", *live.net); });
  expect_refusal_or_success([&] { aegan::train::load_adam(ck, "adam", live.adam); });
  expect_refusal_or_success([&] { aegan::train::load_ema(ck, "ema", live.ema); });
  expect_refusal_or_success([&] { aegan::train::load_rng(ck, "rng", live.rng); });
  expect_refusal_or_success([&] { live.train_steps(1); });
}

/// Restores a trainer from the file, then samples and trains one step with what it loaded.
void restore_trainer(const aegan::fuzz::MemFile& file) {
  aegan::fuzz::Trainer trainer(aegan::fuzz::make_trainer_networks(2), aegan::fuzz::trainer_options());
  try {
    trainer.load_checkpoint(file.path());
  } catch (const aegan::Error&) {
    return;
  }
  expect_refusal_or_success([&] {
    aegan::Rng rng(1);
    (void)trainer.sample(3, rng);
  });
  static const auto data = aegan::fuzz::trainer_data(4);
  expect_refusal_or_success([&] { (void)trainer.step(data.images); });
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  aegan::set_num_threads(1);  // no thread pool to start per input; the parsers are serial anyway
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static aegan::fuzz::MemFile file("fuzz_checkpoint");
  const std::string bytes(reinterpret_cast<const char*>(data), size);

  file.assign(bytes.data(), bytes.size());
  expect_refusal_or_success([&] { read_every_entry(Checkpoint::load(file.path())); });

  const auto checked = aegan::fuzz::with_valid_checksum(bytes);
  if (!checked) return 0;
  const std::string& fixed = *checked;
  try {
    const Checkpoint ck = Checkpoint::from_bytes(fixed, "fuzz-input");
    read_every_entry(ck);
    restore_state(ck);
    if (ck.contains("trainer.options")) {
      file.assign(fixed.data(), fixed.size());
      restore_trainer(file);
    }
  } catch (const aegan::Error&) {
    // refused by the parser
  }
  return 0;
}
