// Tests for aegan/data: IDX reading/writing (raw and gzip), MNIST folders, datasets with and
// without labels, the batch loader.
// Every test builds its own files in a fresh temporary folder; only the sections that read a
// real dataset (AEGAN_MNIST_DIR, Debian's Fashion-MNIST) depend on the machine.
#include <catch2/catch.hpp>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <new>
#include <numeric>
#include <random>
#include <ranges>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "aegan/data/data.hpp"

namespace fs = std::filesystem;
using aegan::Index;
using Catch::Matchers::Contains;
using namespace aegan::data;

// ---- The largest single allocation through operator new, to prove that a header claiming a
// huge array is rejected before the array is allocated. Replacing the global allocation
// functions is allowed in a program and only affects this test executable.
namespace {
std::atomic<bool> g_track_allocations{false};
std::atomic<std::size_t> g_largest_allocation{0};
}  // namespace

// Every non-aligned form is replaced, so that no pointer from one allocator (say a sanitizer's
// operator new) reaches another's delete. noinline keeps GCC from pairing an inlined free() with
// an opaque operator new and warning (-Wmismatched-new-delete) about what is a malloc/free pair.
namespace {
void* tracked_malloc(std::size_t n) noexcept {
  if (g_track_allocations.load(std::memory_order_relaxed)) {
    std::size_t seen = g_largest_allocation.load(std::memory_order_relaxed);
    while (n > seen && !g_largest_allocation.compare_exchange_weak(seen, n)) {
    }
  }
  return std::malloc(n ? n : 1);
}
}  // namespace

[[gnu::noinline]] void* operator new(std::size_t n) {
  if (void* p = tracked_malloc(n)) return p;
  throw std::bad_alloc();
}
[[gnu::noinline]] void* operator new[](std::size_t n) { return ::operator new(n); }
[[gnu::noinline]] void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return tracked_malloc(n); }
[[gnu::noinline]] void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return tracked_malloc(n); }
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace {

/// Runs `f`; returns the largest single operator-new allocation it made.
template <class F>
std::size_t largest_allocation_during(F&& f) {
  g_largest_allocation = 0;
  g_track_allocations = true;
  try {
    f();
  } catch (...) {
    g_track_allocations = false;
    throw;
  }
  g_track_allocations = false;
  return g_largest_allocation.load();
}

/// A fresh folder under the system temp dir, removed with everything in it at scope exit.
struct TempDir {
  fs::path path;
  TempDir() {
    static std::atomic<int> counter{0};
    std::random_device rd;
    path = fs::temp_directory_path() /
           ("aegan_test_data_" + std::to_string(rd()) + "_" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path operator/(const std::string& name) const { return path / name; }
};

/// Runs `f`, requires it to throw exactly E, and returns the message for content checks.
template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  FAIL("expected an exception, none was thrown");
  return {};
}

std::vector<std::uint8_t> be32(std::uint32_t v) {
  return {std::uint8_t(v >> 24), std::uint8_t(v >> 16), std::uint8_t(v >> 8), std::uint8_t(v)};
}

/// Header bytes for magic + dims, as a malformed file would spell them.
std::vector<std::uint8_t> header(std::uint32_t magic, std::vector<std::uint32_t> dims) {
  std::vector<std::uint8_t> out = be32(magic);
  for (auto d : dims) {
    auto b = be32(d);
    out.insert(out.end(), b.begin(), b.end());
  }
  return out;
}

std::vector<std::uint8_t> concat(std::vector<std::uint8_t> a, std::size_t zero_bytes) {
  a.resize(a.size() + zero_bytes, 0);
  return a;
}

void write_raw(const fs::path& p, const std::vector<std::uint8_t>& bytes) {
  std::ofstream f(p, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(f.good());
}

void write_gz(const fs::path& p, const std::vector<std::uint8_t>& bytes) {
  gzFile f = gzopen(p.c_str(), "wb");
  REQUIRE(f != nullptr);
  if (!bytes.empty()) REQUIRE(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())) == int(bytes.size()));
  REQUIRE(gzclose(f) == Z_OK);
}

std::vector<std::uint8_t> read_bytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

IdxArray pattern(std::vector<Index> dims, unsigned salt = 0) {
  IdxArray a;
  a.dims = std::move(dims);
  std::size_t n = 1;
  for (Index d : a.dims) n *= static_cast<std::size_t>(d);
  a.values.resize(n);
  for (std::size_t i = 0; i < n; ++i) a.values[i] = static_cast<std::uint8_t>((i * 7 + salt) % 256);
  return a;
}

/// A synthetic MNIST split: n images of h x w whose pixel (i, 0, 0) is i % 256, labels i % 10.
void write_split(const fs::path& dir, const std::string& prefix, Index n, Index h, Index w, bool gz,
                 Index label_count = -1) {
  IdxArray img = pattern({n, h, w});
  for (Index i = 0; i < n; ++i) img.values[static_cast<std::size_t>(i * h * w)] = static_cast<std::uint8_t>(i % 256);
  IdxArray lab;
  lab.dims = {label_count < 0 ? n : label_count};
  for (Index i = 0; i < lab.dims[0]; ++i) lab.values.push_back(static_cast<std::uint8_t>(i % 10));
  const std::string ext = gz ? ".gz" : "";
  write_idx(dir / (prefix + "-images-idx3-ubyte" + ext), img, gz);
  write_idx(dir / (prefix + "-labels-idx1-ubyte" + ext), lab, gz);
}

}  // namespace

