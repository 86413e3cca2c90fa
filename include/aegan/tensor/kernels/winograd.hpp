#pragma once
// Winograd's minimal filtering for 4x4, stride-2, pad-1 convolutions (and, as their adjoints,
// the transposed convolutions that double a map): the layers that carry almost all of a DCGAN-
// family training step's multiplications.
//
// Split by the parity (a, b) of rows and columns, a 4x4 stride-2 convolution with an Ho x Wo
// output is a 2x2 stride-1 one over 4·Cin phase planes P_ab[i][j] = x_padded[2i + a][2j + b],
// each (Ho + 1) x (Wo + 1). The planes are cut into tiles of F(m x m, 2x2): (m + 1)² inputs
// give m x m outputs,
//   Y = Aᵀ [U ⊙ V] A,   U = G g Gᵀ (kernel),   V = Bᵀ d B (input tile),
// (m + 1)² products per tile and kernel where the direct convolution takes 4·m². Summed over the
// 4·Cin planes, each transform point ξ is one GEMM over the batch's tiles:
//   M[ξ] [N·tiles, Cout] = V[ξ] [N·tiles, 4·Cin] · U[ξ] [4·Cin, Cout].
// The backward passes use the transforms' exact adjoints:
//   dM = A dY Aᵀ,   dV[ξ] = dM[ξ] · U[ξ]ᵀ,   dx = B dV Bᵀ,   dU[ξ] = V[ξ]ᵀ · dM[ξ],   dw = Gᵀ dU G.
// Two tilings (see Tiling): F(7x7, 2x2) where the output is 7x7 (the MNIST networks' 14 -> 7,
// the whole 8x8 plane one tile: 64/196 of the direct multiplications) and F(4x4, 2x2) where both
// output sides are multiples of 4 (the 8 -> 4, 16 -> 8 and 32 -> 16 layers of the 32x32 and
// 64x64 networks: 25/64). In float a result differs from the direct convolution's by a few 1e-5
// (F7) or 1e-6 (F4) of its largest value (tests/test_winograd.cpp), well inside what training
// notices, and the float path's GEMMs and transforms are each done by one thread, so results are
// bit-identical for any thread count.
#include <algorithm>
#include <array>
#include <cstring>
#include <type_traits>

#ifdef __AVX512F__
#include <immintrin.h>
#endif

#include "aegan/tensor/kernels/conv_job.hpp"
#include "aegan/tensor/kernels/conv_settings.hpp"
#include "aegan/tensor/kernels/gemm.hpp"
#include "aegan/tensor/kernels/im2col.hpp"
#include "aegan/tensor/kernels/rectifier.hpp"
#include "aegan/tensor/kernels/scratch.hpp"
#include "aegan/tensor/parallel.hpp"

