#pragma once
// Where latent codes come from at sampling time: the prior N(0, I), or a density fitted to the
// encoder's codes of the training data — one Gaussian, or a k-component full-covariance Gaussian
// mixture fitted by EM. Sampling from the fitted density lands in the regions the decoder was
// trained on, which is the point of AE-GAN's encoder.
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "aegan/io/archive.hpp"
#include "aegan/names.hpp"
#include "aegan/tensor/kernels/linalg.hpp"
#include "aegan/tensor/rng.hpp"

namespace aegan::models {

using kernels::MatrixXd;
using kernels::VectorXd;

/// One full-covariance Gaussian component: weight, mean, and the Cholesky factor of its covariance.
struct GaussianComponent {
  double weight = 1.0;
  VectorXd mean;
  MatrixXd chol;  // lower triangular, covariance = chol · cholᵀ
};

/// Where a sampler's density comes from: the prior N(0, I), one fitted Gaussian, or a fitted GMM.
enum class SamplerKind { Prior, Gaussian, Gmm };

/// Every kind, in the order of the names below (command-line choices, loops over samplers).
inline constexpr std::array<SamplerKind, 3> kSamplerKinds = {SamplerKind::Prior, SamplerKind::Gaussian, SamplerKind::Gmm};

/// The kind's name as checkpoints store it and the command line spells it.
inline const char* sampler_kind_name(SamplerKind kind) {
  switch (kind) {
    case SamplerKind::Prior: return "prior";
    case SamplerKind::Gaussian: return "gaussian";
    case SamplerKind::Gmm: return "gmm";
  }
  return "?";
}

/// The names of kSamplerKinds, e.g. for CLI::IsMember.
inline std::vector<std::string> sampler_kind_names() { return names_of(kSamplerKinds, sampler_kind_name); }

/// The kind called `name`; a ValueError listing the valid names otherwise.
inline SamplerKind parse_sampler_kind(const std::string& name) {
  return parse_name(name, kSamplerKinds, sampler_kind_name, "sampler kind");
}

/// A latent density: a mixture of Gaussians (one component for the prior or a single fit).
class LatentSampler {
 public:
  using Kind = SamplerKind;

  /// The prior N(0, I) over `dim` dimensions.
  static LatentSampler prior(Index dim) {
    if (dim <= 0) throw ValueError("LatentSampler::prior: dimension must be positive, got " + std::to_string(dim));
    LatentSampler s(Kind::Prior);
    s.components_.push_back({1.0, VectorXd::Zero(dim), MatrixXd::Identity(dim, dim)});
    return s;
  }

  /// One Gaussian fitted (maximum likelihood mean, unbiased covariance) to codes [N, dim].
  template <Scalar T>
  static LatentSampler fit_gaussian(const Tensor<T>& codes) {
    VectorXd mean;
    MatrixXd cov;
    kernels::mean_and_covariance(codes, mean, cov);
    LatentSampler s(Kind::Gaussian);
    s.components_.push_back({1.0, mean, kernels::cholesky_lower(cov, "LatentSampler::fit_gaussian")});
    return s;
  }

  /// A k-component full-covariance GMM fitted by EM, initialized by k-means++ from `seed`, so the
  /// same codes and seed give the same mixture. `reg` is added to every covariance diagonal.
  template <Scalar T>
  static LatentSampler fit_gmm(const Tensor<T>& codes, int k = 10, std::uint64_t seed = 0, int max_iter = 200,
                               double tol = 1e-5, double reg = 1e-6);

  /// n samples [n, dim].
  template <Scalar T>
  Tensor<T> sample(Index n, Rng& rng) const {
    const Index d = dim();
    Tensor<T> out = Tensor<T>::uninitialized({n, d});
    VectorXd z(d);
    for (Index i = 0; i < n; ++i) {
      const GaussianComponent& c = components_[pick(rng)];
      for (Index j = 0; j < d; ++j) z[j] = rng.normal();
      const VectorXd x = c.mean + c.chol.triangularView<Eigen::Lower>() * z;
      for (Index j = 0; j < d; ++j) out[i * d + j] = static_cast<T>(x[j]);
    }
    return out;
  }

