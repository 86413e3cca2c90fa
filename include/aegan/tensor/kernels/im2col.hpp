#pragma once
// The geometry of a 2-D sliding window (convolution or pooling) over NCHW tensors, and the
// im2col (here "im2row") / col2im pair that turns a convolution into a matrix product.
//
// The layout is patch-major ("im2row"): one sample's receptive fields become a [Ho·Wo, C·kh·kw]
// matrix whose row oh·Wo + ow holds input pixel (c, oh·sh - ph + i, ow·sw - pw + j) at column
// (c·kh + i)·kw + j, zero where that pixel falls in the padding. Reading from a zero-padded copy
// of the sample makes every (c, i) a contiguous run of kw values with no bounds checks, which is
// what keeps im2col cheap next to the GEMM even for 7x7 maps. Rows of consecutive samples stack,
// so several samples share one GEMM. row2im is the adjoint: it adds every entry back onto the
// pixel it was read from. Where the GEMM takes operands made on the fly, the matrix is not stored
// at all: patch_offsets and patch_origins address its entries in the padded copies,
// im2row_window writes one panel of it, and row2im_window_add adds one tile of it back.
#include <algorithm>
#include <cstring>
#include <string>
#include <type_traits>

#include "aegan/tensor/kernels/copy_run.hpp"
#include "aegan/tensor/tensor.hpp"

namespace aegan::kernels {

/// Every size a 2-D window operation needs. For a convolution `out_channels` is the number of
/// filters; for pooling it equals `in_channels`. Built and validated by the autograd ops.
struct Conv2dGeometry {
  Index batch = 0, in_channels = 0, in_h = 0, in_w = 0;
  Index out_channels = 0, kernel_h = 1, kernel_w = 1;
  Index stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0;
  Index out_h = 0, out_w = 0;

