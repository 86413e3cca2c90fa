#pragma once
// 2-D convolution kernels: im2col + GEMM, batched over samples.
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
// the gradient gather (ConvJob::rectify), saving two passes over the activations. In float the
// im2col matrix is not stored at all (kImplicitGemm): the weight gradient's GEMM fills its
// panels straight from the chunk's padded samples (PatchPanels), and the forward's gathers its
// left-hand side from them through one pointer per pixel and one offset per patch entry
// (GatheredLhs). The 4x4 stride-2 convolutions with a 7x7 output (the MNIST networks'
// largest) or with output sides that are multiples of 4 (those of 32x32 and 64x64 images) run on
// Winograd's algorithm instead, with a third (7x7) or 25/64 (the rest) of the multiplications
// (kernels/winograd.hpp, chosen per call by ConvSettings::algorithm).
//
// conv_engine runs one ConvJob (conv_job.hpp): ConvPlan decides how the samples are split over
// threads and chunks, and each thread's ConvWorker runs the named passes over each of its chunks:
// gather_patches, forward_product, gather_map, weight_product and adjoint_product.
#include <omp.h>

#include <algorithm>
#include <array>
#include <memory>
#include <optional>
#include <vector>

#include "aegan/tensor/kernels/conv_job.hpp"
#include "aegan/tensor/kernels/conv_settings.hpp"
#include "aegan/tensor/kernels/elementwise.hpp"
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

/// How one call is split over threads and into chunks, and which products leave the im2col
/// matrix unstored.
struct ConvPlan {
  int threads = 1;       // threads, each taking a contiguous range of samples
  bool serial = false;   // too small to fork: the call and its GEMMs stay on the calling thread
  Index per_thread = 0;  // samples per thread
  Index chunk = 1;       // samples whose pixels sit side by side in one GEMM
  // Every product that reads rows(source) takes them straight from the padded samples, so the
  // im2col matrix is never stored: the weight product fills its panels from them, and the
  // forward product gathers its left-hand side from them (in the chunked [m·P, Cout]
  // orientation; a one-sample chunk reads rows(source) as a transposed right-hand side, which
  // stays stored).
  bool implicit = false;
  // The adjoint product hands its tiles to row2im (PatchScatter) instead of storing the [m·P, Kd]
  // matrix: it must finish a tile in one k block, and its GEMM must run on this thread alone (a
  // scatter split over threads would race).
  bool scatter = false;
};

template <Scalar T>
bool reads_patches(const ConvJob<T>& job) {
  return job.out || job.dw || job.source_sums;
}
template <Scalar T>
bool reads_map(const ConvJob<T>& job) {
  return job.dw || job.adjoint || job.map_sums;
}

template <Scalar T>
ConvPlan plan_conv(const Conv2dGeometry& g, const ConvJob<T>& job, const ConvSettings& settings) {
  const Index N = g.batch, P = g.out_plane();
  ConvPlan plan;
  const int available = aegan::detail::inside_parallel_region() ? 1 : omp_get_max_threads();
  plan.threads = static_cast<int>(std::min<Index>({available, N, kConvMaxThreads}));
  const double flops = 2.0 * static_cast<double>(N * P) * static_cast<double>(g.patch() * g.out_channels);
  plan.serial = plan.threads > 1 && flops < settings.min_parallel_flops;
  if (plan.serial) plan.threads = 1;
  plan.per_thread = (N + plan.threads - 1) / plan.threads;
  plan.chunk = std::clamp<Index>((kConvChunkColumns + P / 2) / std::max<Index>(P, 1), 1, plan.per_thread);
  plan.implicit = kImplicitGemm<T> && reads_patches(job) && (!job.out || plan.chunk > 1);
  const bool gemm_on_one_thread = plan.threads > 1 || plan.serial || omp_get_max_threads() == 1;
  plan.scatter = kImplicitGemm<T> && job.adjoint && g.out_channels <= kTileSinkMaxDepth && gemm_on_one_thread;
  return plan;
}

/// A channel's sum for the bias gradients (ConvJob::map_sums, source_sums), in an order set by n
/// alone (eight double lanes, elementwise.hpp): Eigen's sum starts its vector lanes where the
/// run's address becomes aligned, so the same values summed from a staging buffer and from the
/// map itself (a fused rectifier's gradient and the separate layers') could round differently.
template <Scalar T>
double run_sum(const T* x, Index n) {
  double lanes[8] = {};
  add_to_lanes(x, n, lanes);
  return sum_lanes(lanes);
}

