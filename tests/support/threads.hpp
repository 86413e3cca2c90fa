#pragma once
// Convolution settings for the layer tests.
#include <aegan/tensor/kernels/conv_settings.hpp>

namespace aegan::test {

/// Makes every convolution take the threaded path, however small (small ones otherwise stay on
/// one thread), so that tests on tiny shapes cover it when more than one thread is set.
inline constexpr kernels::ConvSettings kAlwaysThreaded{.min_parallel_flops = 0.0};

}  // namespace aegan::test
