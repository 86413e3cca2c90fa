#include <catch2/catch.hpp>

#include <aegan/aegan.hpp>

#include <set>

using namespace aegan;

TEST_CASE("Shape: rank, numel, negative axes and errors", "[tensor]") {
  Shape s{2, 3, 4};
  CHECK(s.rank() == 3);
  CHECK(s.numel() == 24);
  CHECK(s[-1] == 4);
  CHECK(s.numel_from(1) == 12);
  CHECK(s.to_string() == "[2, 3, 4]");
  CHECK(Shape{}.numel() == 1);
  CHECK_THROWS_AS(s[3], ShapeError);
  CHECK_THROWS_AS((Shape{1, 2, 3, 4, 5, 6, 7}), ShapeError);
  CHECK_THROWS_WITH((Shape{2, -1}), Catch::Contains("negative dimension -1"));
}

TEMPLATE_TEST_CASE("Tensor: construction, access, copy and move", "[tensor]", float, double) {
  Tensor<TestType> t({2, 3}, {1, 2, 3, 4, 5, 6});
  CHECK(t.at({1, 2}) == 6);
  CHECK(reinterpret_cast<std::uintptr_t>(t.data()) % 64 == 0);
  Tensor<TestType> copy = t;
  copy[0] = 42;
  CHECK(t[0] == 1);  // deep copy
  Tensor<TestType> moved = std::move(copy);
  CHECK(moved[0] == 42);
  CHECK(Tensor<TestType>::zeros({3}).array().sum() == 0);
  CHECK(Tensor<TestType>::full({2, 2}, 3).array().sum() == 12);
  CHECK_THROWS_AS(t.at({2, 0}), ShapeError);
  CHECK_THROWS_AS(t.at({0}), ShapeError);
  CHECK_THROWS_WITH((Tensor<TestType>({2, 2}, {1, 2, 3})), Catch::Contains("holds 4 values, got 3"));
  CHECK_THROWS_AS(t.item(), ShapeError);
}

TEMPLATE_TEST_CASE("Tensor: reshape keeps data, rejects a different size", "[tensor]", float, double) {
  Tensor<TestType> t({2, 3}, {1, 2, 3, 4, 5, 6});
  auto r = t.reshape({3, 2});
  CHECK(r.at({2, 1}) == 6);
  CHECK_THROWS_WITH(t.reshape({4, 2}), Catch::Contains("[2, 3]") && Catch::Contains("[4, 2]"));
  auto m = t.matrix();
  CHECK(m.rows() == 2);
  CHECK(m(1, 0) == 4);
}

TEST_CASE("Rng: reproducible streams, sane statistics, state round trip", "[tensor]") {
  Rng a(123), b(123), c(124);
  for (int i = 0; i < 10; ++i) CHECK(a.next_u64() == b.next_u64());
  CHECK(a.next_u64() != c.next_u64());

  Rng r(7);
  double sum = 0, sq = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double x = r.normal();
    sum += x;
    sq += x * x;
  }
  CHECK(std::abs(sum / n) < 0.01);
  CHECK(std::abs(sq / n - 1.0) < 0.02);

  std::set<std::uint64_t> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(r.below(7));
  CHECK(seen.size() == 7);
  CHECK(*seen.rbegin() == 6);

  Rng saved = r;
  const auto state = r.state();
  const double next = r.uniform();
  Rng restored;
  restored.set_state(state);
  CHECK(restored.uniform() == next);
  CHECK(saved.uniform() == next);
}

TEST_CASE("set_num_threads rejects zero", "[tensor]") {
  CHECK_THROWS_AS(set_num_threads(0), ValueError);
  set_num_threads(2);
  CHECK(num_threads() == 2);
}

TEMPLATE_TEST_CASE("broadcast_plan covers bias-like shapes and names bad ones", "[tensor]", float) {
  using kernels::broadcast_plan;
  auto p = broadcast_plan(Shape{4, 3, 5, 5}, Shape{1, 3, 1, 1}, "add");
  CHECK(p.outer == 4);
  CHECK(p.mid == 3);
  CHECK(p.inner == 25);
  p = broadcast_plan(Shape{8, 10}, Shape{10}, "add");
  CHECK((p.outer == 8 && p.mid == 10 && p.inner == 1));
  p = broadcast_plan(Shape{8, 10}, Shape{}, "add");
  CHECK(p.outer == 80);
  CHECK_THROWS_WITH(broadcast_plan(Shape{8, 10}, Shape{9}, "add"),
                    Catch::Contains("add") && Catch::Contains("[9]") && Catch::Contains("[8, 10]"));
  CHECK_THROWS_AS(broadcast_plan(Shape{2, 3, 4}, Shape{2, 1, 4}, "mul"), ShapeError);
}

