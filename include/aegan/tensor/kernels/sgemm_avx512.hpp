#pragma once
// Single-precision GEMM for AVX-512 hosts: C = alpha op(A) op(B) + beta C on row-major buffers.
// Included by gemm.hpp only when the compiler targets AVX-512 (F + VL); everything else, and
// every double GEMM, goes through Eigen.
//
// The layout follows the GotoBLAS/BLIS scheme, sized for one core's L1/L2:
//  - C is computed in 8 x 48 micro-tiles: 24 zmm accumulators, three 16-float vectors of a packed
//    op(B) row and one broadcast op(A) element per k, so each k step is 3 loads, 8 broadcasts and
//    24 FMAs. Narrower column and row edges use the same kernel with fewer vectors/rows (the last
//    64 columns as two 32-wide tiles, since a 16-wide one runs at about half rate). A TileSink
//    takes each finished tile instead of C (a convolution's data gradient, scattered from L1).
//  - op(B) is packed per [kKC x 48] panel (contiguous, zero-padded; transposed when op(B) = Bᵀ)
//    and stays in L1 while every row tile of the thread's share of C runs over it. A PanelSource
//    fills the panel instead when op(B) is never stored (a convolution's patches).
//  - op(A) is read in place when it is A (8 rows, one broadcast each per k), packed into [kc][8]
//    tiles when it is Aᵀ (whose columns would be strided), or gathered as rows[i][cols[k]] when
//    it is never stored (Gathered: a convolution's patches, read from the padded image).
//  - One column (N = 1) of a plain A is a dot product per row instead (gemv_rows).
// Threads split C into column blocks (or row blocks when C is narrow) with parallel_for. Every C
// element is summed in the same k order whatever the split, so results do not depend on the
// thread count.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "aegan/tensor/kernels/scratch.hpp"
#include "aegan/tensor/parallel.hpp"
#include "aegan/tensor/shape.hpp"

namespace aegan::kernels::detail::avx512 {

inline constexpr Index kMR = 8;         // rows of C per micro-tile
inline constexpr Index kNR = 48;        // columns of C per micro-tile (three zmm)
inline constexpr Index kKC = 256;       // most depth per packed panel: kKC * kNR floats = 48 KiB, L1-sized
inline constexpr Index kMinFlopsPerThread = Index(1) << 18;  // below this, a second thread costs more than it saves

inline __mmask16 tail_mask(Index n) {
  return n >= 16 ? __mmask16(0xFFFF) : n <= 0 ? __mmask16(0) : __mmask16((1u << n) - 1u);
}

/// The packed panels' per-thread buffer (kernels/scratch.hpp): no allocation in the steady state.
struct PanelsTag;
inline float* scratch(Index floats) { return kernels::detail::scratch<PanelsTag, float>(floats); }

// Full-mask forms of the shuffles: GCC 12's unmasked intrinsics pass _mm512_undefined_*() as the
// merge source and -Wuninitialized flags that at -O1/-O2 once inlined.
inline __m512 unpacklo(__m512 a, __m512 b) { return _mm512_mask_unpacklo_ps(a, __mmask16(0xFFFF), a, b); }
inline __m512 unpackhi(__m512 a, __m512 b) { return _mm512_mask_unpackhi_ps(a, __mmask16(0xFFFF), a, b); }
inline __m512 unpacklo64(__m512 a, __m512 b) {
  const __m512d x = _mm512_castps_pd(a), y = _mm512_castps_pd(b);
  return _mm512_castpd_ps(_mm512_mask_unpacklo_pd(x, __mmask8(0xFF), x, y));
}
inline __m512 unpackhi64(__m512 a, __m512 b) {
  const __m512d x = _mm512_castps_pd(a), y = _mm512_castps_pd(b);
  return _mm512_castpd_ps(_mm512_mask_unpackhi_pd(x, __mmask8(0xFF), x, y));
}
template <int Imm>
__m512 shuffle128(__m512 a, __m512 b) {
  return _mm512_mask_shuffle_f32x4(a, __mmask16(0xFFFF), a, b, Imm);
}

/// In-register transpose of 16 rows of 16 floats.
inline void transpose16x16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = unpacklo(r[i], r[i + 1]);
    t[i + 1] = unpackhi(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    r[i] = unpacklo64(t[i], t[i + 2]);
    r[i + 1] = unpackhi64(t[i], t[i + 2]);
    r[i + 2] = unpacklo64(t[i + 1], t[i + 3]);
    r[i + 3] = unpackhi64(t[i + 1], t[i + 3]);
  }
  for (int i = 0; i < 4; ++i) {
    const __m512 ab_lo = shuffle128<0x88>(r[i], r[4 + i]), ab_hi = shuffle128<0xDD>(r[i], r[4 + i]);
    const __m512 cd_lo = shuffle128<0x88>(r[8 + i], r[12 + i]), cd_hi = shuffle128<0xDD>(r[8 + i], r[12 + i]);
    t[i] = shuffle128<0x88>(ab_lo, cd_lo);
    t[4 + i] = shuffle128<0x88>(ab_hi, cd_hi);
    t[8 + i] = shuffle128<0xDD>(ab_lo, cd_lo);
    t[12 + i] = shuffle128<0xDD>(ab_hi, cd_hi);
  }
  for (int i = 0; i < 16; ++i) r[i] = t[i];
}

