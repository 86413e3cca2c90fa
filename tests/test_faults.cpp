// Fault injection: writers killed mid-write, disks that fill up, folders nobody can write to, and
// checkpoints damaged in every way a file can be damaged. Whatever happens, the previous
// checkpoint stays loadable, no result is lost silently, and every refusal is an aegan error that
// names the file and the problem. (Tests run as root, so permission bits cannot make anything
// unwritable; the failures used here are real ones that root gets too: a process killed, a file
// size limit, /dev/full, a folder on procfs, a path that is a folder.)
#include <catch2/catch.hpp>

#include <aegan/aegan.hpp>
#include <aegan/train/aegan_trainer.hpp>
#include <aegan/train/state.hpp>

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <thread>

using namespace aegan;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;

namespace {
fs::path scratch_dir() {
  fs::path dir = fs::temp_directory_path() / ("aegan_test_faults_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}
fs::path scratch(const std::string& name) { return scratch_dir() / name; }
std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}
void spit(const fs::path& p, const std::string& bytes) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << bytes;
}
/// Files in `dir` whose name starts with `prefix` but is not exactly it: leftover temporaries.
std::vector<fs::path> strays(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0) out.push_back(e.path());
  }
  return out;
}

train::Checkpoint small_checkpoint(float value) {
  train::Checkpoint ck;
  ck.put("weights", Tensor<float>::full({3, 4}, value));
  ck.put("stats", Tensor<double>({2}, {0.5, -0.25}));
  ck.put_ints("step", {static_cast<std::int64_t>(value)});
  ck.put_text("preset", "aegan");
  return ck;
}

/// A process-wide limit on the size of files it writes, as a full disk would impose, restored on
/// destruction. SIGXFSZ is ignored meanwhile, so a write past the limit fails with EFBIG
/// instead of killing the process.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &saved_) == 0);
    old_handler_ = ::signal(SIGXFSZ, SIG_IGN);
    rlimit lim = saved_;
    lim.rlim_cur = bytes;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &lim) == 0);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    ::signal(SIGXFSZ, old_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit saved_{};
  sighandler_t old_handler_;
};

bool have_dev_full() { return fs::exists("/dev/full") && fs::is_character_file("/dev/full"); }
}  // namespace

// ---------------------------------------------------------------------------------------------
// Killed writers

TEST_CASE("A checkpoint writer killed at any moment leaves the previous checkpoint loadable", "[faults][checkpoint]") {
  const fs::path dir = scratch_dir() / "kill";
  fs::create_directories(dir);
  const fs::path path = dir / "big.ckpt";
  constexpr Index kFloats = Index(1) << 22;  // 16 MiB of weights: saving takes long enough to be caught mid-write

  train::Checkpoint ck;
  Tensor<float> big = Tensor<float>::full({kFloats}, 0.0f);
  ck.put("big", big);
  ck.put_ints("generation", {0});
  ck.save(path);

  int caught_mid_write = 0;
  std::int64_t last_generation = 0;
  const int delays_us[] = {0, 0, 200, 500, 1000, 2000, 5000, 10000, 20000, 0, 300, 3000};
  for (const int delay_us : delays_us) {
    INFO("kill " << delay_us << " us after the temporary file appeared");
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      // The child rewrites the checkpoint in a loop, each generation with all weights equal to
      // its number, until it is killed. No Catch2, no OpenMP, no exit handlers here.
      try {
        for (std::int64_t g = last_generation + 1;; ++g) {
          big.fill(static_cast<float>(g));
          ck.put("big", big);
          ck.put_ints("generation", {g});
          ck.save(path);
        }
      } catch (...) {
        ::_exit(3);
      }
    }
    // Wait until a save is under way (its temporary file exists), then kill the writer.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    bool writing = false;
    while (!writing && std::chrono::steady_clock::now() < deadline) {
      writing = !strays(dir, "big.ckpt").empty();
      int st = 0;
      if (::waitpid(child, &st, WNOHANG) == child) FAIL("the writer exited on its own with status " << st);
      if (!writing) std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    if (delay_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
    REQUIRE(::kill(child, SIGKILL) == 0);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status));
    REQUIRE(writing);

    // Whatever the writer was doing, the checkpoint is a complete one: the previous, or a newer
    // generation the writer finished.
    const auto loaded = train::Checkpoint::load(path);
    const std::int64_t g = loaded.ints("generation").at(0);
    CHECK(g >= last_generation);
    const auto& w = loaded.tensor<float>("big");
    REQUIRE(w.numel() == kFloats);
    CHECK((w.array() == static_cast<float>(g)).all());
    last_generation = g;

    // A killed writer cannot clean up: its temporary file stays next to the checkpoint (and is
    // harmless: loading never reads it). Count the kills that really hit a write, then tidy up.
    const auto left = strays(dir, "big.ckpt");
    if (!left.empty()) ++caught_mid_write;
    for (const auto& p : left) fs::remove(p);
  }
  CHECK(caught_mid_write >= 3);  // the test did exercise kills in the middle of a write
  fs::remove_all(dir);
}

