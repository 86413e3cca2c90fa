#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <aegan/tensor/parallel.hpp>
#include <aegan/train/swd.hpp>

using namespace aegan;
using train::SwdOptions;
using train::sliced_wasserstein;

namespace {

/// Restores the thread count the test runner had when a test ends.
struct ThreadsGuard {
  int saved = num_threads();
  ~ThreadsGuard() { set_num_threads(saved); }
};

/// Small enough to keep each call well under a second, large enough that the order of the
/// distances below holds with a wide margin.
SwdOptions quick() { return SwdOptions().descriptors_per_image(32).directions(32).repeats(2).seed(7); }

/// n images [n, channels, h, w] from one family: a coloured background, a soft stripe pattern and
/// three soft-edged coloured discs; image i is drawn from seed first + i.
template <class T>
Tensor<T> structured_images(Index n, Index channels, Index h, Index w, std::uint64_t first) {
  Tensor<T> out({n, channels, h, w});
  for (Index i = 0; i < n; ++i) {
    Rng rng(first + static_cast<std::uint64_t>(i));
    std::vector<double> img(static_cast<std::size_t>(channels * h * w));
    const double angle = rng.uniform(0.0, 3.14159), freq = rng.uniform(0.3, 0.8), phase = rng.uniform(0.0, 6.28);
    for (Index c = 0; c < channels; ++c) {
      const double base = rng.uniform(0.0, 0.4), stripe = rng.uniform(0.05, 0.25);
      for (Index y = 0; y < h; ++y)
        for (Index x = 0; x < w; ++x)
          img[static_cast<std::size_t>((c * h + y) * w + x)] =
              base + stripe * std::sin(freq * (std::cos(angle) * static_cast<double>(x) + std::sin(angle) * static_cast<double>(y)) + phase);
    }
    for (int disc = 0; disc < 3; ++disc) {
      const double cy = rng.uniform(0.0, static_cast<double>(h)), cx = rng.uniform(0.0, static_cast<double>(w));
      const double radius = rng.uniform(2.0, 7.0);
      std::vector<double> colour(static_cast<std::size_t>(channels));
      for (double& v : colour) v = rng.uniform(0.2, 1.0);
      for (Index y = 0; y < h; ++y)
        for (Index x = 0; x < w; ++x) {
          const double r = std::hypot(static_cast<double>(y) - cy, static_cast<double>(x) - cx);
          const double m = 1.0 / (1.0 + std::exp((r - radius) / 0.6));
          for (Index c = 0; c < channels; ++c) {
            double& p = img[static_cast<std::size_t>((c * h + y) * w + x)];
            p = (1.0 - m) * p + m * colour[static_cast<std::size_t>(c)];
          }
        }
    }
    for (std::size_t k = 0; k < img.size(); ++k) out[i * channels * h * w + static_cast<Index>(k)] = static_cast<T>(img[k]);
  }
  return out;
}

/// Each plane blurred four times by the 3×3 binomial filter, edges clamped: the same scenes
/// without their finest detail.
template <class T>
Tensor<T> blurred(const Tensor<T>& images) {
  const Index planes = images.dim(0) * images.dim(1), h = images.dim(2), w = images.dim(3);
  Tensor<T> out = images;
  for (int pass = 0; pass < 4; ++pass) {
    const Tensor<T> src = out;
    for (Index p = 0; p < planes; ++p)
      for (Index y = 0; y < h; ++y)
        for (Index x = 0; x < w; ++x) {
          double s = 0.0;
          for (Index dy = -1; dy <= 1; ++dy)
            for (Index dx = -1; dx <= 1; ++dx) {
              const Index yy = std::clamp<Index>(y + dy, 0, h - 1), xx = std::clamp<Index>(x + dx, 0, w - 1);
              s += (dy == 0 ? 2.0 : 1.0) * (dx == 0 ? 2.0 : 1.0) / 16.0 * static_cast<double>(src[(p * h + yy) * w + xx]);
            }
          out[(p * h + y) * w + x] = static_cast<T>(s);
        }
  }
  return out;
}

template <class T>
Tensor<T> uniform_noise(const Shape& s, std::uint64_t seed) {
  Tensor<T> t = Tensor<T>::uninitialized(s);
  Rng rng(seed);
  rng.fill_uniform(t, 0.0, 1.0);
  return t;
}

/// A direct 5×5 convolution with the binomial kernel, mirrored borders, every second sample kept.
std::vector<double> reference_pyr_down(const std::vector<double>& img, Index h, Index w) {
  const double g[5] = {1, 4, 6, 4, 1};
  std::vector<double> out;
  for (Index y = 0; y < h; y += 2)
    for (Index x = 0; x < w; x += 2) {
      double s = 0.0;
      for (Index i = 0; i < 5; ++i)
        for (Index j = 0; j < 5; ++j) {
          Index yy = y + i - 2, xx = x + j - 2;
          yy = yy < 0 ? -yy : yy >= h ? 2 * (h - 1) - yy : yy;
          xx = xx < 0 ? -xx : xx >= w ? 2 * (w - 1) - xx : xx;
          s += g[i] * g[j] / 256.0 * img[static_cast<std::size_t>(yy * w + xx)];
        }
      out.push_back(s);
    }
  return out;
}

}  // namespace

