#include <catch2/catch.hpp>

#include <aegan/aegan.hpp>
#include <aegan/train/state.hpp>

#include "support/files.hpp"

using namespace aegan;
namespace fs = std::filesystem;

namespace {
fs::path scratch(const std::string& name) { return test::scratch_path("ckpt", name); }
std::string slurp(const fs::path& p) { return test::read_file(p); }
void spit(const fs::path& p, const std::string& bytes) { test::write_file(p, bytes); }
io::Archive sample() {
  io::Archive ck;
  ck.put("weights", Tensor<float>({2, 3}, {1, 2, 3, 4, 5, 6}));
  ck.put("stats", Tensor<double>({2}, {0.5, -0.25}));
  ck.put("scalar", Tensor<float>::scalar(7));
  ck.put_ints("step", {1234, -5});
  ck.put_text("preset", "aegan");
  return ck;
}
}  // namespace

TEST_CASE("Checkpoint round-trips tensors, integers and text", "[checkpoint]") {
  const auto path = scratch("a.ckpt");
  sample().save(path);
  const auto ck = io::Archive::load(path);
  CHECK(ck.tensor<float>("weights").at({1, 2}) == 6);
  CHECK(ck.tensor<double>("stats")[1] == -0.25);
  CHECK(ck.tensor<float>("scalar").item() == 7);
  CHECK(ck.ints("step") == io::Archive::Ints{1234, -5});
  CHECK(ck.text("preset") == "aegan");
  CHECK_THROWS_WITH(ck.tensor<double>("weights"), Catch::Contains("a.ckpt") && Catch::Contains("not a double tensor"));
  CHECK_THROWS_WITH(ck.text("missing"), Catch::Contains("missing entry 'missing'"));
  const Shape wrong{3, 2};
  CHECK_THROWS_WITH(ck.tensor<float>("weights", &wrong), Catch::Contains("[2, 3]") && Catch::Contains("[3, 2]"));
}

TEST_CASE("Checkpoint refuses corrupted files with the file and the problem", "[checkpoint]") {
  const auto path = scratch("b.ckpt");
  sample().save(path);
  const std::string good = slurp(path);

  std::string flipped = good;
  flipped[good.size() / 2] = static_cast<char>(flipped[good.size() / 2] ^ 0x5A);
  spit(path, flipped);
  CHECK_THROWS_WITH(io::Archive::load(path), Catch::Contains("b.ckpt") && Catch::Contains("checksum mismatch"));

  spit(path, good.substr(0, good.size() - 10));
  CHECK_THROWS_WITH(io::Archive::load(path), Catch::Contains("truncated or corrupted"));
  spit(path, good.substr(0, 10));
  CHECK_THROWS_WITH(io::Archive::load(path), Catch::Contains("truncated header"));

  std::string version = good;
  version[8] = 9;
  spit(path, version);
  CHECK_THROWS_WITH(io::Archive::load(path), Catch::Contains("format version 9") && Catch::Contains("version 1"));

  std::string magic = good;
  magic[0] = 'X';
  spit(path, magic);
  CHECK_THROWS_WITH(io::Archive::load(path), Catch::Contains("bad magic"));

  CHECK_THROWS_WITH(io::Archive::load(scratch("nope.ckpt")), Catch::Contains("nope.ckpt") && Catch::Contains("no such file"));
}

TEST_CASE("Checkpoint parser survives random corruption with only aegan errors", "[checkpoint]") {
  std::string bytes;
  {
    const auto path = scratch("c.ckpt");
    sample().save(path);
    bytes = slurp(path);
  }
  Rng rng(42);
  int refused = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    std::string mutated = bytes;
    const int edits = 1 + static_cast<int>(rng.below(4));
    for (int e = 0; e < edits; ++e) mutated[rng.below(mutated.size())] = static_cast<char>(rng.below(256));
    if (rng.bernoulli(0.2)) mutated.resize(rng.below(mutated.size()));
    try {
      (void)io::Archive::from_bytes(mutated, "mutated");
    } catch (const Error&) {
      ++refused;
    }
  }
  CHECK(refused > 1900);  // nearly every mutation breaks the checksum; none may crash
}