// ============================================================================ IDX files

TEST_CASE("IDX arrays round-trip through raw and gzip files", "[data]") {
  TempDir tmp;
  const IdxArray images = pattern({3, 4, 5});
  const IdxArray labels = pattern({7}, 3);

  for (bool gz : {false, true}) {
    const fs::path img = tmp / (gz ? "img.gz" : "img"), lab = tmp / (gz ? "lab.gz" : "lab");
    write_idx(img, images, gz);
    write_idx(lab, labels, gz);
    const auto bytes = read_bytes(img);
    REQUIRE(bytes.size() >= 2);
    CHECK((bytes[0] == 0x1f && bytes[1] == 0x8b) == gz);
    if (!gz) CHECK(bytes.size() == 16 + 60);

    const IdxArray a = read_idx(img, kIdxImagesMagic);
    CHECK(a.dims == images.dims);
    CHECK(a.values == images.values);
    const IdxArray b = read_idx(lab, kIdxLabelsMagic);
    CHECK(b.dims == labels.dims);
    CHECK(b.values == labels.values);
    CHECK(read_idx(img).dims == images.dims);  // no expected magic: any ubyte IDX is fine
    CHECK_FALSE(fs::exists(tmp / (gz ? "img.gz.tmp" : "img.tmp")));
  }

  SECTION("gzip is recognised by content, not by name") {
    write_idx(tmp / "compressed-without-suffix", images, true);
    write_idx(tmp / "raw-with-suffix.gz", images, false);
    CHECK(read_idx(tmp / "compressed-without-suffix").values == images.values);
    CHECK(read_idx(tmp / "raw-with-suffix.gz").values == images.values);
  }
  SECTION("many dimensions and a file larger than one read chunk") {
    const IdxArray big = pattern({2, 3, 1, 4, 5});
    write_idx(tmp / "five", big, true);
    CHECK(read_idx(tmp / "five").dims == big.dims);
    const IdxArray large = pattern({(Index(1) << 24) + 5});  // several steps of gzip buffer growth
    write_idx(tmp / "large.gz", large, true);
    CHECK(read_idx(tmp / "large.gz").values == large.values);
  }
}