TEMPLATE_TEST_CASE("SWD orders real' < blurred real < noise", "[swd]", float, double) {
  using T = TestType;
  const auto real = structured_images<T>(150, 3, 32, 32, 1000);
  const auto other_real = structured_images<T>(150, 3, 32, 32, 5000);
  const auto soft = blurred(structured_images<T>(150, 3, 32, 32, 9000));
  const auto noise = uniform_noise<T>({150, 3, 32, 32}, 3);
  const auto floor = sliced_wasserstein(real, other_real, quick());
  const auto blur = sliced_wasserstein(real, soft, quick());
  const auto far = sliced_wasserstein(real, noise, quick());
  // About 38.5, 55.7 and 148 (finest level 34, 65, 178): the margins below leave room for another
  // compiler's rounding, and for nothing else, since the inputs and seeds are fixed.
  INFO("real' " << floor.mean << "  blurred " << blur.mean << "  noise " << far.mean);
  CHECK(floor.mean > 0.0);
  CHECK(1.25 * floor.mean < blur.mean);
  CHECK(2.0 * blur.mean < far.mean);
  // Blurring removes the finest detail, which the finest level holds.
  CHECK(1.5 * floor.per_level[0] < blur.per_level[0]);
  CHECK(floor.per_level[0] < far.per_level[0]);
  CHECK(floor.per_level[1] < far.per_level[1]);
}

TEST_CASE("SWD depends on the seed alone, not on the thread count", "[swd]") {
  ThreadsGuard guard;
  const auto a = structured_images<float>(60, 3, 32, 32, 1);
  const auto b = structured_images<float>(60, 3, 32, 32, 100);
  set_num_threads(1);
  const auto one = sliced_wasserstein(a, b, quick());
  set_num_threads(2);
  const auto two = sliced_wasserstein(a, b, quick());
  const auto again = sliced_wasserstein(a, b, quick());
  CHECK(one.per_level == two.per_level);
  CHECK(one.mean == two.mean);
  CHECK(two.per_level == again.per_level);
  const auto reseeded = sliced_wasserstein(a, b, quick().seed(8));
  CHECK(reseeded.mean != one.mean);
  CHECK(reseeded.mean == Approx(one.mean).epsilon(0.5));
}

TEST_CASE("SWD is symmetric and compares batches of different sizes", "[swd]") {
  const auto a = structured_images<double>(60, 3, 32, 32, 1);
  const auto b = structured_images<double>(45, 3, 32, 32, 100);
  const auto ab = sliced_wasserstein(a, b, quick());
  const auto ba = sliced_wasserstein(b, a, quick());
  CHECK(ab.per_level == ba.per_level);
  CHECK(ab.mean == ba.mean);
  CHECK(ab.mean > 0.0);
  CHECK(sliced_wasserstein(a, a, quick()).mean == 0.0);
}

TEST_CASE("SWD ignores each set's per-channel brightness and contrast", "[swd]") {
  const auto a = structured_images<double>(40, 3, 32, 32, 1);
  auto b = structured_images<double>(40, 3, 32, 32, 100);
  const auto plain = sliced_wasserstein(a, b, quick());
  for (double& v : b) v = 3.0 * v - 1.0;
  const auto scaled = sliced_wasserstein(a, b, quick());
  REQUIRE(plain.per_level.size() == scaled.per_level.size());
  for (std::size_t l = 0; l < plain.per_level.size(); ++l) CHECK(scaled.per_level[l] == Approx(plain.per_level[l]).epsilon(1e-9));
}

TEST_CASE("SWD of flat images: rounding noise is not taken for structure", "[swd]") {
  const auto flat = [](double v) { return Tensor<double>::full({20, 3, 32, 32}, v); };
  const auto two_flats = sliced_wasserstein(flat(0.3), flat(0.7), quick());
  CHECK(two_flats.mean < 1e-9);
  const auto real = structured_images<double>(20, 3, 32, 32, 1);
  const auto against_real = sliced_wasserstein(real, flat(0.3), quick());
  CHECK(std::isfinite(against_real.mean));
  CHECK(against_real.mean > 100.0);
}