TEST_CASE("A temporary file truncated or corrupted by a crash never reaches the checkpoint", "[faults][checkpoint]") {
  const auto path = scratch("tmp.ckpt");
  small_checkpoint(1).save(path);
  const std::string previous = slurp(path);
  std::string next;
  {
    const auto other = scratch("tmp_next.ckpt");
    small_checkpoint(2).save(other);
    next = slurp(other);
  }
  // A crash after n bytes of the new file (every n), and one that left garbage in the temporary:
  // the writer never got to commit(), so the target is untouched and loads as before.
  std::vector<std::string> partials;
  for (std::size_t n = 0; n < next.size(); n += 7) partials.push_back(next.substr(0, n));
  std::string garbage = next;
  for (std::size_t i = 0; i < garbage.size(); i += 3) garbage[i] = static_cast<char>(garbage[i] ^ 0xA5);
  partials.push_back(garbage);
  for (const auto& partial : partials) {
    {
      io::AtomicFile writer(path);
      writer.write(partial);
      // dies here: no commit
    }
    REQUIRE(slurp(path) == previous);
    CHECK(train::Checkpoint::load(path).ints("step").at(0) == 1);
  }
  CHECK(strays(path.parent_path(), "tmp.ckpt").empty());  // an orderly failure removes its temporary

  // A stray temporary left by a killed writer (same name scheme) does not disturb the next save.
  spit(path.string() + ".tmp" + std::to_string(::getpid()), next.substr(0, next.size() / 2));
  small_checkpoint(3).save(path);
  CHECK(train::Checkpoint::load(path).ints("step").at(0) == 3);
}

// ---------------------------------------------------------------------------------------------
// Damaged checkpoints

TEST_CASE("Every truncation and every flipped byte of a checkpoint is refused, naming the file", "[faults][checkpoint]") {
  const auto path = scratch("damaged.ckpt");
  small_checkpoint(4).save(path);
  const std::string good = slurp(path);
  REQUIRE(good.size() > 100);
  const auto target = scratch("victim.ckpt");

  for (std::size_t n = 0; n < good.size(); ++n) {
    spit(target, good.substr(0, n));
    try {
      (void)train::Checkpoint::load(target);
      FAIL("a checkpoint cut to " << n << " of " << good.size() << " bytes loaded");
    } catch (const IoError& e) {
      const std::string what = e.what();
      INFO(what);
      CHECK(what.find("victim.ckpt") != std::string::npos);
      CHECK((what.find("truncated") != std::string::npos));
    }
  }
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (unsigned char mask : {0x01, 0x80, 0xFF}) {
      std::string bad = good;
      bad[i] = static_cast<char>(bad[i] ^ mask);
      spit(target, bad);
      try {
        (void)train::Checkpoint::load(target);
        FAIL("a checkpoint with byte " << i << " xor " << int(mask) << " loaded");
      } catch (const IoError& e) {
        const std::string what = e.what();
        INFO("byte " << i << ": " << what);
        CHECK(what.find("victim.ckpt") != std::string::npos);
        // the header field that broke, or the checksum that covers the payload
        const bool named = what.find("bad magic") != std::string::npos || what.find("format version") != std::string::npos ||
                           what.find("payload bytes") != std::string::npos || what.find("checksum mismatch") != std::string::npos;
        CHECK(named);
      }
    }
  }
  spit(target, good + "trailing junk");
  CHECK_THROWS_WITH(train::Checkpoint::load(target), Contains("victim.ckpt") && Contains("payload bytes"));
  spit(target, "");
  CHECK_THROWS_WITH(train::Checkpoint::load(target), Contains("victim.ckpt") && Contains("truncated header (0 bytes"));
}

