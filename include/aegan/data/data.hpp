#pragma once
// The data layer: datasets (images, optional labels), IDX files (raw or gzip), MNIST-family
// datasets, and mini-batch loading.
// Depends on tensor/ only.
#include "aegan/data/dataset.hpp"
#include "aegan/data/idx.hpp"
#include "aegan/data/loader.hpp"
#include "aegan/data/mnist.hpp"
