// kernels::gemm (aegan's AVX-512 float kernel where the host has it, Eigen elsewhere) against a
// naive double-precision product, over shapes that cross every blocking boundary.
#include <catch2/catch.hpp>

#include <aegan/tensor/kernels/gemm.hpp>
#include <aegan/tensor/parallel.hpp>  // num_threads, set_num_threads
#include <aegan/tensor/rng.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

using namespace aegan;
using kernels::Trans;

namespace {
/// Storage for PackedRhs<T>::pack of a K x N op(B), handed out from its first 64-byte boundary, as
/// the packed panels' aligned loads need.
template <class T>
struct PackedStorage {
  PackedStorage(Index K, Index N)
      : buffer(static_cast<std::size_t>(kernels::PackedRhs<T>::storage_size(K, N)) + 64 / sizeof(T)) {}
  T* aligned() { return buffer.data() + (64 - reinterpret_cast<std::uintptr_t>(buffer.data()) % 64) % 64 / sizeof(T); }
  std::vector<T> buffer;
};

template <class T>
void check_gemm(Index M, Index N, Index K, Trans ta, Trans tb, T alpha, T beta, bool with_bias, Rng& rng) {
  std::vector<T> A(static_cast<std::size_t>(M * K)), B(static_cast<std::size_t>(K * N)), C(static_cast<std::size_t>(M * N)),
      bias(static_cast<std::size_t>(N));
  for (auto* v : {&A, &B, &C, &bias})
    for (T& x : *v) x = static_cast<T>(rng.uniform(-1, 1));
  std::vector<double> expect(static_cast<std::size_t>(M * N));
  for (Index i = 0; i < M; ++i)
    for (Index j = 0; j < N; ++j) {
      double acc = 0;
      for (Index k = 0; k < K; ++k) {
        const double a = ta == Trans::No ? A[static_cast<std::size_t>(i * K + k)] : A[static_cast<std::size_t>(k * M + i)];
        const double b = tb == Trans::No ? B[static_cast<std::size_t>(k * N + j)] : B[static_cast<std::size_t>(j * K + k)];
        acc += a * b;
      }
      const auto ij = static_cast<std::size_t>(i * N + j);
      expect[ij] = with_bias ? acc + bias[static_cast<std::size_t>(j)] : alpha * acc + beta * C[ij];
    }
  if (with_bias)
    kernels::gemm_bias(ta, tb, M, N, K, A.data(), B.data(), bias.data(), C.data());
  else
    kernels::gemm(ta, tb, M, N, K, alpha, A.data(), B.data(), beta, C.data());
  const double tol = std::is_same_v<T, float> ? 2e-4 * std::sqrt(static_cast<double>(K) + 1) : 1e-10 * static_cast<double>(K + 1);
  double worst = 0;  // one assertion per call: the largest scaled error and where it is
  std::size_t where = 0;
  for (std::size_t i = 0; i < C.size(); ++i) {
    const double err = std::abs(C[i] - expect[i]) / (1 + std::abs(expect[i]));
    if (err > worst) { worst = err; where = i; }
  }
  INFO("M " << M << " N " << N << " K " << K << " ta " << (ta == Trans::Yes) << " tb " << (tb == Trans::Yes) << " element " << where);
  REQUIRE(worst <= tol);
}
}  // namespace

TEMPLATE_TEST_CASE("gemm matches a naive product on many shapes", "[gemm]", float, double) {
  Rng rng(GENERATE(1, 2, 3, 4, 5, 6));
  const std::vector<Index> sizes{1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 48, 64, 65, 97, 130, 257, 300};
  for (int trial = 0; trial < 12; ++trial) {
    const Index M = sizes[rng.below(sizes.size())], N = sizes[rng.below(sizes.size())], K = sizes[rng.below(sizes.size())];
    const Trans ta = rng.bernoulli(0.5) ? Trans::Yes : Trans::No, tb = rng.bernoulli(0.5) ? Trans::Yes : Trans::No;
    const int mode = static_cast<int>(rng.below(4));
    if (mode == 0) check_gemm<TestType>(M, N, K, ta, tb, TestType(1), TestType(0), false, rng);
    if (mode == 1) check_gemm<TestType>(M, N, K, ta, tb, TestType(0.5), TestType(1), false, rng);
    if (mode == 2) check_gemm<TestType>(M, N, K, ta, tb, TestType(-2), TestType(0.25), false, rng);
    if (mode == 3) check_gemm<TestType>(M, N, K, ta, tb, TestType(1), TestType(0), true, rng);
  }
}

