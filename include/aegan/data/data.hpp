#pragma once
// The data layer: datasets (tensors, or 8-bit images with optional labels and class names), image
// folders (decoded through stb_image), IDX files (raw or gzip), MNIST-family datasets, and
// mini-batch loading.
// Depends on tensor/ only.
#include "aegan/data/dataset.hpp"
#include "aegan/data/idx.hpp"
#include "aegan/data/image_dataset.hpp"
#include "aegan/data/image_decode.hpp"
#include "aegan/data/image_fit.hpp"
#include "aegan/data/image_folder.hpp"
#include "aegan/data/loader.hpp"
#include "aegan/data/mnist.hpp"
