#pragma once
#include "aegan/models/gan.hpp"
#include "aegan/models/generator_model.hpp"
#include "aegan/models/image_nets.hpp"
#include "aegan/models/latent.hpp"
#include "aegan/models/mnist_nets.hpp"