TEST_CASE("A checkpoint of another format version or another model is refused with file and problem", "[faults][checkpoint]") {
  const auto path = scratch("model.ckpt");
  Rng rng(1);
  nn::Sequential<float> net(nn::Linear<float>(3, 4, rng), nn::ReLU<float>(), nn::Linear<float>(4, 2, rng));
  optim::Adam<float> adam(net.parameters(), optim::AdamOptions(0.01));
  {
    train::Checkpoint ck;
    train::save_module(ck, "net", net);
    train::save_adam(ck, "adam", adam);
    ck.save(path);
  }
  std::string bytes = slurp(path);

  SECTION("newer format version") {
    bytes[8] = 2;  // a future format; the CRC covers only the payload, so only the version differs
    spit(path, bytes);
    CHECK_THROWS_WITH(train::Checkpoint::load(path),
                      Contains("model.ckpt") && Contains("format version 2") && Contains("reads version 1"));
  }
  SECTION("a wider layer") {
    nn::Sequential<float> wider(nn::Linear<float>(3, 5, rng), nn::ReLU<float>(), nn::Linear<float>(5, 2, rng));
    CHECK_THROWS_WITH(train::load_module(train::Checkpoint::load(path), "net", wider),
                      Contains("model.ckpt") && Contains("net.0.weight") && Contains("[4, 3]") && Contains("[5, 3]"));
  }
  SECTION("a deeper model") {
    nn::Sequential<float> deeper(nn::Linear<float>(3, 4, rng), nn::ReLU<float>(), nn::Linear<float>(4, 2, rng), nn::ReLU<float>(),
                                 nn::Linear<float>(2, 2, rng));
    CHECK_THROWS_WITH(train::load_module(train::Checkpoint::load(path), "net", deeper),
                      Contains("model.ckpt") && Contains("missing entry 'net.4.weight'"));
  }
  SECTION("double weights into a float model") {
    nn::Sequential<double> dbl(nn::Linear<double>(3, 4), nn::ReLU<double>(), nn::Linear<double>(4, 2));
    CHECK_THROWS_WITH(train::load_module(train::Checkpoint::load(path), "net", dbl),
                      Contains("model.ckpt") && Contains("net.0.weight") && Contains("not a double tensor"));
  }
  SECTION("a trainer whose networks differ") {
    using Net = nn::Sequential<float>;
    using Trainer = train::AEGANTrainer<Net>;
    auto nets = [](Index hidden) {
      Rng r(2);
      Trainer::Networks n;
      n.generator = std::make_shared<Net>(nn::Linear<float>(2, hidden, r), nn::Tanh<float>(), nn::Linear<float>(hidden, 4, r));
      n.encoder = std::make_shared<Net>(nn::Linear<float>(4, hidden, r), nn::Tanh<float>(), nn::Linear<float>(hidden, 2, r));
      n.image_critic = std::make_shared<Net>(nn::Linear<float>(4, 1, r));
      n.latent_critic = std::make_shared<Net>(nn::Linear<float>(2, 1, r));
      n.latent_dim = 2;
      return n;
    };
    const auto opts = train::AEGANOptions(train::Preset::AEGAN).batch_size(4);
    const auto tpath = scratch("trainer.ckpt");
    Trainer(nets(6), opts).save_checkpoint(tpath);
    Trainer other(nets(8), opts);
    CHECK_THROWS_WITH(other.load_checkpoint(tpath),
                      Contains("trainer.ckpt") && Contains("generator.net.0.weight") && Contains("[6, 2]") && Contains("[8, 2]"));
    spit(tpath, slurp(tpath).substr(0, 100));
    CHECK_THROWS_WITH(other.load_checkpoint(tpath), Contains("trainer.ckpt") && Contains("truncated"));
  }
  SECTION("not a checkpoint at all") {
    const auto idx = scratch("labels.idx");
    data::write_idx(idx, data::IdxArray{{3}, {1, 2, 3}});
    CHECK_THROWS_WITH(train::Checkpoint::load(idx), Contains("labels.idx") && Contains("truncated header"));
    const auto png = scratch("image.png");
    io::write_image_grid(png, Tensor<float>({1, 1, 8, 8}));
    CHECK_THROWS_WITH(train::Checkpoint::load(png), Contains("image.png") && Contains("bad magic"));
    CHECK_THROWS_WITH(train::Checkpoint::load(scratch_dir()), Contains(scratch_dir().string()) && Contains("is a folder"));
    const auto fifo = scratch("pipe.ckpt");
    fs::remove(fifo);
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);  // opening it to read would block until a writer came
    CHECK_THROWS_WITH(train::Checkpoint::load(fifo), Contains("pipe.ckpt") && Contains("not a regular file"));
    CHECK_THROWS_WITH(train::Checkpoint::load("/dev/null"), Contains("/dev/null") && Contains("not a regular file"));
  }
}

