// libFuzzer harness for image decoding and fitting (aegan/data/image_decode.hpp, image_fit.hpp):
// the path every file of an image folder takes.
//
// stb_image and stb_image_resize are compiled into this harness (static, instrumented) instead of
// coming from Debian's prebuilt libstb, so the sanitizers and coverage see inside the decoder:
// a hostile file that makes stb read or write out of bounds is a finding here, not only one that
// trips aegan's own code. The header's dimensions must be refused before stb allocates for them:
// the limit here (2^20 pixels, 4 MiB of RGBA) keeps every legal decode well under
// -malloc_limit_mb. Each input is decoded once as a named .tga (so the signature-less TGA reader
// is fuzzed too) when its size is odd, and fitted to 8×8 grey or RGB, cropped or padded.
// A refusal is an aegan::Error (expected); anything else is a finding.
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Weverything"
#endif
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#include <stb_image.h>
#undef STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_RESIZE_STATIC
#define STB_IMAGE_RESIZE_IMPLEMENTATION
#include <stb_image_resize.h>
#undef STB_IMAGE_RESIZE_IMPLEMENTATION
#if defined(__clang__)
#pragma clang diagnostic pop
#endif

#include <cstdint>
#include <cstdlib>
#include <span>

#include <aegan/data/image_decode.hpp>
#include <aegan/data/image_fit.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace aegan::data;
  try {
    const RgbaImage image = decode_image(std::span<const std::uint8_t>(data, size), size % 2 == 1, aegan::Index(1) << 20);
    if (image.width < 1 || image.height < 1 || image.rgba.size() != static_cast<std::size_t>(image.width) * image.height * 4) std::abort();
    ImageLayout layout;
    layout.size = 8;
    layout.channels = size % 3 == 0 ? 1 : 3;
    layout.fit = size % 5 == 0 ? ImageFit::Pad : ImageFit::CenterCrop;
    std::uint8_t out[3 * 8 * 8];
    fit_image(image, layout, out);
  } catch (const aegan::Error&) {
    // a clear refusal: expected for most inputs
  }
  return 0;
}