/// Packs op(B)[k0 : k0+kc, j0 : j0+nr) into bp[k][0 : 16*ceil(nr/16)), zero past nr.
template <bool TB>
void pack_b(const float* B, Index ldb, Index k0, Index kc, Index j0, Index nr, float* bp) {
  const Index vecs = (nr + 15) / 16, stride = vecs * 16;
  if constexpr (!TB) {
    for (Index k = 0; k < kc; ++k) {
      const float* src = B + (k0 + k) * ldb + j0;
      for (Index v = 0; v < vecs; ++v)
        _mm512_store_ps(bp + k * stride + v * 16, _mm512_maskz_loadu_ps(tail_mask(nr - v * 16), src + v * 16));
    }
  } else {  // op(B)[k][j] = B[j][k]: 16 x 16 blocks of B's rows, transposed in registers
    for (Index v = 0; v < vecs; ++v) {
      const Index rows = std::min<Index>(16, nr - v * 16);
      for (Index kk = 0; kk < kc; kk += 16) {
        const Index kn = std::min<Index>(16, kc - kk);
        const __mmask16 km = tail_mask(kn);
        __m512 r[16];
        for (Index j = 0; j < 16; ++j)
          r[j] = j < rows ? _mm512_maskz_loadu_ps(km, B + (j0 + v * 16 + j) * ldb + k0 + kk) : _mm512_setzero_ps();
        transpose16x16(r);
        for (Index k = 0; k < kn; ++k) _mm512_store_ps(bp + (kk + k) * stride + v * 16, r[k]);
      }
    }
  }
}

/// op(B) made on the fly, one panel at a time (gemm.hpp's RhsSource, for float): the GEMM calls
/// fill where it would pack that panel, so op(B) goes straight into the L1-sized panel buffer.
struct PanelSource {
  void (*fill)(const void* context, Index k0, Index kc, Index j0, Index nr, float* out, Index ld);
  const void* context;
};

/// pack_b's job done by a PanelSource: the panel's rows, zero past nr.
inline void fill_b(const PanelSource& source, Index k0, Index kc, Index j0, Index nr, float* bp) {
  const Index stride = (nr + 15) / 16 * 16;
  source.fill(source.context, k0, kc, j0, nr, bp, stride);
  if (nr < stride)
    for (Index k = 0; k < kc; ++k) std::fill(bp + k * stride + nr, bp + (k + 1) * stride, 0.0f);
}

/// Packs op(A) = Aᵀ, rows [i0, i0+rows) and depth [k0, k0+kc), into ap[k][0 : 8), zero past rows.
/// (A itself is [K, M]: each k contributes 8 consecutive floats.)
inline void pack_at(const float* A, Index lda, Index i0, Index rows, Index k0, Index kc, float* ap) {
  const __mmask8 rm = rows >= 8 ? __mmask8(0xFF) : __mmask8((1u << rows) - 1u);
  for (Index k = 0; k < kc; ++k) _mm256_store_ps(ap + k * 8, _mm256_maskz_loadu_ps(rm, A + (k0 + k) * lda + i0));
}

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

/// The operands of a product that are never stored whole; null members are stored as usual.
struct Implicit {
  const PanelSource* rhs = nullptr;  // op(B), filled panel by panel
  const Gathered* lhs = nullptr;     // A, gathered
  const TileSink* sink = nullptr;    // C, taken tile by tile (one k block only, so each tile is final)
};