namespace {
/// A checkpoint file around `payload` with a correct header and CRC-32: only the payload lies.
std::string checkpoint_around(const std::string& payload) {
  std::string out(train::Checkpoint::kMagic, 8);
  auto put = [&](auto v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); };
  put(train::Checkpoint::kVersion);
  put(static_cast<std::uint64_t>(payload.size()));
  put(static_cast<std::uint32_t>(crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(payload.data()), static_cast<uInt>(payload.size()))));
  return out + payload;
}
template <class... V>
std::string pack(V... values) {
  std::string out;
  ((out.append(reinterpret_cast<const char*>(&values), sizeof values)), ...);
  return out;
}
/// One entry's head: kind and name.
std::string entry(std::uint8_t kind, const std::string& name) { return pack(kind, static_cast<std::uint32_t>(name.size())) + name; }
}  // namespace

TEST_CASE("A checkpoint with a valid checksum but a hostile payload is refused, naming the entry", "[faults][checkpoint]") {
  using U8 = std::uint8_t;
  using U32 = std::uint32_t;
  using U64 = std::uint64_t;
  const U64 huge = U64(1) << 62;
  struct Case {
    const char* what;
    std::string payload;
    const char* expected;
  };
  const std::vector<Case> cases = {
      {"more entries than present", pack(U32(5)), "truncated payload reading entry kind"},
      {"empty name", pack(U32(1)) + entry(3, "") + pack(U64(0)), "entry name length 0"},
      {"name of 5000 bytes", pack(U32(1), U8(3), U32(5000)) + std::string(5000, 'n') + pack(U64(0)), "entry name length 5000"},
      {"name longer than the file", pack(U32(1), U8(3), U32(4000)) + "abc", "truncated payload reading entry name"},
      {"duplicate entry", pack(U32(2)) + entry(3, "a") + pack(U64(0)) + entry(3, "a") + pack(U64(0)), "duplicate entry 'a'"},
      {"unknown kind", pack(U32(1)) + entry(7, "w"), "entry 'w' has unknown kind 7"},
      {"rank 7", pack(U32(1)) + entry(0, "w") + pack(U8(7)), "tensor 'w' claims rank 7"},
      {"2^62 elements", pack(U32(1)) + entry(0, "w") + pack(U8(1), huge), "tensor 'w' claims more elements than the file holds"},
      {"dims overflowing 2^64", pack(U32(1)) + entry(1, "w") + pack(U8(2), huge, huge), "tensor 'w' claims more elements"},
      {"empty tensor with a huge second dim", pack(U32(1)) + entry(0, "w") + pack(U8(2), U64(0), ~U64(0)), "tensor 'w' claims dimension"},
      {"empty tensor with huge dims", pack(U32(1)) + entry(0, "w") + pack(U8(3), U64(0), huge, huge), "tensor 'w' claims dimension"},
      {"tensor data cut short", pack(U32(1)) + entry(0, "w") + pack(U8(1), U64(4), 1.0f), "tensor 'w' claims more elements than the file holds"},
      {"2^62 integers", pack(U32(1)) + entry(2, "i") + pack(huge), "integer list 'i' is longer than the file"},
      {"text of 2^64-1 bytes", pack(U32(1)) + entry(3, "t") + pack(~U64(0)), "truncated payload reading text"},
      {"bytes after the last entry", pack(U32(1)) + entry(3, "t") + pack(U64(1)) + "x" + "junk", "4 unexpected bytes after the last entry"},
  };
  const auto path = scratch("hostile.ckpt");
  for (const auto& c : cases) {
    INFO(c.what);
    spit(path, checkpoint_around(c.payload));
    CHECK_THROWS_AS(train::Checkpoint::load(path), IoError);
    CHECK_THROWS_WITH(train::Checkpoint::load(path), Contains("hostile.ckpt") && Contains(c.expected));
  }
  // The same framing around a sane payload loads: the refusals above are about the payload.
  spit(path, checkpoint_around(pack(U32(2)) + entry(0, "empty") + pack(U8(2), U64(0), U64(3)) + entry(3, "t") + pack(U64(2)) + "ok"));
  const auto ck = train::Checkpoint::load(path);
  CHECK(ck.tensor<float>("empty").shape() == Shape{0, 3});
  CHECK(ck.text("t") == "ok");
}

