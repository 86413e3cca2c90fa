#pragma once
// Eigen's core module, for every aegan header that uses it: include this, not <Eigen/Core>.
//
// GCC 12's AVX-512 intrinsics pass a deliberately uninitialised vector (`_mm512_undefined_ps()`)
// as the unused merge source of full-mask operations. Once Eigen's packet math is inlined into a
// caller, -Wmaybe-uninitialized and -Wuninitialized report that vector in the caller's function:
// over a thousand false positives in this project's own -O3 -march=native build, and errors in a
// user's -Werror build (GCC bug 105593). GCC weighs the pragma state along the whole inlining
// chain, and Eigen's packet functions are on every such chain, so silencing the two warnings over
// Eigen's own text is enough: aegan's code and the user's keep them (tests/packaging builds a
// consumer with -Werror to hold this). If a program includes <Eigen/Core> before any aegan
// header, Eigen is parsed outside this region and the false positives come back in that program.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <Eigen/Core>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
