#pragma once
#include "aegan/train/aegan_trainer.hpp"
#include "aegan/train/evaluator.hpp"
#include "aegan/train/metrics.hpp"
#include "aegan/train/options.hpp"
#include "aegan/train/state.hpp"
#include "aegan/train/swd.hpp"
