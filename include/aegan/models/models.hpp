#pragma once
#include "aegan/models/gan.hpp"
#include "aegan/models/latent.hpp"
