#include <catch2/catch.hpp>

#include <aegan/io/io.hpp>

#include "support/files.hpp"

using namespace aegan;
namespace fs = std::filesystem;

namespace {
fs::path scratch(const std::string& name) { return test::scratch_path("io", name); }
std::string slurp(const fs::path& p) { return test::read_file(p); }
std::uint32_t be32(const std::string& s, std::size_t at) {
  return (std::uint32_t(std::uint8_t(s[at])) << 24) | (std::uint32_t(std::uint8_t(s[at + 1])) << 16) |
         (std::uint32_t(std::uint8_t(s[at + 2])) << 8) | std::uint32_t(std::uint8_t(s[at + 3]));
}
}  // namespace

TEST_CASE("write_image_grid writes a PNG of the tiled size", "[io]") {
  Tensor<float> imgs({5, 1, 28, 28});
  for (Index i = 0; i < imgs.numel(); ++i) imgs[i] = static_cast<float>(i % 28) / 27.0f;
  const auto path = scratch("grid.png");
  io::write_image_grid(path, imgs, io::GridOptions().columns(3).padding(2));
  const std::string png = slurp(path);
  REQUIRE(png.size() > 33);
  CHECK(png.substr(1, 3) == "PNG");
  CHECK(be32(png, 16) == 3 * (28 + 2) + 2);  // IHDR width
  CHECK(be32(png, 20) == 2 * (28 + 2) + 2);  // IHDR height
}

TEST_CASE("write_image_grid rejects bad shapes and never leaves partial files", "[io]") {
  const auto path = scratch("keep.png");
  io::write_file_atomically(path, "previous");
  CHECK_THROWS_WITH(io::write_image_grid(path, Tensor<float>({4, 28, 28})),
                    Catch::Contains("[4, 28, 28]") && Catch::Contains("keep.png"));
  CHECK(slurp(path) == "previous");
  CHECK_THROWS_WITH(io::write_image_grid(scratch("no/such/dir/x.png"), Tensor<float>({1, 1, 2, 2})),
                    Catch::Contains("no/such/dir") && Catch::Contains("does not exist"));
}

TEST_CASE("AtomicFile: the target changes only on commit", "[io]") {
  const auto path = scratch("atomic.bin");
  io::write_file_atomically(path, "old contents");
  {
    io::AtomicFile f(path);
    f.write("new contents that are never committed");
    CHECK(fs::exists(f.temp_path()));
  }  // destroyed without commit: as if the program died mid-write
  CHECK(slurp(path) == "old contents");
  for (auto& entry : fs::directory_iterator(path.parent_path()))
    CHECK(entry.path().filename().string().find("atomic.bin.tmp") == std::string::npos);
  io::AtomicFile f(path);
  f.write("new");
  f.commit();
  CHECK(slurp(path) == "new");
}

TEST_CASE("CsvWriter writes a header and rows, checks row width", "[io]") {
  const auto path = scratch("log.csv");
  {
    io::CsvWriter csv(path, {"epoch", "loss"});
    csv.row({1, 0.5});
    csv.row({2, 0.25});
    CHECK_THROWS_WITH(csv.row({3}), Catch::Contains("1 values for 2 columns"));
  }
  CHECK(slurp(path) == "epoch,loss\n1,0.5\n2,0.25\n");
  CHECK_THROWS_AS(io::CsvWriter(scratch("missing/dir/log.csv"), {"a"}), IoError);
}

TEST_CASE("ProgressBar prints plain lines when not on a terminal", "[io]") {
  std::FILE* f = std::tmpfile();
  io::ProgressBar bar(100, "epoch 1", f);
  for (Index i = 1; i <= 100; ++i) bar.update(i, {{"loss", 0.5}});
  bar.finish();
  std::rewind(f);
  char buf[4096] = {};
  const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  const std::string text(buf, n);
  CHECK(text.find("epoch 1 100/100") != std::string::npos);
  CHECK(text.find("loss 0.5") != std::string::npos);
  CHECK(std::count(text.begin(), text.end(), '\n') <= 11);  // about one line per 10%
  CHECK(io::format_duration(3725) == "1:02:05");
}

TEST_CASE("write_line_chart draws series into a PNG of the requested size", "[io]") {
  const auto path = scratch("chart.png");
  std::vector<io::Series> series{{"d_x", {1.4, 1.2, 1.0, 0.9}}, {"rec_x", {0.9, 0.5, 0.3, 0.25}}, {"gap", {0.5, NAN, 0.4, 0.3}}};
  io::write_line_chart(path, series, 400, 200);
  const std::string png = slurp(path);
  CHECK(png.substr(1, 3) == "PNG");
  CHECK(be32(png, 16) == 400);
  CHECK(be32(png, 20) == 200);
  CHECK_THROWS_AS(io::write_line_chart(path, {}), ValueError);
}