  /// Mean log-density of codes [N, dim] under this mixture (for tests and model selection).
  template <Scalar T>
  double mean_log_likelihood(const Tensor<T>& codes) const {
    const MatrixXd x = check_codes(codes, "mean_log_likelihood");
    const MatrixXd lp = log_joint(x);
    double total = 0;
    for (Index i = 0; i < x.rows(); ++i) total += log_sum_exp(lp.row(i));
    return total / static_cast<double>(x.rows());
  }

  Kind kind() const { return kind_; }
  std::string kind_name() const { return sampler_kind_name(kind_); }
  Index dim() const { return components_.front().mean.size(); }
  const std::vector<GaussianComponent>& components() const { return components_; }

  void save(io::Archive& ck, const std::string& prefix) const {
    ck.put_text(prefix + ".kind", kind_name());
    const Index k = static_cast<Index>(components_.size()), d = dim();
    Tensor<double> w({k}), mu({k, d}), chol({k, d, d});
    for (Index c = 0; c < k; ++c) {
      w[c] = components_[static_cast<std::size_t>(c)].weight;
      for (Index i = 0; i < d; ++i) {
        mu[c * d + i] = components_[static_cast<std::size_t>(c)].mean[i];
        for (Index j = 0; j < d; ++j) chol[(c * d + i) * d + j] = components_[static_cast<std::size_t>(c)].chol(i, j);
      }
    }
    ck.put(prefix + ".weights", w);
    ck.put(prefix + ".means", mu);
    ck.put(prefix + ".chol", chol);
  }

  static LatentSampler load(const io::Archive& ck, const std::string& prefix) {
    LatentSampler s([&] {
      try {
        return parse_sampler_kind(ck.text(prefix + ".kind"));
      } catch (const ValueError& e) {  // a bad name in a file is the file's problem
        throw IoError(ck.label() + " " + ck.origin() + ": " + e.what());
      }
    }());
    const auto& w = ck.tensor<double>(prefix + ".weights");
    const auto& mu = ck.tensor<double>(prefix + ".means");
    const auto& chol = ck.tensor<double>(prefix + ".chol");
    if (w.rank() != 1 || mu.rank() != 2 || chol.rank() != 3 || mu.dim(0) != w.dim(0) || chol.dim(0) != w.dim(0) ||
        chol.dim(1) != mu.dim(1) || chol.dim(2) != mu.dim(1) || w.dim(0) == 0 || mu.dim(1) == 0)
      throw IoError(ck.label() + " " + ck.origin() + ": inconsistent sampler shapes " + w.shape().to_string() + ", " +
                    mu.shape().to_string() + ", " + chol.shape().to_string());
    const Index k = w.dim(0), d = mu.dim(1);
    for (Index c = 0; c < k; ++c) {
      GaussianComponent g{w[c], VectorXd(d), MatrixXd(d, d)};
      for (Index i = 0; i < d; ++i) {
        g.mean[i] = mu[c * d + i];
        for (Index j = 0; j < d; ++j) g.chol(i, j) = chol[(c * d + i) * d + j];
      }
      s.components_.push_back(std::move(g));
    }
    return s;
  }

 private:
  explicit LatentSampler(Kind kind) : kind_(kind) {}

  template <Scalar T>
  MatrixXd check_codes(const Tensor<T>& codes, const char* who) const {
    if (codes.rank() != 2 || codes.dim(1) != dim())
      throw ShapeError(std::string("LatentSampler::") + who + ": expected codes [N, " + std::to_string(dim()) + "], got " +
                       codes.shape().to_string());
    return codes.matrix().template cast<double>();
  }

  std::size_t pick(Rng& rng) const {
    double u = rng.uniform();
    for (std::size_t c = 0; c + 1 < components_.size(); ++c) {
      if (u < components_[c].weight) return c;
      u -= components_[c].weight;
    }
    return components_.size() - 1;
  }

  static double log_sum_exp(const Eigen::RowVectorXd& v) {
    const double m = v.maxCoeff();
    if (!std::isfinite(m)) return m;
    return m + std::log((v.array() - m).exp().sum());
  }