TEST_CASE("read_idx reports malformed headers with file, expected and found", "[data]") {
  TempDir tmp;
  const fs::path f = tmp / "bad-idx";
  const std::string path = f.string();

  SECTION("wrong magic for the expected kind") {
    write_idx(f, pattern({5}));
    const auto msg = message_of<aegan::IoError>([&] { read_idx(f, kIdxImagesMagic); });
    CHECK_THAT(msg, Contains(path) && Contains("expected magic 2051 (images), found 2049"));
    write_idx(f, pattern({2, 2, 2}), true);
    const auto msg2 = message_of<aegan::IoError>([&] { read_idx(f, kIdxLabelsMagic); });
    CHECK_THAT(msg2, Contains(path) && Contains("expected magic 2049 (labels), found 2051"));
  }
  SECTION("unknown type code") {
    write_raw(f, concat(header(0x00000D03, {1, 2, 2}), 16));
    const auto msg = message_of<aegan::IoError>([&] { read_idx(f); });
    CHECK_THAT(msg, Contains(path) && Contains("type code 0x0D") && Contains("float32") && Contains("0x08"));
    write_raw(f, concat(header(0x00004201, {4}), 4));
    CHECK_THAT(message_of<aegan::IoError>([&] { read_idx(f, kIdxLabelsMagic); }),
               Contains(path) && Contains("type code 0x42"));
  }
  SECTION("not an IDX file at all") {
    write_raw(f, {'P', 'N', 'G', '!', 0, 0, 0, 0});
    CHECK_THAT(message_of<aegan::IoError>([&] { read_idx(f); }),
               Contains(path) && Contains("not an IDX file") && Contains("0x504E4721"));
  }
  SECTION("header too short") {
    write_raw(f, {0, 0, 8});
    CHECK_THAT(message_of<aegan::IoError>([&] { read_idx(f); }),
               Contains(path) && Contains("ends after 3 bytes"));
    write_raw(f, header(kIdxImagesMagic, {10, 28}));  // 3 dims declared, 2 present
    CHECK_THAT(message_of<aegan::IoError>([&] { read_idx(f); }),
               Contains(path) && Contains("dimension 2 of 3") && Contains("16 header bytes"));
    write_raw(f, {});
    CHECK_THAT(message_of<aegan::IoError>([&] { read_idx(f); }), Contains(path) && Contains("ends after 0 bytes"));
  }
  SECTION("zero dimensions or a zero size") {
    write_raw(f, header(0x00000800, {}));
    CHECK_THAT(message_of<aegan::IoError>([&] { read_idx(f); }), Contains(path) && Contains("0 dimensions"));
    write_raw(f, header(kIdxImagesMagic, {4, 0, 28}));
    CHECK_THAT(message_of<aegan::IoError>([&] { read_idx(f); }),
               Contains(path) && Contains("dimension 1 is 0"));
  }
  SECTION("truncated raw file") {
    write_raw(f, concat(header(kIdxImagesMagic, {3, 28, 28}), 3 * 784 - 1));
    CHECK_THAT(message_of<aegan::IoError>([&] { read_idx(f, kIdxImagesMagic); }),
               Contains(path) && Contains("need 2352 data bytes, found 2351") && Contains("truncated"));
  }
  SECTION("trailing bytes in a raw file") {
    write_raw(f, concat(header(kIdxLabelsMagic, {10}), 12));
    CHECK_THAT(message_of<aegan::IoError>([&] { read_idx(f, kIdxLabelsMagic); }),
               Contains(path) && Contains("need 10 data bytes, found 12") && Contains("trailing"));
  }
  SECTION("truncated gzip data") {
    write_gz(f, concat(header(kIdxImagesMagic, {3, 28, 28}), 2000));
    CHECK_THAT(message_of<aegan::IoError>([&] { read_idx(f); }),
               Contains(path) && Contains("need 2352 data bytes, found 2000") && Contains("truncated"));
    // A gzip stream cut off in the middle, not just a short payload.
    write_idx(f, pattern({3, 28, 28}), true);
    auto bytes = read_bytes(f);
    bytes.resize(bytes.size() / 2);
    write_raw(f, bytes);
    CHECK_THAT(message_of<aegan::IoError>([&] { read_idx(f); }),
               Contains(path) && Contains("need 2352 data bytes") && Contains("truncated"));
  }
  SECTION("trailing bytes in gzip data") {
    write_gz(f, concat(header(kIdxLabelsMagic, {10}), 11));
    CHECK_THAT(message_of<aegan::IoError>([&] { read_idx(f); }),
               Contains(path) && Contains("need 10 data bytes, found more") && Contains("trailing"));
  }
  SECTION("corrupt gzip data") {
    write_idx(f, pattern({3, 28, 28}), true);
    auto bytes = read_bytes(f);
    for (std::size_t i = 12; i < bytes.size() - 8; ++i) bytes[i] ^= 0x5A;
    write_raw(f, bytes);
    CHECK_THAT(message_of<aegan::IoError>([&] { read_idx(f); }), Contains(path));
  }
  SECTION("missing file and folder in place of a file") {
    const fs::path missing = tmp / "no-such-file";
    CHECK_THAT(message_of<aegan::IoError>([&] { read_idx(missing); }),
               Contains(missing.string()) && Contains("does not exist"));
    CHECK_THAT(message_of<aegan::IoError>([&] { read_idx(tmp.path); }),
               Contains(tmp.path.string()) && Contains("is a folder"));
  }
}

TEST_CASE("read_idx rejects huge claimed sizes before allocating", "[data]") {
  TempDir tmp;
  const fs::path f = tmp / "huge";
  const std::size_t kSmall = std::size_t(4) << 20;  // far below what any claim here would need

  SECTION("2^31 images exceed the size limit (raw and gzip)") {
    for (bool gz : {false, true}) {
      const auto bytes = concat(header(kIdxImagesMagic, {0x80000000u, 28, 28}), 784 * 2);
      gz ? write_gz(f, bytes) : write_raw(f, bytes);
      std::string msg;
      const std::size_t largest =
          largest_allocation_during([&] { msg = message_of<aegan::IoError>([&] { read_idx(f, kIdxImagesMagic); }); });
      CHECK_THAT(msg, Contains(f.string()) && Contains("[2147483648, 28, 28] claim 1683627180032 data bytes") &&
                          Contains("limit of 1073741824"));
      CHECK(largest < kSmall);
    }
  }
  SECTION("255 dimensions of 2^32 - 1 do not overflow the size check") {
    write_raw(f, header(0x000008FF, std::vector<std::uint32_t>(255, 0xFFFFFFFFu)));
    CHECK_THAT(message_of<aegan::IoError>([&] { read_idx(f); }),
               Contains(f.string()) && Contains("over 2^64") && Contains("limit"));
  }
  SECTION("a raw claim under the limit must match the file size") {
    write_raw(f, concat(header(kIdxImagesMagic, {1000000, 28, 28}), 784 * 10));
    std::string msg;
    const std::size_t largest =
        largest_allocation_during([&] { msg = message_of<aegan::IoError>([&] { read_idx(f); }); });
    CHECK_THAT(msg, Contains(f.string()) && Contains("need 784000000 data bytes, found 7840"));
    CHECK(largest < kSmall);
  }
  SECTION("a gzip claim under the limit grows the buffer only as data arrives") {
    write_gz(f, concat(header(kIdxImagesMagic, {1000000, 28, 28}), 784 * 10));
    std::string msg;
    const std::size_t largest =
        largest_allocation_during([&] { msg = message_of<aegan::IoError>([&] { read_idx(f); }); });
    CHECK_THAT(msg, Contains(f.string()) && Contains("need 784000000 data bytes, found 7840"));
    CHECK(largest < kSmall);
  }
  SECTION("a caller-chosen limit") {
    write_idx(f, pattern({10, 10}));
    CHECK(read_idx(f, {}, 100).values.size() == 100);
    CHECK_THAT(message_of<aegan::IoError>([&] { read_idx(f, {}, 99); }),
               Contains(f.string()) && Contains("claim 100 data bytes, more than the limit of 99"));
  }
}

