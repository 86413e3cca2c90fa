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