TEMPLATE_TEST_CASE("Tensor: copying to and from an empty tensor", "[tensor]", float, double) {
  Tensor<TestType> empty;
  CHECK(empty.empty());
  Tensor<TestType> copy = empty;
  CHECK(copy.empty());
  Tensor<TestType> target;
  target = Tensor<TestType>::scalar(3);  // rank 0, one element: must allocate
  CHECK(target.item() == 3);
  target = empty;
  CHECK(target.empty());
  Tensor<TestType> zero_size({0, 4});
  Tensor<TestType> zero_copy = zero_size;
  CHECK(zero_copy.numel() == 0);
  CHECK(zero_copy.shape() == Shape{0, 4});
}

TEST_CASE("Freed large tensors are reused from the block cache, within its limit", "[tensor]") {
  const std::size_t saved_limit = block_cache_limit();
  release_block_cache();
  set_block_cache_limit(std::size_t(8) << 20);
  const Shape big{256, 1024};  // 1 MiB of floats
  const float* first = nullptr;
  {
    Tensor<float> t = Tensor<float>::full(big, 3.0f);
    first = t.data();
  }
  CHECK(block_cache_bytes() == std::size_t(1) << 20);
  {
    Tensor<float> again(big);  // the same block, and still zero-filled as promised
    CHECK(again.data() == first);
    CHECK(again.array().abs().maxCoeff() == 0.0f);
    CHECK(block_cache_bytes() == 0);
    Tensor<float> small({16});  // small blocks never enter the cache
  }
  CHECK(block_cache_bytes() == std::size_t(1) << 20);
  {
    std::vector<Tensor<float>> many;
    for (int i = 0; i < 12; ++i) many.emplace_back(big);
  }
  CHECK(block_cache_bytes() == std::size_t(8) << 20);  // 12 MiB freed, 8 MiB kept
  set_block_cache_limit(std::size_t(2) << 20);          // lowering the limit frees what does not fit
  CHECK(block_cache_bytes() == 0);
  set_block_cache_limit(0);
  { Tensor<float> t(big); }
  CHECK(block_cache_bytes() == 0);  // off
  {
    BlockCacheScope scope;
    { Tensor<float> t(big); }
    // Under AddressSanitizer a scope caches nothing, so use-after-free stays detectable.
    CHECK(block_cache_bytes() == (detail::kCacheAllowed ? std::size_t(1) << 20 : 0));
  }
  CHECK(block_cache_limit() == 0);
  CHECK(block_cache_bytes() == 0);  // the scope gave its blocks back
  set_block_cache_limit(saved_limit);
}

TEST_CASE("slice_rows and map_batches work through a tensor a batch at a time", "[tensor]") {
  Tensor<double> x({7, 2, 3});
  for (Index i = 0; i < x.numel(); ++i) x[i] = static_cast<double>(i);
  const Tensor<double> mid = slice_rows(x, 2, 3);
  CHECK(mid.shape() == Shape{3, 2, 3});
  CHECK(mid[0] == 12.0);
  CHECK(mid[17] == 29.0);
  CHECK(slice_rows(x, 7, 0).numel() == 0);
  CHECK_THROWS_WITH(slice_rows(x, 5, 3), Catch::Contains("rows [5, 8)") && Catch::Contains("[7, 2, 3]"));
  CHECK_THROWS_AS(slice_rows(x, -1, 1), ShapeError);

  std::vector<Index> seen;
  const Tensor<double> sums = map_batches(x, 3, [&](const Tensor<double>& part) {
    seen.push_back(part.dim(0));
    Tensor<double> s({part.dim(0), 1});
    for (Index r = 0; r < part.dim(0); ++r) s[r] = part.matrix().row(r).sum();  // matrix(): [rows, 6]
    return s;
  });
  CHECK(seen == std::vector<Index>{3, 3, 1});
  CHECK(sums.shape() == Shape{7, 1});
  for (Index r = 0; r < 7; ++r) CHECK(sums[r] == static_cast<double>(36 * r + 15));
  CHECK_THROWS_WITH(map_batches(x, 4, [](const Tensor<double>& part) { return slice_rows(part, 0, 1); }),
                    Catch::Contains("4 rows gave [1, 2, 3]"));
  CHECK_THROWS_AS(map_batches(x, 0, [](const Tensor<double>& part) { return part; }), ValueError);
}