TEST_CASE("write_idx validates its input and never leaves a half-written file", "[data]") {
  TempDir tmp;
  const fs::path target = tmp / "labels-idx1-ubyte";
  const IdxArray original = pattern({6}, 1);
  write_idx(target, original);
  const auto before = read_bytes(target);

  SECTION("dims that do not match the values") {
    IdxArray a = pattern({2, 3});
    a.values.pop_back();
    CHECK_THAT(message_of<aegan::ShapeError>([&] { write_idx(target, a); }),
               Contains(target.string()) && Contains("[2, 3] hold 6 values, got 5"));
    a.dims = {};
    CHECK_THAT(message_of<aegan::ValueError>([&] { write_idx(target, a); }), Contains("got 0"));
    a.dims = {-1, 5};
    CHECK_THAT(message_of<aegan::ValueError>([&] { write_idx(target, a); }), Contains("dimension 0 is -1"));
    a.dims = {Index(1) << 32};
    CHECK_THAT(message_of<aegan::ValueError>([&] { write_idx(target, a); }), Contains("4294967296"));
  }
  SECTION("the parent is a regular file") {
    const fs::path blocker = tmp / "not-a-folder";
    write_raw(blocker, {1, 2, 3});
    const fs::path inside = blocker / "x-idx1-ubyte";
    CHECK_THAT(message_of<aegan::IoError>([&] { write_idx(inside, original); }),
               Contains(inside.string()) && Contains("cannot create"));
    CHECK(read_bytes(blocker) == std::vector<std::uint8_t>{1, 2, 3});
  }
  SECTION("the temporary file cannot be created") {
    fs::path tmp_path = target;
    tmp_path += ".tmp";
    fs::create_directory(tmp_path);  // a folder in the way fails open() even for root
    for (bool gz : {false, true})
      CHECK_THAT(message_of<aegan::IoError>([&] { write_idx(target, pattern({9}), gz); }),
                 Contains(target.string()) && Contains(tmp_path.string()));
    CHECK(read_bytes(target) == before);
    CHECK(fs::is_directory(tmp_path));  // someone else's folder is not ours to delete
  }
  SECTION("a write fails midway (disk full)") {
    if (!fs::exists("/dev/full")) {
      WARN("no /dev/full: the disk-full case is covered by the folder-in-the-way case only");
      return;
    }
    fs::path tmp_path = target;
    tmp_path += ".tmp";
    fs::create_symlink("/dev/full", tmp_path);  // open succeeds, every write fails with ENOSPC
    for (bool gz : {false, true}) {
      if (!fs::is_symlink(tmp_path)) fs::create_symlink("/dev/full", tmp_path);
      CHECK_THAT(message_of<aegan::IoError>([&] { write_idx(target, pattern({300000}), gz); }),
                 Contains(target.string()) && Contains("left unchanged"));
      CHECK(read_bytes(target) == before);
      CHECK_FALSE(fs::exists(fs::symlink_status(tmp_path)));
    }
  }
  SECTION("the target is a folder: rename fails, the temporary file is removed") {
    const fs::path dir_target = tmp / "a-folder";
    fs::create_directories(dir_target / "child");
    CHECK_THAT(message_of<aegan::IoError>([&] { write_idx(dir_target, original); }),
               Contains(dir_target.string()) && Contains("rename"));
    CHECK(fs::is_directory(dir_target / "child"));
    CHECK_FALSE(fs::exists(tmp / "a-folder.tmp"));
  }
  SECTION("a successful write replaces the old contents whole") {
    const IdxArray replacement = pattern({4, 4}, 9);
    write_idx(target, replacement, true);
    CHECK(read_idx(target).values == replacement.values);
    CHECK_FALSE(fs::exists(tmp / "labels-idx1-ubyte.tmp"));
  }
}

// ============================================================================ MNIST folders

namespace {
/// One split as tensors, the way a program that wants floats gets it.
template <class T>
Dataset<T> load_mnist_as(const fs::path& dir, Split split, PixelRange range = PixelRange::ZeroOne) {
  return to_dataset<T>(load_mnist(dir, split), range);
}
}  // namespace

