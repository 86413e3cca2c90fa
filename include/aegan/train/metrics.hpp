#pragma once
// Sample-quality metrics computed inside the library: Fréchet distance between feature sets
// (FID when the features come from a trained classifier), class coverage, and the KL divergence
// of the generated class histogram from a reference one.
#include <cmath>
#include <vector>

#include "aegan/tensor/kernels/linalg.hpp"

namespace aegan::train {

/// Fréchet distance between Gaussians fitted to two feature sets [N, D]:
/// |μa − μb|² + tr(Σa + Σb − 2 (Σa Σb)^½), with the matrix square root computed exactly.
template <Scalar T>
double frechet_distance(const Tensor<T>& a, const Tensor<T>& b) {
  if (a.rank() != 2 || b.rank() != 2 || a.dim(1) != b.dim(1))
    throw ShapeError("frechet_distance: expected features [N, D] and [M, D], got " + a.shape().to_string() + " and " +
                     b.shape().to_string());
  kernels::VectorXd ma, mb;
  kernels::MatrixXd ca, cb;
  kernels::mean_and_covariance(a, ma, ca);
  kernels::mean_and_covariance(b, mb, cb);
  const double d = (ma - mb).squaredNorm() + ca.trace() + cb.trace() - 2.0 * kernels::trace_sqrt_product(ca, cb);
  return std::max(d, 0.0);
}

/// Fraction of each class among `labels` (values in [0, classes)).
inline std::vector<double> class_histogram(const std::vector<int>& labels, int classes) {
  if (classes < 1) throw ValueError("class_histogram: classes must be positive");
  std::vector<double> h(static_cast<std::size_t>(classes), 0.0);
  for (int l : labels) {
    if (l < 0 || l >= classes) throw ValueError("class_histogram: label " + std::to_string(l) + " outside [0, " + std::to_string(classes) + ")");
    h[static_cast<std::size_t>(l)] += 1.0;
  }
  if (!labels.empty())
    for (double& v : h) v /= static_cast<double>(labels.size());
  return h;
}

/// Number of classes holding at least `min_fraction` of the samples.
inline int class_coverage(const std::vector<double>& histogram, double min_fraction = 0.02) {
  int covered = 0;
  for (double p : histogram) covered += p >= min_fraction ? 1 : 0;
  return covered;
}

/// KL(p ‖ q) in nats, with q floored at 1e-6 so an empty reference class stays finite.
inline double kl_divergence(const std::vector<double>& p, const std::vector<double>& q) {
  if (p.size() != q.size()) throw ShapeError("kl_divergence: histograms of " + std::to_string(p.size()) + " and " + std::to_string(q.size()) + " classes");
  double kl = 0;
  for (std::size_t i = 0; i < p.size(); ++i)
    if (p[i] > 0) kl += p[i] * std::log(p[i] / std::max(q[i], 1e-6));
  return kl;
}

}  // namespace aegan::train