TEST_CASE("SWD has one level per halving down to min_resolution", "[swd]") {
  const auto levels = [](Index h, Index w, SwdOptions o) {
    return sliced_wasserstein(uniform_noise<float>({3, 2, h, w}, 1), uniform_noise<float>({2, 2, h, w}, 2), o.descriptors_per_image(4).directions(8).repeats(1));
  };
  CHECK(levels(32, 32, {}).level_sizes == std::vector<Index>{32, 16});
  CHECK(levels(64, 64, {}).level_sizes == std::vector<Index>{64, 32, 16});
  CHECK(levels(64, 64, {}).per_level.size() == 3);
  CHECK(levels(28, 28, {}).level_sizes == std::vector<Index>{28});
  CHECK(levels(8, 8, {}).level_sizes == std::vector<Index>{8});
  CHECK(levels(32, 48, {}).level_sizes == std::vector<Index>{32, 16});
  CHECK(levels(64, 64, SwdOptions().min_resolution(32)).level_sizes == std::vector<Index>{64, 32});
  CHECK(levels(33, 33, SwdOptions().min_resolution(9).patch_size(5)).level_sizes == std::vector<Index>{33, 17, 9});
  const auto r = levels(64, 64, {});
  double sum = 0.0;
  for (double d : r.per_level) sum += d;
  CHECK(r.mean == Approx(sum / 3.0));
}

TEST_CASE("SWD on one-channel images", "[swd]") {
  const auto real = structured_images<float>(80, 1, 32, 32, 1);
  const auto other_real = structured_images<float>(80, 1, 32, 32, 500);
  const auto noise = uniform_noise<float>({80, 1, 32, 32}, 9);
  const auto floor = sliced_wasserstein(real, other_real, quick());
  const auto far = sliced_wasserstein(real, noise, quick());
  CHECK(floor.level_sizes == std::vector<Index>{32, 16});
  CHECK(2.0 * floor.mean < far.mean);
}

TEST_CASE("SWD with the paper's defaults on a small batch", "[swd]") {
  const auto real = structured_images<float>(6, 3, 16, 16, 1);
  const auto noise = uniform_noise<float>({4, 3, 16, 16}, 2);
  const auto r = sliced_wasserstein(real, noise);
  CHECK(r.level_sizes == std::vector<Index>{16});
  CHECK(std::isfinite(r.mean));
  CHECK(r.mean > sliced_wasserstein(real, structured_images<float>(4, 3, 16, 16, 50)).mean);
}

TEST_CASE("SWD rejects bad shapes, naming both, and non-finite images", "[swd]") {
  using Catch::Contains;
  const Tensor<float> good({2, 3, 16, 16});
  CHECK_THROWS_MATCHES(sliced_wasserstein(good, Tensor<float>({2, 3, 16})), ShapeError,
                       Catch::Matchers::Message("sliced_wasserstein: expected image batches [N, C, H, W] and [M, C, H, W], got [2, 3, 16, 16] and [2, 3, 16]"));
  CHECK_THROWS_WITH(sliced_wasserstein(good, Tensor<float>({2, 1, 16, 16})), Contains("[2, 3, 16, 16]") && Contains("[2, 1, 16, 16]"));
  CHECK_THROWS_WITH(sliced_wasserstein(Tensor<float>({2, 3, 16, 17}), good), Contains("[2, 3, 16, 17]") && Contains("[2, 3, 16, 16]"));
  CHECK_THROWS_WITH(sliced_wasserstein(Tensor<float>({2, 3, 17, 16}), good), Contains("[2, 3, 17, 16]"));
  CHECK_THROWS_WITH(sliced_wasserstein(Tensor<float>({0, 3, 16, 16}), good), Contains("empty") && Contains("[0, 3, 16, 16] and [2, 3, 16, 16]"));
  CHECK_THROWS_WITH(sliced_wasserstein(Tensor<float>({2, 3, 5, 6}), Tensor<float>({1, 3, 5, 6})),
                    Contains("patch_size 7") && Contains("[2, 3, 5, 6] and [1, 3, 5, 6]"));
  CHECK_THROWS_AS(sliced_wasserstein(Tensor<float>(), good), ShapeError);
  Tensor<float> broken({2, 3, 16, 16});
  broken[100] = std::nanf("");
  CHECK_THROWS_MATCHES(sliced_wasserstein(good, broken), NumericalError, Catch::Matchers::Message("sliced_wasserstein: non-finite value in images b [2, 3, 16, 16]"));
  CHECK_THROWS_AS(sliced_wasserstein(Tensor<float>({2, 0, 16, 16}), Tensor<float>({2, 0, 16, 16})), ShapeError);
}