TEMPLATE_TEST_CASE("load_mnist reads synthetic raw and gzip folders", "[data]", float, double) {
  TempDir tmp;
  using T = TestType;
  const std::string variant = GENERATE(as<std::string>{}, "raw", "gz", "kaggle");
  const bool gz = variant == "gz";
  write_split(tmp.path, "train", 12, 5, 4, gz);
  write_split(tmp.path, "t10k", 7, 5, 4, gz);
  if (variant == "kaggle")
    for (std::string name : {"train-images", "train-labels", "t10k-images", "t10k-labels"}) {
      const std::string idx = name.find("images") != std::string::npos ? "idx3-ubyte" : "idx1-ubyte";
      fs::rename(tmp / (name + "-" + idx), tmp / (name + "." + idx));
    }

  const Dataset<T> train = load_mnist_as<T>(tmp.path, Split::Train);
  const Dataset<T> test = load_mnist_as<T>(tmp.path, Split::Test, PixelRange::MinusOneOne);
  CHECK(train.size() == 12);
  CHECK(test.size() == 7);
  CHECK(train.images.shape() == aegan::Shape{12, 1, 5, 4});
  CHECK(test.images.shape() == aegan::Shape{7, 1, 5, 4});
  for (Index i = 0; i < 12; ++i) CHECK(train.labels[static_cast<std::size_t>(i)] == i % 10);

  // Every pixel maps exactly: v / 255 in [0, 1], v / 127.5 - 1 in [-1, 1].
  auto image_file = [&](const std::string& prefix) {
    if (variant == "kaggle") return tmp / (prefix + "-images.idx3-ubyte");
    return tmp / (prefix + "-images-idx3-ubyte" + (gz ? ".gz" : ""));
  };
  const IdxArray raw = read_idx(image_file("t10k"));
  const IdxArray raw_train = read_idx(image_file("train"));
  for (std::size_t i = 0; i < raw.values.size(); ++i)
    REQUIRE(test.images[Index(i)] == static_cast<T>(raw.values[i] / 127.5 - 1.0));
  for (std::size_t i = 0; i < raw_train.values.size(); ++i)
    REQUIRE(train.images[Index(i)] == static_cast<T>(raw_train.values[i] / 255.0));
  CHECK(train.images.at({3, 0, 0, 0}) == static_cast<T>(3 / 255.0));
}

TEST_CASE("load_mnist scales the extreme pixel values exactly", "[data]") {
  TempDir tmp;
  IdxArray img{{1, 1, 3}, {0, 51, 255}};
  IdxArray lab{{1}, {7}};
  write_idx(tmp / "train-images-idx3-ubyte", img);
  write_idx(tmp / "train-labels-idx1-ubyte.gz", lab, true);  // mixed raw and gzip is fine
  const auto a = load_mnist_as<float>(tmp.path, Split::Train);
  CHECK(a.images[0] == 0.0f);
  CHECK(a.images[1] == 0.2f);
  CHECK(a.images[2] == 1.0f);
  const auto b = load_mnist_as<double>(tmp.path, Split::Train, PixelRange::MinusOneOne);
  CHECK(b.images[0] == -1.0);
  CHECK(b.images[1] == Approx(-0.6));
  CHECK(b.images[2] == 1.0);
  CHECK(b.labels == std::vector<std::uint8_t>{7});
}

TEST_CASE("load_mnist explains what is missing or inconsistent", "[data]") {
  TempDir tmp;

  SECTION("missing folder") {
    const fs::path dir = tmp / "nowhere";
    CHECK_THAT(message_of<aegan::IoError>([&] { load_mnist(dir, Split::Train); }),
               Contains(dir.string()) && Contains("does not exist"));
  }
  SECTION("a file where the folder should be") {
    write_raw(tmp / "file", {0});
    CHECK_THAT(message_of<aegan::IoError>([&] { load_mnist(tmp / "file", Split::Test); }),
               Contains((tmp / "file").string()) && Contains("is not a folder"));
  }
  SECTION("missing files list every name tried") {
    CHECK_THAT(message_of<aegan::IoError>([&] { load_mnist(tmp.path, Split::Test); }),
               Contains(tmp.path.string()) && Contains("test images") && Contains("t10k-images-idx3-ubyte.gz") &&
                   Contains("t10k-images.idx3-ubyte"));
    write_split(tmp.path, "train", 3, 2, 2, false);
    fs::remove(tmp / "train-labels-idx1-ubyte");
    CHECK_THAT(message_of<aegan::IoError>([&] { load_mnist(tmp.path, Split::Train); }),
               Contains("train labels") && Contains("train-labels-idx1-ubyte, train-labels-idx1-ubyte.gz"));
  }
  SECTION("image and label counts disagree") {
    write_split(tmp.path, "train", 5, 3, 3, true, 4);
    CHECK_THAT(message_of<aegan::IoError>([&] { load_mnist(tmp.path, Split::Train); }),
               Contains((tmp / "train-images-idx3-ubyte.gz").string()) &&
                   Contains((tmp / "train-labels-idx1-ubyte.gz").string()) && Contains("5 images") &&
                   Contains("4 labels"));
  }
  SECTION("a label past the last class is refused at load, naming the file and the image") {
    write_split(tmp.path, "train", 5, 2, 2, false);
    IdxArray labels = read_idx(tmp / "train-labels-idx1-ubyte");
    labels.values[3] = 200;
    write_idx(tmp / "train-labels-idx1-ubyte", labels);
    CHECK_THAT(message_of<aegan::IoError>([&] { load_mnist(tmp.path, Split::Train); }),
               Contains((tmp / "train-labels-idx1-ubyte").string()) && Contains("image 3 the label 200, expected 0..9 (10 classes)"));
    // Fewer class names narrow the range; the names travel with the dataset.
    labels.values[3] = 2;
    write_idx(tmp / "train-labels-idx1-ubyte", labels);
    CHECK_THROWS_AS(load_mnist(tmp.path, Split::Train, {"a", "b", "c", "d"}), aegan::IoError);
    const ImageDataset ds = load_mnist(tmp.path, Split::Train, {"a", "b", "c", "d", "e"});
    CHECK(ds.class_names.size() == 5);
    CHECK(ds.shape() == aegan::Shape{5, 1, 2, 2});
  }
  SECTION("images and labels swapped") {
    write_split(tmp.path, "t10k", 4, 2, 2, false);
    fs::rename(tmp / "t10k-images-idx3-ubyte", tmp / "x");
    fs::rename(tmp / "t10k-labels-idx1-ubyte", tmp / "t10k-images-idx3-ubyte");
    fs::rename(tmp / "x", tmp / "t10k-labels-idx1-ubyte");
    CHECK_THAT(message_of<aegan::IoError>([&] { load_mnist(tmp.path, Split::Test); }),
               Contains((tmp / "t10k-images-idx3-ubyte").string()) &&
                   Contains("expected magic 2051 (images), found 2049"));
  }
}