namespace aegan::kernels {

namespace detail::winograd {

inline constexpr int kLanes = 16;  // channels transformed side by side (one zmm of floats)

/// F(7x7, 2x2) on the points 0, 1, -1, 2, -2, 1/2, -1/2, ∞, derived by Toom-Cook (Aᵀ = V_7ᵀ,
/// G = V_2, Bᵀ = V_8⁻ᵀ for the Vandermonde matrices V_n of those points, with each point's scale
/// moved from Bᵀ's row into G's so that Bᵀ is integral).
struct F7x7 {
  static constexpr int out = 7, tile = 8, points = tile * tile;
  static constexpr double a_t[out][tile] = {
      {1, 1, 1, 1, 1, 1, 1, 0},           {0, 1, -1, 2, -2, 0.5, -0.5, 0},
      {0, 1, 1, 4, 4, 0.25, 0.25, 0},     {0, 1, -1, 8, -8, 0.125, -0.125, 0},
      {0, 1, 1, 16, 16, 0.0625, 0.0625, 0}, {0, 1, -1, 32, -32, 0.03125, -0.03125, 0},
      {0, 1, 1, 64, 64, 0.015625, 0.015625, 1}};
  static constexpr double g[tile][2] = {{1.0 / 4, 0},           {1.0 / 18, 1.0 / 18},   {1.0 / 18, -1.0 / 18},
                                        {1.0 / 360, 1.0 / 180}, {1.0 / 360, -1.0 / 180}, {1.0 / 45, 1.0 / 90},
                                        {1.0 / 45, -1.0 / 90},  {0, 1.0 / 4}};
  static constexpr double b_t[tile][tile] = {
      {4, 0, -21, 0, 21, 0, -4, 0},        {0, -4, -4, 17, 17, -4, -4, 0},   {0, 4, -4, -17, 17, 4, -4, 0},
      {0, 2, 1, -10, -5, 8, 4, 0},         {0, -2, 1, 10, -5, -8, 4, 0},     {0, 64, 128, -80, -160, 16, 32, 0},
      {0, -64, 128, 80, -160, -16, 32, 0}, {0, -4, 0, 21, 0, -21, 0, 4}};
};

/// F(4x4, 2x2) on the points 0, 1, -1, 2, ∞, derived the same way.
struct F4x4 {
  static constexpr int out = 4, tile = 5, points = tile * tile;
  static constexpr double a_t[out][tile] = {{1, 1, 1, 1, 0}, {0, 1, -1, 2, 0}, {0, 1, 1, 4, 0}, {0, 1, -1, 8, 1}};
  static constexpr double g[tile][2] = {{1.0 / 2, 0}, {1.0 / 2, 1.0 / 2}, {1.0 / 6, -1.0 / 6}, {1.0 / 6, 1.0 / 3}, {0, 1}};
  static constexpr double b_t[tile][tile] = {
      {2, -1, -2, 1, 0}, {0, 2, 1, -1, 0}, {0, -2, 3, -1, 0}, {0, -1, 0, 1, 0}, {0, 2, -1, -2, 1}};
};

/// Which tiling serves a geometry: F7x7 for a 7x7 output, F4x4 where both output sides are
/// multiples of 4, none otherwise (or when it is not a 4x4 stride-2 pad-1 convolution).
enum class Tiling { None, F7x7, F4x4 };
inline Tiling tiling_of(const Conv2dGeometry& g) {
  if (g.kernel_h != 4 || g.kernel_w != 4 || g.stride_h != 2 || g.stride_w != 2 || g.pad_h != 1 || g.pad_w != 1)
    return Tiling::None;
  if (g.out_h == F7x7::out && g.out_w == F7x7::out) return Tiling::F7x7;
  if (g.out_h > 0 && g.out_w > 0 && g.out_h % F4x4::out == 0 && g.out_w % F4x4::out == 0) return Tiling::F4x4;
  return Tiling::None;
}

/// A transform matrix in the scalar type, R x C, built (transposed or not) at compile time.
template <Scalar T, int R, int C>
struct Matrix {
  T at[R][C];
};
template <Scalar T, int R, int C, int SR, int SC>
constexpr Matrix<T, R, C> matrix(const double (&source)[SR][SC], bool transposed) {
  Matrix<T, R, C> m{};
  for (int r = 0; r < R; ++r)
    for (int c = 0; c < C; ++c) m.at[r][c] = static_cast<T>(transposed ? source[c][r] : source[r][c]);
  return m;
}
template <Scalar T, class F> inline constexpr auto AT = matrix<T, F::out, F::tile>(F::a_t, false);
template <Scalar T, class F> inline constexpr auto A = matrix<T, F::tile, F::out>(F::a_t, true);
template <Scalar T, class F> inline constexpr auto Gm = matrix<T, F::tile, 2>(F::g, false);
template <Scalar T, class F> inline constexpr auto GT = matrix<T, 2, F::tile>(F::g, true);
template <Scalar T, class F> inline constexpr auto BT = matrix<T, F::tile, F::tile>(F::b_t, false);
template <Scalar T, class F> inline constexpr auto B = matrix<T, F::tile, F::tile>(F::b_t, true);

/// kLanes values side by side: one zmm of floats (GCC's and Clang's vector extension, which
/// lowers to whatever the target has).
template <Scalar T>
using Lanes [[gnu::vector_size(kLanes * sizeof(T)), gnu::aligned(alignof(T)), gnu::may_alias]] = T;

/// Where element (row, column) of a tile of kLanes-vectors sits: at (row·rows + column·columns)·kLanes.
struct Strides {
  Index rows, columns;
};

/// out = L · in · Rᵀ for kLanes tiles at once: in is LC x RC, out LR x RR, each element a vector
/// of kLanes values placed by its Strides; with `accumulate`, out += instead. (V = Bᵀ d B is
/// sandwich(BT, d, BT); its adjoint B dV Bᵀ is sandwich(B, dV, B); and so on.) The matrices are
/// compile-time constants once this is inlined, so zero coefficients cost nothing and ±1 no
/// multiplication.
template <bool accumulate = false, Scalar T, int LR, int LC, int RR, int RC>
void sandwich(const Matrix<T, LR, LC>& L, const T* in, Strides is, const Matrix<T, RR, RC>& R, T* out, Strides os) {
  using V = Lanes<T>;
  V half[LR * RC];  // L · in
  for (int j = 0; j < RC; ++j) {
    V column[LC];
#pragma GCC unroll 8
    for (int q = 0; q < LC; ++q) std::memcpy(&column[q], in + (q * is.rows + j * is.columns) * kLanes, sizeof(V));
#pragma GCC unroll 8
    for (int r = 0; r < LR; ++r) {
      V acc{};
#pragma GCC unroll 8
      for (int q = 0; q < LC; ++q)
        if (L.at[r][q] != T(0)) acc += L.at[r][q] * column[q];
      half[r * RC + j] = acc;
    }
  }
  for (int r = 0; r < LR; ++r)
#pragma GCC unroll 8
    for (int j = 0; j < RR; ++j) {
      V acc{};
#pragma GCC unroll 8
      for (int q = 0; q < RC; ++q)
        if (R.at[j][q] != T(0)) acc += R.at[j][q] * half[r * RC + q];
      T* to = out + (r * os.rows + j * os.columns) * kLanes;
      if constexpr (accumulate) {
        V v;
        std::memcpy(&v, to, sizeof(V));
        acc += v;
      }
      std::memcpy(to, &acc, sizeof(V));
    }
}

/// Copies the first `lanes` values of a vector (all of them in one move when it is full), and
/// zeroes the rest of a vector being gathered.
template <Scalar T>
void copy_lanes(const T* from, int lanes, T* to) {
  if (lanes == kLanes)
    std::memcpy(to, from, kLanes * sizeof(T));
  else
    std::copy_n(from, lanes, to);
}
template <Scalar T>
void gather_lanes(const T* from, int lanes, T* to) {
  copy_lanes(from, lanes, to);
  std::fill(to + lanes, to + kLanes, T(0));
}

/// Dense tiles: element (r, c) of an R x C tile at (r·C + c)·kLanes.
template <int C>
inline constexpr Strides kDense{C, 1};

/// How one call's planes are cut: each phase plane, (Ho + 1) x (Wo + 1), into tiles_h x tiles_w
/// tiles of F (m = F::out), tile t = ti·tiles_w + tj. Sixteen channels of a sample's padded input
/// sit side by side in a [padded_h][padded_w][kLanes] buffer, padded pixel (r, c) = unpadded
/// (r - 1, c - 1), and sixteen channels of its output in [Ho][Wo][kLanes].
template <class F>
struct TileGrid {
  Index tiles_h, tiles_w, out_w, padded_h, padded_w;
  explicit TileGrid(const Conv2dGeometry& g)
      : tiles_h(g.out_h / F::out), tiles_w(g.out_w / F::out), out_w(g.out_w), padded_h(2 * (g.out_h + 1)),
        padded_w(2 * (g.out_w + 1)) {}
  Index tiles() const { return tiles_h * tiles_w; }
  /// Tile t of phase plane ph = 2a + b: padded pixels (2·m·ti + a + 2i, 2·m·tj + b + 2j).
  Index phase_tile(int ph, Index t) const {
    return ((2 * F::out * (t / tiles_w) + (ph >> 1)) * padded_w + 2 * F::out * (t % tiles_w) + (ph & 1)) * kLanes;
  }
  Strides phase_strides() const { return {2 * padded_w, 2}; }
  /// Tile t of the output: pixels (m·ti + i, m·tj + j).
  Index output_tile(Index t) const { return (F::out * (t / tiles_w) * out_w + F::out * (t % tiles_w)) * kLanes; }
  Strides output_strides() const { return {out_w, 1}; }
  /// Where the unpadded input row r starts.
  Index input_row(Index r) const { return ((r + 1) * padded_w + 1) * kLanes; }
};

/// Tap (kh, kw) of a 4x4 kernel, kh·4 + kw, is tap t = (kh / 2)·2 + kw / 2 of the 2x2 sub-kernel
/// of phase ph = (kh % 2)·2 + kw % 2; kernel_tap and split_tap convert between the two.
inline constexpr int kernel_tap(int ph, int t) { return (2 * (t >> 1) + (ph >> 1)) * 4 + 2 * (t & 1) + (ph & 1); }
struct PhaseTap {
  int ph, t;
};
inline constexpr PhaseTap split_tap(int tap) { return {(tap >> 2 & 1) * 2 + (tap & 1), (tap >> 3) * 2 + (tap >> 1 & 1)}; }

/// Where point ξ's rows x cols matrix starts in a [ξ][rows][cols] buffer, over ξ: rows·cols
/// values, plus 16 when that is a multiple of 4 KiB. The transforms move one vector per point at
/// the same place of every point's matrix; without the gap those lines all fall in one L1 set
/// (4K aliasing): transform_input of 64 -> 128 channels at batch 64 took 0.52-0.68 ms, 0.43 with it.
template <Scalar T>
Index point_stride(Index rows, Index cols) {
  const Index n = rows * cols;
  return (n * static_cast<Index>(sizeof(T))) % 4096 == 0 ? n + 16 : n;
}

// The scratch buffers of one call (scratch.hpp), one tag each.
struct InputTransformTag;    // V
struct KernelTransformTag;   // U, or the regrouped taps that stand in for it when U is not stored
struct ProductTag;           // M, and dM once M is spent
struct InputGradientTag;     // dV
struct KernelGradientTag;    // dU, or tap_gradients' per-group partial sums that stand in for it
struct PackedProductTag;     // tap_gradients' packed dM[ξ], one per thread
struct PlaneTag;             // a thread's padded input planes or output planes, kLanes channels of one sample

/// The buffers of one call, on the calling thread's scratch, each [ξ][rows][cols] with its
/// point_stride; R = N·tiles rows, one per tile of every sample.
template <Scalar T>
struct Buffers {
  Index points, R, Ci, Co, K;  // K = 4·Ci: the depth of every point's product
  Index sV = point_stride<T>(R, K), sU = point_stride<T>(K, Co), sM = point_stride<T>(R, Co);
  T* V() const { return scratch<InputTransformTag, T>(points * sV); }   // [ξ][R][K]
  T* U() const { return scratch<KernelTransformTag, T>(points * sU); }  // [ξ][K][Co]
  T* taps() const { return scratch<KernelTransformTag, T>(4 * K * Co); } // U's place when it is not stored (regroup_taps)
  T* M() const { return scratch<ProductTag, T>(points * sM); }          // [ξ][R][Co], also dM
  T* dV() const { return scratch<InputGradientTag, T>(points * sV); }   // [ξ][R][K]
  T* dU() const { return scratch<KernelGradientTag, T>(points * sU); }  // [ξ][K][Co]
};

#ifdef __AVX512F__
/// The 16x16 float block at src (row i at src + i·src_stride; rows past `rows` and columns past
/// `columns` read as zero), transposed: dst row j (at dst + j·dst_stride) = column j, for j <
/// `columns`, storing the first `stored` values of each.
inline void transpose16(const float* src, Index src_stride, int rows, int columns, float* dst, Index dst_stride,
                        int stored) {
  const __mmask16 in_mask = static_cast<__mmask16>((1u << columns) - 1), out_mask = static_cast<__mmask16>((1u << stored) - 1);
  __m512 r[16], t[16];
  for (int i = 0; i < 16; ++i) r[i] = i < rows ? _mm512_maskz_loadu_ps(in_mask, src + i * src_stride) : _mm512_setzero_ps();
  for (int i = 0; i < 8; ++i) {  // per 128-bit block: rows 2i, 2i+1 interleaved
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 4; ++i) {  // r[4i + j], block k: rows 4i..4i+3 of column 4k + j
    r[4 * i] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
    r[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
    r[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
    r[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
  }
  for (int j = 0; j < 4; ++j)
    for (int h = 0; h < 16; h += 8) {  // blocks {0, 2} and {1, 3} of rows h..h+3 and h+4..h+7
      t[h + j] = _mm512_shuffle_f32x4(r[h + j], r[h + 4 + j], 0x88);
      t[h + 4 + j] = _mm512_shuffle_f32x4(r[h + j], r[h + 4 + j], 0xDD);
    }
  for (int j = 0; j < 8; ++j) {  // column j and j + 8
    r[j] = _mm512_shuffle_f32x4(t[j], t[8 + j], 0x88);
    r[j + 8] = _mm512_shuffle_f32x4(t[j], t[8 + j], 0xDD);
  }
  for (int j = 0; j < columns; ++j) _mm512_mask_storeu_ps(dst + j * dst_stride, out_mask, r[j]);
}
#endif

/// out[q][l] = rows[l·stride + q] for q < count: `lanes` channel rows (the rest zero) as vectors.
template <Scalar T>
void interleave(const T* rows, Index stride, int lanes, Index count, T* out) {
#ifdef __AVX512F__
  if constexpr (std::is_same_v<T, float>) {
    for (Index q = 0; q < count; q += 16)
      transpose16(rows + q, stride, lanes, static_cast<int>(std::min<Index>(16, count - q)), out + q * kLanes, kLanes, kLanes);
    return;
  }
#endif
  for (Index q = 0; q < count; ++q)
    for (int l = 0; l < kLanes; ++l) out[q * kLanes + l] = l < lanes ? rows[l * stride + q] : T(0);
}

/// The reverse: rows[l·stride + q] = in[q][l] for q < count and l < lanes.
template <Scalar T>
void deinterleave(const T* in, int lanes, Index count, T* rows, Index stride) {
#ifdef __AVX512F__
  if constexpr (std::is_same_v<T, float>) {
    for (Index q = 0; q < count; q += 16) {
      const int block = static_cast<int>(std::min<Index>(16, count - q));
      transpose16(in + q * kLanes, kLanes, block, lanes, rows + q, stride, block);
    }
    return;
  }
#endif
  for (int l = 0; l < lanes; ++l)
    for (Index q = 0; q < count; ++q) rows[l * stride + q] = in[q * kLanes + l];
}

/// v = the first `lanes` of per-channel values (zeros past them, or everywhere when values is
/// null). Filled through a reference: a function returning a 64-byte vector by value changes
/// ABI with the target's vector width, and GCC warns about that (-Wpsabi) in a user's build
/// without AVX-512.
template <Scalar T>
void load_lanes(const T* values, int lanes, Lanes<T>& v) {
  v = Lanes<T>{};
  if (values) copy_lanes(values, lanes, reinterpret_cast<T*>(&v));
}

/// V[ξ][n·tiles + t][ph·Ci + c] = (Bᵀ d B)[ξ] for tile t of phase plane ph of every sample n and
/// channel c of x [N, Ci, H, W].
template <class F, Scalar T>
void transform_input(const Conv2dGeometry& g, const T* x, T* V) {
  const TileGrid<F> grid(g);
  const Index N = g.batch, Ci = g.in_channels, K = 4 * Ci, H = g.in_h, W = g.in_w, tiles = grid.tiles(),
              sV = point_stride<T>(N * tiles, K);
  parallel_for(N, 1, [&](Index n0, Index n1) {
    alignas(64) T v[F::points * kLanes];
    T* padded = scratch<PlaneTag, T>(grid.padded_h * grid.padded_w * kLanes);
    std::fill_n(padded, grid.padded_h * grid.padded_w * kLanes, T(0));  // the border stays zero
    for (Index n = n0; n < n1; ++n)
      for (Index c0 = 0; c0 < Ci; c0 += kLanes) {
        const int lanes = static_cast<int>(std::min<Index>(kLanes, Ci - c0));
        const T* planes = x + (n * Ci + c0) * H * W;
        for (Index r = 0; r < H; ++r) interleave(planes + r * W, H * W, lanes, W, padded + grid.input_row(r));
        for (int ph = 0; ph < 4; ++ph)
          for (Index t = 0; t < tiles; ++t) {
            sandwich(BT<T, F>, padded + grid.phase_tile(ph, t), grid.phase_strides(), BT<T, F>, v, kDense<F::tile>);
            T* to = V + (n * tiles + t) * K + ph * Ci + c0;
            for (int p = 0; p < F::points; ++p) copy_lanes(v + p * kLanes, lanes, to + p * sV);
          }
      }
  });
}

/// The adjoint of transform_input: dx [N, Ci, H, W] from dV (+ bias[c] when given).
template <class F, Scalar T>
void transform_input_adjoint(const Conv2dGeometry& g, const T* dV, const T* bias, T* dx) {
  const TileGrid<F> grid(g);
  const Index N = g.batch, Ci = g.in_channels, K = 4 * Ci, H = g.in_h, W = g.in_w, tiles = grid.tiles(),
              sV = point_stride<T>(N * tiles, K), padded_size = grid.padded_h * grid.padded_w * kLanes;
  parallel_for(N, 1, [&](Index n0, Index n1) {
    alignas(64) T dv[F::points * kLanes];
    T* padded = scratch<PlaneTag, T>(padded_size);
    for (Index n = n0; n < n1; ++n)
      for (Index c0 = 0; c0 < Ci; c0 += kLanes) {
        const int lanes = static_cast<int>(std::min<Index>(kLanes, Ci - c0));
        // One tile per plane: the phases partition the padded pixels, so each is written once.
        // Several: neighbouring tiles share an edge, so the tiles add onto a zeroed buffer.
        if (tiles > 1) std::fill_n(padded, padded_size, T(0));
        for (int ph = 0; ph < 4; ++ph)
          for (Index t = 0; t < tiles; ++t) {
            const T* from = dV + (n * tiles + t) * K + ph * Ci + c0;
            for (int p = 0; p < F::points; ++p) gather_lanes(from + p * sV, lanes, dv + p * kLanes);
            if (tiles > 1)
              sandwich<true>(B<T, F>, dv, kDense<F::tile>, B<T, F>, padded + grid.phase_tile(ph, t), grid.phase_strides());
            else
              sandwich(B<T, F>, dv, kDense<F::tile>, B<T, F>, padded + grid.phase_tile(ph, t), grid.phase_strides());
          }
        if (bias) {
          Lanes<T> b;
          load_lanes<T>(bias + c0, lanes, b);
          for (Index r = 0; r < H; ++r)
            for (Index c = 0; c < W; ++c) {
              Lanes<T> v;
              T* at = padded + grid.input_row(r) + c * kLanes;
              std::memcpy(&v, at, sizeof(v));
              v += b;
              std::memcpy(at, &v, sizeof(v));
            }
        }
        T* planes = dx + (n * Ci + c0) * H * W;
        for (Index r = 0; r < H; ++r) deinterleave(padded + grid.input_row(r), lanes, W, planes + r * W, H * W);
      }
  });
}

/// U[ξ][ph·Ci + c][o] = (G g Gᵀ)[ξ] for the 2x2 sub-kernel g of phase ph of w [Co, Ci, 4, 4].
template <class F, Scalar T>
void transform_kernel(const Conv2dGeometry& g, const T* w, T* U) {
  const Index Ci = g.in_channels, Co = g.out_channels, K = 4 * Ci, sU = point_stride<T>(K, Co);
  parallel_for(Ci, 4, [&](Index c0_, Index c1_) {
    alignas(64) T k[4 * kLanes], u[F::points * kLanes];
    for (Index c = c0_; c < c1_; ++c)
      for (int ph = 0; ph < 4; ++ph)
        for (Index o0 = 0; o0 < Co; o0 += kLanes) {
          const int lanes = static_cast<int>(std::min<Index>(kLanes, Co - o0));
          std::fill_n(k, 4 * kLanes, T(0));
          for (int l = 0; l < lanes; ++l)
            for (int t = 0; t < 4; ++t) k[t * kLanes + l] = w[((o0 + l) * Ci + c) * 16 + kernel_tap(ph, t)];
          sandwich(Gm<T, F>, k, kDense<2>, Gm<T, F>, u, kDense<F::tile>);
          for (int p = 0; p < F::points; ++p) copy_lanes(u + p * kLanes, lanes, U + p * sU + (ph * Ci + c) * Co + o0);
        }
  });
}

/// The adjoint of transform_kernel: dw [Co, Ci, 4, 4] from dU.
template <class F, Scalar T>
void transform_kernel_adjoint(const Conv2dGeometry& g, const T* dU, T* dw) {
  const Index Ci = g.in_channels, Co = g.out_channels, K = 4 * Ci, sU = point_stride<T>(K, Co);
  parallel_for(Ci, 4, [&](Index c0_, Index c1_) {
    alignas(64) T du[F::points * kLanes], k[4 * kLanes];
    for (Index c = c0_; c < c1_; ++c)
      for (int ph = 0; ph < 4; ++ph)
        for (Index o0 = 0; o0 < Co; o0 += kLanes) {
          const int lanes = static_cast<int>(std::min<Index>(kLanes, Co - o0));
          for (int p = 0; p < F::points; ++p) gather_lanes(dU + p * sU + (ph * Ci + c) * Co + o0, lanes, du + p * kLanes);
          sandwich(GT<T, F>, du, kDense<F::tile>, GT<T, F>, k, kDense<2>);
          for (int l = 0; l < lanes; ++l)
            for (int t = 0; t < 4; ++t) dw[((o0 + l) * Ci + c) * 16 + kernel_tap(ph, t)] = k[t * kLanes + l];
        }
  });
}

/// out [N, Co, Ho, Wo] = Aᵀ M A tile by tile (+ bias, then the rectifier when job.rectify).
template <class F, Scalar T>
void transform_output(const Conv2dGeometry& g, const T* M, const ConvJob<T>& job) {
  const TileGrid<F> grid(g);
  const Index N = g.batch, Co = g.out_channels, P = g.out_plane(), tiles = grid.tiles(), sM = point_stride<T>(N * tiles, Co);
  parallel_for(N, 1, [&](Index n0, Index n1) {
    alignas(64) T m[F::points * kLanes];
    T* y = scratch<PlaneTag, T>(P * kLanes);
    for (Index n = n0; n < n1; ++n)
      for (Index o0 = 0; o0 < Co; o0 += kLanes) {
        const int lanes = static_cast<int>(std::min<Index>(kLanes, Co - o0));
        for (Index t = 0; t < tiles; ++t) {
          const T* from = M + (n * tiles + t) * Co + o0;
          for (int p = 0; p < F::points; ++p) gather_lanes(from + p * sM, lanes, m + p * kLanes);
          sandwich(AT<T, F>, m, kDense<F::tile>, AT<T, F>, y + grid.output_tile(t), grid.output_strides());
        }
        if (job.bias || job.rectify) {
          Lanes<T> b;
          load_lanes<T>(job.bias ? job.bias + o0 : nullptr, lanes, b);
          for (Index q = 0; q < P; ++q) {
            Lanes<T> v;
            std::memcpy(&v, y + q * kLanes, sizeof(v));
            v += b;
            if (job.rectify) v = v > T(0) ? v : v * job.slope;  // rectified(), lane by lane
            std::memcpy(y + q * kLanes, &v, sizeof(v));
          }
        }
        deinterleave(y, lanes, P, job.out + (n * Co + o0) * P, P);
      }
  });
}

/// The adjoint of transform_output: dM = A dY Aᵀ of the output gradient job.map, times the
/// rectifier's derivative when the forward pass had one (job.rectified_out).
template <class F, Scalar T>
void transform_output_adjoint(const Conv2dGeometry& g, const ConvJob<T>& job, T* dM) {
  const TileGrid<F> grid(g);
  const Index N = g.batch, Co = g.out_channels, P = g.out_plane(), tiles = grid.tiles(), sM = point_stride<T>(N * tiles, Co);
  parallel_for(N, 1, [&](Index n0, Index n1) {
    alignas(64) T dm[F::points * kLanes];
    T* dy = scratch<PlaneTag, T>(2 * P * kLanes);
    T* y = dy + P * kLanes;
    for (Index n = n0; n < n1; ++n)
      for (Index o0 = 0; o0 < Co; o0 += kLanes) {
        const int lanes = static_cast<int>(std::min<Index>(kLanes, Co - o0));
        const Index at = (n * Co + o0) * P;
        interleave(job.map + at, P, lanes, P, dy);
        if (job.rectified_out) {
          interleave(job.rectified_out + at, P, lanes, P, y);
          for (Index q = 0; q < P; ++q) {
            Lanes<T> gv, yv;
            std::memcpy(&gv, dy + q * kLanes, sizeof(gv));
            std::memcpy(&yv, y + q * kLanes, sizeof(yv));
            gv = yv > T(0) ? gv : gv * job.slope;  // times rectifier_slope_at(y), lane by lane
            std::memcpy(dy + q * kLanes, &gv, sizeof(gv));
          }
        }
        for (Index t = 0; t < tiles; ++t) {
          sandwich(A<T, F>, dy + grid.output_tile(t), grid.output_strides(), A<T, F>, dm, kDense<F::tile>);
          T* to = dM + (n * tiles + t) * Co + o0;
          for (int p = 0; p < F::points; ++p) copy_lanes(dm + p * kLanes, lanes, to + p * sM);
        }
      }
  });
}
/// Per-channel sums of t [N, C, P] (times the rectifier's derivative at `rectified_out` when
/// given): each plane summed in T, the planes in double, in a fixed order per channel.
template <Scalar T>
void channel_sums(const T* t, Index N, Index C, Index P, const T* rectified_out, T slope, T* out) {
  parallel_for(C, 16, [&](Index c0, Index c1) {
    for (Index c = c0; c < c1; ++c) {
      double total = 0.0;
      for (Index n = 0; n < N; ++n) {
        const T* plane = t + (n * C + c) * P;
        const T* y = rectified_out ? rectified_out + (n * C + c) * P : nullptr;
        Lanes<T> sum{};  // kLanes running sums: a vector add per kLanes values, not one serial chain
        for (Index q = 0; q < P; q += kLanes) {
          const int m = static_cast<int>(std::min<Index>(kLanes, P - q));
          Lanes<T> v{}, s{};
          copy_lanes(plane + q, m, reinterpret_cast<T*>(&v));
          if (y) {
            copy_lanes(y + q, m, reinterpret_cast<T*>(&s));
            v = s > T(0) ? v : v * slope;
          }
          sum += v;
        }
        for (int l = 0; l < kLanes; ++l) total += static_cast<double>(sum[l]);
      }
      out[c] = static_cast<T>(total);
    }
  });
}

/// One GEMM per transform point, the points split over the threads.
template <class F, class Product>
void per_point(Product&& product) {
  parallel_for(F::points, 1, [&](Index p0, Index p1) {
    for (Index p = p0; p < p1; ++p) product(p);
  });
}

/// The tiling a call with this algorithm setting runs on, or Tiling::None for the direct engine
/// (see ConvAlgorithm).
template <Scalar T>
Tiling chosen(const Conv2dGeometry& g, ConvAlgorithm algorithm) {
  const Tiling tiling = tiling_of(g);
  if (algorithm == ConvAlgorithm::Direct || tiling == Tiling::None || g.batch == 0) return Tiling::None;
  if (algorithm == ConvAlgorithm::Winograd) return tiling;
  // Auto: the transforms' fixed costs (regrouping the kernel's taps, a GEMM per point) pay off
  // from 8 samples of one 8x8 tile, or 64 tiles of 5x5 (Conv2d 64->128 to 4x4 on 2 threads: 1.8x
  // the direct engine's time at batch 8, 0.8x at 64); double keeps the direct engine's exactness.
  const Index tiles = g.batch * (tiling == Tiling::F7x7 ? TileGrid<F7x7>(g).tiles() : TileGrid<F4x4>(g).tiles());
  const bool pays = std::is_same_v<T, float> && tiles >= (tiling == Tiling::F7x7 ? 8 : 64) && g.in_channels >= 8 &&
                    g.out_channels >= 8;
  return pays ? tiling : Tiling::None;
}

// On the float GEMM (kImplicitGemm) the kernel's transform is never stored: U holds
// the kernel 64 (F7x7) or 25 (F4x4) times over (8 MB for Conv2d 64->128 on F7x7), while every
// entry of it is a combination of the four taps of one 2x2 sub-kernel,
// U[ξ][k][o] = Σ_t c_ξ[t]·g[o][k][t] with c_ξ[(di, dj)] = G[ξ_row][di]·G[ξ_col][dj]. So the
// GEMMs fill their right-hand panels straight from the taps (TapCombination), and the weight
// gradient's GEMM hands its tiles of dU[ξ] to an accumulator of tap gradients (TapAccumulator)
// instead of storing them.

/// The kernel's taps regrouped so a row of U[ξ] (by_output false: [K][4][Co]) or of U[ξ]ᵀ
/// (by_output true: [Co][4][K]) is four contiguous runs (see split_tap); kLanes channels move at a time.
template <Scalar T>
void regroup_taps(const Conv2dGeometry& g, const T* w, bool by_output, T* taps) {
  const Index Ci = g.in_channels, Co = g.out_channels, K = 4 * Ci;
  auto destination = [&](Index o, Index c, int tap) {  // of (o, c, tap); the lanes run along o or c
    const auto [ph, t] = split_tap(tap);
    return by_output ? taps + (o * 4 + t) * K + ph * Ci + c : taps + ((ph * Ci + c) * 4 + t) * Co + o;
  };
  parallel_for(by_output ? Co : Ci, 4, [&](Index b, Index e) {
    alignas(64) T block[16 * kLanes];  // [tap][lane]
    for (Index i = b; i < e; ++i) {
      const Index lanes_total = by_output ? Ci : Co;
      for (Index l0 = 0; l0 < lanes_total; l0 += kLanes) {
        const int lanes = static_cast<int>(std::min<Index>(kLanes, lanes_total - l0));
        const Index o = by_output ? i : l0, c = by_output ? l0 : i;
        interleave(w + (o * Ci + c) * 16, by_output ? 16 : Ci * 16, lanes, 16, block);
        for (int tap = 0; tap < 16; ++tap) copy_lanes(block + tap * kLanes, lanes, destination(o, c, tap));
      }
    }
  });
}

/// c_ξ: the taps with a non-zero weight in point p of U, and their weights. A point at 0 or ∞
/// has one zero in its row of G, so a point on the border of the tile combines two taps (one at a
/// corner), and skipping the others cuts the taps read and written per point: for F4x4 64 where
/// all four would take 100 (F7x7: 196 for 256).
template <Scalar T>
struct PointTaps {
  int count = 0;
  std::array<int, 4> tap{};
  std::array<T, 4> weight{};
};
template <class F, Scalar T>
PointTaps<T> point_taps(Index p) {
  const int i = static_cast<int>(p) / F::tile, j = static_cast<int>(p) % F::tile;
  PointTaps<T> used;
  for (int t = 0; t < 4; ++t)
    if (const double w = F::g[i][t >> 1] * F::g[j][t & 1]; w != 0.0) {
      used.tap[static_cast<std::size_t>(used.count)] = t;
      used.weight[static_cast<std::size_t>(used.count++)] = static_cast<T>(w);
    }
  return used;
}

/// op(B) = U[ξ] (or U[ξ]ᵀ) as an RhsSource: entry (r, col) = Σ_t weight[t]·taps[(r·4 + t)·width + col]
/// over the point's taps.
template <Scalar T>
struct TapCombination {
  const T* taps;
  Index width;
  PointTaps<T> used;
  static void fill(const void* self, Index k0, Index kc, Index j0, Index nr, T* out, Index ld) {
    const auto& s = *static_cast<const TapCombination*>(self);
    switch (s.used.count) {
      case 1: return s.template combine<1>(k0, kc, j0, nr, out, ld);
      case 2: return s.template combine<2>(k0, kc, j0, nr, out, ld);
      default: return s.template combine<4>(k0, kc, j0, nr, out, ld);
    }
  }
  template <int n>
  void combine(Index k0, Index kc, Index j0, Index nr, T* out, Index ld) const {
    const T w0 = used.weight[0], w1 = used.weight[1], w2 = used.weight[2], w3 = used.weight[3];
    for (Index k = 0; k < kc; ++k) {  // the runs of a row and the panel never overlap: __restrict lets them vectorize
      const T* row = taps + (k0 + k) * 4 * width + j0;
      const T* __restrict t0 = row + used.tap[0] * width;
      T* __restrict to = out + k * ld;
      if constexpr (n == 1) {
        for (Index j = 0; j < nr; ++j) to[j] = w0 * t0[j];
      } else if constexpr (n == 2) {
        const T* __restrict t1 = row + used.tap[1] * width;
        for (Index j = 0; j < nr; ++j) to[j] = w0 * t0[j] + w1 * t1[j];
      } else {
        const T* __restrict t1 = row + used.tap[1] * width;
        const T* __restrict t2 = row + used.tap[2] * width;
        const T* __restrict t3 = row + used.tap[3] * width;  // count 4: zeros come in pairs, never three taps
        for (Index j = 0; j < nr; ++j) to[j] = w0 * t0[j] + w1 * t1[j] + w2 * t2[j] + w3 * t3[j];
      }
    }
  }
};

/// Tiles of dU[ξ] [K, Co] as a TileSink, added onto tap gradients [K][4][Co]: the adjoint of TapCombination.
template <Scalar T>
struct TapAccumulator {
  T* taps;
  Index width;
  PointTaps<T> used;
  static void take(const void* self, Index i0, Index rows, Index j0, Index cols, const T* tile, Index ld) {
    const auto& s = *static_cast<const TapAccumulator*>(self);
    switch (s.used.count) {
      case 1: return s.template accumulate<1>(i0, rows, j0, cols, tile, ld);
      case 2: return s.template accumulate<2>(i0, rows, j0, cols, tile, ld);
      default: return s.template accumulate<4>(i0, rows, j0, cols, tile, ld);
    }
  }
  template <int n>
  void accumulate(Index i0, Index rows, Index j0, Index cols, const T* tile, Index ld) const {
    const T w0 = used.weight[0], w1 = used.weight[1], w2 = used.weight[2], w3 = used.weight[3];
    for (Index r = 0; r < rows; ++r) {  // as in TapCombination::combine, nothing here overlaps
      T* row = taps + (i0 + r) * 4 * width + j0;
      T* __restrict t0 = row + used.tap[0] * width;
      const T* __restrict from = tile + r * ld;
      if constexpr (n == 1) {
        for (Index j = 0; j < cols; ++j) t0[j] += w0 * from[j];
      } else if constexpr (n == 2) {
        T* __restrict t1 = row + used.tap[1] * width;
        for (Index j = 0; j < cols; ++j) {
          const T v = from[j];
          t0[j] += w0 * v, t1[j] += w1 * v;
        }
      } else {
        T* __restrict t1 = row + used.tap[1] * width;
        T* __restrict t2 = row + used.tap[2] * width;
        T* __restrict t3 = row + used.tap[3] * width;
        for (Index j = 0; j < cols; ++j) {
          const T v = from[j];
          t0[j] += w0 * v, t1[j] += w1 * v, t2[j] += w2 * v, t3[j] += w3 * v;
        }
      }
    }
  }
};

/// dw from V and dM through TapAccumulator. The points fall into a fixed number of groups, each
/// accumulated on its own and the groups summed in order, so any number of threads (up to that
/// many) shares the work and the result is the same bit for bit. A product deeper than the GEMM
/// finishes a tile in (the batch's tiles, R = N·tiles) is taken in slices of rows, each adding
/// onto the same tap gradients.
inline constexpr int kPointGroups = 4;
template <class F, Scalar T>
void tap_gradients(const Buffers<T>& buf, const T* V, const T* dM, T* dw) {
  if constexpr (kImplicitGemm<T>) {
    const Index R = buf.R, Ci = buf.Ci, Co = buf.Co, K = buf.K, size = K * 4 * Co;
    constexpr int parts = kPointGroups;
    T* partial = scratch<KernelGradientTag, T>(parts * size);
    parallel_for(parts, 1, [&](Index b, Index e) {
      const Index depth = std::min(R, kTileSinkMaxDepth);
      T* packed = scratch<PackedProductTag, T>(PackedRhs<T>::storage_size(depth, Co));
      for (Index part = b; part < e; ++part) {
        T* taps = partial + part * size;
        std::fill_n(taps, size, T(0));
        for (Index p = part * F::points / parts; p < (part + 1) * F::points / parts; ++p) {
          const TapAccumulator<T> acc{taps, Co, point_taps<F, T>(p)};
          for (Index r0 = 0; r0 < R; r0 += depth) {
            const Index rows = std::min(depth, R - r0);
            gemm(Trans::Yes, K, T(1), V + p * buf.sV + r0 * K,
                 PackedRhs<T>::pack(Trans::No, rows, Co, dM + p * buf.sM + r0 * Co, packed),
                 TileSink<T>{&TapAccumulator<T>::take, &acc});
          }
        }
      }
    });
    parallel_for(Ci, 4, [&](Index c0, Index c1) {  // the groups summed in order, then back to [Co, Ci, 4, 4]
      alignas(64) T block[16 * kLanes];  // [tap][lane]
      for (Index c = c0; c < c1; ++c)
        for (Index o0 = 0; o0 < Co; o0 += kLanes) {
          const int lanes = static_cast<int>(std::min<Index>(kLanes, Co - o0));
          for (int tap = 0; tap < 16; ++tap) {
            const auto [ph, t] = split_tap(tap);
            const T* from = partial + ((ph * Ci + c) * 4 + t) * Co + o0;
            Lanes<T> total{}, part{};
            for (int group = 0; group < parts; ++group) {
              copy_lanes(from + group * size, lanes, reinterpret_cast<T*>(&part));
              total += part;
            }
            std::memcpy(block + tap * kLanes, &total, sizeof(total));
          }
          deinterleave(block, lanes, 16, dw + (o0 * Ci + c) * 16, Ci * 16);
        }
    });
  }
}

/// out[ξ] [R, cols] = in[ξ] [R, depth] · op(U[ξ]) for every point: U[ξ] [K, Co] itself for the
/// forward pass (transposed false: depth K, cols Co), U[ξ]ᵀ for the data gradient (transposed
/// true: depth Co, cols K). On the float GEMM the panels come straight from w's taps and
/// U is not read (it is null there).
template <class F, Scalar T>
void kernel_products(const Conv2dGeometry& g, const Buffers<T>& buf, const T* w, const T* U, bool transposed,
                     const T* in, T* out) {
  const Index R = buf.R, depth = transposed ? buf.Co : buf.K, cols = transposed ? buf.K : buf.Co;
  const Index s_in = transposed ? buf.sM : buf.sV, s_out = transposed ? buf.sV : buf.sM;
  if constexpr (kImplicitGemm<T>) {
    T* taps = buf.taps();
    regroup_taps(g, w, transposed, taps);
    per_point<F>([&](Index p) {
      const TapCombination<T> u{taps, cols, point_taps<F, T>(p)};
      gemm(Trans::No, R, T(1), in + p * s_in, RhsSource<T>{depth, cols, &TapCombination<T>::fill, &u}, T(0),
           out + p * s_out);
    });
  } else {
    per_point<F>([&](Index p) {
      gemm(Trans::No, transposed ? Trans::Yes : Trans::No, R, cols, depth, T(1), in + p * s_in, U + p * buf.sU, T(0),
           out + p * s_out);
    });
  }
}

/// The buffers of a call with tiling F.
template <class F, Scalar T>
Buffers<T> buffers(const Conv2dGeometry& g) {
  return Buffers<T>{F::points, g.batch * TileGrid<F>(g).tiles(), g.in_channels, g.out_channels, 4 * g.in_channels};
}

/// Runs a ConvJob (every product conv.hpp's engine takes) on Winograd's algorithm with tiling F.
template <class F, Scalar T>
void run(const Conv2dGeometry& g, const ConvJob<T>& job) {
  const Buffers<T> buf = buffers<F, T>(g);
  const Index N = g.batch, Co = buf.Co, K = buf.K, R = buf.R;
  constexpr bool fused = kImplicitGemm<T>;
  T* U = nullptr;
  if (!fused && (job.out || job.adjoint)) transform_kernel<F>(g, job.w, U = buf.U());
  const T* V = job.source_transform;
  if ((job.out || job.dw) && !V) {
    T* transformed = job.keep_source_transform ? job.keep_source_transform : buf.V();
    transform_input<F>(g, job.source, transformed);
    V = transformed;
  }
  if (job.out) {
    T* M = buf.M();
    kernel_products<F>(g, buf, job.w, U, false, V, M);
    transform_output<F>(g, M, job);
  }
  if (job.source_sums) channel_sums<T>(job.source, N, g.in_channels, g.in_plane(), nullptr, T(0), job.source_sums);
  if (job.map_sums) channel_sums<T>(job.map, N, Co, g.out_plane(), job.rectified_out, job.slope, job.map_sums);
  if (!job.adjoint && !job.dw) return;
  T* dM = buf.M();  // the forward's M is spent: a job with out and a gradient (the adjoint's backward) reads map only now
  transform_output_adjoint<F>(g, job, dM);
  if (job.adjoint) {
    T* dV = buf.dV();
    kernel_products<F>(g, buf, job.w, U, true, dM, dV);
    transform_input_adjoint<F>(g, dV, job.adjoint_bias, job.adjoint);
  }
  if (job.dw) {
    if constexpr (fused) return tap_gradients<F>(buf, V, dM, job.dw);
    T* dU = buf.dU();
    per_point<F>([&](Index p) {
      gemm(Trans::Yes, Trans::No, K, Co, R, T(1), V + p * buf.sV, dM + p * buf.sM, T(0), dU + p * buf.sU);
    });
    transform_kernel_adjoint<F>(g, dU, job.dw);
  }
}

template <Scalar T>
void run(const Conv2dGeometry& g, Tiling tiling, const ConvJob<T>& job) {
  if (tiling == Tiling::F7x7) return run<F7x7>(g, job);
  return run<F4x4>(g, job);
}

}  // namespace detail::winograd

/// How many values Winograd's transform of a convolution's input takes (ConvJob's
/// keep_source_transform: conv2d_forward can leave it for conv2d_backward), or 0 when this
/// convolution does not run on Winograd's algorithm with this algorithm setting.
template <Scalar T>
Index transformed_input_size(const Conv2dGeometry& g, ConvAlgorithm algorithm = ConvAlgorithm::Auto) {
  namespace wg = detail::winograd;
  switch (wg::chosen<T>(g, algorithm)) {
    case wg::Tiling::F7x7: return wg::F7x7::points * wg::buffers<wg::F7x7, T>(g).sV;
    case wg::Tiling::F4x4: return wg::F4x4::points * wg::buffers<wg::F4x4, T>(g).sV;
    case wg::Tiling::None: break;
  }
  return 0;
}

}  // namespace aegan::kernels
