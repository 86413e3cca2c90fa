#pragma once
// Sliced Wasserstein distance (SWD) between two image sets on Laplacian-pyramid patches, after
// Karras et al. 2018, "Progressive Growing of GANs for Improved Quality, Stability, and
// Variation", appendix D: a score that needs no labels and no trained network, and compares the
// local structure of the images (edges, textures, colour changes) scale by scale.
//
// Reading a score: SWD between two disjoint real sets is not 0, because both are finite samples.
// Measure that floor yourself: split your real images into two disjoint subsets, each as large as
// the generated set you score, and call sliced_wasserstein on the two subsets with the same
// options. A generated set scored against one real subset is indistinguishable from real data
// when its score is near that floor. Scores depend on the number of images and on every option,
// so compare them only at equal sizes and options.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "aegan/tensor/parallel.hpp"
#include "aegan/tensor/rng.hpp"
#include "aegan/tensor/tensor.hpp"

namespace aegan::train {

/// Settings of sliced_wasserstein. As in the paper: 128 descriptors of 7×7 per image and level,
/// levels down to 16×16, and 4 repeats of 128 random directions (the paper's 512 projections). More
/// directions lower the estimate's noise, not its expected value, at a proportional cost.
struct SwdOptions {
  SwdOptions& descriptors_per_image(Index v) { descriptors_per_image_ = v; return *this; }
  SwdOptions& patch_size(Index v) { patch_size_ = v; return *this; }
  SwdOptions& directions(Index v) { directions_ = v; return *this; }
  SwdOptions& repeats(Index v) { repeats_ = v; return *this; }
  SwdOptions& min_resolution(Index v) { min_resolution_ = v; return *this; }
  SwdOptions& seed(std::uint64_t v) { seed_ = v; return *this; }
  Index descriptors_per_image() const { return descriptors_per_image_; }
  Index patch_size() const { return patch_size_; }  // side of the square window; odd, so it has a centre pixel
  Index directions() const { return directions_; }  // random projections per repeat
  Index repeats() const { return repeats_; }        // fresh sets of directions, averaged
  Index min_resolution() const { return min_resolution_; }  // the coarsest level's smaller side is at least this
  std::uint64_t seed() const { return seed_; }

  void validate() const {
    if (descriptors_per_image_ < 1)
      throw ValueError("SwdOptions: descriptors_per_image must be >= 1, got " + std::to_string(descriptors_per_image_));
    if (patch_size_ < 1 || patch_size_ % 2 == 0)
      throw ValueError("SwdOptions: patch_size must be odd and >= 1, got " + std::to_string(patch_size_));
    if (directions_ < 1 || repeats_ < 1)
      throw ValueError("SwdOptions: directions and repeats must be >= 1, got directions=" + std::to_string(directions_) +
                       " repeats=" + std::to_string(repeats_));
    if (min_resolution_ < patch_size_)
      throw ValueError("SwdOptions: min_resolution must be >= patch_size (" + std::to_string(patch_size_) +
                       ") so that every level holds a patch, got " + std::to_string(min_resolution_));
  }