  Index patch() const { return in_channels * kernel_h * kernel_w; }  // GEMM depth: one receptive field
  Index in_plane() const { return in_h * in_w; }
  Index out_plane() const { return out_h * out_w; }
  Index in_sample() const { return in_channels * in_plane(); }
  Index out_sample() const { return out_channels * out_plane(); }
};

/// Distance between channels in the zero-padded copy of a sample: the padded plane, plus 16
/// values when the plane is a multiple of 256 bytes. Without the gap a 16x16 plane (1 KiB) puts
/// channels c and c + 4 at addresses 4 KiB apart, and the scatter-add of row2im, which walks
/// the channels of one pixel, then stalls on false store-to-load dependencies (4K aliasing).
template <Scalar T>
Index padded_plane(const Conv2dGeometry& g) {
  const Index plane = (g.in_h + 2 * g.pad_h) * (g.in_w + 2 * g.pad_w);
  return (plane * static_cast<Index>(sizeof(T))) % 256 == 0 ? plane + 16 : plane;
}

/// Values in the padded copy of one sample (see pad_planes).
template <Scalar T>
Index padded_size(const Conv2dGeometry& g) {
  return g.in_channels * padded_plane<T>(g);
}

/// Copies one sample x [C, H, W] into the interior of its padded copy [C, H + 2·ph, W + 2·pw]
/// (channels padded_plane apart) and leaves the border and the gaps as they are. Zero the buffer
/// once and the border stays zero for every later sample of the same geometry, so a batch pays
/// for the border once instead of once per sample.
template <Scalar T>
void copy_interior(const Conv2dGeometry& g, const T* x, T* padded) {
  const Index H = g.in_h, W = g.in_w, Wp = W + 2 * g.pad_w, plane = padded_plane<T>(g);
  for (Index c = 0; c < g.in_channels; ++c) {
    T* dst = padded + c * plane + g.pad_h * Wp + g.pad_w;
    const T* src = x + c * H * W;
    for (Index h = 0; h < H; ++h) copy_run(src + h * W, W, dst + h * Wp);
  }
}

/// The whole zero-padded copy of one sample x [C, H, W], so the patch loops below need no bounds
/// checks (see copy_interior for a batch).
template <Scalar T>
void pad_planes(const Conv2dGeometry& g, const T* x, T* padded) {
  std::fill_n(padded, padded_size<T>(g), T(0));
  copy_interior(g, x, padded);
}

/// dx [C, H, W] = the interior of padded [C, H + 2·ph, W + 2·pw] (the border is dropped), plus
/// bias[c] on channel c when bias is not null.
template <Scalar T>
void unpad_planes(const Conv2dGeometry& g, const T* padded, T* dx, const T* bias = nullptr) {
  const Index H = g.in_h, W = g.in_w, Wp = W + 2 * g.pad_w, plane = padded_plane<T>(g);
  for (Index c = 0; c < g.in_channels; ++c) {
    const T b = bias ? bias[c] : T(0);
    for (Index h = 0; h < H; ++h) {
      const T* src = padded + c * plane + (h + g.pad_h) * Wp + g.pad_w;
      T* dst = dx + (c * H + h) * W;
      if (bias)
        for (Index w = 0; w < W; ++w) dst[w] = src[w] + b;
      else
        copy_run(src, W, dst);
    }
  }
}

namespace detail {
/// The loop nest shared by im2row and row2im. KW > 0 fixes the kernel width at compile time so
/// the innermost run is one vector move; every size is a local (not read through a reference)
/// so the stores cannot force reloads.
template <Index KW, bool Scatter, Scalar T>
void patch_rows(Index C, Index kh, Index kw_runtime, Index Ho, Index Wo, Index sh, Index sw, Index plane, Index Wp,
                T* __restrict padded, T* __restrict rows) {
  const Index kw = KW > 0 ? KW : kw_runtime;
  for (Index oh = 0; oh < Ho; ++oh)
    for (Index ow = 0; ow < Wo; ++ow) {
      T* __restrict base = padded + oh * sh * Wp + ow * sw;
      for (Index c = 0; c < C; ++c, base += plane)
        for (Index i = 0; i < kh; ++i, rows += kw) {
          T* __restrict img = base + i * Wp;
          if constexpr (Scatter) {
            for (Index j = 0; j < kw; ++j) img[j] += rows[j];
          } else {
            for (Index j = 0; j < kw; ++j) rows[j] = img[j];
          }
        }
    }
}

/// run.template operator()<KW>() with the kernel width kw as a compile-time KW for the common
/// kernels (1 to 5), and KW = 0 (read at run time) otherwise.
template <class Run>
void with_kernel_width(Index kw, const Run& run) {
  switch (kw) {
    case 1: run.template operator()<1>(); break;
    case 2: run.template operator()<2>(); break;
    case 3: run.template operator()<3>(); break;
    case 4: run.template operator()<4>(); break;
    case 5: run.template operator()<5>(); break;
    default: run.template operator()<0>(); break;
  }
}

template <bool Scatter, Scalar T>
void patch_rows(const Conv2dGeometry& g, T* padded, T* rows) {
  const Index plane = padded_plane<T>(g), Wp = g.in_w + 2 * g.pad_w;
  with_kernel_width(g.kernel_w, [&]<Index KW>() {
    patch_rows<KW, Scatter>(g.in_channels, g.kernel_h, g.kernel_w, g.out_h, g.out_w, g.stride_h, g.stride_w, plane, Wp,
                            padded, rows);
  });
}

/// The loop over rows shared by im2row_window and row2im_window_add: row k of the window is
/// patch entries offset[0, nr) read from (or added back to) the padded copies at origin[k]. With
/// KW > 0 the window holds whole kernel rows, and each run of KW values is one vector move.
template <Index KW, bool Scatter, Scalar T>
void window_rows(T* const* origin, Index kc, Index nr, const Index* __restrict offset, T* __restrict window, Index ld) {
  for (Index k = 0; k < kc; ++k) {
    T* base = origin[k];  // not restrict: the receptive fields of neighbouring rows overlap
    T* __restrict row = window + k * ld;
    if constexpr (KW > 0) {
      // Fixed-size memcpys are single moves; plain loops over r get vectorized into gathers.
      for (Index r = 0; r < nr; r += KW) {
        if constexpr (Scatter) {
          T sum[KW], add[KW];
          std::memcpy(sum, base + offset[r], sizeof sum);
          std::memcpy(add, row + r, sizeof add);
          for (Index q = 0; q < KW; ++q) sum[q] += add[q];
          std::memcpy(base + offset[r], sum, sizeof sum);
        } else {
          std::memcpy(row + r, base + offset[r], sizeof(T) * KW);
        }
      }
    } else {
      for (Index t = 0; t < nr; ++t) {
        if constexpr (Scatter)
          base[offset[t]] += row[t];
        else
          row[t] = base[offset[t]];
      }
    }
  }
}

/// window_rows with the kernel width fixed at compile time when the window [j0, j0 + nr) holds
/// whole kernel rows (offset is the whole patch_offsets table).
template <bool Scatter, Scalar T>
void window_rows(const Conv2dGeometry& g, T* const* origin, Index kc, const Index* offset, Index j0, Index nr,
                 T* window, Index ld) {
  const Index kw = g.kernel_w;
  with_kernel_width(j0 % kw == 0 && nr % kw == 0 ? kw : 0,
                    [&]<Index KW>() { window_rows<KW, Scatter>(origin, kc, nr, offset + j0, window, ld); });
}
}  // namespace detail

/// Where patch entries [j0, j0 + n) sit relative to a pixel's receptive field in a padded sample:
/// entry (c·kh + i)·kw + j at c·padded_plane + i·(W + 2·pw) + j. The same for every pixel.
template <Scalar T>
void patch_offsets(const Conv2dGeometry& g, Index j0, Index n, Index* offset) {
  const Index kh = g.kernel_h, kw = g.kernel_w, plane = padded_plane<T>(g), Wp = g.in_w + 2 * g.pad_w;
  Index c = j0 / kw / kh, i = j0 / kw % kh, j = j0 % kw;
  for (Index t = 0; t < n; ++t) {
    offset[t] = c * plane + i * Wp + j;
    if (++j == kw) {
      j = 0;
      if (++i == kh) i = 0, ++c;
    }
  }
}

/// The receptive field's origin of every output pixel of `samples` padded samples (sample_values
/// apart), in im2row's row order: with patch_offsets, row q of the stacked im2row matrix is
/// origin[q][offset[k]]. Value is T, or const T for origins that are only read.
template <class Value>
void patch_origins(const Conv2dGeometry& g, Value* padded, Index sample_values, Index samples, Value** origin) {
  static_assert(Scalar<std::remove_const_t<Value>>, "patch_origins: the padded copies must hold float or double");
  const Index Wp = g.in_w + 2 * g.pad_w;
  for (Index s = 0; s < samples; ++s)
    for (Index oh = 0; oh < g.out_h; ++oh)
      for (Index ow = 0; ow < g.out_w; ++ow)
        *origin++ = padded + s * sample_values + oh * g.stride_h * Wp + ow * g.stride_w;
}

/// Columns [j0, j0 + nr) of kc rows of the stacked im2row matrix, written to out[k·ld + j]: the
/// rows whose receptive fields start at origin[0, kc) (patch_origins), the columns at offset[j0,
/// j0 + nr) in them (the whole patch_offsets table). A GEMM that packs its right-hand side one
/// panel at a time (RhsSource) takes the patches straight from here.
template <Scalar T>
void im2row_window(const Conv2dGeometry& g, const T* const* origin, Index kc, const Index* offset, Index j0, Index nr,
                   T* out, Index ld) {
  detail::window_rows<false>(g, const_cast<T* const*>(origin), kc, offset, j0, nr, out, ld);  // only read
}

/// The adjoint of im2row_window: adds tile[k·ld + j] (k < kc, j < nr), entries (origin[k], j0 + j)
/// of the stacked im2row matrix, back onto the padded pixels they were read from. A GEMM that hands
/// over its result tile by tile (TileSink) scatters a data gradient straight from here.
template <Scalar T>
void row2im_window_add(const Conv2dGeometry& g, T* const* origin, Index kc, const Index* offset, Index j0, Index nr,
                       const T* tile, Index ld) {
  detail::window_rows<true>(g, origin, kc, offset, j0, nr, const_cast<T*>(tile), ld);  // only read
}

/// Patch-major im2col of one padded sample (see pad_planes): rows [Ho·Wo, C·kh·kw], row
/// oh·Wo + ow holding the receptive field of output pixel (oh, ow) in (c, i, j) order, i.e.
/// the transpose of the classic im2col matrix. Each (c, i) contributes kw contiguous values.
template <Scalar T>
void im2row(const Conv2dGeometry& g, const T* padded, T* rows) {
  detail::patch_rows<false>(g, const_cast<T*>(padded), rows);  // only read
}

/// The adjoint of im2row: padded (as pad_planes lays it out) += every row entry at the padded pixel
/// it was read from.
template <Scalar T>
void row2im_add(const Conv2dGeometry& g, const T* rows, T* padded) {
  detail::patch_rows<true>(g, padded, const_cast<T*>(rows));  // only read
}

}  // namespace aegan::kernels