// Found by crafting inputs for tests/fuzz/fuzz_checkpoint: values that pass the checkpoint's own
// checks but break what runs on them, so each is refused at load time: unchecked, the first two
// made the next step overflow a signed counter (UBSan) and the third made every later
// Rng::normal() loop forever (xoshiro256 never leaves the all-zero state).
TEST_CASE("Restoring refuses step counters that would overflow and an all-zero Rng state", "[faults][checkpoint]") {
  const std::int64_t max = std::numeric_limits<std::int64_t>::max();
  Rng init(1);
  nn::Sequential<float> net(nn::Linear<float>(3, 2, init));
  optim::Adam<float> adam(net.parameters(), optim::AdamOptions(0.01));
  train::Checkpoint ck;
  train::save_adam(ck, "adam", adam);
  ck.put_ints("adam.steps", {max});
  CHECK_THROWS_AS(train::load_adam(ck, "adam", adam), IoError);
  ck.put_ints("adam.steps", {-5});
  CHECK_THROWS_AS(train::load_adam(ck, "adam", adam), IoError);

  ck.put_ints("rng", {0, 0, 0, 0, 0, 0});
  Rng rng(2);
  CHECK_THROWS_AS(train::load_rng(ck, "rng", rng), IoError);

  using Net = nn::Sequential<float>;
  using Trainer = train::AEGANTrainer<Net>;
  Rng r(3);
  Trainer::Networks n;
  n.generator = std::make_shared<Net>(nn::Linear<float>(2, 4, r));
  n.encoder = std::make_shared<Net>(nn::Linear<float>(4, 2, r));
  n.latent_dim = 2;
  const auto opts = train::AEGANOptions(train::Preset::AE).batch_size(4);
  const auto path = scratch("progress.ckpt");
  Trainer(n, opts).save_checkpoint(path);
  auto saved = train::Checkpoint::load(path);
  saved.put_ints("trainer.progress", {max, 0, 2});
  saved.save(path);
  Trainer t(n, opts);
  CHECK_THROWS_WITH(t.load_checkpoint(path), Contains("progress.ckpt"));
}

// ---------------------------------------------------------------------------------------------
// Full disks and unwritable folders

TEST_CASE("A disk that fills up during a checkpoint save gives an IoError and keeps the old file", "[faults][checkpoint]") {
  const auto path = scratch("full.ckpt");
  small_checkpoint(5).save(path);
  const std::string previous = slurp(path);
  // A checkpoint larger than stdio's buffer, so the failure can come from a write or the flush.
  train::Checkpoint next = small_checkpoint(6);
  next.put("large", Tensor<float>::full({40000}, 1.0f));
  const auto sized = scratch("full_size.ckpt");
  next.save(sized);
  const auto bytes = static_cast<rlim_t>(fs::file_size(sized));
  for (rlim_t limit : {rlim_t(0), rlim_t(1), rlim_t(23), rlim_t(24), rlim_t(4095), rlim_t(4096), bytes / 2, bytes - 1}) {
    INFO("the disk is full after " << limit << " bytes");
    try {
      FileSizeLimit full(limit);
      next.save(path);
      FAIL("the save succeeded");
    } catch (const IoError& e) {
      const std::string what = e.what();
      INFO(what);
      CHECK(what.find("full.ckpt") != std::string::npos);
      CHECK(what.find("File too large") != std::string::npos);
    }
    REQUIRE(slurp(path) == previous);
    CHECK(strays(path.parent_path(), "full.ckpt").empty());
  }
  next.save(path);  // with room again, the same save works
  CHECK(train::Checkpoint::load(path).ints("step").at(0) == 6);
}