 private:
  Index descriptors_per_image_ = 128, patch_size_ = 7, directions_ = 128, repeats_ = 4, min_resolution_ = 16;
  std::uint64_t seed_ = 0;
};

/// Distances ×1e3 (the paper's unit), one per pyramid level, finest first.
struct SwdResult {
  std::vector<double> per_level;
  double mean = 0.0;               // mean of per_level: the single number the paper reports
  std::vector<Index> level_sizes;  // the smaller side of each level (H = W for square images)
};

namespace detail::swd {

/// One pyramid level of one image: `channels` planes of h × w, in double.
struct Planes {
  Index channels = 0;
  Size2 size;
  std::vector<double> v;
  Planes(Index c, Size2 s) : channels(c), size(s), v(static_cast<std::size_t>(c * s.h * s.w)) {}
  double* plane(Index c) { return v.data() + c * size.h * size.w; }
  const double* plane(Index c) const { return v.data() + c * size.h * size.w; }
};

/// Descriptor rows of `dim` = C·p² values each, in (channel, y, x) order.
struct Descriptors {
  Index rows = 0, dim = 0;
  std::vector<double> v;
  const double* row(Index r) const { return v.data() + r * dim; }
};

/// The 5-tap binomial filter (1 4 6 4 1)/16 of OpenCV's pyrDown / pyrUp, which the reference uses.
inline constexpr double kBinomial[5] = {1.0 / 16, 4.0 / 16, 6.0 / 16, 4.0 / 16, 1.0 / 16};

/// Index i folded into [0, n) by mirroring about the edge samples (c b | a b c | b a), the border
/// of pyrDown and of the reference's scipy 'mirror' mode.
inline Index mirror(Index i, Index n) {
  if (i >= 0 && i < n) return i;  // every tap but those at the border: skip the division
  if (n == 1) return 0;
  const Index period = 2 * (n - 1);
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - i;
}

/// One line of pyrDown: out[j] = Σ_k g[k]·in[mirror(2j + k − 2, n)] for j < (n + 1) / 2.
inline void down_line(const double* in, Index in_stride, Index n, double* out, Index out_stride) {
  for (Index j = 0; j < (n + 1) / 2; ++j) {
    double s = 0.0;
    for (Index k = 0; k < 5; ++k) s += kBinomial[k] * in[mirror(2 * j + k - 2, n) * in_stride];
    out[j * out_stride] = s;
  }
}

/// One line of pyrUp to length n from (n + 1) / 2 samples: zeros between the samples, then the
/// filter scaled by 2 so that the interpolated line keeps the samples' level.
inline void up_line(const double* in, Index in_stride, Index n, double* out, Index out_stride) {
  for (Index j = 0; j < n; ++j) {
    double s = 0.0;
    for (Index k = 0; k < 5; ++k) {
      const Index z = mirror(j + k - 2, n);
      if (z % 2 == 0) s += 2.0 * kBinomial[k] * in[(z / 2) * in_stride];
    }
    out[j * out_stride] = s;
  }
}

/// pyrDown: blurred, then every second row and column, to ((h + 1) / 2, (w + 1) / 2).
inline Planes downsample(const Planes& src) {
  const Size2 s = src.size, d{(s.h + 1) / 2, (s.w + 1) / 2};
  Planes out(src.channels, d);
  std::vector<double> rows(static_cast<std::size_t>(s.h * d.w));
  for (Index c = 0; c < src.channels; ++c) {
    for (Index y = 0; y < s.h; ++y) down_line(src.plane(c) + y * s.w, 1, s.w, rows.data() + y * d.w, 1);
    for (Index x = 0; x < d.w; ++x) down_line(rows.data() + x, d.w, s.h, out.plane(c) + x, d.w);
  }
  return out;
}

/// pyrUp of src to `size`, whose sides halve (rounding up) to src's.
inline Planes upsample(const Planes& src, Size2 size) {
  Planes out(src.channels, size);
  std::vector<double> rows(static_cast<std::size_t>(src.size.h * size.w));
  for (Index c = 0; c < src.channels; ++c) {
    for (Index y = 0; y < src.size.h; ++y) up_line(src.plane(c) + y * src.size.w, 1, size.w, rows.data() + y * size.w, 1);
    for (Index x = 0; x < size.w; ++x) up_line(rows.data() + x, size.w, size.h, out.plane(c) + x, size.w);
  }
  return out;
}

/// The level sizes, finest first: halved (rounding up, as pyrDown does) while the smaller side
/// stays >= min_resolution. An image smaller than that is a single level.
inline std::vector<Size2> level_sizes(Size2 image, Index min_resolution) {
  std::vector<Size2> sizes{image};
  for (;;) {
    const Size2 next{(sizes.back().h + 1) / 2, (sizes.back().w + 1) / 2};
    if (std::min(next.h, next.w) < min_resolution || next == sizes.back()) return sizes;
    sizes.push_back(next);
  }
}

/// Laplacian pyramid of one image [C, H, W] with the given level sizes: each level is its Gaussian
/// level minus the next one upsampled (the detail only that scale holds); the last level is the
/// Gaussian residual.
template <Scalar T>
std::vector<Planes> laplacian_pyramid(const T* image, Index channels, const std::vector<Size2>& sizes) {
  std::vector<Planes> levels;
  levels.reserve(sizes.size());
  levels.emplace_back(channels, sizes.front());
  std::transform(image, image + levels.front().v.size(), levels.front().v.begin(), [](T x) { return static_cast<double>(x); });
  for (std::size_t l = 1; l < sizes.size(); ++l) levels.push_back(downsample(levels.back()));
  for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
    const Planes up = upsample(levels[l + 1], sizes[l]);
    for (std::size_t i = 0; i < up.v.size(); ++i) levels[l].v[i] -= up.v[i];
  }
  return levels;
}

/// The generator for one (purpose, level, index), derived from the seed alone: what an image or a
/// direction draws never depends on which thread draws it or on the other set's size.
inline Rng stream(std::uint64_t seed, std::uint64_t purpose, std::uint64_t level, std::uint64_t index) {
  const auto mix = [](std::uint64_t x) {  // splitmix64's finalizer: neighbouring inputs give unrelated outputs
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
  };
  return Rng(mix(mix(mix(mix(seed) ^ purpose) ^ level) ^ index));
}
inline constexpr std::uint64_t kPositionStream = 1, kDirectionStream = 2;

/// `count` windows of patch × patch at uniformly random positions inside `level`, as rows of out.
inline void sample_patches(const Planes& level, Index count, Index patch, Rng& rng, double* out) {
  const auto ys = static_cast<std::uint64_t>(level.size.h - patch + 1), xs = static_cast<std::uint64_t>(level.size.w - patch + 1);
  for (Index r = 0; r < count; ++r) {
    const auto y0 = static_cast<Index>(rng.below(ys)), x0 = static_cast<Index>(rng.below(xs));
    for (Index c = 0; c < level.channels; ++c)
      for (Index dy = 0; dy < patch; ++dy) {
        const double* src = level.plane(c) + (y0 + dy) * level.size.w + x0;
        out = std::copy(src, src + patch, out);
      }
  }
}

/// The descriptors of level `level` for every image of a batch [N, C, H, W]. Image i draws its
/// positions from its own stream (seed, level, i), so both sets of a comparison sample the same
/// positions image by image and swapping them changes nothing.
template <Scalar T>
Descriptors level_descriptors(const Tensor<T>& images, const std::vector<Size2>& sizes, std::size_t level, const SwdOptions& o) {
  const Index n = images.dim(0), channels = images.dim(1), p = o.patch_size(), k = o.descriptors_per_image();
  Descriptors d{n * k, channels * p * p, {}};
  d.v.resize(static_cast<std::size_t>(d.rows * d.dim));
  // Levels coarser than level + 1 are not needed: the pyramid stops there, its last level then
  // being the Gaussian one that the requested Laplacian level subtracts.
  const std::vector<Size2> needed(sizes.begin(), sizes.begin() + static_cast<std::ptrdiff_t>(std::min(level + 2, sizes.size())));
  const Index image_size = images.shape().numel_from(1);
  parallel_for(n, 1, [&](Index i0, Index i1) {
    for (Index i = i0; i < i1; ++i) {
      const std::vector<Planes> pyramid = laplacian_pyramid(images.data() + i * image_size, channels, needed);
      Rng rng = stream(o.seed(), kPositionStream, level, static_cast<std::uint64_t>(i));
      sample_patches(pyramid[level], k, p, rng, d.v.data() + i * k * d.dim);
    }
  });
  return d;
}

/// Centres and scales each channel of a descriptor set over all its descriptors and window
/// positions to mean 0 and standard deviation 1, as the reference does: the distance then compares
/// structure, not brightness or contrast. A channel whose deviation is at most `floor` is only
/// centred, so that rounding noise in a flat channel is not blown up into structure.
inline void normalise(Descriptors& d, Index channels, double floor) {
  const Index area = d.dim / channels;
  const double count = static_cast<double>(d.rows * area);
  const auto block = [&](Index r, Index c) { return d.v.data() + r * d.dim + c * area; };  // channel c of row r
  std::vector<double> mean(static_cast<std::size_t>(channels)), scale(static_cast<std::size_t>(channels));
  for (Index c = 0; c < channels; ++c) {
    // Two passes, the second also summing the deviations to correct the first pass's rounding
    // (the corrected two-pass algorithm): accurate also when the mean dwarfs the spread.
    double sum = 0.0, residual = 0.0, squares = 0.0;
    for (Index r = 0; r < d.rows; ++r)
      for (Index t = 0; t < area; ++t) sum += block(r, c)[t];
    const double rough = sum / count;
    for (Index r = 0; r < d.rows; ++r)
      for (Index t = 0; t < area; ++t) {
        const double e = block(r, c)[t] - rough;
        residual += e;
        squares += e * e;
      }
    const double deviation = std::sqrt(std::max(0.0, squares - residual * residual / count) / count);
    mean[static_cast<std::size_t>(c)] = rough + residual / count;
    scale[static_cast<std::size_t>(c)] = deviation > floor ? 1.0 / deviation : 1.0;
  }
  parallel_for(d.rows, 256, [&](Index r0, Index r1) {
    for (Index r = r0; r < r1; ++r)
      for (Index c = 0; c < channels; ++c) {
        const double m = mean[static_cast<std::size_t>(c)], s = scale[static_cast<std::size_t>(c)];
        for (Index t = 0; t < area; ++t) block(r, c)[t] = (block(r, c)[t] - m) * s;
      }
  });
}

/// `count` directions drawn uniformly on the unit sphere of R^dim, one row each.
inline std::vector<double> unit_directions(Index count, Index dim, Rng& rng) {
  std::vector<double> dirs(static_cast<std::size_t>(count * dim));
  for (Index i = 0; i < count; ++i) {
    double* d = dirs.data() + i * dim;
    double norm = 0.0;
    for (Index q = 0; q < dim; ++q) {
      d[q] = rng.normal();
      norm += d[q] * d[q];
    }
    norm = std::sqrt(norm);
    for (Index q = 0; q < dim; ++q) d[q] /= norm;
  }
  return dirs;
}

/// Directions projected on at once: one pass over the descriptors feeds this many dot products.
inline constexpr Index kProjectionBlock = 16;

/// The projections of every descriptor on `count` (<= kProjectionBlock) directions, each
/// direction's values sorted, stored direction after direction in out [count × d.rows].
inline void sorted_projections(const Descriptors& d, const double* dirs, Index count, double* out) {
  std::vector<double> columns(static_cast<std::size_t>(d.dim * kProjectionBlock), 0.0);  // [dim][block], unused lanes 0
  for (Index j = 0; j < count; ++j)
    for (Index q = 0; q < d.dim; ++q) columns[static_cast<std::size_t>(q * kProjectionBlock + j)] = dirs[j * d.dim + q];
  // Four rows at a time give the multiply-adds four independent chains to overlap (several times
  // faster than one row); each dot product still sums over q in order, however rows are grouped.
  for (Index r0 = 0; r0 < d.rows; r0 += 4) {
    const Index rows = std::min<Index>(4, d.rows - r0);
    const double* x[4];
    for (Index i = 0; i < 4; ++i) x[i] = d.row(r0 + std::min(i, rows - 1));  // a short tail repeats its last row
    double acc[4][kProjectionBlock] = {};
    for (Index q = 0; q < d.dim; ++q) {
      const double* w = columns.data() + q * kProjectionBlock;
      const double x0 = x[0][q], x1 = x[1][q], x2 = x[2][q], x3 = x[3][q];
      for (Index j = 0; j < kProjectionBlock; ++j) {
        acc[0][j] += x0 * w[j];
        acc[1][j] += x1 * w[j];
        acc[2][j] += x2 * w[j];
        acc[3][j] += x3 * w[j];
      }
    }
    for (Index i = 0; i < rows; ++i)
      for (Index j = 0; j < count; ++j) out[j * d.rows + r0 + i] = acc[i][j];
  }
  for (Index j = 0; j < count; ++j) std::sort(out + j * d.rows, out + (j + 1) * d.rows);
}

/// ∫₀¹ |A⁻¹(t) − B⁻¹(t)| dt for sorted samples a (n values) and b (m values): the exact 1-D
/// Wasserstein-1 distance between their empirical distributions, also when n ≠ m (for n = m, the
/// mean of |a_i − b_i|). The quantile functions step at i/n and j/m; in units of 1/(n·m) those
/// steps are integers, so the segments are found exactly and are the same with a and b swapped.
inline double wasserstein1_sorted(const double* a, Index n, const double* b, Index m) {
  double sum = 0.0;
  Index i = 0, j = 0, done = 0;
  while (i < n && j < m) {
    const Index end_a = (i + 1) * m, end_b = (j + 1) * n, end = std::min(end_a, end_b);
    sum += static_cast<double>(end - done) * std::abs(a[i] - b[j]);
    done = end;
    if (end_a == end) ++i;
    if (end_b == end) ++j;
  }
  return sum / (static_cast<double>(n) * static_cast<double>(m));
}

/// The SWD of one level ×1e3: for every direction (rows of dirs, `directions` per repeat), the 1-D
/// distance between the projected sets; averaged over each repeat's directions, then over repeats.
inline double level_distance(const Descriptors& a, const Descriptors& b, const std::vector<double>& dirs, Index directions, Index repeats) {
  const Index total = directions * repeats, blocks = (total + kProjectionBlock - 1) / kProjectionBlock;
  std::vector<double> distances(static_cast<std::size_t>(total));
  parallel_for(blocks, 1, [&](Index b0, Index b1) {
    std::vector<double> pa(static_cast<std::size_t>(kProjectionBlock * a.rows)), pb(static_cast<std::size_t>(kProjectionBlock * b.rows));
    for (Index blk = b0; blk < b1; ++blk) {
      const Index first = blk * kProjectionBlock, count = std::min(kProjectionBlock, total - first);
      sorted_projections(a, dirs.data() + first * a.dim, count, pa.data());
      sorted_projections(b, dirs.data() + first * b.dim, count, pb.data());
      for (Index j = 0; j < count; ++j)
        distances[static_cast<std::size_t>(first + j)] = wasserstein1_sorted(pa.data() + j * a.rows, a.rows, pb.data() + j * b.rows, b.rows);
    }
  });
  // Summed here, in direction order, so that the thread count never changes the result.
  double mean = 0.0;
  for (Index r = 0; r < repeats; ++r) {
    double sum = 0.0;
    for (Index j = 0; j < directions; ++j) sum += distances[static_cast<std::size_t>(r * directions + j)];
    mean += sum / static_cast<double>(directions);
  }
  return 1e3 * mean / static_cast<double>(repeats);
}

/// The directions of one level: each repeat draws its own from the stream (seed, level, repeat).
inline std::vector<double> level_directions(std::size_t level, Index dim, const SwdOptions& o) {
  std::vector<double> dirs;
  dirs.reserve(static_cast<std::size_t>(o.repeats() * o.directions() * dim));
  for (Index r = 0; r < o.repeats(); ++r) {
    Rng rng = stream(o.seed(), kDirectionStream, level, static_cast<std::uint64_t>(r));
    const std::vector<double> d = unit_directions(o.directions(), dim, rng);
    dirs.insert(dirs.end(), d.begin(), d.end());
  }
  return dirs;
}

/// Throws ShapeError unless a and b are non-empty batches [N, C, H, W] with one C, H and W that
/// hold a patch.
template <Scalar T>
void check_images(const Tensor<T>& a, const Tensor<T>& b, const SwdOptions& o) {
  const auto shapes = [&] { return a.shape().to_string() + " and " + b.shape().to_string(); };
  if (a.rank() != 4 || b.rank() != 4 || a.dim(1) != b.dim(1) || a.dim(2) != b.dim(2) || a.dim(3) != b.dim(3))
    throw ShapeError("sliced_wasserstein: expected image batches [N, C, H, W] and [M, C, H, W], got " + shapes());
  if (a.numel() == 0 || b.numel() == 0) throw ShapeError("sliced_wasserstein: empty image batch in " + shapes());
  if (std::min(a.dim(2), a.dim(3)) < o.patch_size())
    throw ShapeError("sliced_wasserstein: patch_size " + std::to_string(o.patch_size()) + " is larger than the images of " + shapes());
}

/// The largest |x| of a batch, which sets the scale below which a channel's deviation is rounding
/// noise. Throws NumericalError on a NaN or infinity, which would leave the sorts unordered.
template <Scalar T>
double magnitude(const Tensor<T>& images, const char* which) {
  double m = 0.0;
  for (const T x : images) {
    if (!std::isfinite(x))
      throw NumericalError(std::string("sliced_wasserstein: non-finite value in images ") + which + " " + images.shape().to_string());
    m = std::max(m, std::abs(static_cast<double>(x)));
  }
  return m;
}

}  // namespace detail::swd

