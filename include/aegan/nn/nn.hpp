#pragma once
#include "aegan/nn/activation.hpp"
#include "aegan/nn/dropout.hpp"
#include "aegan/nn/init.hpp"
#include "aegan/nn/linear.hpp"
#include "aegan/nn/module.hpp"
#include "aegan/nn/sequential.hpp"