/// Where the micro-kernel reads op(A)[r][k]: a packed [kc][8] tile, the rows of A in place, or
/// gathered through a row pointer and a column offset (g.rows, g.cols already at the tile).
enum class AMode { Packed, Rows, Gathered };

struct Epilogue {
  float alpha, beta;
  bool first;         // first k block: C = alpha·acc + bias + beta·C (C unread if beta == 0); later C += alpha·acc
  const float* bias;  // null, or the row added to every row of the tile, at the tile's first column
};

/// C[0:R, 0:16V) (columns masked by `last` in the final vector) from kc steps of op(A) x packed op(B).
template <AMode AM, int R, int V>
void micro(Index kc, const float* a, Index lda, Gathered g, const float* bp, float* c, Index ldc, Epilogue e,
           __mmask16 last) {
  __m512 acc[R * V];
  const float* row[R];  // AMode::Gathered: the tile's row pointers, held in registers
  if constexpr (AM == AMode::Gathered)
    for (int r = 0; r < R; ++r) row[r] = g.rows[r];
  [&]<std::size_t... I>(std::index_sequence<I...>) { ((acc[I] = _mm512_setzero_ps()), ...); }(
      std::make_index_sequence<R * V>{});
  for (Index k = 0; k < kc; ++k) {
    __m512 b[V];
    [&]<std::size_t... I>(std::index_sequence<I...>) { ((b[I] = _mm512_load_ps(bp + k * 16 * V + 16 * I)), ...); }(
        std::make_index_sequence<V>{});
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (([&] {
         constexpr Index r = I;
         float av;
         if constexpr (AM == AMode::Packed)
           av = a[k * kMR + r];
         else if constexpr (AM == AMode::Rows)
           av = a[r * lda + k];
         else
           av = row[r][g.cols[k]];
         const __m512 va = _mm512_set1_ps(av);
         [&]<std::size_t... J>(std::index_sequence<J...>) {
           ((acc[r * V + J] = _mm512_fmadd_ps(va, b[J], acc[r * V + J])), ...);
         }(std::make_index_sequence<V>{});
       }()),
       ...);
    }(std::make_index_sequence<R>{});
  }
  const __m512 alpha = _mm512_set1_ps(e.alpha), beta = _mm512_set1_ps(e.beta);
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (([&] {
       constexpr Index r = I / V, v = I % V;
       const __mmask16 m = v == V - 1 ? last : __mmask16(0xFFFF);
       float* dst = c + r * ldc + v * 16;
       // Explicit FMAs only: a plain multiply followed by an add could be contracted differently
       // in different kernel instances, and the bits of C would then depend on the tiling.
       __m512 out;
       if (!e.first) {
         out = _mm512_fmadd_ps(acc[I], alpha, _mm512_maskz_loadu_ps(m, dst));
       } else {
         const __m512 addend = e.bias ? _mm512_maskz_loadu_ps(m, e.bias + v * 16) : _mm512_setzero_ps();
         out = _mm512_fmadd_ps(acc[I], alpha, addend);
         if (e.beta != 0.0f) out = _mm512_fmadd_ps(beta, _mm512_maskz_loadu_ps(m, dst), out);
       }
       _mm512_mask_storeu_ps(dst, m, out);
     }()),
     ...);
  }(std::make_index_sequence<R * V>{});
}

template <AMode AM, int V>
void micro_rows(Index rows, Index kc, const float* a, Index lda, Gathered g, const float* bp, float* c, Index ldc,
                Epilogue e, __mmask16 last) {
  switch (rows) {
    case 8: micro<AM, 8, V>(kc, a, lda, g, bp, c, ldc, e, last); break;
    case 7: micro<AM, 7, V>(kc, a, lda, g, bp, c, ldc, e, last); break;
    case 6: micro<AM, 6, V>(kc, a, lda, g, bp, c, ldc, e, last); break;
    case 5: micro<AM, 5, V>(kc, a, lda, g, bp, c, ldc, e, last); break;
    case 4: micro<AM, 4, V>(kc, a, lda, g, bp, c, ldc, e, last); break;
    case 3: micro<AM, 3, V>(kc, a, lda, g, bp, c, ldc, e, last); break;
    case 2: micro<AM, 2, V>(kc, a, lda, g, bp, c, ldc, e, last); break;
    default: micro<AM, 1, V>(kc, a, lda, g, bp, c, ldc, e, last); break;
  }
}