TEST_CASE("gemm: large shapes of the conv layers, K = 0 and beta with NaN-free C", "[gemm]") {
  Rng rng(9);
  check_gemm<float>(128, 49 * 64, 1024, Trans::No, Trans::No, 1.0f, 0.0f, false, rng);  // Conv2d 64->128 on 14x14
  check_gemm<float>(1024, 196, 128, Trans::Yes, Trans::No, 1.0f, 0.0f, false, rng);     // ConvTranspose2d 128->64
  check_gemm<float>(64, 784, 256, Trans::No, Trans::Yes, 1.0f, 0.0f, true, rng);        // Linear with bias
  // One column: a critic's Linear(6272 -> 1), with and without bias, and odd sizes for the row
  // groups and the 16-lane tail (the AVX-512 kernel's dot-product path).
  for (Trans tb : {Trans::No, Trans::Yes}) {
    check_gemm<float>(64, 1, 6272, Trans::No, tb, 1.0f, 0.0f, true, rng);
    check_gemm<float>(67, 1, 6272, Trans::No, tb, 1.0f, 0.0f, false, rng);
    check_gemm<float>(7, 1, 33, Trans::No, tb, -2.0f, 0.25f, false, rng);
    check_gemm<float>(5, 1, 1, Trans::No, tb, 0.5f, 1.0f, false, rng);
  }
  std::vector<float> C(6, 3.0f);
  kernels::gemm<float>(Trans::No, Trans::No, 2, 3, 0, 1.0f, nullptr, nullptr, 0.5f, C.data());  // K = 0: C = beta C
  for (float c : C) CHECK(c == 1.5f);
}

TEST_CASE("gemm with an RhsSource gives the bits of gemm with op(B) stored", "[gemm]") {
  if constexpr (!kernels::kImplicitGemm<float>) {
    SUCCEED("this build's float GEMM is Eigen's, which takes no RhsSource (kImplicitGemm<float> is false)");
  } else {
    struct Source {  // op(B) = B [K, N], stored here so the two products can be compared
      const std::vector<float>* B;
      Index N;
      static void fill(const void* self, Index k0, Index kc, Index j0, Index nr, float* out, Index ld) {
        const auto& s = *static_cast<const Source*>(self);
        REQUIRE(nr <= 48);
        REQUIRE(ld >= nr);
        for (Index k = 0; k < kc; ++k)
          for (Index j = 0; j < nr; ++j)
            out[k * ld + j] = (*s.B)[static_cast<std::size_t>((k0 + k) * s.N + j0 + j)];
      }
    };
    Rng rng(31);
    struct Shape3 { Index M, N, K; };
    // Row and column edges of the 8 x 48 tiles, N not a multiple of 16, depths of one and of
    // several k blocks (K > 256), and the weight gradient of the W=64 models' Conv2d 64 -> 128.
    for (const Shape3 s : {Shape3{1, 1, 1}, Shape3{13, 27, 7}, Shape3{64, 16, 196}, Shape3{37, 100, 300},
                           Shape3{128, 1024, 245}, Shape3{9, 50, 513}})
      for (Trans ta : {Trans::No, Trans::Yes})
        for (float beta : {0.0f, 1.0f}) {
          std::vector<float> A(static_cast<std::size_t>(s.M * s.K)), B(static_cast<std::size_t>(s.K * s.N)),
              C0(static_cast<std::size_t>(s.M * s.N));
          for (auto* v : {&A, &B, &C0})
            for (float& x : *v) x = static_cast<float>(rng.uniform(-1, 1));
          std::vector<float> stored = C0, made = C0;
          kernels::gemm(ta, Trans::No, s.M, s.N, s.K, 0.5f, A.data(), B.data(), beta, stored.data());
          const Source source{&B, s.N};
          kernels::gemm(ta, s.M, 0.5f, A.data(), kernels::RhsSource<float>{s.K, s.N, &Source::fill, &source}, beta, made.data());
          INFO("M " << s.M << " N " << s.N << " K " << s.K << " ta " << (ta == Trans::Yes) << " beta " << beta);
          REQUIRE(made == stored);
        }
  }
}