// ============================================================================ BatchLoader

namespace {
/// n samples of 1x2x3 whose every pixel equals the sample index and whose label is index % 10,
/// so a batch row reveals which sample it came from.
Dataset<float> indexed_dataset(Index n) {
  Dataset<float> ds;
  ds.images = aegan::Tensor<float>::uninitialized({n, 1, 2, 3});
  for (Index i = 0; i < n; ++i)
    for (Index k = 0; k < 6; ++k) ds.images[i * 6 + k] = static_cast<float>(i);
  for (Index i = 0; i < n; ++i) ds.labels.push_back(static_cast<std::uint8_t>(i % 10));
  return ds;
}

/// The sample indices of one epoch, in visiting order, read back from the batch contents.
std::vector<Index> visit(BatchLoader<float>& loader, long epoch) {
  loader.start_epoch(epoch);
  std::vector<Index> seen;
  for (auto& batch : loader) {
    REQUIRE(batch.images.dim(0) == batch.size());
    for (Index r = 0; r < batch.size(); ++r) {
      const Index sample = static_cast<Index>(batch.images[r * 6]);
      for (Index k = 1; k < 6; ++k) REQUIRE(batch.images[r * 6 + k] == static_cast<float>(sample));
      REQUIRE(batch.labels[static_cast<std::size_t>(r)] == sample % 10);  // rows stay aligned
      seen.push_back(sample);
    }
  }
  return seen;
}
}  // namespace

static_assert(std::input_iterator<BatchLoader<float>::iterator>);
static_assert(std::ranges::input_range<BatchLoader<double>>);
static_assert(!std::is_constructible_v<BatchLoader<float>, Dataset<float>&&, LoaderOptions>,
              "a loader over a temporary dataset would dangle");

TEST_CASE("LoaderOptions and BatchLoader validate their arguments", "[data]") {
  const auto opts = LoaderOptions(32).shuffle(true).drop_last(true).seed(42);
  CHECK(opts.batch_size() == 32);
  CHECK(opts.shuffle());
  CHECK(opts.drop_last());
  CHECK(opts.seed() == 42);
  CHECK_FALSE(LoaderOptions(1).shuffle());  // PyTorch's defaults
  CHECK_FALSE(LoaderOptions(1).drop_last());

  const Dataset<float> ds = indexed_dataset(10);
  CHECK_THAT(message_of<aegan::ValueError>([&] { (void)BatchLoader<float>(ds, LoaderOptions(0)); }),
             Contains("batch_size must be positive, got 0"));
  CHECK_THAT(message_of<aegan::ValueError>([&] { (void)BatchLoader<float>(ds, LoaderOptions(-3)); }),
             Contains("got -3"));
  const Dataset<float> empty;
  CHECK_THAT(message_of<aegan::ValueError>([&] { (void)BatchLoader<float>(empty, LoaderOptions(4)); }),
             Contains("empty"));
  Dataset<float> mismatched = indexed_dataset(10);
  mismatched.labels.pop_back();
  CHECK_THAT(message_of<aegan::ShapeError>([&] { (void)BatchLoader<float>(mismatched, LoaderOptions(4)); }),
             Contains("[10, 1, 2, 3]") && Contains("9 labels"));
  BatchLoader<float> loader(ds, LoaderOptions(4));
  CHECK_THAT(message_of<aegan::ValueError>([&] { loader.batch(3); }), Contains("index 3") && Contains("3 batches"));
  CHECK_THAT(message_of<aegan::ValueError>([&] { loader.batch(-1); }), Contains("index -1"));
}

