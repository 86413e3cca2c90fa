#pragma once
// aegan: a header-only C++20 deep-learning library for autoencoders and GANs.
// Including this one header gives the whole library; each folder's umbrella header gives a layer.
#include "aegan/error.hpp"
#include "aegan/tensor/flop_counter.hpp"
#include "aegan/tensor/parallel.hpp"
#include "aegan/tensor/rng.hpp"
#include "aegan/tensor/tensor.hpp"
#include "aegan/tensor/batches.hpp"
#include "aegan/autograd/autograd.hpp"
#include "aegan/nn/nn.hpp"
#include "aegan/optim/optim.hpp"
#include "aegan/data/data.hpp"
#include "aegan/io/io.hpp"
#include "aegan/models/models.hpp"
#include "aegan/train/train.hpp"
