#pragma once
// Everything differentiable: Var, backward(), NoGradGuard, and the ops.
#include "aegan/autograd/ops/activation.hpp"
#include "aegan/autograd/ops/arith.hpp"
#include "aegan/autograd/ops/batchnorm.hpp"
#include "aegan/autograd/ops/conv.hpp"
#include "aegan/autograd/ops/dropout.hpp"
#include "aegan/autograd/ops/loss.hpp"
#include "aegan/autograd/ops/matmul.hpp"
#include "aegan/autograd/ops/pool.hpp"
#include "aegan/autograd/ops/reduce.hpp"
#include "aegan/autograd/ops/resample.hpp"
#include "aegan/autograd/ops/shape_ops.hpp"
#include "aegan/autograd/var.hpp"
