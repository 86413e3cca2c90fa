// libFuzzer harness for model files (models/generator_model.hpp, nn/network_file.hpp and the
// layer registry): the architecture a file describes is built by layers that never saw it before.
//
// Each input is loaded as a file, and again with its checksum made valid (fuzz_common.hpp), so
// the mutations reach the spec reader, the layers' from_spec and the weight restore. What loads
// generates one image and reconstructs it when the model has an encoder, unless its layers could
// legally grow a tensor past what the fuzzer's memory limit allows (a large Upsample or transposed
// stride is a valid model, not a finding). A refusal is an aegan::Error (expected); anything else
// (another exception, a crash, a sanitizer report, a leak, an allocation over -malloc_limit_mb)
// is a finding.
#include <cstdint>
#include <string>

#include <aegan/inference.hpp>

#include "fuzz_common.hpp"

namespace {

using Model = aegan::models::GeneratorModel<float>;

/// Whether running the network keeps every tensor small: each layer may grow its input by at
/// most 4 per side, and there are few such layers.
bool small_growth(const aegan::nn::LayerSpec& spec, int& growing_layers) {
  const auto below = [&](const char* option, std::int64_t limit) {
    if (!spec.has(option)) return true;
    for (auto v : spec.integers(option))
      if (v > limit) return false;
    return true;
  };
  if (spec.kind() == "Upsample" || spec.kind() == "ConvTranspose2d") ++growing_layers;
  if (growing_layers > 4 || !below("scale_factor", 4) || !below("stride", 4) || !below("padding", 8) || !below("kernel_size", 8))
    return false;
  if (spec.kind() == "Linear" && spec.integer("out_features") > 4096) return false;
  for (const auto& child : spec.children())
    if (!small_growth(child, growing_layers)) return false;
  return true;
}

void use(const Model& model) {
  int growing = 0;
  if (model.image().channels * model.image().height * model.image().width > 4096) return;
  if (!small_growth(model.generator().spec(), growing)) return;
  try {
    aegan::Rng rng(1);
    const auto images = model.sample(1, rng);
    if (model.has_encoder()) {
      int encoder_growing = 0;
      if (small_growth(model.encoder().spec(), encoder_growing)) (void)model.reconstruct(images);
    }
  } catch (const aegan::Error&) {
    // a layer refused its input: expected for architectures that do not chain
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  aegan::set_num_threads(1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static aegan::fuzz::MemFile file("fuzz_model");
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  file.assign(bytes.data(), bytes.size());
  try {
    use(Model::load(file.path()));
  } catch (const aegan::Error&) {
  }
  const auto checked = aegan::fuzz::with_valid_checksum(bytes);
  if (!checked) return 0;
  try {
    use(Model::read(aegan::io::Archive::from_bytes(*checked, "fuzz-input", "model file")));
  } catch (const aegan::Error&) {
  }
  return 0;
}