  /// log(weight_c) + log N(x_i | c) for every row i and component c.
  MatrixXd log_joint(const MatrixXd& x) const {
    const Index n = x.rows(), d = x.cols(), k = static_cast<Index>(components_.size());
    MatrixXd out(n, k);
    const double log2pi = std::log(2.0 * 3.14159265358979323846);
    for (Index c = 0; c < k; ++c) {
      const auto& g = components_[static_cast<std::size_t>(c)];
      const double log_det = 2.0 * g.chol.diagonal().array().log().sum();
      const MatrixXd centered = (x.rowwise() - g.mean.transpose()).transpose();
      const MatrixXd solved = g.chol.triangularView<Eigen::Lower>().solve(centered);
      const Eigen::VectorXd maha = solved.colwise().squaredNorm().transpose();
      out.col(c) = (-0.5 * (maha.array() + static_cast<double>(d) * log2pi + log_det) + std::log(std::max(g.weight, 1e-300))).matrix();
    }
    return out;
  }

  Kind kind_;
  std::vector<GaussianComponent> components_;
};

template <Scalar T>
LatentSampler LatentSampler::fit_gmm(const Tensor<T>& codes, int k, std::uint64_t seed, int max_iter, double tol, double reg) {
  if (codes.rank() != 2) throw ShapeError("LatentSampler::fit_gmm: expected codes [N, D], got " + codes.shape().to_string());
  const Index n = codes.dim(0), d = codes.dim(1);
  if (k < 1 || n < 2 * static_cast<Index>(k))
    throw ValueError("LatentSampler::fit_gmm: need k >= 1 and at least 2k codes, got k=" + std::to_string(k) + " and " +
                     std::to_string(n) + " codes");
  const MatrixXd x = codes.matrix().template cast<double>();
  Rng rng(seed);

  // k-means++ seeding of the means.
  std::vector<Index> centers{static_cast<Index>(rng.below(static_cast<std::uint64_t>(n)))};
  VectorXd nearest = (x.rowwise() - x.row(centers[0])).rowwise().squaredNorm();
  while (static_cast<int>(centers.size()) < k) {
    double u = rng.uniform() * nearest.sum();
    Index pick = n - 1;
    for (Index i = 0; i < n; ++i) {
      if (u < nearest[i]) { pick = i; break; }
      u -= nearest[i];
    }
    centers.push_back(pick);
    nearest = nearest.cwiseMin((x.rowwise() - x.row(pick)).rowwise().squaredNorm());
  }
  LatentSampler s(Kind::Gmm);
  VectorXd mean;
  MatrixXd cov;
  kernels::mean_and_covariance(codes, mean, cov);
  const MatrixXd start_chol = kernels::cholesky_lower(cov + reg * MatrixXd::Identity(d, d), "fit_gmm");
  for (Index c : centers) s.components_.push_back({1.0 / k, x.row(c).transpose(), start_chol});

  double previous = -std::numeric_limits<double>::infinity();
  MatrixXd resp(n, k);
  for (int iter = 0; iter < max_iter; ++iter) {
    // E-step: responsibilities by a row-wise softmax of the log joint.
    const MatrixXd lp = s.log_joint(x);
    double ll = 0;
    for (Index i = 0; i < n; ++i) {
      const double lse = log_sum_exp(lp.row(i));
      ll += lse;
      resp.row(i) = (lp.row(i).array() - lse).exp().matrix();
    }
    ll /= static_cast<double>(n);
    if (!std::isfinite(ll)) throw NumericalError("LatentSampler::fit_gmm: log-likelihood became non-finite at iteration " + std::to_string(iter));
    // M-step.
    for (Index c = 0; c < k; ++c) {
      auto& g = s.components_[static_cast<std::size_t>(c)];
      const double nk = resp.col(c).sum() + 1e-12;
      g.weight = nk / static_cast<double>(n);
      g.mean = (x.transpose() * resp.col(c)) / nk;
      const MatrixXd centered = x.rowwise() - g.mean.transpose();
      const MatrixXd cov_c = (centered.transpose() * resp.col(c).asDiagonal() * centered) / nk + reg * MatrixXd::Identity(d, d);
      g.chol = kernels::cholesky_lower(cov_c, "fit_gmm");
    }
    if (std::abs(ll - previous) < tol) break;
    previous = ll;
  }
  return s;
}

}  // namespace aegan::models
