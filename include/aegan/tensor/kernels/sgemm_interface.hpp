#pragma once
// What every instruction set's float GEMM (sgemm_body.inc) takes and offers: the operands that
// are never stored whole, the packing constants that callers size their buffers by, and the
// table of entry points that sgemm.hpp fills once per instruction set and chooses from.
#include "aegan/tensor/kernels/simd/isa.hpp"
#include "aegan/tensor/shape.hpp"

namespace aegan::kernels::detail::sgemm {

inline constexpr Index kKC = 256;          // most depth per packed panel: one k block
inline constexpr Index kMaxPanelCols = 48; // the widest panel of any instruction set (AVX-512's 3 x 16)
inline constexpr Index kMinFlopsPerThread = Index(1) << 18;  // below this, a second thread costs more than it saves

/// op(B) made on the fly, one panel at a time (gemm.hpp's RhsSource, for float): the GEMM calls
/// fill where it would pack that panel, so op(B) goes straight into the L1-sized panel buffer.
struct PanelSource {
  void (*fill)(const void* context, Index k0, Index kc, Index j0, Index nr, float* out, Index ld);
  const void* context;
};

/// op(A) gathered instead of stored (gemm.hpp's GatheredLhs, for float): op(A)[i][k] = rows[i][cols[k]].
struct Gathered {
  const float* const* rows;
  const Index* cols;
};

/// C consumed instead of stored (gemm.hpp's TileSink, for float): each finished micro-tile is handed
/// to take, e.g. to be scattered onto a convolution's padded image, so C never leaves L1.
struct TileSink {
  void (*take)(const void* context, Index i0, Index rows, Index j0, Index cols, const float* tile, Index ld);
  const void* context;
};

/// One instruction set's GEMM: the entry points gemm.hpp calls, all with the semantics of
/// sgemm_body.inc's functions of the same names.
struct Kernels {
  simd::Isa isa;
  Index (*packed_b_floats)(Index K, Index N);
  void (*pack_b_panels)(bool tb, const float* B, Index K, Index N, float* panels);
  void (*product)(bool ta, bool tb, Index M, Index N, Index K, float alpha, const float* A, const float* B,
                  float beta, const float* bias, float* C, const float* panels);
  void (*product_gathered)(Index M, Index N, Index K, float alpha, const Gathered& A, const float* panels, float beta,
                           float* C);
  void (*product_from_source)(bool ta, Index M, Index N, Index K, float alpha, const float* A,
                              const PanelSource& source, float beta, float* C);
  void (*product_to_sink)(bool ta, Index M, Index N, Index K, float alpha, const float* A, const float* panels,
                          const TileSink& sink);
};

}  // namespace aegan::kernels::detail::sgemm