template <AMode AM>
void micro_tile(Index rows, Index cols, Index kc, const float* a, Index lda, Gathered g, const float* bp, float* c,
                Index ldc, Epilogue e) {
  const __mmask16 last = tail_mask(cols - (cols - 1) / 16 * 16);
  switch ((cols + 15) / 16) {
    case 3: micro_rows<AM, 3>(rows, kc, a, lda, g, bp, c, ldc, e, last); break;
    case 2: micro_rows<AM, 2>(rows, kc, a, lda, g, bp, c, ldc, e, last); break;
    default: micro_rows<AM, 1>(rows, kc, a, lda, g, bp, c, ldc, e, last); break;
  }
}

/// Columns of the panel that starts at column j when columns [j, j1) are left: kNR, except that 64
/// left are two 32-wide panels. A lone 16-wide panel (N = 48q + 16: 64, 1024, 3136) runs its tiles
/// at little more than half the rate of the 48-wide ones; 32-wide ones lose only about a tenth.
inline Index panel_cols(Index j, Index j1) { return j1 - j == 64 ? 32 : std::min(kNR, j1 - j); }

/// Depth of each k block: equal blocks (784 = 4 x 196, not 3 x 256 + 16), since a thin last block
/// would cost a C round trip.
inline Index k_block(Index K) {
  const Index blocks = (K + kKC - 1) / kKC;
  return (K + blocks - 1) / blocks;
}

/// op(B) packed once for every k block and panel (panel_cols), so a right-hand side used in many
/// products (a layer's weight against each chunk of samples) is not packed again for each one.
/// Panel (k0, j) starts at k0 * panels_width(N) + j * kc.
inline Index panels_width(Index N) { return (N + kNR - 1) / kNR * kNR; }
inline Index packed_b_floats(Index K, Index N) { return K * panels_width(N); }

template <bool TB>
void pack_b_panels(const float* B, Index K, Index N, float* panels) {
  const Index ldb = TB ? K : N, kblock = k_block(K), width = panels_width(N);
  for (Index k0 = 0; k0 < K; k0 += kblock) {
    const Index kc = std::min(kblock, K - k0);
    for (Index j = 0, cols = 0; j < N; j += cols) {
      cols = panel_cols(j, N);
      pack_b<TB>(B, ldb, k0, kc, j, cols, panels + k0 * width + j * kc);
    }
  }
}

/// C[i0:i1, j0:j1) for the whole depth K: one thread's share. With `panels` (from pack_b_panels of
/// op(B), N columns in all) B is not read and [j0, j1) must start and end on panel boundaries; with
/// implicit.rhs B is not read either and each panel is filled by it; with implicit.sink C is not
/// written.
template <bool TA, bool TB>
void block(Index i0, Index i1, Index j0, Index j1, Index K, float alpha, const float* A, Index lda, const float* B,
           Index ldb, float beta, const float* bias, float* C, Index ldc, const float* panels, Index N,
           const Implicit& implicit) {
  const Index tiles = (i1 - i0 + kMR - 1) / kMR;
  // op(A) = Aᵀ would be read a strided column at a time: copy it into [kc][8] tiles once per k
  // block. A plain A is read in place, a row at a time, which costs nothing to set up.
  constexpr bool pack_lhs = TA;
  float* bp = scratch(kKC * kNR + (pack_lhs ? tiles * kMR * kKC : 0));
  float* ap = bp + kKC * kNR;
  const Index kblock = k_block(K), panel_width = panels_width(N);
  const PanelSource* source = implicit.rhs;
  const Gathered* gathered = implicit.lhs;
  const TileSink* sink = implicit.sink;
  alignas(64) float tile[kMR * kNR];  // the micro-tile a sink takes
  for (Index k0 = 0; k0 < K; k0 += kblock) {
    const Index kc = std::min(kblock, K - k0);
    const bool first = k0 == 0;
    if constexpr (pack_lhs)
      for (Index t = 0; t < tiles; ++t)
        pack_at(A, lda, i0 + t * kMR, std::min(kMR, i1 - i0 - t * kMR), k0, kc, ap + t * kMR * kc);
    for (Index j = j0, cols = 0; j < j1; j += cols) {
      cols = panel_cols(j, j1);
      const Epilogue e{alpha, beta, first, bias ? bias + j : nullptr};
      const float* b = panels ? panels + k0 * panel_width + j * kc : bp;
      if (source)
        fill_b(*source, k0, kc, j, cols, bp);
      else if (!panels)
        pack_b<TB>(B, ldb, k0, kc, j, cols, bp);
      for (Index i = i0; i < i1; i += kMR) {
        const Index rows = std::min(kMR, i1 - i);
        float* c = sink ? tile : C + i * ldc + j;
        const Index ldt = sink ? kNR : ldc;
        // Ask for the next tile's C lines now: their (write-allocate) misses then overlap this
        // tile's arithmetic instead of stalling its stores, which matters when kc is small.
        if (!sink)
          for (Index r = kMR; r < std::min(2 * kMR, i1 - i); ++r)
            for (Index q = 0; q < cols; q += 16)
              _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + q), _MM_HINT_T0);
        if constexpr (pack_lhs)
          micro_tile<AMode::Packed>(rows, cols, kc, ap + (i - i0) * kc, lda, {}, b, c, ldt, e);
        else if (gathered)
          micro_tile<AMode::Gathered>(rows, cols, kc, nullptr, 0, {gathered->rows + i, gathered->cols + k0}, b, c, ldt, e);
        else
          micro_tile<AMode::Rows>(rows, cols, kc, A + i * lda + k0, lda, {}, b, c, ldt, e);
        if (sink) sink->take(sink->context, i, rows, j, cols, tile, kNR);
      }
    }
  }
}

