#pragma once
#include "aegan/io/archive.hpp"
#include "aegan/io/atomic_file.hpp"
#include "aegan/io/chart.hpp"
#include "aegan/io/csv.hpp"
#include "aegan/io/png.hpp"
#include "aegan/io/progress.hpp"