TEST_CASE("BatchLoader batch counts and the last partial batch", "[data]") {
  const Dataset<float> ds = indexed_dataset(103);
  BatchLoader<float> keep(ds, LoaderOptions(10));
  BatchLoader<float> drop(ds, LoaderOptions(10).drop_last(true));
  CHECK(keep.num_batches() == 11);
  CHECK(drop.num_batches() == 10);
  CHECK(keep.batch(10).size() == 3);
  CHECK(keep.batch(10).images.shape() == aegan::Shape{3, 1, 2, 3});
  CHECK(drop.batch(9).size() == 10);
  CHECK(visit(keep, 0).size() == 103);
  CHECK(visit(drop, 0).size() == 100);

  CHECK(BatchLoader<float>(ds, LoaderOptions(103)).num_batches() == 1);
  CHECK(BatchLoader<float>(ds, LoaderOptions(200)).num_batches() == 1);
  CHECK(BatchLoader<float>(ds, LoaderOptions(200).drop_last(true)).num_batches() == 0);
  BatchLoader<float> none(ds, LoaderOptions(200).drop_last(true));
  CHECK(visit(none, 0).empty());

  std::size_t batches = 0;
  for (const auto& b : keep) {
    (void)b;
    ++batches;
  }
  CHECK(batches == 11);
}

TEST_CASE("BatchLoader visits every sample once per epoch, in an order fixed by seed and epoch", "[data]") {
  const Dataset<float> ds = indexed_dataset(103);
  std::vector<Index> identity(103);
  std::iota(identity.begin(), identity.end(), Index(0));

  BatchLoader<float> plain(ds, LoaderOptions(16));
  CHECK(visit(plain, 0) == identity);
  CHECK(visit(plain, 5) == identity);

  BatchLoader<float> a(ds, LoaderOptions(16).shuffle(true).seed(42));
  BatchLoader<float> b(ds, LoaderOptions(16).shuffle(true).seed(42));
  BatchLoader<float> other_seed(ds, LoaderOptions(16).shuffle(true).seed(43));

  const auto e0 = visit(a, 0), e1 = visit(a, 1), e2 = visit(a, 2);
  for (const auto* epoch : {&e0, &e1, &e2}) {
    auto sorted = *epoch;
    std::sort(sorted.begin(), sorted.end());
    CHECK(sorted == identity);  // each sample exactly once
  }
  CHECK(e0 != identity);
  CHECK(e0 != e1);
  CHECK(e1 != e2);
  CHECK(visit(other_seed, 0) != e0);

  // Exact resume: epoch 2 on a fresh loader equals epoch 2 after epochs 0 and 1.
  CHECK(visit(b, 2) == e2);
  CHECK(visit(b, 0) == e0);
  CHECK(visit(a, 1) == e1);
  CHECK(std::vector<Index>(a.order().begin(), a.order().end()) == e1);
  CHECK(a.epoch() == 1);

  // batch(i) agrees with iteration.
  a.start_epoch(2);
  const auto third = a.batch(2);
  for (Index r = 0; r < third.size(); ++r) CHECK(third.images[r * 6] == static_cast<float>(e2[std::size_t(32 + r)]));
}

TEST_CASE("BatchLoader reuses batch buffers for full batches", "[data]") {
  const Dataset<float> ds = indexed_dataset(50);
  BatchLoader<float> loader(ds, LoaderOptions(8).shuffle(true).seed(1));
  Batch<float> batch;
  loader.batch_into(0, batch);
  const float* buffer = batch.images.data();
  loader.batch_into(1, batch);
  CHECK(batch.images.data() == buffer);
  loader.batch_into(6, batch);  // 2 left over
  CHECK(batch.images.shape() == aegan::Shape{2, 1, 2, 3});
  CHECK(batch.labels.size() == 2);
}

TEST_CASE("An unlabelled dataset gives the labelled one's batches, without labels", "[data]") {
  const Dataset<float> labelled = indexed_dataset(23);
  Dataset<float> unlabelled;
  unlabelled.images = labelled.images;
  CHECK(unlabelled.size() == 23);  // the images count, not the labels
  CHECK_FALSE(unlabelled.labelled());
  CHECK(labelled.labelled());
  unlabelled.validate();
  for (const auto& options : {LoaderOptions(5), LoaderOptions(5).shuffle(true).seed(9), LoaderOptions(4).shuffle(true).drop_last(true)}) {
    BatchLoader<float> with(labelled, options), without(unlabelled, options);
    REQUIRE(without.num_batches() == with.num_batches());
    for (long epoch : {0L, 3L}) {
      with.start_epoch(epoch);
      without.start_epoch(epoch);
      for (Index i = 0; i < with.num_batches(); ++i) {
        const auto a = with.batch(i), b = without.batch(i);
        REQUIRE(b.images.shape() == a.images.shape());
        CHECK(b.size() == a.size());
        CHECK(std::equal(a.images.data(), a.images.data() + a.images.numel(), b.images.data()));
        CHECK(a.labels.size() == static_cast<std::size_t>(a.size()));
        CHECK(b.labels.empty());
      }
    }
    std::size_t seen = 0;
    for (const auto& batch : without) seen += static_cast<std::size_t>(batch.size());
    CHECK(seen == static_cast<std::size_t>(options.drop_last() ? 20 : 23));
  }
}

