// write_onnx for builds without the ONNX part (CMake found no libonnx-dev / libprotobuf-dev).
#include "export_command.hpp"

namespace aegan_cli {

std::vector<fs::path> write_onnx(const Model&, const fs::path& path) {
  throw aegan::ValueError("cannot write " + path.string() +
                          ": this aegan was built without ONNX export (install libonnx-dev and libprotobuf-dev, then configure again)");
}

}  // namespace aegan_cli
