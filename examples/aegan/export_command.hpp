#pragma once
// `aegan export`: a training checkpoint → a model file (`--out gen.aegan`, for aegan sample, the
// inference header and examples/generate) and, in builds with the ONNX part, ONNX files of the
// generator and the encoder (`--onnx gen.onnx`, for other runtimes).
#include <aegan/aegan.hpp>

#include <cstdio>
#include <string>

#include "checkpoint_model.hpp"

namespace aegan_cli {

/// Writes the model's generator to `path` and its encoder (when it has one) next to it as
/// <stem>.encoder.onnx; returns the files written. Defined in onnx_export.cpp, or in
/// onnx_unavailable.cpp (an error that says how to get it) when the build has no ONNX part.
std::vector<fs::path> write_onnx(const Model& model, const fs::path& path);

struct ExportFlags {
  fs::path checkpoint, out, onnx;
  bool encoder = true;
};

inline void run_export(const ExportFlags& flags) {
  if (flags.out.empty() && flags.onnx.empty()) throw aegan::ValueError("say what to write: --out MODEL.aegan, --onnx MODEL.onnx or both");
  SavedRun run = load_saved_run(flags.checkpoint);
  const Model model = run.trainer->export_model(aegan::train::ExportOptions().class_names(run.class_names).encoder(flags.encoder));
  std::printf("generator %s -> %s, %s weights, %s sampler%s\n", std::to_string(model.latent_dim()).c_str(), model.image().to_string().c_str(),
              model.weights().c_str(), model.sampler().kind_name().c_str(), model.has_encoder() ? ", with its encoder" : "");
  if (!flags.out.empty()) {
    model.save(flags.out);
    std::printf("model file %s (%lld bytes)\n", flags.out.c_str(), static_cast<long long>(fs::file_size(flags.out)));
  }
  if (!flags.onnx.empty())
    for (const fs::path& file : write_onnx(model, flags.onnx)) std::printf("ONNX %s\n", file.c_str());
}

}  // namespace aegan_cli