TEST_CASE("The checkpoint format is unchanged: earlier files load and save to the same bytes", "[checkpoint]") {
  // Version 1 as every release so far writes it; a change here breaks every saved checkpoint.
  const std::string bytes(
      "\x41\x45\x47\x41\x4e\x43\x4b\x50\x01\x00\x00\x00\x60\x00\x00\x00\x00\x00\x00\x00\xaa\xa5\xe7\xb5"
      "\x04\x00\x00\x00\x01\x01\x00\x00\x00\x64\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
      "\x00\xd0\x3f\x02\x01\x00\x00\x00\x6e\x02\x00\x00\x00\x00\x00\x00\x00\x07\x00\x00\x00\x00\x00\x00"
      "\x00\xff\xff\xff\xff\xff\xff\xff\xff\x03\x01\x00\x00\x00\x74\x02\x00\x00\x00\x00\x00\x00\x00\x68"
      "\x69\x00\x01\x00\x00\x00\x77\x01\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\xc0\x3f\x00\x00\x00\xc0",
      120);
  const auto path = scratch("golden.ckpt");
  spit(path, bytes);
  const auto ck = io::Archive::load(path);
  CHECK(ck.tensor<float>("w")[1] == -2);
  CHECK(ck.tensor<double>("d")[0] == 0.25);
  CHECK(ck.ints("n") == io::Archive::Ints{7, -1});
  CHECK(ck.text("t") == "hi");
  ck.save(scratch("golden-again.ckpt"));
  CHECK(slurp(scratch("golden-again.ckpt")) == bytes);
  STATIC_REQUIRE(std::is_same_v<train::Checkpoint, io::Archive>);
}

TEST_CASE("A failed save leaves the previous checkpoint loadable", "[checkpoint]") {
  const auto path = scratch("d.ckpt");
  sample().save(path);
  {
    io::AtomicFile partial(path);  // a writer that dies before commit
    partial.write(std::string(100, 'x'));
  }
  CHECK(io::Archive::load(path).text("preset") == "aegan");
  CHECK_THROWS_AS(sample().save(scratch("missing/dir/e.ckpt")), IoError);
}

TEST_CASE("Module, Adam, EMA and Rng state round-trip through a checkpoint", "[checkpoint]") {
  Rng init(3);
  nn::Sequential<float> net(nn::Linear<float>(3, 4, init), nn::ReLU<float>(), nn::Linear<float>(4, 2, init));
  optim::Adam<float> adam(net.parameters(), optim::AdamOptions(0.01));
  optim::EMA<float> ema(net, 0.9);
  Var<float> x(Tensor<float>::ones({5, 3}));
  for (int i = 0; i < 3; ++i) {
    adam.zero_grad();
    sum(net(x)).backward();
    adam.step();
    ema.update();
  }
  Rng stream(9);
  stream.normal();  // leaves a cached second normal that must survive the round trip
  train::Checkpoint ck;
  train::save_module(ck, "net", net);
  train::save_adam(ck, "adam", adam);
  train::save_ema(ck, "ema", ema);
  train::save_rng(ck, "rng", stream);
  const auto path = scratch("state.ckpt");
  ck.save(path);
  const auto loaded = train::Checkpoint::load(path);

  Rng other_init(4);
  nn::Sequential<float> net2(nn::Linear<float>(3, 4, other_init), nn::ReLU<float>(), nn::Linear<float>(4, 2, other_init));
  optim::Adam<float> adam2(net2.parameters(), optim::AdamOptions(0.01));
  optim::EMA<float> ema2(net2, 0.9);
  Rng stream2;
  train::load_module(loaded, "net", net2);
  train::load_adam(loaded, "adam", adam2);
  train::load_ema(loaded, "ema", ema2);
  train::load_rng(loaded, "rng", stream2);
  CHECK(stream2.normal() == stream.normal());
  CHECK(adam2.steps() == 3);
  // One more identical step on both gives identical weights.
  adam.zero_grad();
  sum(net(x)).backward();
  adam.step();
  adam2.zero_grad();
  sum(net2(x)).backward();
  adam2.step();
  for (std::size_t i = 0; i < net.parameters().size(); ++i)
    for (Index k = 0; k < net.parameters()[i].numel(); ++k)
      CHECK(net.parameters()[i].value()[k] == net2.parameters()[i].value()[k]);

  nn::Sequential<float> wrong(nn::Linear<float>(3, 5), nn::ReLU<float>(), nn::Linear<float>(5, 2));
  CHECK_THROWS_WITH(train::load_module(loaded, "net", wrong),
                    Catch::Contains("net.0.weight") && Catch::Contains("[4, 3]") && Catch::Contains("[5, 3]"));
}
