#pragma once
// 2-D convolution kernels: im2col + Eigen GEMM, batched over samples.
//
// With x [N, Cin, H, W], weight w [Cout, Cin·kh·kw] and y [N, Cout, Ho, Wo], every product a
// convolution layer needs is one of three GEMMs on the im2col matrix of x:
//   forward          y_n  = w · rows(x_n)ᵀ                       (conv2d; conv_transpose2d's dx)
//   data gradient    dx_n = row2im(dy_nᵀ · w)                    (conv2d's dx; conv_transpose2d)
//   weight gradient  dw   = Σ_n dy_n · rows(x_n)                 (both layers' dw)
// where rows(x_n) [Ho·Wo, Cin·kh·kw] is the patch-major im2col of kernels/im2col.hpp.
// Samples are processed in chunks whose pixels sit side by side in one matrix, so the GEMM is
// wide enough to run near Eigen's peak even when Ho·Wo is small (7x7 maps give 49 columns per
// sample). Threads take contiguous ranges of samples (OpenMP); each runs single-threaded GEMMs
// in its own reusable scratch buffers, and the weight gradient is summed over threads in a fixed
// order, so results are bit-identical for a given thread count. With fewer samples than threads
// the chunks run on the calling thread and Eigen threads each GEMM instead — never both. Each
// thread packs the weight once per call for the GEMMs that take it as right-hand side
// (PackedRhs), and a ReLU/LeakyReLU after a conv2d can ride along in the output transpose and
// the gradient gather (ConvJob::rectify), saving two passes over the activations. On the AVX-512
// float GEMM the im2col matrix is not stored at all (kImplicitGemm): the weight gradient's GEMM
// fills its panels straight from the chunk's padded samples (PatchPanels), and the forward's
// gathers its left-hand side from them through one pointer per pixel and one offset per patch
// entry (GatheredLhs). The 4x4 stride-2 convolutions with a 7x7 output (the MNIST networks'
// largest) run on Winograd's algorithm instead, with a third of the multiplications
// (kernels/winograd.hpp, chosen per call by conv_algorithm()).
#include <omp.h>

#include <algorithm>
#include <array>
#include <memory>
#include <optional>
#include <vector>

#include "aegan/tensor/kernels/conv_job.hpp"
#include "aegan/tensor/kernels/gemm.hpp"
#include "aegan/tensor/kernels/im2col.hpp"
#include "aegan/tensor/kernels/rectifier.hpp"
#include "aegan/tensor/kernels/scratch.hpp"
#include "aegan/tensor/kernels/winograd.hpp"
#include "aegan/tensor/parallel.hpp"