// The scratch buffers of one thread's ConvWorker (scratch.hpp), one tag each.
struct PatchRowsTag;        // rows(source) of a chunk, when stored
struct ForwardStageTag;     // the forward product [m·P, Cout] before its transpose into out
struct MapStageTag;         // the chunk's map as [Cout, m·P], rectifier derivative applied
struct AdjointRowsTag;      // the adjoint product [m·P, Kd] before row2im, when not scattered
struct WeightPartialTag;    // this thread's share of dw (thread 0 writes job.dw itself)
struct PaddedSourceTag;     // zero-padded copies of the source samples
struct PaddedAdjointTag;    // the padded row2im targets of the adjoint product
struct MapSumsTag;          // this thread's share of map_sums, in double
struct SourceSumsTag;       // this thread's share of source_sums, in double
struct PackedWeightTTag;    // op(B) = wᵀ [Kd, Cout], packed for the forward product
struct PackedWeightTag;     // op(B) = w [Cout, Kd], packed for the adjoint product

/// One thread's share of a call: its buffers, and the passes over each chunk of its samples.
template <Scalar T>
class ConvWorker {
 public:
  ConvWorker(const Conv2dGeometry& g, const ConvJob<T>& job, const ConvPlan& plan, int thread)
      : g_(g), job_(job), plan_(plan), P_(g.out_plane()), Kd_(g.patch()), Co_(g.out_channels),
        padded_values_(padded_size<T>(g)) {
    const Index width = plan.chunk * P_;
    const bool patches = reads_patches(job), map = reads_map(job);
    if (patches && !plan.implicit) rows_ = scratch<PatchRowsTag, T>(width * Kd_);
    if (job.out && plan.chunk > 1) forward_stage_ = scratch<ForwardStageTag, T>(Co_ * width);
    if (map && (plan.chunk > 1 || job.rectified_out)) map_stage_ = scratch<MapStageTag, T>(Co_ * width);
    if (job.adjoint && !plan.scatter) adjoint_rows_ = scratch<AdjointRowsTag, T>(width * Kd_);
    if (job.dw) dw_ = thread == 0 ? job.dw : scratch<WeightPartialTag, T>(Co_ * Kd_);
    // Zero-padded copies of one sample (of every sample of a chunk when implicit): the im2row
    // source, whose border is zeroed once here and never written again, and the row2im target,
    // which the scatter dirties border and all.
    if (patches) {
      const Index copies = (plan.implicit ? plan.chunk : 1) * padded_values_;
      padded_ = scratch<PaddedSourceTag, T>(copies);
      std::fill_n(padded_, copies, T(0));
    }
    if (job.adjoint) scattered_ = scratch<PaddedAdjointTag, T>(plan.chunk * padded_values_);
    // Where each row's receptive field starts in the padded copies, and where each column sits in
    // it: all an implicit product needs to read rows(source), or to add rows back onto the samples.
    if (plan.implicit) {
      origins().resize(static_cast<std::size_t>(width));
      patch_origins<const T>(g, padded_, padded_values_, plan.chunk, origins().data());
    }
    if (plan.scatter) {
      scatter_origins().resize(static_cast<std::size_t>(width));
      patch_origins<T>(g, scattered_, padded_values_, plan.chunk, scatter_origins().data());
    }
    if (plan.implicit || plan.scatter) {
      offsets().resize(static_cast<std::size_t>(Kd_));
      patch_offsets<T>(g, 0, Kd_, offsets().data());
    }
    if (job.map_sums) std::fill_n(map_sums_ = scratch<MapSumsTag, double>(Co_), Co_, 0.0);
    if (job.source_sums) std::fill_n(source_sums_ = scratch<SourceSumsTag, double>(g.in_channels), g.in_channels, 0.0);
    // The weight is the right-hand side of every chunk's forward and adjoint product: each thread
    // packs it once per call, into its own cache, instead of once per chunk.
    if (forward_stage_)
      weight_t_ = PackedRhs<T>::pack(Trans::Yes, Kd_, Co_, job.w,
                                     scratch<PackedWeightTTag, T>(PackedRhs<T>::storage_size(Kd_, Co_)));
    if (job.adjoint)
      weight_ = PackedRhs<T>::pack(Trans::No, Co_, Kd_, job.w, scratch<PackedWeightTag, T>(PackedRhs<T>::storage_size(Co_, Kd_)));
  }

