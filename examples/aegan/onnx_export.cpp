// write_onnx through the ONNX part (aegan::onnx, include/aegan/export/onnx.hpp).
#include <aegan/export/onnx.hpp>

#include "export_command.hpp"

namespace aegan_cli {

std::vector<fs::path> write_onnx(const Model& model, const fs::path& path) {
  std::vector<fs::path> written{path};
  aegan::onnx::export_generator(model, path);
  if (model.has_encoder()) {
    fs::path encoder = path;
    encoder.replace_extension(".encoder.onnx");
    aegan::onnx::export_encoder(model, encoder);
    written.push_back(encoder);
  }
  return written;
}

}  // namespace aegan_cli