TEST_CASE("A label count other than the image count is refused, naming both counts", "[data]") {
  Dataset<float> ds = indexed_dataset(10);
  ds.labels.pop_back();
  CHECK_THAT(message_of<aegan::ShapeError>([&] { ds.validate(); }),
             Contains("Dataset") && Contains("10 images") && Contains("9 labels") && Contains("or none"));
  CHECK_THAT(message_of<aegan::ShapeError>([&] { (void)BatchLoader<float>(ds, LoaderOptions(4)); }),
             Contains("BatchLoader") && Contains("10 images") && Contains("9 labels"));
  ds.labels.assign(11, 0);
  CHECK_THAT(message_of<aegan::ShapeError>([&] { ds.validate("my data"); }),
             Contains("my data") && Contains("10 images") && Contains("11 labels"));

  // Where labels are required, none at all is refused too.
  ds.labels.clear();
  ds.validate();
  CHECK_THAT(message_of<aegan::ValueError>([&] { check_labels(ds.images, ds.labels, "scoring", Labels::Required); }),
             Contains("scoring") && Contains("needs labelled data") && Contains("10 images"));
  ds.labels.assign(9, 0);
  CHECK_THAT(message_of<aegan::ShapeError>([&] { check_labels(ds.images, ds.labels, "scoring", Labels::Required); }),
             Contains("10 images") && Contains("9 labels") && !Contains("or none"));
}

// ============================================================================ real datasets

TEST_CASE("the MNIST subset made by scripts/fetch_data.sh loads (AEGAN_MNIST_DIR)", "[data][mnist]") {
  const char* env = std::getenv("AEGAN_MNIST_DIR");
  if (!env || !*env) {
    WARN("AEGAN_MNIST_DIR is not set: skipping the check of the fetched MNIST files "
         "(run scripts/fetch_data.sh and set AEGAN_MNIST_DIR=data/mnist)");
    return;
  }
  const fs::path dir = env;
  const auto train = load_mnist_as<float>(dir, Split::Train);
  const auto test = load_mnist_as<float>(dir, Split::Test, PixelRange::MinusOneOne);
  CHECK(train.size() == 8000);
  CHECK(test.size() == 2000);
  CHECK(train.images.shape() == aegan::Shape{8000, 1, 28, 28});
  CHECK(test.images.shape() == aegan::Shape{2000, 1, 28, 28});
  for (const auto* labels : {&train.labels, &test.labels}) {
    std::array<Index, 10> histogram{};
    for (auto l : *labels) {
      REQUIRE(l < 10);
      ++histogram[l];
    }
    for (int k = 0; k < 10; ++k) {
      INFO("digit " << k);
      CHECK(histogram[static_cast<std::size_t>(k)] > Index(labels->size() / 20));  // ~10% each
    }
  }
  const auto [lo, hi] = std::minmax_element(train.images.begin(), train.images.end());
  CHECK(*lo == 0.0f);
  CHECK(*hi == 1.0f);
  BatchLoader<float> loader(train, LoaderOptions(64).shuffle(true).seed(7));
  CHECK(loader.num_batches() == 125);
}

TEST_CASE("Debian's Fashion-MNIST package loads (dataset-fashion-mnist)", "[data][fashion]") {
  const fs::path dir = "/usr/share/datasets/fashion-mnist";
  if (!fs::is_directory(dir)) {
    WARN("dataset-fashion-mnist is not installed: skipping " << dir);
    return;
  }
  const auto test = load_mnist_as<float>(dir, Split::Test);
  CHECK(test.images.shape() == aegan::Shape{10000, 1, 28, 28});
  std::set<int> classes(test.labels.begin(), test.labels.end());
  CHECK(classes.size() == 10);
  const auto train = load_mnist_as<float>(dir, Split::Train);
  CHECK(train.images.shape() == aegan::Shape{60000, 1, 28, 28});
}

TEST_CASE("ImageDataset::subset keeps the chosen images, their labels and the class names", "[data]") {
  ImageDataset ds;
  ds.channels = 1;
  ds.height = ds.width = 2;
  ds.class_names = {"a", "b", "c"};
  for (std::uint8_t i = 0; i < 5; ++i) {
    ds.pixels.insert(ds.pixels.end(), 4, static_cast<std::uint8_t>(10 * i));
    ds.labels.push_back(static_cast<std::uint8_t>(i % 3));
  }
  const ImageDataset picked = ds.subset({4, 1, 1});
  CHECK(picked.size() == 3);
  CHECK(picked.image(0)[0] == 40);
  CHECK(picked.image(2)[3] == 10);
  CHECK(picked.labels == std::vector<std::uint8_t>{1, 1, 1});
  CHECK(picked.class_names == ds.class_names);
  CHECK_NOTHROW(picked.validate());
  ds.labels.clear();
  CHECK(ds.subset({0}).labels.empty());
  CHECK_THROWS_WITH(ds.subset({5}), Catch::Contains("index 5 out of range for 5 images"));
  CHECK_THROWS_WITH(ds.subset({-1}), Catch::Contains("index -1"));
}
