#pragma once
// How a convolution runs, chosen per call: by the layer's options (nn::Conv2dOptions::algorithm),
// for a whole network (nn::set_conv_algorithm), or as the functional ops' last argument. There is
// no process-wide setting: two networks in one program may run different algorithms, from any
// thread. Neither choice changes what is computed, only its rounding and its speed.
#include <array>
#include <string>
#include <vector>

#include "aegan/names.hpp"

namespace aegan::kernels {

/// Which algorithm runs the convolutions that Winograd's minimal filtering can take (a 4x4
/// kernel, stride 2, padding 1, and a 7x7 output or output sides that are multiples of 4;
/// kernels/winograd.hpp). Auto picks it where it is faster (float, at least 8 channels each way,
/// and 8 samples for a 7x7 output or 64 tiles of 4x4 outputs over the batch); Direct never uses
/// it (the im2col engine's rounding, kernels/conv.hpp); Winograd always does where the geometry
/// allows.
enum class ConvAlgorithm { Auto, Direct, Winograd };
inline constexpr std::array<ConvAlgorithm, 3> kConvAlgorithms = {ConvAlgorithm::Auto, ConvAlgorithm::Direct,
                                                                ConvAlgorithm::Winograd};

inline const char* algorithm_name(ConvAlgorithm a) {
  switch (a) {
    case ConvAlgorithm::Auto: return "auto";
    case ConvAlgorithm::Direct: return "direct";
    case ConvAlgorithm::Winograd: return "winograd";
  }
  return "?";
}

/// The names of kConvAlgorithms, e.g. for CLI::IsMember.
inline std::vector<std::string> conv_algorithm_names() { return names_of(kConvAlgorithms, algorithm_name); }

/// The algorithm called `name`; a ValueError listing the valid names otherwise.
inline ConvAlgorithm parse_conv_algorithm(const std::string& name) {
  return parse_name(name, kConvAlgorithms, algorithm_name, "convolution algorithm");
}

/// Below this many FLOPs (about 0.05 ms on one core) a convolution does not fork threads: waking a
/// second thread costs more than it saves. Above it even the DCGAN's memory-bound 1-channel layers
/// gain from a second core (Conv2d 1->32 forward, batch 64: 0.30 ms -> 0.16 ms on two idle cores).
inline constexpr double kConvMinParallelFlops = 8e6;

struct ConvSettings {
  ConvAlgorithm algorithm = ConvAlgorithm::Auto;
  /// A convolution of fewer FLOPs runs on the calling thread alone, its GEMMs included; 0 makes
  /// every convolution take the threaded path (tests use it to cover that path on tiny shapes).
  double min_parallel_flops = kConvMinParallelFlops;
};

}  // namespace aegan::kernels
