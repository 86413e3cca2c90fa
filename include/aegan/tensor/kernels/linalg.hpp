#pragma once
// Small dense linear algebra in double precision for statistics on features and latent codes:
// mean/covariance, Cholesky with jitter, and the trace of a matrix square root (for FID).
#include <cmath>
#include <string>

#include "aegan/tensor/eigen.hpp"  // first: Eigen/Core is parsed where GCC 12's false positives are off

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>

#include "aegan/tensor/tensor.hpp"

namespace aegan::kernels {

using MatrixXd = Eigen::MatrixXd;
using VectorXd = Eigen::VectorXd;

/// Rows of x [N, D] as observations: their mean [D] and unbiased covariance [D, D].
template <Scalar T>
void mean_and_covariance(const Tensor<T>& x, VectorXd& mean, MatrixXd& cov) {
  if (x.rank() != 2 || x.dim(0) < 2)
    throw ShapeError("mean_and_covariance: expected [N >= 2, D] observations, got " + x.shape().to_string());
  const MatrixXd m = x.matrix().template cast<double>();
  mean = m.colwise().mean().transpose();
  const MatrixXd centered = m.rowwise() - mean.transpose();
  cov = (centered.transpose() * centered) / static_cast<double>(m.rows() - 1);
}

/// Lower Cholesky factor of a symmetric PSD matrix, adding the smallest diagonal jitter
/// (1e-10 · trace/D, growing tenfold) that makes it positive definite.
inline MatrixXd cholesky_lower(const MatrixXd& a, const char* who) {
  const double scale = std::max(a.trace() / static_cast<double>(a.rows()), 1e-12);
  double jitter = 0.0;
  for (int attempt = 0; attempt < 12; ++attempt) {
    Eigen::LLT<MatrixXd> llt(a + jitter * MatrixXd::Identity(a.rows(), a.cols()));
    if (llt.info() == Eigen::Success) return llt.matrixL();
    jitter = jitter == 0.0 ? 1e-10 * scale : jitter * 10.0;
  }
  throw NumericalError(std::string(who) + ": covariance is not positive semi-definite (NaN or degenerate data?)");
}

/// tr(sqrt(A·B)) for symmetric PSD A and B, exactly: A·B is similar to sqrt(A)·B·sqrt(A), which is
/// symmetric PSD, so the trace is the sum of the square roots of its eigenvalues.
inline double trace_sqrt_product(const MatrixXd& a, const MatrixXd& b) {
  Eigen::SelfAdjointEigenSolver<MatrixXd> ea(a);
  const VectorXd root = ea.eigenvalues().cwiseMax(0.0).cwiseSqrt();
  const MatrixXd sqrt_a = ea.eigenvectors() * root.asDiagonal() * ea.eigenvectors().transpose();
  const MatrixXd m = sqrt_a * b * sqrt_a;
  Eigen::SelfAdjointEigenSolver<MatrixXd> em((m + m.transpose()) * 0.5, Eigen::EigenvaluesOnly);
  return em.eigenvalues().cwiseMax(0.0).cwiseSqrt().sum();
}

}  // namespace aegan::kernels