namespace aegan::kernels {

namespace detail {
/// Target width (GEMM columns) of one chunk of samples: wide enough for an efficient GEMM,
/// small enough that a chunk's im2col matrix stays near the core's L2 cache.
inline constexpr Index kConvChunkColumns = 256;
inline constexpr int kConvMaxThreads = 256;
/// Below this many FLOPs (about 0.05 ms on one core) a convolution does not fork threads: waking
/// a second thread costs more than it saves. Above it even the DCGAN's memory-bound 1-channel
/// layers gain from a second core (Conv2d 1->32 forward, batch 64: 0.30 ms -> 0.16 ms on two idle
/// cores). A variable, not a constant, so tests can force either path.
inline double& conv_min_parallel_flops() {
  static double flops = 8e6;
  return flops;
}

/// The weight gradient's right-hand side rows(x) of a chunk of samples as an RhsSource: the GEMM
/// fills each panel straight from the padded samples (im2row_window), never from a stored matrix.
template <Scalar T>
struct PatchPanels {
  const Conv2dGeometry* g;
  const T* const* origins;  // of the chunk's rows (patch_origins)
  const Index* offsets;     // of every patch entry (patch_offsets)
  static void fill(const void* self, Index k0, Index kc, Index j0, Index nr, T* out, Index ld) {
    const auto& p = *static_cast<const PatchPanels*>(self);
    im2row_window(*p.g, p.origins + k0, kc, p.offsets, j0, nr, out, ld);
  }
};

/// The data gradient's product Gᵀ·w as a TileSink: each tile of the chunk's stacked [m·P, Kd]
/// matrix is added onto the padded samples where it belongs (row2im_window_add) while it is in
/// L1, so the matrix is never stored.
template <Scalar T>
struct PatchScatter {
  const Conv2dGeometry* g;
  T* const* origins;     // of the chunk's rows in the padded gradients (patch_origins)
  const Index* offsets;  // of every patch entry (patch_offsets)
  static void take(const void* self, Index i0, Index rows, Index j0, Index cols, const T* tile, Index ld) {
    const auto& p = *static_cast<const PatchScatter*>(self);
    row2im_window_add(*p.g, p.origins + i0, rows, p.offsets, j0, cols, tile, ld);
  }
};

template <Scalar T>
void conv_engine(const Conv2dGeometry& g, const ConvJob<T>& job) {
  const Index N = g.batch, P = g.out_plane(), Kd = g.patch(), Co = g.out_channels;
  if (N == 0) {
    if (job.dw) std::fill_n(job.dw, Co * Kd, T(0));
    if (job.db) std::fill_n(job.db, Co, T(0));
    if (job.dbx) std::fill_n(job.dbx, g.in_channels, T(0));
    return;
  }
  if (winograd::chosen<T>(g)) return winograd::run(g, job);
  const bool need_col = job.y || job.dw || job.dbx;
  const bool need_g = job.dw || job.dx || job.db;
  int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  threads = static_cast<int>(std::min<Index>({threads, N, kConvMaxThreads}));
  // A small convolution runs on the calling thread alone, its GEMMs included (see conv_min_parallel_flops).
  const double flops = 2.0 * static_cast<double>(N * P) * static_cast<double>(Kd * Co);
  const bool serial = threads > 1 && flops < conv_min_parallel_flops();
  const int caller_threads = omp_get_max_threads();
  if (serial) {
    threads = 1;
    omp_set_num_threads(1);
  }
  const Index per_thread = (N + threads - 1) / threads;
  const Index nb = std::clamp<Index>((kConvChunkColumns + P / 2) / std::max<Index>(P, 1), 1, per_thread);
  // Whether every product that reads rows(x) takes them straight from the padded samples, so the
  // im2col matrix is never stored: the weight gradient's GEMM fills its panels from them, and the
  // forward's gathers its left-hand side from them (in the chunked [m·P, Cout] orientation; a
  // one-sample chunk reads rows(x) as a transposed right-hand side, which stays stored).
  const bool implicit = kImplicitGemm<T> && need_col && (!job.y || nb > 1);
  // Whether the data gradient's product hands its tiles to row2im (PatchScatter) instead of
  // storing the [m·P, Kd] matrix: it must finish a tile in one k block, and it runs on one thread,
  // so each thread must run its own products (a scatter split over threads would race).
  const bool scatter_dx = kImplicitGemm<T> && job.dx && Co <= kTileSinkMaxDepth && (threads > 1 || omp_get_max_threads() == 1);
  std::array<T*, kConvMaxThreads> partial{};
  std::array<double*, kConvMaxThreads> partial_db{}, partial_dbx{};

  auto body = [&](int t) {
    const Index s0 = std::min(N, t * per_thread), s1 = std::min(N, s0 + per_thread);
    const Index width = nb * P;
    const Index padded_values = padded_size<T>(g);
    T* rows = need_col && !implicit ? scratch<T, 0>(width * Kd) : nullptr;
    T* ystage = (job.y && nb > 1) ? scratch<T, 1>(Co * width) : nullptr;
    T* gstage = (need_g && (nb > 1 || job.y_rectified)) ? scratch<T, 2>(Co * width) : nullptr;
    T* cgrad = job.dx && !scatter_dx ? scratch<T, 3>(width * Kd) : nullptr;
    T* dw = job.dw ? (t == 0 ? job.dw : scratch<T, 4>(Co * Kd)) : nullptr;
    // Zero-padded copies of one sample (of every sample of a chunk when implicit): the im2row
    // source, whose border is zeroed once here and never written again, and the row2im target,
    // which the scatter dirties border and all.
    const Index padded_copies = implicit ? nb : 1;
    T* padded = need_col ? scratch<T, 5>(padded_copies * padded_values) : nullptr;
    if (padded) std::fill_n(padded, padded_copies * padded_values, T(0));
    // The row2im targets: a padded gradient for every sample of a chunk.
    T* scattered = job.dx ? scratch<T, 10>(nb * padded_values) : nullptr;
    // Where each row's receptive field starts in the padded copies, and where each column sits in
    // it: all an implicit product needs to read rows(x), or to add rows back onto the gradients.
    thread_local std::vector<const T*> origins;
    thread_local std::vector<T*> scatter_origins;
    thread_local std::vector<Index> offsets;
    if (implicit) {
      origins.resize(static_cast<std::size_t>(width));
      patch_origins<const T>(g, padded, padded_values, nb, origins.data());
    }
    if (scatter_dx) {
      scatter_origins.resize(static_cast<std::size_t>(width));
      patch_origins<T>(g, scattered, padded_values, nb, scatter_origins.data());
    }
    if (implicit || scatter_dx) {
      offsets.resize(static_cast<std::size_t>(Kd));
      patch_offsets<T>(g, 0, Kd, offsets.data());
    }
    double* db = job.db ? scratch<double, 6>(Co) : nullptr;
    partial[static_cast<std::size_t>(t)] = dw;
    partial_db[static_cast<std::size_t>(t)] = db;
    if (db) std::fill_n(db, Co, 0.0);
    double* dbx = job.dbx ? scratch<double, 7>(g.in_channels) : nullptr;
    partial_dbx[static_cast<std::size_t>(t)] = dbx;
    if (dbx) std::fill_n(dbx, g.in_channels, 0.0);
    // The weight is the right-hand side of every chunk's forward and data-gradient product: each
    // thread packs it once per call, into its own cache, instead of once per chunk.
    PackedRhs<T> w_rows, w_cols;  // op(B) = wᵀ [Kd, Cout] (forward), w [Cout, Kd] (data gradient)
    if (job.y && nb > 1) w_rows = PackedRhs<T>::pack(Trans::Yes, Kd, Co, job.w, scratch<T, 8>(PackedRhs<T>::storage_size(Kd, Co)));
    if (job.dx) w_cols = PackedRhs<T>::pack(Trans::No, Co, Kd, job.w, scratch<T, 9>(PackedRhs<T>::storage_size(Co, Kd)));
    bool dw_started = false;
    for (Index s = s0; s < s1; s += nb) {
      const Index m = std::min(nb, s1 - s), cols = m * P;
      if (need_col) {
        for (Index j = 0; j < m; ++j) {
          const T* xs = job.x + (s + j) * g.in_sample();
          if (implicit) {
            copy_interior(g, xs, padded + j * padded_values);
          } else {
            copy_interior(g, xs, padded);
            im2row(g, padded, rows + j * P * Kd);
          }
          if (dbx)  // sums of x's channels (conv_transpose2d's bias gradient), while x is in cache
            for (Index c = 0; c < g.in_channels; ++c)
              dbx[c] += static_cast<double>(ConstArrayMap<T>(xs + c * g.in_plane(), g.in_plane()).sum());
        }
      }
      if (job.y) {
        if (m == 1 && !implicit) {  // [Cout, P] = w · rowsᵀ, straight into the output, then bias and rectifier while it is in cache
          T* out = job.y + s * Co * P;
          gemm(Trans::No, Trans::Yes, Co, P, Kd, T(1), job.w, rows, T(0), out);
          if (job.bias || job.rectify)
            for (Index c = 0; c < Co; ++c) {
              T* row = out + c * P;
              if (job.bias) ArrayMap<T>(row, P) += job.bias[c];
              if (job.rectify) rectify_run(row, P, job.slope);
            }
        } else {  // [m·P, Cout] = rows · wᵀ (the faster orientation), transposed into m samples of [Cout, P]
          if (implicit) {
            if constexpr (kImplicitGemm<T>) gemm(GatheredLhs<T>{origins.data(), offsets.data()}, cols, T(1), w_rows, T(0), ystage);
          } else {
            gemm(Trans::No, cols, T(1), rows, w_rows, T(0), ystage);
          }
          for (Index j = 0; j < m; ++j)
            for (Index c = 0; c < Co; ++c) {
              const T* src = ystage + j * P * Co + c;
              T* dst = job.y + ((s + j) * Co + c) * P;
              const T b = job.bias ? job.bias[c] : T(0);
              if (job.rectify)
                for (Index p = 0; p < P; ++p) dst[p] = rectified(src[p * Co] + b, job.slope);
              else
                for (Index p = 0; p < P; ++p) dst[p] = src[p * Co] + b;
            }
        }
      }
      if (need_g) {
        const T* G = job.gy + s * Co * P;
        if (job.y_rectified) {  // m samples of [Cout, P] -> [Cout, m·P], times the rectifier's derivative
          const T* Y = job.y_rectified + s * Co * P;
          for (Index j = 0; j < m; ++j)
            for (Index c = 0; c < Co; ++c) {
              const T* g = G + (j * Co + c) * P;
              const T* y = Y + (j * Co + c) * P;
              T* dst = gstage + c * cols + j * P;
              for (Index p = 0; p < P; ++p) dst[p] = g[p] * rectifier_slope_at(y[p], job.slope);
            }
          G = gstage;
        } else if (m > 1) {  // m samples of [Cout, P] -> [Cout, m·P]
          for (Index j = 0; j < m; ++j)
            for (Index c = 0; c < Co; ++c) copy_run(G + (j * Co + c) * P, P, gstage + c * cols + j * P);
          G = gstage;
        }
        if (db)  // the bias gradient, while G is in cache
          for (Index c = 0; c < Co; ++c) db[c] += static_cast<double>(ConstArrayMap<T>(G + c * cols, cols).sum());
        if (dw) {  // [Cout, Kd] (+)= G · rows
          const T beta = dw_started ? T(1) : T(0);
          if (implicit) {
            if constexpr (kImplicitGemm<T>) {
              const PatchPanels<T> patches{&g, origins.data(), offsets.data()};
              gemm(Trans::No, Co, T(1), G, RhsSource<T>{cols, Kd, &PatchPanels<T>::fill, &patches}, beta, dw);
            }
          } else {
            gemm(Trans::No, Trans::No, Co, Kd, cols, T(1), G, rows, beta, dw);
          }
          dw_started = true;
        }
        if (job.dx) {  // [m·P, Kd] = Gᵀ · w, scattered back onto each sample's pixels
          std::fill_n(scattered, m * padded_values, T(0));
          if (scatter_dx) {
            if constexpr (kImplicitGemm<T>) {
              const PatchScatter<T> rows_back{&g, scatter_origins.data(), offsets.data()};
              gemm(Trans::Yes, cols, T(1), G, w_cols, TileSink<T>{&PatchScatter<T>::take, &rows_back});
            }
          } else {
            gemm(Trans::Yes, cols, T(1), G, w_cols, T(0), cgrad);
            for (Index j = 0; j < m; ++j) row2im_add(g, cgrad + j * P * Kd, scattered + j * padded_values);
          }
          for (Index j = 0; j < m; ++j)
            unpad_planes(g, scattered + j * padded_values, job.dx + (s + j) * g.in_sample(), job.dx_bias);
        }
      }
    }
    if (dw && !dw_started) std::fill_n(dw, Co * Kd, T(0));
  };

  if (threads == 1) {
    struct Restore {  // the caller's thread count comes back even if the body throws
      bool on;
      int n;
      ~Restore() {
        if (on) omp_set_num_threads(n);
      }
    } restore{serial, caller_threads};
    body(0);
  } else {
#pragma omp parallel num_threads(threads)
    body(omp_get_thread_num());
  }
  auto reduce_sums = [&](const std::array<double*, kConvMaxThreads>& parts, Index n, T* out) {
    for (Index c = 0; c < n; ++c) {  // fixed-order sum over threads
      double total = 0.0;
      for (int t = 0; t < threads; ++t) total += parts[static_cast<std::size_t>(t)][c];
      out[c] = static_cast<T>(total);
    }
  };
  if (job.db) reduce_sums(partial_db, Co, job.db);
  if (job.dbx) reduce_sums(partial_dbx, g.in_channels, job.dbx);
  if (job.dw && threads > 1) {  // fixed-order sum of the per-thread partial weight gradients
    T* dw = job.dw;
    parallel_for(Co * Kd, 1 << 14, [&](Index b, Index e) {
      for (int t = 1; t < threads; ++t) {
        const T* src = partial[static_cast<std::size_t>(t)];
        for (Index i = b; i < e; ++i) dw[i] += src[i];
      }
    });
  }
}
}  // namespace detail

/// y = conv2d(x, w) + bias, then the rectifier when given. x [N, Cin, H, W], w [Cout, Cin, kh, kw],
/// bias [Cout] or null, y [N, Cout, Ho, Wo] (overwritten). `keep_x_transform`, when given, receives
/// transformed_input_size<T>(g) values (Winograd's transform of x) for conv2d_backward to reuse.
template <Scalar T>
void conv2d_forward(const Conv2dGeometry& g, const T* x, const T* w, const T* bias, T* y,
                    std::optional<Rectifier<T>> rectifier = std::nullopt, T* keep_x_transform = nullptr) {
  detail::ConvJob<T> job;
  job.x = x, job.w = w, job.bias = bias, job.y = y, job.keep_x_transform = keep_x_transform;
  if (rectifier) job.rectify = true, job.slope = rectifier->slope;
  detail::conv_engine(g, job);
}

/// Gradients of y = conv2d(x, w) + b: dx = row2im(dyᵀ·w), dw = Σ dy·rows(x) and db = Σ dy, each
/// overwritten and skipped when null. For a forward pass with a rectifier, `rectified` is its
/// output y (required) and dy the gradient at y. `x_transform` is what conv2d_forward left in its
/// keep_x_transform for this x, or null.
template <Scalar T>
void conv2d_backward(const Conv2dGeometry& g, const T* x, const T* w, const T* dy, T* dx, T* dw, T* db = nullptr,
                     std::optional<Rectifier<T>> rectifier = std::nullopt, const T* rectified = nullptr,
                     const T* x_transform = nullptr) {
  if (rectifier && !rectified) throw ValueError("conv2d_backward: a rectified convolution needs its output");
  if (!dx && !dw && !db) return;
  detail::ConvJob<T> job;
  job.x = dw ? x : nullptr, job.w = w, job.gy = dy, job.dw = dw, job.dx = dx, job.db = db;
  job.x_transform = dw ? x_transform : nullptr;
  if (rectifier) job.slope = rectifier->slope, job.y_rectified = rectified;
  detail::conv_engine(g, job);
}

/// The adjoint of conv2d_forward in x: out [N, Cin, H, W] = row2im(in_nᵀ · w) (+ bias [Cin]) with
/// in [N, Cout, Ho, Wo]. This is conv_transpose2d's forward pass (geometry of the matching conv).
template <Scalar T>
void conv2d_adjoint(const Conv2dGeometry& g, const T* in, const T* w, const T* bias, T* out) {
  detail::ConvJob<T> job;
  job.w = w, job.gy = in, job.dx = out, job.dx_bias = bias;
  detail::conv_engine(g, job);
}

/// conv_transpose2d's backward pass in the geometry of the matching conv: with its input
/// xt [N, Cout, Ho, Wo] and output gradient dyt [N, Cin, H, W], dxt = conv2d(dyt, w),
/// dw = Σ xt_n · rows(dyt_n) and db = Σ dyt per channel, sharing one im2col of dyt. Null
/// outputs are skipped.
template <Scalar T>
void conv2d_adjoint_backward(const Conv2dGeometry& g, const T* xt, const T* w, const T* dyt, T* dxt, T* dw,
                             T* db = nullptr) {
  if (!dxt && !dw && !db) return;
  detail::ConvJob<T> job;
  job.x = dyt, job.w = w, job.y = dxt, job.gy = dw ? xt : nullptr, job.dw = dw, job.dbx = db;
  detail::conv_engine(g, job);
}

}  // namespace aegan::kernels
