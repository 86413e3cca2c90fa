// Catch2's main lives alone in this file so the heavy header is compiled with it only once.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