template <bool TA, bool TB>
void sgemm(Index M, Index N, Index K, float alpha, const float* A, const float* B, float beta, const float* bias,
           float* C, const float* panels, const Implicit& implicit = {}) {
  const Index lda = TA ? M : K, ldb = TB ? K : N, ldc = N;
  const Index flops = 2 * M * N * K;
  // Split columns (in 16-wide units, or whole panels when op(B) is pre-packed) when C is wide
  // enough for every thread to get a few panels' worth; otherwise split rows in 8-row tiles.
  // Pre-packed panels go in kNR-wide units, the last one taking the rest of the columns, so that
  // each thread's range starts and ends on a panel boundary of pack_b_panels (see panel_cols).
  const Index col_unit = panels ? kNR : 16;
  const Index col_units = panels ? std::max<Index>(1, N / kNR) : (N + 15) / 16, row_units = (M + kMR - 1) / kMR;
  const bool by_cols = N >= 64 * num_threads();
  const Index units = by_cols ? col_units : row_units;
  const Index min_units = std::max<Index>(1, kMinFlopsPerThread / std::max<Index>(1, flops / units));
  parallel_for(units, min_units, [&](Index b, Index e) {
    if (by_cols)
      block<TA, TB>(0, M, b * col_unit, e == units ? N : e * col_unit, K, alpha, A, lda, B, ldb, beta, bias, C, ldc, panels, N, implicit);
    else
      block<TA, TB>(b * kMR, std::min(M, e * kMR), 0, N, K, alpha, A, lda, B, ldb, beta, bias, C, ldc, panels, N, implicit);
  });
}

/// C = alpha A b + beta C (+ bias[0]) for one column (N = 1) and A itself (not Aᵀ), whose rows
/// are contiguous: one dot product per row, 16 lanes wide and folded in a fixed order. The tiled
/// kernel would pad b to a 16-wide panel and carry 15 zeros in every FMA (a critic's
/// Linear(6272 -> 1) on a batch of 64: 0.27 ms against 0.05). Rows go four at a time for four
/// independent FMA chains; each row's arithmetic is the same whichever group or thread it is in.
inline void gemv_rows(Index M, Index K, float alpha, const float* A, const float* b, float beta, const float* bias,
                      float* C) {
  auto finish = [&](Index i, __m512 acc) {
    // The 16 lanes folded pairwise through memory: GCC 12's _mm512_reduce_add_ps passes an
    // undefined vector to an extract, and -Wmaybe-uninitialized fires in user code that inlines it.
    alignas(64) float lanes[16];
    _mm512_store_ps(lanes, acc);
    for (int width = 8; width >= 1; width /= 2)
      for (int l = 0; l < width; ++l) lanes[l] += lanes[l + width];
    float out = std::fma(lanes[0], alpha, bias ? bias[0] : 0.0f);
    if (beta != 0.0f) out = std::fma(beta, C[i], out);
    C[i] = out;
  };
  auto dot_rows = [&]<int R>(Index i) {  // rows [i, i + R), one FMA chain each
    __m512 acc[R];
    for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps();
    for (Index k = 0; k < K; k += 16) {
      const __mmask16 m = tail_mask(K - k);
      const __m512 bv = _mm512_maskz_loadu_ps(m, b + k);
      for (int r = 0; r < R; ++r) acc[r] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, A + (i + r) * K + k), bv, acc[r]);
    }
    for (int r = 0; r < R; ++r) finish(i + r, acc[r]);
  };
  parallel_for(M, std::max<Index>(4, kMinFlopsPerThread / (2 * K)), [&](Index i0, Index i1) {
    Index i = i0;
    for (; i + 4 <= i1; i += 4) dot_rows.template operator()<4>(i);
    for (; i < i1; ++i) dot_rows.template operator()<1>(i);
  });
}

