#pragma once
// C = alpha * op(A) * op(B) + beta * C on contiguous row-major buffers, through Eigen's GEMM
// (which blocks for the cache, vectorizes for the host, and threads with OpenMP on its own).
#include "aegan/tensor/tensor.hpp"

namespace aegan::kernels {

enum class Trans { No, Yes };

/// op(A) is M x K, op(B) is K x N, C is M x N; all row-major and densely packed.
template <Scalar T>
void gemm(Trans ta, Trans tb, Index M, Index N, Index K, T alpha, const T* A, const T* B, T beta, T* C) {
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

}  // namespace aegan::kernels