TEST_CASE("gemm with a GatheredLhs gives the bits of gemm with A stored", "[gemm]") {
  if constexpr (!kernels::kImplicitGemm<float>) {
    SUCCEED("this build's float GEMM is Eigen's, which takes no GatheredLhs (kImplicitGemm<float> is false)");
  } else {
    Rng rng(37);
    struct Shape3 { Index M, N, K; };
    // Row and column edges of the 8 x 48 tiles, several k blocks, and the forward of the W=64
    // models' Conv2d 64 -> 128 (245 pixels of 5 samples x 1024 patch entries x 128 filters).
    for (const Shape3 s : {Shape3{1, 1, 1}, Shape3{13, 27, 7}, Shape3{37, 100, 300}, Shape3{245, 128, 1024}, Shape3{9, 50, 513}})
      for (float beta : {0.0f, 1.0f}) {
        // A's rows live in a larger buffer in a shuffled order, and its columns in a permuted order
        // inside each row, so a gather that ignored either would read the wrong values.
        const Index stride = s.K + 5;
        std::vector<float> pool(static_cast<std::size_t>(s.M * stride)), A(static_cast<std::size_t>(s.M * s.K));
        std::vector<float> W(static_cast<std::size_t>(s.N * s.K)), C0(static_cast<std::size_t>(s.M * s.N));
        for (auto* v : {&pool, &W, &C0})
          for (float& x : *v) x = static_cast<float>(rng.uniform(-1, 1));
        std::vector<const float*> rows(static_cast<std::size_t>(s.M));
        std::vector<Index> cols(static_cast<std::size_t>(s.K));
        for (Index i = 0; i < s.M; ++i) rows[static_cast<std::size_t>(i)] = pool.data() + ((i * 7) % s.M) * stride;
        for (Index k = 0; k < s.K; ++k) cols[static_cast<std::size_t>(k)] = (k * 3 + 2) % stride;
        for (Index i = 0; i < s.M; ++i)
          for (Index k = 0; k < s.K; ++k)
            A[static_cast<std::size_t>(i * s.K + k)] = rows[static_cast<std::size_t>(i)][cols[static_cast<std::size_t>(k)]];
        PackedStorage<float> storage(s.K, s.N);
        const auto rhs = kernels::PackedRhs<float>::pack(Trans::Yes, s.K, s.N, W.data(), storage.aligned());
        std::vector<float> stored = C0, gathered = C0;
        kernels::gemm(Trans::No, s.M, 0.5f, A.data(), rhs, beta, stored.data());
        kernels::gemm(kernels::GatheredLhs<float>{rows.data(), cols.data()}, s.M, 0.5f, rhs, beta, gathered.data());
        INFO("M " << s.M << " N " << s.N << " K " << s.K << " beta " << beta);
        REQUIRE(gathered == stored);
      }
  }
}

