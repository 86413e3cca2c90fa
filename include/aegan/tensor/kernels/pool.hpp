#pragma once
// 2-D max and average pooling over NCHW tensors, one (sample, channel) plane at a time; planes
// are split across threads. Geometry as for a convolution with out_channels == in_channels.
#include <cstdint>
#include <limits>

#include "aegan/tensor/kernels/im2col.hpp"
#include "aegan/tensor/parallel.hpp"

namespace aegan::kernels {

namespace detail {
inline Index pool_grain(const Conv2dGeometry& g) {
  return std::max<Index>(1, (1 << 14) / std::max<Index>(g.out_plane() * g.kernel_h * g.kernel_w, 1));
}
}  // namespace detail

/// y = max over each window; argmax[i] is the flat index (ih·W + iw) within its plane of the
/// input that won (the first one on ties), for the backward pass. Padding never wins.
template <Scalar T>
void max_pool2d_forward(const Conv2dGeometry& g, const T* x, T* y, std::int32_t* argmax) {
  const Index H = g.in_h, W = g.in_w, Ho = g.out_h, Wo = g.out_w;
  parallel_for(g.batch * g.in_channels, detail::pool_grain(g), [&](Index b, Index e) {
    for (Index plane = b; plane < e; ++plane) {
      const T* xp = x + plane * H * W;
      T* yp = y + plane * Ho * Wo;
      std::int32_t* ap = argmax + plane * Ho * Wo;
      for (Index oh = 0; oh < Ho; ++oh) {
        const Index h0 = std::max<Index>(0, oh * g.stride_h - g.pad_h);
        const Index h1 = std::min(H, oh * g.stride_h - g.pad_h + g.kernel_h);
        for (Index ow = 0; ow < Wo; ++ow) {
          const Index w0 = std::max<Index>(0, ow * g.stride_w - g.pad_w);
          const Index w1 = std::min(W, ow * g.stride_w - g.pad_w + g.kernel_w);
          T best = -std::numeric_limits<T>::infinity();
          Index where = h0 * W + w0;
          bool nan = false;
          for (Index ih = h0; ih < h1 && !nan; ++ih)
            for (Index iw = w0; iw < w1; ++iw) {
              const T v = xp[ih * W + iw];
              if (v > best || v != v) {  // a NaN wins and stays, as in PyTorch
                best = v;
                where = ih * W + iw;
                if (v != v) {
                  nan = true;
                  break;
                }
              }
            }
          yp[oh * Wo + ow] = best;
          ap[oh * Wo + ow] = static_cast<std::int32_t>(where);
        }
      }
    }
  });
}

/// dx = 0, then dx[argmax] += dy for every output.
template <Scalar T>
void max_pool2d_backward(const Conv2dGeometry& g, const T* dy, const std::int32_t* argmax, T* dx) {
  const Index in_plane = g.in_plane(), out_plane = g.out_plane();
  parallel_for(g.batch * g.in_channels, detail::pool_grain(g), [&](Index b, Index e) {
    for (Index plane = b; plane < e; ++plane) {
      T* dxp = dx + plane * in_plane;
      std::fill_n(dxp, in_plane, T(0));
      const T* dyp = dy + plane * out_plane;
      const std::int32_t* ap = argmax + plane * out_plane;
      for (Index i = 0; i < out_plane; ++i) dxp[ap[i]] += dyp[i];
    }
  });
}

namespace detail {
/// The divisor of one average-pooling window: its size clipped to the padded input (PyTorch's
/// count_include_pad = true) or to the real input (false).
inline Index avg_divisor(const Conv2dGeometry& g, Index oh, Index ow, bool count_include_pad) {
  const Index hs = oh * g.stride_h - g.pad_h, ws = ow * g.stride_w - g.pad_w;
  if (count_include_pad) {
    const Index he = std::min(hs + g.kernel_h, g.in_h + g.pad_h), we = std::min(ws + g.kernel_w, g.in_w + g.pad_w);
    return (he - hs) * (we - ws);
  }
  const Index h0 = std::max<Index>(0, hs), h1 = std::min(g.in_h, hs + g.kernel_h);
  const Index w0 = std::max<Index>(0, ws), w1 = std::min(g.in_w, ws + g.kernel_w);
  return std::max<Index>(1, (h1 - h0) * (w1 - w0));
}
}  // namespace detail

/// y = mean over each window (see detail::avg_divisor for what the mean divides by).
template <Scalar T>
void avg_pool2d_forward(const Conv2dGeometry& g, const T* x, T* y, bool count_include_pad) {
  const Index H = g.in_h, W = g.in_w, Ho = g.out_h, Wo = g.out_w;
  parallel_for(g.batch * g.in_channels, detail::pool_grain(g), [&](Index b, Index e) {
    for (Index plane = b; plane < e; ++plane) {
      const T* xp = x + plane * H * W;
      T* yp = y + plane * Ho * Wo;
      for (Index oh = 0; oh < Ho; ++oh) {
        const Index h0 = std::max<Index>(0, oh * g.stride_h - g.pad_h);
        const Index h1 = std::min(H, oh * g.stride_h - g.pad_h + g.kernel_h);
        for (Index ow = 0; ow < Wo; ++ow) {
          const Index w0 = std::max<Index>(0, ow * g.stride_w - g.pad_w);
          const Index w1 = std::min(W, ow * g.stride_w - g.pad_w + g.kernel_w);
          T total = 0;
          for (Index ih = h0; ih < h1; ++ih)
            for (Index iw = w0; iw < w1; ++iw) total += xp[ih * W + iw];
          yp[oh * Wo + ow] = total / static_cast<T>(detail::avg_divisor(g, oh, ow, count_include_pad));
        }
      }
    }
  });
}

/// dx = 0, then every input in a window gets dy / divisor of that window.
template <Scalar T>
void avg_pool2d_backward(const Conv2dGeometry& g, const T* dy, T* dx, bool count_include_pad) {
  const Index H = g.in_h, W = g.in_w, Ho = g.out_h, Wo = g.out_w;
  parallel_for(g.batch * g.in_channels, detail::pool_grain(g), [&](Index b, Index e) {
    for (Index plane = b; plane < e; ++plane) {
      T* dxp = dx + plane * H * W;
      std::fill_n(dxp, H * W, T(0));
      const T* dyp = dy + plane * Ho * Wo;
      for (Index oh = 0; oh < Ho; ++oh) {
        const Index h0 = std::max<Index>(0, oh * g.stride_h - g.pad_h);
        const Index h1 = std::min(H, oh * g.stride_h - g.pad_h + g.kernel_h);
        for (Index ow = 0; ow < Wo; ++ow) {
          const Index w0 = std::max<Index>(0, ow * g.stride_w - g.pad_w);
          const Index w1 = std::min(W, ow * g.stride_w - g.pad_w + g.kernel_w);
          const T share = dyp[oh * Wo + ow] / static_cast<T>(detail::avg_divisor(g, oh, ow, count_include_pad));
          for (Index ih = h0; ih < h1; ++ih)
            for (Index iw = w0; iw < w1; ++iw) dxp[ih * W + iw] += share;
        }
      }
    }
  });
}

}  // namespace aegan::kernels