  /// Every product of the job over samples [s0, s1), one chunk at a time.
  void run(Index s0, Index s1) {
    for (Index s = s0; s < s1; s += plan_.chunk) {
      const Index m = std::min(plan_.chunk, s1 - s);
      if (padded_) gather_patches(s, m);
      if (job_.out) forward_product(s, m);
      if (reads_map(job_)) {
        const T* G = gather_map(s, m);
        if (dw_) weight_product(G, m * P_);
        if (job_.adjoint) adjoint_product(G, s, m);
      }
    }
    if (dw_ && !dw_started_) std::fill_n(dw_, Co_ * Kd_, T(0));
  }

  T* weight_partial() const { return dw_; }
  double* map_sums() const { return map_sums_; }
  double* source_sums() const { return source_sums_; }

 private:
  /// The chunk's samples into their padded copies, and on to rows(source) when it is stored; the
  /// source's channel sums while each sample is in cache.
  void gather_patches(Index s, Index m) {
    for (Index j = 0; j < m; ++j) {
      const T* xs = job_.source + (s + j) * g_.in_sample();
      if (plan_.implicit) {
        copy_interior(g_, xs, padded_ + j * padded_values_);
      } else {
        copy_interior(g_, xs, padded_);
        im2row(g_, padded_, rows_ + j * P_ * Kd_);
      }
      if (source_sums_)
        for (Index c = 0; c < g_.in_channels; ++c)
          source_sums_[c] += run_sum(xs + c * g_.in_plane(), g_.in_plane());
    }
  }

  /// out = w · rows(source)ᵀ (+ bias, rectifier) for the chunk's samples.
  void forward_product(Index s, Index m) {
    if (m == 1 && !plan_.implicit) {  // [Cout, P] straight into the output, then bias and rectifier while it is in cache
      T* out = job_.out + s * Co_ * P_;
      gemm(Trans::No, Trans::Yes, Co_, P_, Kd_, T(1), job_.w, rows_, T(0), out);
      if (job_.bias || job_.rectify)
        for (Index c = 0; c < Co_; ++c) {
          T* row = out + c * P_;
          if (job_.bias) ArrayMap<T>(row, P_) += job_.bias[c];
          if (job_.rectify) rectify_run(row, P_, job_.slope);
        }
      return;
    }
    // [m·P, Cout] = rows · wᵀ (the faster orientation), transposed into m samples of [Cout, P].
    if (plan_.implicit) {
      if constexpr (kImplicitGemm<T>)
        gemm(GatheredLhs<T>{origins().data(), offsets().data()}, m * P_, T(1), weight_t_, T(0), forward_stage_);
    } else {
      gemm(Trans::No, m * P_, T(1), rows_, weight_t_, T(0), forward_stage_);
    }
    for (Index j = 0; j < m; ++j)
      for (Index c = 0; c < Co_; ++c) {
        const T* src = forward_stage_ + j * P_ * Co_ + c;
        T* dst = job_.out + ((s + j) * Co_ + c) * P_;
        const T b = job_.bias ? job_.bias[c] : T(0);
        if (job_.rectify)
          for (Index p = 0; p < P_; ++p) dst[p] = rectified(src[p * Co_] + b, job_.slope);
        else
          for (Index p = 0; p < P_; ++p) dst[p] = src[p * Co_] + b;
      }
  }

  /// The chunk's map as one [Cout, m·P] matrix G (in place when it already is one), times the
  /// rectifier's derivative when the job has one; its channel sums while it is in cache.
  const T* gather_map(Index s, Index m) {
    const Index cols = m * P_;
    const T* G = job_.map + s * Co_ * P_;
    if (job_.rectified_out) {
      const T* Y = job_.rectified_out + s * Co_ * P_;
      for (Index j = 0; j < m; ++j)
        for (Index c = 0; c < Co_; ++c) {
          const T* gy = G + (j * Co_ + c) * P_;
          const T* y = Y + (j * Co_ + c) * P_;
          T* dst = map_stage_ + c * cols + j * P_;
          rectifier_backward_run(gy, y, P_, job_.slope, dst);
        }
      G = map_stage_;
    } else if (m > 1) {
      for (Index j = 0; j < m; ++j)
        for (Index c = 0; c < Co_; ++c) copy_run(G + (j * Co_ + c) * P_, P_, map_stage_ + c * cols + j * P_);
      G = map_stage_;
    }
    if (map_sums_)
      for (Index c = 0; c < Co_; ++c) map_sums_[c] += run_sum(G + c * cols, cols);
    return G;
  }

  /// dw (+)= G · rows(source) [Cout, Kd].
  void weight_product(const T* G, Index cols) {
    const T beta = dw_started_ ? T(1) : T(0);
    if (plan_.implicit) {
      if constexpr (kImplicitGemm<T>) {
        const PatchPanels<T> patches{&g_, origins().data(), offsets().data()};
        gemm(Trans::No, Co_, T(1), G, RhsSource<T>{cols, Kd_, &PatchPanels<T>::fill, &patches}, beta, dw_);
      }
    } else {
      gemm(Trans::No, Trans::No, Co_, Kd_, cols, T(1), G, rows_, beta, dw_);
    }
    dw_started_ = true;
  }