TEST_CASE("gemm with a TileSink hands over every element of C once, with the bits of gemm with C stored", "[gemm]") {
  if constexpr (!kernels::kImplicitGemm<float>) {
    SUCCEED("this build's float GEMM is Eigen's, which takes no TileSink (kImplicitGemm<float> is false)");
  } else {
    struct Sink {  // writes each tile where C would have it, and counts how often each element arrives
      std::vector<float>* C;
      std::vector<int>* arrivals;
      Index N;
      static void take(const void* self, Index i0, Index rows, Index j0, Index cols, const float* tile, Index ld) {
        const auto& s = *static_cast<const Sink*>(self);
        for (Index i = 0; i < rows; ++i)
          for (Index j = 0; j < cols; ++j) {
            const auto at = static_cast<std::size_t>((i0 + i) * s.N + j0 + j);
            (*s.C)[at] = tile[i * ld + j];
            ++(*s.arrivals)[at];
          }
      }
    };
    Rng rng(41);
    struct Shape3 { Index M, N, K; };
    // Row and column edges of the 8 x 48 tiles, the deepest product one k block finishes, and the
    // data gradients of the W=64 models' Conv2d 64 -> 128 and its 1-channel first layer.
    for (const Shape3 s : {Shape3{1, 1, 1}, Shape3{13, 27, 7}, Shape3{37, 100, 256}, Shape3{245, 1024, 128}, Shape3{196, 16, 64}})
      for (Trans ta : {Trans::No, Trans::Yes}) {
        std::vector<float> A(static_cast<std::size_t>(s.M * s.K)), W(static_cast<std::size_t>(s.K * s.N));
        for (auto* v : {&A, &W})
          for (float& x : *v) x = static_cast<float>(rng.uniform(-1, 1));
        PackedStorage<float> storage(s.K, s.N);
        const auto rhs = kernels::PackedRhs<float>::pack(Trans::No, s.K, s.N, W.data(), storage.aligned());
        std::vector<float> stored(static_cast<std::size_t>(s.M * s.N)), taken(stored.size(), std::nanf(""));
        std::vector<int> arrivals(stored.size(), 0);
        kernels::gemm(ta, s.M, 0.5f, A.data(), rhs, 0.0f, stored.data());
        const Sink sink{&taken, &arrivals, s.N};
        kernels::gemm(ta, s.M, 0.5f, A.data(), rhs, kernels::TileSink<float>{&Sink::take, &sink});
        INFO("M " << s.M << " N " << s.N << " K " << s.K << " ta " << (ta == Trans::Yes));
        REQUIRE(std::count(arrivals.begin(), arrivals.end(), 1) == s.M * s.N);
        REQUIRE(taken == stored);
      }
    // Deeper than one k block: the tiles would not be final, so the call refuses.
    std::vector<float> A(257 * 2), W(257 * 3);
    PackedStorage<float> storage(257, 3);
    const auto rhs = kernels::PackedRhs<float>::pack(Trans::No, 257, 3, W.data(), storage.aligned());
    const kernels::TileSink<float> ignore{[](const void*, Index, Index, Index, Index, const float*, Index) {}, nullptr};
    CHECK_THROWS_WITH(kernels::gemm(Trans::No, 2, 1.0f, A.data(), rhs, ignore),
                      Catch::Contains("TileSink") && Catch::Contains("K <= 256") && Catch::Contains("K = 257"));
  }
}

TEST_CASE("gemm with a packed right-hand side gives the plain gemm's bits at every panel split and thread count", "[gemm]") {
  // pack_b_panels and the GEMM's split of C between threads must agree on where panels start: the
  // last 64 columns are two 32-wide panels, and a thread's columns are whole panels.
  Rng rng(43);
  for (const Index N : {16, 40, 64, 100, 112, 160, 208, 1024})
    for (const Index K : {7, 300})
      for (int threads : {1, 2, 3}) {  // 3 threads and N = 208: a split at 192 would cut the 32-wide panels at 144 and 176
        const int previous = num_threads();
        set_num_threads(threads);
        const Index M = 37;
        std::vector<float> A(static_cast<std::size_t>(M * K)), B(static_cast<std::size_t>(K * N));
        for (auto* v : {&A, &B})
          for (float& x : *v) x = static_cast<float>(rng.uniform(-1, 1));
        PackedStorage<float> storage(K, N);
        const auto rhs = kernels::PackedRhs<float>::pack(Trans::No, K, N, B.data(), storage.aligned());
        std::vector<float> plain(static_cast<std::size_t>(M * N)), packed(plain.size());
        kernels::gemm(Trans::No, Trans::No, M, N, K, 1.0f, A.data(), B.data(), 0.0f, plain.data());
        kernels::gemm(Trans::No, M, 1.0f, A.data(), rhs, 0.0f, packed.data());
        set_num_threads(previous);
        INFO("M " << M << " N " << N << " K " << K << " threads " << threads);
        REQUIRE(packed == plain);
      }
}

