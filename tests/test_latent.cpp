#include <catch2/catch.hpp>

#include <aegan/models/latent.hpp>
#include <aegan/train/metrics.hpp>

#include "support/files.hpp"

using namespace aegan;
using models::LatentSampler;

namespace {
/// n points from three well-separated 2-D clusters with weights 0.5 / 0.3 / 0.2.
Tensor<double> three_clusters(Index n, Rng& rng) {
  Tensor<double> x({n, 2});
  const double cx[3] = {-6, 0, 6}, cy[3] = {0, 5, 0}, sd[3] = {0.5, 1.0, 0.3};
  for (Index i = 0; i < n; ++i) {
    const double u = rng.uniform();
    const int c = u < 0.5 ? 0 : u < 0.8 ? 1 : 2;
    x[2 * i] = cx[c] + sd[c] * rng.normal();
    x[2 * i + 1] = cy[c] + sd[c] * rng.normal();
  }
  return x;
}
}  // namespace

TEST_CASE("Prior sampler draws N(0, I)", "[latent]") {
  auto prior = LatentSampler::prior(4);
  Rng rng(1);
  auto z = prior.sample<double>(20000, rng);
  kernels::VectorXd mean;
  kernels::MatrixXd cov;
  kernels::mean_and_covariance(z, mean, cov);
  CHECK(mean.cwiseAbs().maxCoeff() < 0.03);
  CHECK((cov - kernels::MatrixXd::Identity(4, 4)).cwiseAbs().maxCoeff() < 0.05);
  CHECK_THROWS_AS(LatentSampler::prior(0), ValueError);
}

TEST_CASE("Gaussian fit recovers mean and covariance of correlated codes", "[latent]") {
  Rng rng(2);
  Tensor<double> codes({20000, 2});
  for (Index i = 0; i < 20000; ++i) {
    const double a = rng.normal(), b = rng.normal();
    codes[2 * i] = 1.0 + 2.0 * a;
    codes[2 * i + 1] = -1.0 + a + 0.5 * b;  // cov = [[4, 2], [2, 1.25]]
  }
  auto g = LatentSampler::fit_gaussian(codes);
  auto z = g.sample<double>(20000, rng);
  kernels::VectorXd mean;
  kernels::MatrixXd cov;
  kernels::mean_and_covariance(z, mean, cov);
  CHECK(mean[0] == Approx(1.0).margin(0.06));
  CHECK(mean[1] == Approx(-1.0).margin(0.04));
  CHECK(cov(0, 0) == Approx(4.0).epsilon(0.05));
  CHECK(cov(0, 1) == Approx(2.0).epsilon(0.05));
  CHECK(cov(1, 1) == Approx(1.25).epsilon(0.05));
}

TEST_CASE("GMM by EM finds separated clusters, deterministically for a seed", "[latent]") {
  Rng rng(3);
  auto x = three_clusters(3000, rng);
  auto gmm = LatentSampler::fit_gmm(x, 3, /*seed=*/7);
  auto again = LatentSampler::fit_gmm(x, 3, /*seed=*/7);
  REQUIRE(gmm.components().size() == 3);
  std::vector<std::pair<double, double>> found;  // (mean x, weight), sorted by x
  for (std::size_t c = 0; c < 3; ++c) {
    found.emplace_back(gmm.components()[c].mean[0], gmm.components()[c].weight);
    CHECK(gmm.components()[c].mean == again.components()[c].mean);  // same seed, same bits
  }
  std::sort(found.begin(), found.end());
  CHECK(found[0].first == Approx(-6).margin(0.1));
  CHECK(found[1].first == Approx(0).margin(0.15));
  CHECK(found[2].first == Approx(6).margin(0.1));
  CHECK(found[0].second == Approx(0.5).margin(0.03));
  CHECK(found[2].second == Approx(0.2).margin(0.03));
  const auto single = LatentSampler::fit_gaussian(x);
  CHECK(gmm.mean_log_likelihood(x) > single.mean_log_likelihood(x) + 1.0);

  auto samples = gmm.sample<double>(1000, rng);
  int near = 0;  // samples land in the clusters, not between them
  for (Index i = 0; i < 1000; ++i) {
    const double sx = samples[2 * i];
    near += (std::abs(sx + 6) < 2 || std::abs(sx) < 3.5 || std::abs(sx - 6) < 1.5) ? 1 : 0;
  }
  CHECK(near > 970);
  CHECK_THROWS_AS(LatentSampler::fit_gmm(x, 0), ValueError);
  CHECK_THROWS_WITH(gmm.mean_log_likelihood(Tensor<double>({5, 3})), Catch::Contains("[N, 2]"));
}

