#pragma once
#include "aegan/optim/adam.hpp"
#include "aegan/optim/ema.hpp"
#include "aegan/optim/sgd.hpp"
