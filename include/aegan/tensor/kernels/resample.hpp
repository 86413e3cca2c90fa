#pragma once
// Nearest-neighbour upsampling by integer factors over NCHW planes, and its adjoint (a sum over
// each sh x sw block). Planes are split across threads.
#include "aegan/tensor/parallel.hpp"
#include "aegan/tensor/tensor.hpp"

namespace aegan::kernels {

/// y [planes, H·sh, W·sw] with y[p, i, j] = x[p, i / sh, j / sw].
template <Scalar T>
void upsample_nearest2d_forward(const T* x, Index planes, Index H, Index W, Index sh, Index sw, T* y) {
  const Index Wo = W * sw;
  parallel_for(planes, std::max<Index>(1, (1 << 15) / std::max<Index>(H * W * sh * sw, 1)), [&](Index b, Index e) {
    for (Index p = b; p < e; ++p) {
      const T* xp = x + p * H * W;
      T* yp = y + p * H * sh * Wo;
      for (Index i = 0; i < H; ++i) {
        T* first = yp + i * sh * Wo;
        for (Index j = 0; j < W; ++j) std::fill_n(first + j * sw, sw, xp[i * W + j]);
        for (Index r = 1; r < sh; ++r) std::copy_n(first, Wo, first + r * Wo);
      }
    }
  });
}

/// dx [planes, H, W] = the sum of dy over each sh x sw block (overwritten).
template <Scalar T>
void upsample_nearest2d_backward(const T* dy, Index planes, Index H, Index W, Index sh, Index sw, T* dx) {
  const Index Wo = W * sw;
  parallel_for(planes, std::max<Index>(1, (1 << 15) / std::max<Index>(H * W * sh * sw, 1)), [&](Index b, Index e) {
    for (Index p = b; p < e; ++p) {
      const T* gp = dy + p * H * sh * Wo;
      T* dp = dx + p * H * W;
      for (Index i = 0; i < H; ++i)
        for (Index j = 0; j < W; ++j) {
          T total = 0;
          for (Index r = 0; r < sh; ++r)
            for (Index q = 0; q < sw; ++q) total += gp[(i * sh + r) * Wo + j * sw + q];
          dp[i * W + j] = total;
        }
    }
  });
}

}  // namespace aegan::kernels
