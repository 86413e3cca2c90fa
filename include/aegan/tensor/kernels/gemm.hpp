#pragma once
// C = alpha * op(A) * op(B) + beta * C on contiguous row-major buffers. float runs aegan's own
// packed kernel (sgemm.hpp: one source, compiled for AVX-512, AVX2, NEON or the baseline vector
// width, the widest the CPU has chosen at run time in a baseline x86 build); double goes through
// Eigen's GEMM (which blocks for the cache, vectorizes for the host, and threads with OpenMP on
// its own). The float kernel also takes operands that are never stored whole (kImplicitGemm):
// op(B) filled panel by panel (RhsSource), A gathered through row pointers (GatheredLhs), and C
// handed over tile by tile (TileSink).
#include <string>
#include <type_traits>

#include "aegan/tensor/flop_counter.hpp"
#include "aegan/tensor/kernels/sgemm.hpp"
#include "aegan/tensor/tensor.hpp"

namespace aegan::kernels {

enum class Trans { No, Yes };

namespace detail {
/// Eigen's GEMM behind every product that aegan's own kernel does not take (not counted here:
/// the public entry points count each product once).
template <Scalar T>
void eigen_gemm(Trans ta, Trans tb, Index M, Index N, Index K, T alpha, const T* A, const T* B, T beta, T* C) {
  using RowMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<RowMat> c(C, M, N);
  const Eigen::Map<const RowMat> a(A, ta == Trans::No ? M : K, ta == Trans::No ? K : M);
  const Eigen::Map<const RowMat> b(B, tb == Trans::No ? K : N, tb == Trans::No ? N : K);
  if (beta == T(0)) {
    c.setZero();
  } else if (beta != T(1)) {
    c *= beta;
  }
  if (ta == Trans::No && tb == Trans::No) c.noalias() += alpha * a * b;
  if (ta == Trans::No && tb == Trans::Yes) c.noalias() += alpha * a * b.transpose();
  if (ta == Trans::Yes && tb == Trans::No) c.noalias() += alpha * a.transpose() * b;
  if (ta == Trans::Yes && tb == Trans::Yes) c.noalias() += alpha * a.transpose() * b.transpose();
}
}  // namespace detail

/// op(A) is M x K, op(B) is K x N, C is M x N; all row-major and densely packed.
template <Scalar T>
void gemm(Trans ta, Trans tb, Index M, Index N, Index K, T alpha, const T* A, const T* B, T beta, T* C) {
  if (M == 0 || N == 0) return;
  aegan::detail::count_product(M, N, K);
  if constexpr (std::is_same_v<T, float>)
    detail::sgemm::kernels().product(ta == Trans::Yes, tb == Trans::Yes, M, N, K, alpha, A, B, beta, nullptr, C, nullptr);
  else
    detail::eigen_gemm(ta, tb, M, N, K, alpha, A, B, beta, C);
}

/// The right-hand side of products repeated with the same op(B) (a convolution's weight against
/// each chunk of samples), prepared once: in float op(B) is packed into the GEMM's panels, so the
/// products skip their own packing; in double it only remembers B.
template <Scalar T>
struct PackedRhs {
  Trans tb = Trans::No;
  Index K = 0, N = 0;
  const T* b = nullptr;
  const float* panels = nullptr;  // float only

  /// Scratch values (T) that pack() needs for op(B) of K x N.
  static Index storage_size(Index K, Index N) {
    if constexpr (std::is_same_v<T, float>) return detail::sgemm::kernels().packed_b_floats(K, N);
    return 0;
  }

