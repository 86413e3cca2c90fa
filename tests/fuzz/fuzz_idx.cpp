// libFuzzer harness for the IDX reader (aegan/data/idx.hpp), raw and gzip.
//
// Each input is one file's bytes. It is read twice:
//  1. as it is: a raw IDX file, or a gzip one when it starts with the gzip magic (zlib decides by
//     content, as read_idx does), so mutated gzip seeds exercise the corrupt-stream paths;
//  2. when it is not gzip already, gzip-compressed first, so every header the fuzzer invents also
//     goes through the gzip reader, whose buffer grows as data arrives instead of trusting the
//     header — the path where a header claiming 2^31 images must not allocate 2^31 bytes.
// A refusal is an aegan::Error (expected); anything else — another exception, a crash, a
// sanitizer report, a leak, an allocation over -malloc_limit_mb — is a finding.
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "fuzz_common.hpp"

namespace {

std::string gzip(const std::uint8_t* data, std::size_t size) {
  z_stream zs{};
  if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) std::abort();
  std::string out(deflateBound(&zs, static_cast<uLong>(size)) + 32, '\0');
  zs.next_in = const_cast<Bytef*>(data);
  zs.avail_in = static_cast<uInt>(size);
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  if (deflate(&zs, Z_FINISH) != Z_STREAM_END) std::abort();
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

/// What a successful read promises: dims from the header, all positive, values that fill them.
void check(const aegan::data::IdxArray& a) {
  if (a.dims.empty() || a.dims.size() > 255) std::abort();
  std::uint64_t total = 1;
  for (aegan::Index d : a.dims) {
    if (d <= 0) std::abort();
    total *= static_cast<std::uint64_t>(d);
  }
  if (total != a.values.size()) std::abort();
}

void read(const aegan::fuzz::MemFile& file, std::optional<std::uint32_t> magic) {
  try {
    check(aegan::data::read_idx(file.path(), magic));
  } catch (const aegan::Error&) {
    // a clear refusal: expected for most inputs
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static aegan::fuzz::MemFile file("fuzz_idx");
  file.assign(data, size);
  read(file, std::nullopt);

  const bool is_gzip = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
  if (!is_gzip && size <= (std::size_t(1) << 20)) {
    const std::string gz = gzip(data, size);
    file.assign(gz.data(), gz.size());
    // With the magic MNIST's loader expects, so that comparison is exercised too.
    read(file, size % 2 ? aegan::data::kIdxImagesMagic : aegan::data::kIdxLabelsMagic);
  }
  return 0;
}