TEST_CASE("SwdOptions validates its values", "[swd]") {
  CHECK_NOTHROW(SwdOptions().validate());
  CHECK_THROWS_WITH(SwdOptions().patch_size(6).validate(), Catch::Contains("patch_size must be odd") && Catch::Contains("6"));
  CHECK_THROWS_AS(SwdOptions().patch_size(0).validate(), ValueError);
  CHECK_THROWS_WITH(SwdOptions().descriptors_per_image(0).validate(), Catch::Contains("descriptors_per_image"));
  CHECK_THROWS_WITH(SwdOptions().directions(0).validate(), Catch::Contains("directions=0"));
  CHECK_THROWS_WITH(SwdOptions().repeats(-1).validate(), Catch::Contains("repeats=-1"));
  CHECK_THROWS_WITH(SwdOptions().min_resolution(4).validate(), Catch::Contains("min_resolution") && Catch::Contains("patch_size (7)"));
  const Tensor<float> images({2, 1, 16, 16});
  CHECK_THROWS_AS(sliced_wasserstein(images, images, SwdOptions().repeats(0)), ValueError);
  const auto o = SwdOptions().descriptors_per_image(3).patch_size(5).directions(9).repeats(2).min_resolution(8).seed(4);
  CHECK(o.descriptors_per_image() == 3);
  CHECK(o.patch_size() == 5);
  CHECK(o.directions() == 9);
  CHECK(o.repeats() == 2);
  CHECK(o.min_resolution() == 8);
  CHECK(o.seed() == 4);
}

TEST_CASE("SWD pyramid: pyrDown matches a direct convolution, levels add back up to the image", "[swd]") {
  using namespace train::detail::swd;
  Rng rng(5);
  for (const Size2 size : {Size2(16, 16), Size2(9, 12), Size2(7, 5)}) {
    INFO("size " << size.to_string());
    Planes img(2, size);
    for (double& v : img.v) v = rng.uniform();
    const Planes down = downsample(img);
    CHECK(down.size == Size2((size.h + 1) / 2, (size.w + 1) / 2));
    for (Index c = 0; c < 2; ++c) {
      const std::vector<double> plane(img.plane(c), img.plane(c) + size.h * size.w);
      const std::vector<double> expected = reference_pyr_down(plane, size.h, size.w);
      for (std::size_t i = 0; i < expected.size(); ++i) CHECK(down.plane(c)[i] == Approx(expected[i]).margin(1e-12));
    }
    const std::vector<Size2> sizes{size, down.size, downsample(down).size};
    std::vector<Planes> pyramid = laplacian_pyramid(img.v.data(), 2, sizes);
    Planes rebuilt = pyramid.back();
    for (std::size_t l = sizes.size() - 1; l-- > 0;) {
      Planes up = upsample(rebuilt, sizes[l]);
      for (std::size_t i = 0; i < up.v.size(); ++i) up.v[i] += pyramid[l].v[i];
      rebuilt = up;
    }
    for (std::size_t i = 0; i < img.v.size(); ++i) CHECK(rebuilt.v[i] == Approx(img.v[i]).margin(1e-12));
  }
  // A flat image has no detail: every Laplacian level is 0 and the residual keeps the value.
  Planes flat(1, Size2(12, 12));
  std::fill(flat.v.begin(), flat.v.end(), 0.5);
  const auto levels = laplacian_pyramid(flat.v.data(), 1, {Size2(12, 12), Size2(6, 6)});
  for (double v : levels[0].v) CHECK(v == Approx(0.0).margin(1e-15));
  for (double v : levels[1].v) CHECK(v == Approx(0.5));
}

TEST_CASE("SWD 1-D distance between sets of different sizes", "[swd]") {
  using train::detail::swd::wasserstein1_sorted;
  const double a[] = {0.0, 1.0}, b[] = {0.0, 0.5, 1.0};
  CHECK(wasserstein1_sorted(a, 2, b, 3) == Approx(1.0 / 6.0));
  CHECK(wasserstein1_sorted(b, 3, a, 2) == wasserstein1_sorted(a, 2, b, 3));
  const double c[] = {1.0, 2.0, 4.0}, d[] = {0.0, 2.0, 3.0};
  CHECK(wasserstein1_sorted(c, 3, d, 3) == Approx(2.0 / 3.0));
  const double one[] = {2.0};
  CHECK(wasserstein1_sorted(one, 1, c, 3) == Approx(1.0));
}