  /// op(B) is K x N; `storage` holds storage_size(K, N) values and must outlive the products.
  static PackedRhs pack(Trans tb, Index K, Index N, const T* B, [[maybe_unused]] T* storage) {
    PackedRhs p{tb, K, N, B, nullptr};
    if constexpr (std::is_same_v<T, float>) {
      if (K > 0 && N > 0) {
        detail::sgemm::kernels().pack_b_panels(tb == Trans::Yes, B, K, N, storage);
        p.panels = storage;
      }
    }
    return p;
  }
};

/// C = alpha * op(A) * rhs + beta * C, with op(A) M x rhs.K.
template <Scalar T>
void gemm(Trans ta, Index M, T alpha, const T* A, const PackedRhs<T>& rhs, T beta, T* C) {
  if (M == 0 || rhs.N == 0) return;
  aegan::detail::count_product(M, rhs.N, rhs.K);
  if constexpr (std::is_same_v<T, float>)
    detail::sgemm::kernels().product(ta == Trans::Yes, rhs.tb == Trans::Yes, M, rhs.N, rhs.K, alpha, A, rhs.b, beta,
                                     nullptr, C, rhs.panels);
  else
    detail::eigen_gemm(ta, rhs.tb, M, rhs.N, rhs.K, alpha, A, rhs.b, beta, C);
}

/// Whether gemm() takes operands that are never stored whole (RhsSource, GatheredLhs, TileSink): the
/// float GEMM, which packs op(B) one L1-sized panel at a time anyway, reads A one element at a
/// time and finishes C one register tile at a time. Eigen's (double) does not: callers store them.
template <Scalar T>
inline constexpr bool kImplicitGemm = std::is_same_v<T, float>;

/// op(B) of K x N as a recipe instead of a buffer: fill(context, k0, kc, j0, nr, out, ld) writes
/// op(B)[k0 + k][j0 + j] to out[k·ld + j] for k < kc and j < nr (nr <= kMaxPanelCols, 48). It may
/// be called from several threads at once, for different panels.
template <Scalar T>
struct RhsSource {
  Index K = 0, N = 0;
  void (*fill)(const void* context, Index k0, Index kc, Index j0, Index nr, T* out, Index ld) = nullptr;
  const void* context = nullptr;
};

/// A (M x K) read through row pointers and column offsets: A[i][k] = rows[i][cols[k]], e.g. a
/// convolution's patches read straight from the padded image (rows[i]: pixel i's receptive field,
/// cols[k]: where patch entry k sits in it).
template <Scalar T>
struct GatheredLhs {
  const T* const* rows = nullptr;
  const Index* cols = nullptr;
};

/// C = alpha * A * rhs + beta * C with A gathered (see kImplicitGemm), M x rhs.K.
template <Scalar T>
void gemm(const GatheredLhs<T>& A, Index M, T alpha, const PackedRhs<T>& rhs, T beta, T* C) {
  static_assert(kImplicitGemm<T>, "gemm: a GatheredLhs needs the float GEMM (test kImplicitGemm<T>)");
  if (M == 0 || rhs.N == 0) return;
  if (rhs.K == 0 || !rhs.panels) throw ValueError("gemm: a GatheredLhs needs a packed right-hand side with K > 0");
  aegan::detail::count_product(M, rhs.N, rhs.K);
  detail::sgemm::kernels().product_gathered(M, rhs.N, rhs.K, alpha, detail::sgemm::Gathered{A.rows, A.cols},
                                            rhs.panels, beta, C);
}

/// C (M x N) handed over instead of stored: take(context, i0, rows, j0, cols, tile, ld) receives
/// C[i0 + i][j0 + j] = tile[i·ld + j] for i < rows and j < cols. Every element of C arrives exactly
/// once, on the calling thread, tiles in a fixed order, so take may accumulate them anywhere (a
/// convolution's data gradient, scattered onto the padded image while the tile is in L1).
template <Scalar T>
struct TileSink {
  void (*take)(const void* context, Index i0, Index rows, Index j0, Index cols, const T* tile, Index ld) = nullptr;
  const void* context = nullptr;
};

/// The deepest product a TileSink takes: the depth the GEMM finishes a tile in, one k block.
inline constexpr Index kTileSinkMaxDepth = detail::sgemm::kKC;

/// sink <- alpha * op(A) * rhs (see kImplicitGemm and TileSink), op(A) M x rhs.K with
/// 1 <= rhs.K <= kTileSinkMaxDepth. Single-threaded: callers split their work across threads.
template <Scalar T>
void gemm(Trans ta, Index M, T alpha, const T* A, const PackedRhs<T>& rhs, const TileSink<T>& sink) {
  static_assert(kImplicitGemm<T>, "gemm: a TileSink needs the float GEMM (test kImplicitGemm<T>)");
  if (M == 0 || rhs.N == 0) return;
  if (rhs.K < 1 || rhs.K > kTileSinkMaxDepth || !rhs.panels)
    throw ValueError("gemm: a TileSink needs a packed right-hand side with 1 <= K <= " +
                     std::to_string(kTileSinkMaxDepth) + ", got K = " + std::to_string(rhs.K));
  aegan::detail::count_product(M, rhs.N, rhs.K);
  detail::sgemm::kernels().product_to_sink(ta == Trans::Yes, M, rhs.N, rhs.K, alpha, A, rhs.panels,
                                           detail::sgemm::TileSink{sink.take, sink.context});
}

/// C = alpha * op(A) * op(B) + beta * C with op(B) filled panel by panel from `rhs` (see
/// kImplicitGemm), op(A) M x rhs.K.
template <Scalar T>
void gemm(Trans ta, Index M, T alpha, const T* A, const RhsSource<T>& rhs, T beta, T* C) {
  static_assert(kImplicitGemm<T>, "gemm: an RhsSource needs the float GEMM (test kImplicitGemm<T>)");
  if (M == 0 || rhs.N == 0) return;
  if (rhs.K == 0) return gemm(ta, Trans::No, M, rhs.N, Index(0), alpha, A, A, beta, C);  // C = beta·C
  aegan::detail::count_product(M, rhs.N, rhs.K);
  detail::sgemm::kernels().product_from_source(ta == Trans::Yes, M, rhs.N, rhs.K, alpha, A,
                                               detail::sgemm::PanelSource{rhs.fill, rhs.context}, beta, C);
}

/// C = op(A) op(B) + 1·biasᵀ: `bias` (length N) added to every row, as in x·Wᵀ + b. One pass over
/// C in float (the bias enters in the kernel's store); in double C is filled with the bias and the
/// GEMM accumulates onto it.
template <Scalar T>
void gemm_bias(Trans ta, Trans tb, Index M, Index N, Index K, const T* A, const T* B, const T* bias, T* C) {
  if (M == 0 || N == 0) return;
  aegan::detail::count_product(M, N, K);
  if constexpr (std::is_same_v<T, float>) {
    detail::sgemm::kernels().product(ta == Trans::Yes, tb == Trans::Yes, M, N, K, 1.0f, A, B, 0.0f, bias, C, nullptr);
  } else {
    using RowMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    Eigen::Map<RowMat>(C, M, N).rowwise() = Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>>(bias, N);
    detail::eigen_gemm(ta, tb, M, N, K, T(1), A, B, T(1), C);
  }
}

}  // namespace aegan::kernels