TEST_CASE("Writes into /dev/full fail loudly: checkpoint, PNG, CSV, IDX", "[faults][io]") {
  if (!have_dev_full()) {
    WARN("no /dev/full on this machine; skipped");
    return;
  }
  const fs::path dir = scratch_dir() / "devfull";
  fs::create_directories(dir);
  // AtomicFile writes to its temporary name: make that name a link to /dev/full, so every byte
  // written hits a device with no space left, exactly as on a full disk.
  auto full_temp_for = [&](const fs::path& target) {
    fs::path temp;
    { temp = io::AtomicFile(target).temp_path(); }  // learn the writer's temporary name
    fs::create_symlink("/dev/full", temp);
    return temp;
  };

  SECTION("checkpoint") {
    const auto path = dir / "model.ckpt";
    small_checkpoint(7).save(path);
    const std::string previous = slurp(path);
    const auto temp = full_temp_for(path);
    CHECK_THROWS_WITH(small_checkpoint(8).save(path), Contains("model.ckpt") && Contains("No space left on device"));
    CHECK(slurp(path) == previous);
    CHECK_FALSE(fs::exists(fs::symlink_status(temp)));  // the failed writer removed its temporary name
  }
  SECTION("PNG") {
    const auto path = dir / "samples.png";
    full_temp_for(path);
    CHECK_THROWS_WITH(io::write_image_grid(path, Tensor<float>({4, 1, 8, 8})),
                      Contains("samples.png") && Contains("No space left on device"));
    CHECK_FALSE(fs::exists(path));
  }
  SECTION("CSV, at creation and at a later row") {
    const auto path = dir / "log.csv";
    fs::create_symlink("/dev/full", path);
    CHECK_THROWS_WITH(io::CsvWriter(path, {"step", "loss"}), Contains("log.csv") && Contains("No space left on device"));
    fs::remove(path);
    io::CsvWriter csv(path, {"step", "loss"});
    csv.row({1, 0.5});
    FileSizeLimit full(fs::file_size(path) + 3);  // room for a few more bytes only
    CHECK_THROWS_WITH(csv.row({2, 0.25}), Contains("log.csv") && Contains("File too large"));
  }
  SECTION("IDX") {
    const auto path = dir / "labels.idx";
    data::write_idx(path, data::IdxArray{{2}, {4, 5}});
    fs::create_symlink("/dev/full", dir / "labels.idx.tmp");
    CHECK_THROWS_WITH(data::write_idx(path, data::IdxArray{{3}, {1, 2, 3}}),
                      Contains("labels.idx") && Contains("No space left on device") && Contains("left unchanged"));
    CHECK(data::read_idx(path).values == std::vector<std::uint8_t>{4, 5});
  }
  fs::remove_all(dir);
}

TEST_CASE("Unwritable output folders give an IoError naming the path", "[faults][io]") {
  // procfs accepts no new files, even from root.
  const fs::path proc = "/proc/aegan_no_such_file.ckpt";
  CHECK_THROWS_WITH(small_checkpoint(1).save(proc), Contains("aegan_no_such_file.ckpt"));
  CHECK_THROWS_AS(small_checkpoint(1).save(proc), IoError);
  CHECK_THROWS_WITH(io::write_image_grid("/proc/aegan_grid.png", Tensor<float>({1, 1, 4, 4})), Contains("aegan_grid.png"));
  CHECK_THROWS_WITH(io::CsvWriter("/proc/aegan_log.csv", {"a"}), Contains("aegan_log.csv"));

  // The output "folder" is a regular file.
  const auto file = scratch("not_a_folder");
  spit(file, "x");
  CHECK_THROWS_WITH(small_checkpoint(1).save(file / "model.ckpt"), Contains("not_a_folder") && Contains("not a folder"));
  CHECK_THROWS_WITH(io::write_image_grid(file / "grid.png", Tensor<float>({1, 1, 4, 4})), Contains("not a folder"));
  // The output file is an existing folder.
  const auto folder = scratch("a_folder.ckpt");
  fs::create_directories(folder / "inside");
  CHECK_THROWS_WITH(small_checkpoint(1).save(folder), Contains("a_folder.ckpt") && Contains("rename"));
  CHECK(fs::is_directory(folder / "inside"));
  CHECK(strays(folder.parent_path(), "a_folder.ckpt").empty());
}

TEST_CASE("Training with an unwritable checkpoint path stops with the error instead of losing results", "[faults][trainer]") {
  using Net = nn::Sequential<float>;
  using Trainer = train::AEGANTrainer<Net>;
  Rng r(3);
  Trainer::Networks n;
  n.generator = std::make_shared<Net>(nn::Linear<float>(2, 4, r));
  n.encoder = std::make_shared<Net>(nn::Linear<float>(4, 2, r));
  n.latent_dim = 2;
  Trainer trainer(n, train::AEGANOptions(train::Preset::AE).batch_size(4));
  data::Dataset<float> d;
  d.images = Tensor<float>::full({8, 4}, 0.5f);
  d.labels.assign(8, 0);
  CHECK_THROWS_WITH(trainer.fit(d, 2, fs::path("/proc/aegan_run.ckpt")), Contains("aegan_run.ckpt"));
  CHECK(trainer.epoch() == 1);  // the epoch trained, its checkpoint failed, training stopped there
}