  /// adjoint = row2im(Gᵀ · w) [m·P, Kd] back onto each sample's pixels (+ adjoint_bias).
  void adjoint_product(const T* G, Index s, Index m) {
    const Index cols = m * P_;
    std::fill_n(scattered_, m * padded_values_, T(0));
    if (plan_.scatter) {
      if constexpr (kImplicitGemm<T>) {
        const PatchScatter<T> rows_back{&g_, scatter_origins().data(), offsets().data()};
        gemm(Trans::Yes, cols, T(1), G, weight_, TileSink<T>{&PatchScatter<T>::take, &rows_back});
      }
    } else {
      gemm(Trans::Yes, cols, T(1), G, weight_, T(0), adjoint_rows_);
      for (Index j = 0; j < m; ++j) row2im_add(g_, adjoint_rows_ + j * P_ * Kd_, scattered_ + j * padded_values_);
    }
    for (Index j = 0; j < m; ++j)
      unpad_planes(g_, scattered_ + j * padded_values_, job_.adjoint + (s + j) * g_.in_sample(), job_.adjoint_bias);
  }

  // Per-thread address tables of the implicit products, reused from call to call.
  static std::vector<const T*>& origins() {
    thread_local std::vector<const T*> v;
    return v;
  }
  static std::vector<T*>& scatter_origins() {
    thread_local std::vector<T*> v;
    return v;
  }
  static std::vector<Index>& offsets() {
    thread_local std::vector<Index> v;
    return v;
  }

  const Conv2dGeometry& g_;
  const ConvJob<T>& job_;
  const ConvPlan& plan_;
  const Index P_, Kd_, Co_, padded_values_;
  T* rows_ = nullptr;
  T* forward_stage_ = nullptr;
  T* map_stage_ = nullptr;
  T* adjoint_rows_ = nullptr;
  T* dw_ = nullptr;
  T* padded_ = nullptr;
  T* scattered_ = nullptr;
  double* map_sums_ = nullptr;
  double* source_sums_ = nullptr;
  PackedRhs<T> weight_t_, weight_;  // op(B) = wᵀ [Kd, Cout] (forward), w [Cout, Kd] (adjoint)
  bool dw_started_ = false;
};

// The threads' partial results, summed in a fixed order: a thread count gives the same bits on
// every run.
template <Scalar T>
void sum_channel_sums(const std::array<double*, kConvMaxThreads>& parts, int threads, Index n, T* out) {
  for (Index c = 0; c < n; ++c) {
    double total = 0.0;
    for (int t = 0; t < threads; ++t) total += parts[static_cast<std::size_t>(t)][c];
    out[c] = static_cast<T>(total);
  }
}
template <Scalar T>
void sum_weight_partials(const std::array<T*, kConvMaxThreads>& parts, int threads, Index n, T* out) {
  parallel_for(n, 1 << 14, [&](Index b, Index e) {  // out is thread 0's part already
    for (int t = 1; t < threads; ++t) {
      const T* src = parts[static_cast<std::size_t>(t)];
      for (Index i = b; i < e; ++i) out[i] += src[i];
    }
  });
}

template <Scalar T>
void conv_engine(const Conv2dGeometry& g, const ConvJob<T>& job, const ConvSettings& settings) {
  if (g.batch == 0) {
    if (job.dw) std::fill_n(job.dw, g.out_channels * g.patch(), T(0));
    if (job.map_sums) std::fill_n(job.map_sums, g.out_channels, T(0));
    if (job.source_sums) std::fill_n(job.source_sums, g.in_channels, T(0));
    return;
  }
  if (const auto tiling = winograd::chosen<T>(g, settings.algorithm); tiling != winograd::Tiling::None)
    return winograd::run(g, tiling, job);
  const ConvPlan plan = plan_conv(g, job, settings);
  std::array<T*, kConvMaxThreads> dw_parts{};
  std::array<double*, kConvMaxThreads> map_sum_parts{}, source_sum_parts{};
  auto work = [&](int t) {
    ConvWorker<T> worker(g, job, plan, t);
    const Index s0 = std::min(g.batch, t * plan.per_thread);
    worker.run(s0, std::min(g.batch, s0 + plan.per_thread));
    const auto i = static_cast<std::size_t>(t);
    dw_parts[i] = worker.weight_partial(), map_sum_parts[i] = worker.map_sums(), source_sum_parts[i] = worker.source_sums();
  };
  if (plan.threads > 1) {
#pragma omp parallel num_threads(plan.threads)
    work(omp_get_thread_num());
  } else if (plan.serial) {
    aegan::detail::run_single_threaded([&] { work(0); });
  } else {  // one thread for the samples; the GEMMs may still use every thread
    work(0);
  }
  if (job.map_sums) sum_channel_sums(map_sum_parts, plan.threads, g.out_channels, job.map_sums);
  if (job.source_sums) sum_channel_sums(source_sum_parts, plan.threads, g.in_channels, job.source_sums);
  if (job.dw && plan.threads > 1) sum_weight_partials(dw_parts, plan.threads, g.out_channels * g.patch(), job.dw);
}
}  // namespace detail