TEST_CASE("gemm with one column gives the same bits at any thread count", "[gemm]") {
  Rng rng(44);
  for (const Index M : {5, 64, 130}) {
    const Index K = 6272;
    std::vector<float> A(static_cast<std::size_t>(M * K)), b(static_cast<std::size_t>(K)), bias{0.3f};
    for (auto* v : {&A, &b})
      for (float& x : *v) x = static_cast<float>(rng.uniform(-1, 1));
    std::vector<std::vector<float>> C;
    for (int threads : {1, 2, 3}) {
      const int previous = num_threads();
      set_num_threads(threads);
      C.emplace_back(static_cast<std::size_t>(M));
      kernels::gemm_bias(Trans::No, Trans::Yes, M, 1, K, A.data(), b.data(), bias.data(), C.back().data());
      set_num_threads(previous);
    }
    INFO("M " << M);
    CHECK(C[1] == C[0]);
    CHECK(C[2] == C[0]);
  }
}

TEMPLATE_TEST_CASE("FlopCounter counts 2·M·N·K per product, once per entry point, while it is open", "[gemm][flops]", float,
                   double) {
  using T = TestType;
  Rng rng(45);
  const Index M = 37, N = 50, K = 19;
  std::vector<T> A(static_cast<std::size_t>(M * K)), B(static_cast<std::size_t>(K * N)), C(static_cast<std::size_t>(M * N)),
      bias(static_cast<std::size_t>(N));
  for (auto* v : {&A, &B, &bias})
    for (T& x : *v) x = static_cast<T>(rng.uniform(-1, 1));
  const double product = 2.0 * M * N * K;

  kernels::gemm(Trans::No, Trans::No, M, N, K, T(1), A.data(), B.data(), T(0), C.data());  // before any counter
  FlopCounter outer;
  CHECK(outer.flops() == 0.0);
  kernels::gemm(Trans::Yes, Trans::No, M, N, K, T(1), A.data(), B.data(), T(0), C.data());  // A stored as [K, M]
  CHECK(outer.flops() == product);
  {
    FlopCounter inner;  // nested: sees only what follows it, and the outer one sees that too
    kernels::gemm_bias(Trans::No, Trans::No, M, N, K, A.data(), B.data(), bias.data(), C.data());
    CHECK(inner.flops() == product);  // gemm_bias is one product, not a fill plus a counted gemm
    PackedStorage<T> storage(K, N);
    const auto rhs = kernels::PackedRhs<T>::pack(Trans::No, K, N, B.data(), storage.aligned());
    kernels::gemm(Trans::No, M, T(1), A.data(), rhs, T(0), C.data());
    CHECK(inner.flops() == 2 * product);
    kernels::gemm(Trans::No, Trans::Yes, M, 1, K, T(1), A.data(), B.data(), T(0), C.data());  // one column
    CHECK(inner.flops() == 2 * product + 2.0 * M * K);
  }
  CHECK(outer.flops() == 3 * product + 2.0 * M * K);
  kernels::gemm(Trans::No, Trans::No, M, N, Index(0), T(1), A.data(), B.data(), T(0), C.data());  // K = 0: no products
  CHECK(outer.flops() == 3 * product + 2.0 * M * K);
}