TEST_CASE("Samplers survive an archive round trip", "[latent]") {
  Rng data(4);
  auto gmm = LatentSampler::fit_gmm(three_clusters(600, data), 3, 1);
  io::Archive ck;
  gmm.save(ck, "sampler");
  auto loaded = LatentSampler::load(ck, "sampler");
  CHECK(loaded.kind() == LatentSampler::Kind::Gmm);
  Rng a(5), b(5);
  auto za = gmm.sample<float>(10, a), zb = loaded.sample<float>(10, b);
  for (Index i = 0; i < za.numel(); ++i) CHECK(za[i] == zb[i]);
}

TEST_CASE("Sampler kinds and their names map both ways, and unknown names list the valid ones", "[latent]") {
  CHECK(models::sampler_kind_names() == std::vector<std::string>{"prior", "gaussian", "gmm"});
  for (const models::SamplerKind kind : models::kSamplerKinds) {
    INFO(models::sampler_kind_name(kind));
    CHECK(models::parse_sampler_kind(models::sampler_kind_name(kind)) == kind);
  }
  CHECK(LatentSampler::prior(2).kind_name() == "prior");
  CHECK_THROWS_AS(models::parse_sampler_kind("vae"), ValueError);
  CHECK_THROWS_WITH(models::parse_sampler_kind("vae"),
                    Catch::Contains("'vae'") && Catch::Contains("prior, gaussian, gmm"));
  CHECK_THROWS_WITH(models::parse_sampler_kind("GMM"), Catch::Contains("'GMM'"));  // names are exact

  // A stored kind that is not one of them: the archive is refused, naming the file and the valid kinds.
  io::Archive ck;
  LatentSampler::prior(2).save(ck, "sampler");
  ck.put_text("sampler.kind", "uniform");
  const std::string path = test::scratch_path("latent", "kind.ckpt").string();
  ck.save(path);
  CHECK_THROWS_AS(LatentSampler::load(io::Archive::load(path), "sampler"), IoError);
  CHECK_THROWS_WITH(LatentSampler::load(io::Archive::load(path), "sampler"),
                    Catch::Contains(path) && Catch::Contains("'uniform'") && Catch::Contains("prior, gaussian, gmm"));
}

TEST_CASE("Frechet distance: zero for identical sets, closed form for diagonal Gaussians", "[metrics]") {
  Rng rng(6);
  Tensor<double> a({4000, 3});
  rng.fill_normal(a);
  CHECK(train::frechet_distance(a, a) == Approx(0.0).margin(1e-8));
  Tensor<double> shifted = a;
  for (Index i = 0; i < 4000; ++i) shifted[3 * i] += 2.0;
  CHECK(train::frechet_distance(a, shifted) == Approx(4.0).epsilon(1e-6));  // same cov: |δ|²

  kernels::MatrixXd A = kernels::VectorXd::Constant(3, 4.0).asDiagonal(), B = kernels::VectorXd::Constant(3, 1.0).asDiagonal();
  CHECK(kernels::trace_sqrt_product(A, B) == Approx(6.0));  // Σ sqrt(4·1)
  kernels::MatrixXd r = kernels::MatrixXd::Random(5, 5);
  kernels::MatrixXd spd = r * r.transpose() + kernels::MatrixXd::Identity(5, 5);
  CHECK(kernels::trace_sqrt_product(spd, spd) == Approx(spd.trace()).epsilon(1e-9));  // sqrt(A²) = A
  CHECK_THROWS_AS(train::frechet_distance(a, Tensor<double>({10, 2})), ShapeError);
}

TEST_CASE("Class histogram, coverage and KL", "[metrics]") {
  const auto h = train::class_histogram({0, 0, 1, 2}, 4);
  CHECK(h == std::vector<double>{0.5, 0.25, 0.25, 0.0});
  CHECK(train::class_coverage(h) == 3);
  CHECK(train::kl_divergence(h, h) == 0.0);
  const std::vector<double> uniform(4, 0.25);
  CHECK(train::kl_divergence(h, uniform) == Approx(0.5 * std::log(2.0)));
  CHECK_THROWS_AS(train::class_histogram({5}, 4), ValueError);
}