/// Sliced Wasserstein distance between image batches a [N, C, H, W] and b [M, C, H, W] (any C, N
/// and M; H and W need not be equal), per Laplacian-pyramid level, ×1e3; lower is more alike.
/// Each level contributes descriptors_per_image windows of patch_size² × C values per image, each
/// set normalised per channel by its own mean and deviation; the level's distance is the mean
/// 1-D Wasserstein-1 distance between the two sets projected on random unit directions.
///
/// The result is a function of the inputs and options.seed() alone: the same for any thread count,
/// and the same with a and b swapped (both sets sample one position stream image by image, and
/// project on the same directions). Throws ShapeError for batches that do not fit (naming both
/// shapes), ValueError for bad options and NumericalError for a NaN or infinity in the images.
///
/// Cost per level: (N + M) · descriptors_per_image descriptors of C · patch_size² values, held as
/// doubles for both sets at once, each projected on directions · repeats directions and every
/// projection sorted, so time grows with (N + M) · descriptors_per_image · directions · repeats ·
/// (C · patch_size² + log of the descriptor count). See the top of this file for the
/// real-versus-real floor a score is read against.
template <Scalar T>
SwdResult sliced_wasserstein(const Tensor<T>& a, const Tensor<T>& b, const SwdOptions& options = {}) {
  options.validate();
  detail::swd::check_images(a, b, options);
  const std::vector<Size2> sizes = detail::swd::level_sizes({a.dim(2), a.dim(3)}, options.min_resolution());
  const double floor_a = 1e-9 * detail::swd::magnitude(a, "a"), floor_b = 1e-9 * detail::swd::magnitude(b, "b");
  SwdResult result;
  // One level at a time, each rebuilding the pyramids it needs: only one level's descriptors are
  // held, and the pyramids cost little next to the projections.
  for (std::size_t level = 0; level < sizes.size(); ++level) {
    detail::swd::Descriptors da = detail::swd::level_descriptors(a, sizes, level, options);
    detail::swd::Descriptors db = detail::swd::level_descriptors(b, sizes, level, options);
    detail::swd::normalise(da, a.dim(1), floor_a);
    detail::swd::normalise(db, b.dim(1), floor_b);
    const std::vector<double> dirs = detail::swd::level_directions(level, da.dim, options);
    result.per_level.push_back(detail::swd::level_distance(da, db, dirs, options.directions(), options.repeats()));
    result.level_sizes.push_back(std::min(sizes[level].h, sizes[level].w));
  }
  double sum = 0.0;
  for (double d : result.per_level) sum += d;
  result.mean = sum / static_cast<double>(result.per_level.size());
  return result;
}

}  // namespace aegan::train