/// C = alpha op(A) op(B) + beta C (+ bias, a length-N row added to every row, when not null).
/// op(A) is M x K, op(B) is K x N, C is M x N; all row-major and densely packed. M, N >= 1.
/// `panels`, when not null, is op(B) already packed by pack_b_panels (B is then not read).
/// One column of a plain A (N = 1, no panels) is a dot product per row (gemv_rows).
inline void sgemm(bool ta, bool tb, Index M, Index N, Index K, float alpha, const float* A, const float* B, float beta,
                  const float* bias, float* C, const float* panels = nullptr) {
  if (K == 0) {  // no products: C = beta·C + bias
    for (Index i = 0; i < M * N; ++i) C[i] = (beta == 0.0f ? 0.0f : beta * C[i]) + (bias ? bias[i % N] : 0.0f);
    return;
  }
  if (N == 1 && !ta && !panels) {  // op(B) is a contiguous K-vector either way round
    gemv_rows(M, K, alpha, A, B, beta, bias, C);
    return;
  }
  if (!ta && !tb) sgemm<false, false>(M, N, K, alpha, A, B, beta, bias, C, panels);
  if (!ta && tb) sgemm<false, true>(M, N, K, alpha, A, B, beta, bias, C, panels);
  if (ta && !tb) sgemm<true, false>(M, N, K, alpha, A, B, beta, bias, C, panels);
  if (ta && tb) sgemm<true, true>(M, N, K, alpha, A, B, beta, bias, C, panels);
}

/// C = alpha A op(B) + beta C with A (M x K) gathered and op(B) packed by pack_b_panels. M, N, K >= 1.
inline void sgemm(Index M, Index N, Index K, float alpha, const Gathered& A, const float* panels, float beta, float* C) {
  sgemm<false, false>(M, N, K, alpha, nullptr, nullptr, beta, nullptr, C, panels, {.lhs = &A});
}

/// C = alpha op(A) op(B) + beta C with op(B) (K x N) made panel by panel by `source`. M, N, K >= 1.
inline void sgemm(bool ta, Index M, Index N, Index K, float alpha, const float* A, const PanelSource& source,
                  float beta, float* C) {
  if (ta)
    sgemm<true, false>(M, N, K, alpha, A, nullptr, beta, nullptr, C, nullptr, {.rhs = &source});
  else
    sgemm<false, false>(M, N, K, alpha, A, nullptr, beta, nullptr, C, nullptr, {.rhs = &source});
}

/// C = alpha op(A) op(B), op(B) packed by pack_b_panels, with every finished tile handed to `sink`
/// instead of stored: on the calling thread, in a fixed order (column panels, then row tiles).
/// 1 <= K <= kKC, so that one k block makes each tile final. M, N >= 1.
inline void sgemm(bool ta, Index M, Index N, Index K, float alpha, const float* A, const float* panels,
                  const TileSink& sink) {
  if (ta)
    block<true, false>(0, M, 0, N, K, alpha, A, M, nullptr, 0, 0.0f, nullptr, nullptr, 0, panels, N, {.sink = &sink});
  else
    block<false, false>(0, M, 0, N, K, alpha, A, K, nullptr, 0, 0.0f, nullptr, nullptr, 0, panels, N, {.sink = &sink});
}

}  // namespace aegan::kernels::detail::avx512