/// y = conv2d(x, w) + bias, then the rectifier when given. x [N, Cin, H, W], w [Cout, Cin, kh, kw],
/// bias [Cout] or null, y [N, Cout, Ho, Wo] (overwritten). `keep_x_transform`, when given, receives
/// transformed_input_size<T>(g, settings.algorithm) values (Winograd's transform of x) for
/// conv2d_backward to reuse.
template <Scalar T>
void conv2d_forward(const Conv2dGeometry& g, const T* x, const T* w, const T* bias, T* y,
                    std::optional<Rectifier<T>> rectifier = std::nullopt, T* keep_x_transform = nullptr,
                    const ConvSettings& settings = {}) {
  detail::ConvJob<T> job;
  job.w = w, job.source = x, job.out = y, job.bias = bias, job.keep_source_transform = keep_x_transform;
  if (rectifier) job.rectify = true, job.slope = rectifier->slope;
  detail::conv_engine(g, job, settings);
}

/// Gradients of y = conv2d(x, w) + b: dx = row2im(dyᵀ·w), dw = Σ dy·rows(x) and db = Σ dy, each
/// overwritten and skipped when null. For a forward pass with a rectifier, `rectified` is its
/// output y (required) and dy the gradient at y. `x_transform` is what conv2d_forward left in its
/// keep_x_transform for this x, or null.
template <Scalar T>
void conv2d_backward(const Conv2dGeometry& g, const T* x, const T* w, const T* dy, T* dx, T* dw, T* db = nullptr,
                     std::optional<Rectifier<T>> rectifier = std::nullopt, const T* rectified = nullptr,
                     const T* x_transform = nullptr, const ConvSettings& settings = {}) {
  if (rectifier && !rectified) throw ValueError("conv2d_backward: a rectified convolution needs its output");
  if (!dx && !dw && !db) return;
  detail::ConvJob<T> job;
  job.w = w, job.source = dw ? x : nullptr, job.map = dy;
  job.dw = dw, job.map_sums = db, job.adjoint = dx;
  job.source_transform = dw ? x_transform : nullptr;
  if (rectifier) job.slope = rectifier->slope, job.rectified_out = rectified;
  detail::conv_engine(g, job, settings);
}

/// The adjoint of conv2d_forward in x: out [N, Cin, H, W] = row2im(in_nᵀ · w) (+ bias [Cin]) with
/// in [N, Cout, Ho, Wo]. This is conv_transpose2d's forward pass (geometry of the matching conv).
template <Scalar T>
void conv2d_adjoint(const Conv2dGeometry& g, const T* in, const T* w, const T* bias, T* out,
                    const ConvSettings& settings = {}) {
  detail::ConvJob<T> job;
  job.w = w, job.map = in, job.adjoint = out, job.adjoint_bias = bias;
  detail::conv_engine(g, job, settings);
}

/// conv_transpose2d's backward pass in the geometry of the matching conv: with its input
/// xt [N, Cout, Ho, Wo] and output gradient dyt [N, Cin, H, W], dxt = conv2d(dyt, w),
/// dw = Σ xt_n · rows(dyt_n) and db = Σ dyt per channel, sharing one im2col of dyt. Null
/// outputs are skipped.
template <Scalar T>
void conv2d_adjoint_backward(const Conv2dGeometry& g, const T* xt, const T* w, const T* dyt, T* dxt, T* dw,
                             T* db = nullptr, const ConvSettings& settings = {}) {
  if (!dxt && !dw && !db) return;
  detail::ConvJob<T> job;
  job.w = w, job.source = dyt, job.map = dw ? xt : nullptr;
  job.out = dxt, job.dw = dw, job.source_sums = db;
  detail::conv_engine(g, job, settings);
}

}  // namespace aegan::kernels
