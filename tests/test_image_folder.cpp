// Tests for image folders (aegan/data/image_folder.hpp), image decoding and fitting, ImageDataset
// and the loader's pixel conversion and flips. Every test writes its own files into a fresh
// scratch folder, so nothing depends on the machine's data.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "aegan/data/data.hpp"
#include "support/files.hpp"
#include "support/image_files.hpp"

namespace fs = std::filesystem;
using aegan::Index;
using Catch::Matchers::Contains;
using namespace aegan::data;
using namespace aegan::test;

namespace {

/// A fresh, empty folder for one test case.
fs::path fresh_folder(const std::string& name) {
  const fs::path dir = scratch_path("image_folder", name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

template <class F>
std::string io_error_of(F&& f) {
  try {
    f();
  } catch (const aegan::IoError& e) {
    return e.what();
  }
  FAIL("expected an IoError, none was thrown");
  return {};
}

std::string red_png(int w = 4, int h = 4) { return stb_file(StbFormat::Png, w, h, 3, solid(w, h, {255, 0, 0})); }

/// The pixel of image i, channel c, at (y, x).
int pixel(const ImageDataset& ds, Index i, Index c, Index y, Index x) { return ds.image(i)[(c * ds.height + y) * ds.width + x]; }

}  // namespace

TEST_CASE("An image folder with class subfolders is a labelled dataset in sorted order", "[data][images]") {
  const fs::path dir = fresh_folder("labelled");
  fs::create_directories(dir / "dogs" / "puppies");
  fs::create_directories(dir / "cats");
  fs::create_directories(dir / "empty class");  // holds no images: not a class
  write_file(dir / "dogs" / "b.bmp", stb_file(StbFormat::Bmp, 3, 3, 3, solid(3, 3, {0, 255, 0})));
  write_file(dir / "dogs" / "puppies" / "a.tga", stb_file(StbFormat::Tga, 2, 2, 3, solid(2, 2, {0, 0, 255})));
  write_file(dir / "dogs" / "c.gif", gif_1x1(10, 20, 30));
  write_file(dir / "cats" / "z.PNG", red_png());
  write_file(dir / "cats" / "y.ppm", pnm_file(2, 2, {1, 2, 3}));
  write_file(dir / "cats" / "x.pgm", pnm_file(2, 2, {77}));
  write_file(dir / "cats" / "notes.txt", "not an image: ignored by extension");
  write_file(dir / "cats" / ".hidden.png", "hidden files are skipped");

  const ImageFolder loaded = load_image_folder(dir, ImageFolderOptions(2));
  const ImageDataset& ds = loaded.dataset;
  REQUIRE(ds.size() == 6);
  CHECK(ds.shape() == aegan::Shape{6, 3, 2, 2});
  CHECK(ds.class_names == std::vector<std::string>{"cats", "dogs"});
  CHECK(ds.labels == std::vector<std::uint8_t>{0, 0, 0, 1, 1, 1});
  CHECK(loaded.skipped.empty());
  // Sorted by path within each class: cats/x.pgm, cats/y.ppm, cats/z.PNG, dogs/b.bmp, dogs/c.gif, dogs/puppies/a.tga.
  const std::vector<std::vector<int>> colours = {{77, 77, 77}, {1, 2, 3}, {255, 0, 0}, {0, 255, 0}, {10, 20, 30}, {0, 0, 255}};
  for (Index i = 0; i < 6; ++i)
    for (Index c = 0; c < 3; ++c) CHECK(pixel(ds, i, c, 1, 0) == colours[static_cast<std::size_t>(i)][static_cast<std::size_t>(c)]);
}

TEST_CASE("An image folder without subfolders is unlabelled, and grey output uses luma", "[data][images]") {
  const fs::path dir = fresh_folder("unlabelled");
  write_file(dir / "a.png", red_png());
  write_file(dir / "b.jpg", stb_file(StbFormat::Jpeg, 8, 8, 3, solid(8, 8, {200, 200, 200})));
  const ImageDataset ds = load_image_folder(dir, ImageFolderOptions(4).channels(1)).dataset;
  REQUIRE(ds.size() == 2);
  CHECK_FALSE(ds.labelled());
  CHECK(ds.class_names.empty());
  CHECK(ds.channels == 1);
  CHECK(pixel(ds, 0, 0, 2, 2) == 77);                 // (77·255 + 128) >> 8: BT.601 red
  CHECK(std::abs(pixel(ds, 1, 0, 2, 2) - 200) <= 2);  // grey survives JPEG and luma
}

TEST_CASE("Transparent pixels are composited over the background colour", "[data][images]") {
  const fs::path dir = fresh_folder("alpha");
  // Left pixel opaque blue, right pixel fully transparent, as 8-bit RGBA.
  write_file(dir / "a.png", stb_file(StbFormat::Png, 2, 1, 4, {0, 0, 255, 255, 0, 0, 255, 0}));
  SECTION("white by default") {
    const ImageDataset ds = load_image_folder(dir, ImageFolderOptions(2).fit(ImageFit::Pad)).dataset;
    // Padded to 2×2, the 2×1 strip keeps its size and sits in row 0 (offset (2 - 1) / 2); row 1 is padding.
    CHECK(pixel(ds, 0, 0, 0, 0) <= 1);
    CHECK(pixel(ds, 0, 2, 0, 0) >= 254);
    CHECK(pixel(ds, 0, 0, 0, 1) >= 254);  // transparent over white
    CHECK(pixel(ds, 0, 1, 1, 0) == 255);  // padding is white too
  }
  SECTION("a chosen background") {
    const ImageDataset ds = load_image_folder(dir, ImageFolderOptions(2).fit(ImageFit::Pad).background({0, 128, 0})).dataset;
    CHECK(pixel(ds, 0, 1, 0, 1) == 128);
    CHECK(pixel(ds, 0, 0, 0, 1) == 0);
    CHECK(pixel(ds, 0, 1, 1, 1) == 128);
  }
}

TEST_CASE("Non-square images are centre-cropped or padded, then resized", "[data][images]") {
  const fs::path dir = fresh_folder("fit");
  // 6×2: columns 0-1 red, 2-3 green, 4-5 blue.
  std::vector<unsigned char> px;
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 6; ++x) {
      const std::vector<unsigned char> c = x < 2 ? std::vector<unsigned char>{255, 0, 0} : x < 4 ? std::vector<unsigned char>{0, 255, 0}
                                                                                                   : std::vector<unsigned char>{0, 0, 255};
      px.insert(px.end(), c.begin(), c.end());
    }
  write_file(dir / "strip.png", stb_file(StbFormat::Png, 6, 2, 3, px));
  SECTION("centre crop keeps the green middle") {
    const ImageDataset ds = load_image_folder(dir, ImageFolderOptions(2)).dataset;
    for (Index y = 0; y < 2; ++y)
      for (Index x = 0; x < 2; ++x) CHECK(pixel(ds, 0, 1, y, x) == 255);
  }
  SECTION("padding keeps all three colours between background rows") {
    const ImageDataset ds = load_image_folder(dir, ImageFolderOptions(6).fit(ImageFit::Pad).background({0, 0, 0})).dataset;
    CHECK(pixel(ds, 0, 0, 0, 0) == 0);    // top padding is black
    CHECK(pixel(ds, 0, 0, 2, 0) == 255);  // rows 2-3 hold the strip
    CHECK(pixel(ds, 0, 1, 3, 2) == 255);
    CHECK(pixel(ds, 0, 2, 2, 5) == 255);
    CHECK(pixel(ds, 0, 2, 5, 5) == 0);    // bottom padding
  }
}

TEST_CASE("Images of mixed sizes, a 1x1 image and every PNG colour type and depth load", "[data][images]") {
  const fs::path dir = fresh_folder("png_kinds");
  write_file(dir / "big.png", red_png(37, 23));
  write_file(dir / "one_pixel.png", red_png(1, 1));
  // 16-bit grey, value 0x8080 in both pixels (stb keeps the high byte).
  write_file(dir / "grey16.png", png_file(2, 1, 16, 0, {std::string("\x80\x80\x80\x80", 4)}));
  // Grey + alpha, 8-bit: grey 0 at full opacity.
  write_file(dir / "grey_alpha.png", png_file(2, 1, 8, 4, {std::string("\x00\xFF\x00\xFF", 4)}));
  // Palette: entry 0 = (10, 20, 30), entry 1 = (40, 50, 60); both pixels use entry 1.
  write_file(dir / "palette.png", png_file(2, 1, 8, 3, {std::string("\x01\x01", 2)}, std::string("\x0A\x14\x1E\x28\x32\x3C", 6)));
  // 16-bit RGB.
  write_file(dir / "rgb16.png", png_file(1, 1, 16, 2, {std::string("\xFF\xFF\x00\x00\x00\x00", 6)}));

  const ImageDataset ds = load_image_folder(dir, ImageFolderOptions(3)).dataset;
  REQUIRE(ds.size() == 6);  // big, grey16, grey_alpha, one_pixel, palette, rgb16
  CHECK(pixel(ds, 0, 0, 1, 1) == 255);
  CHECK(pixel(ds, 1, 0, 1, 1) == 0x80);
  CHECK(pixel(ds, 2, 2, 1, 1) == 0);
  CHECK(pixel(ds, 3, 0, 2, 2) == 255);
  CHECK(pixel(ds, 3, 1, 2, 2) == 0);
  CHECK(pixel(ds, 4, 0, 1, 1) == 40);
  CHECK(pixel(ds, 4, 2, 1, 1) == 60);
  CHECK(pixel(ds, 5, 0, 0, 0) == 255);
}

TEST_CASE("File names with spaces, unicode and a leading dash load", "[data][images]") {
  const fs::path dir = fresh_folder("names");
  fs::create_directories(dir / "Smileys & Emotion");
  fs::create_directories(dir / "-dash class");
  write_file(dir / "Smileys & Emotion" / "grinning face.png", red_png());
  write_file(dir / "Smileys & Emotion" / "\xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80.png", red_png());
  write_file(dir / "-dash class" / "-rf.png", red_png());
  const ImageDataset ds = load_image_folder(dir, ImageFolderOptions(4)).dataset;
  CHECK(ds.size() == 3);
  CHECK(ds.class_names == std::vector<std::string>{"-dash class", "Smileys & Emotion"});
}

TEST_CASE("An empty folder, a folder without images, and a missing folder are refused clearly", "[data][images]") {
  const fs::path dir = fresh_folder("empty");
  CHECK_THAT(io_error_of([&] { load_image_folder(dir); }), Contains("no images in '" + dir.string()) && Contains(".png"));
  write_file(dir / "readme.txt", "text");
  fs::create_directories(dir / "sub");
  CHECK_THAT(io_error_of([&] { load_image_folder(dir); }), Contains("no images"));
  CHECK_THAT(io_error_of([&] { load_image_folder(dir / "missing"); }), Contains("does not exist"));
  CHECK_THAT(io_error_of([&] { load_image_folder(dir / "readme.txt"); }), Contains("is not a folder"));
  CHECK_THROWS_AS(load_image_folder(dir, ImageFolderOptions(0)), aegan::ValueError);
  CHECK_THROWS_AS(load_image_folder(dir, ImageFolderOptions(8).channels(2)), aegan::ValueError);
}

namespace {
/// The reason load_image_folder gives for the one bad file `name` (holding `bytes`) beside a good one.
std::string refusal_of(const std::string& name, const std::string& bytes, const ImageFolderOptions& options = ImageFolderOptions(4)) {
  const fs::path dir = fresh_folder("bad_" + std::to_string(std::hash<std::string>{}(name + bytes)));
  write_file(dir / "good.png", red_png());
  write_file(dir / name, bytes);
  const std::string msg = io_error_of([&] { load_image_folder(dir, options); });
  CHECK_THAT(msg, Contains("1 of 2 image files") && Contains((dir / name).string()));
  // With skip_bad_images the good file loads and the bad one is reported with the same reason.
  ImageFolderOptions skipping = options;
  const ImageFolder loaded = load_image_folder(dir, skipping.skip_bad_images(true));
  CHECK(loaded.dataset.size() == 1);
  REQUIRE(loaded.skipped.size() == 1);
  CHECK(loaded.skipped[0].path == dir / name);
  return loaded.skipped[0].reason;
}

std::string jpeg_bytes() { return stb_file(StbFormat::Jpeg, 16, 16, 3, solid(16, 16, {30, 60, 90})); }

/// The JPEG with its frame header (baseline SOF0) changed to marker `m` and/or precision `bits`.
std::string jpeg_with_frame(unsigned char m, unsigned char bits) {
  std::string j = jpeg_bytes();
  const auto at = j.find("\xFF\xC0", 2);
  REQUIRE(at != std::string::npos);
  j[at + 1] = static_cast<char>(m);
  j[at + 4] = static_cast<char>(bits);
  return j;
}
}  // namespace

TEST_CASE("Each kind of bad file is refused with its reason, or skipped on request", "[data][images]") {
  const std::string png = red_png(8, 8), jpg = jpeg_bytes();
  CHECK_THAT(refusal_of("zero.png", ""), Contains("empty file (0 bytes)"));
  CHECK_THAT(refusal_of("text.png", "hello, I am text\n"), Contains("text, not an image"));
  CHECK_THAT(refusal_of("text.jpg", "GIF? no: plain words"), Contains("text, not an image"));
  CHECK_THAT(refusal_of("binary.png", std::string("\x01\x02\x03\x04\xFE\xFF", 6)), Contains("unknown signature"));
  CHECK_THAT(refusal_of("truncated.png", png.substr(0, png.size() / 2)), Contains("truncated PNG"));
  CHECK_THAT(refusal_of("no_end.png", png.substr(0, png.size() - 12)), Contains("truncated PNG (no IEND chunk)"));
  CHECK_THAT(refusal_of("truncated.jpg", jpg.substr(0, jpg.size() * 3 / 4)), Contains("truncated JPEG"));
  CHECK_THAT(refusal_of("header_only.jpg", jpg.substr(0, 200)), Contains("JPEG"));
  CHECK_THAT(refusal_of("arithmetic.jpg", jpeg_with_frame(0xC9, 8)), Contains("arithmetic-coded JPEG"));
  CHECK_THAT(refusal_of("twelve_bit.jpg", jpeg_with_frame(0xC1, 12)), Contains("12-bit JPEG"));
  CHECK_THAT(refusal_of("lossless.jpg", jpeg_with_frame(0xC3, 8)), Contains("lossless JPEG"));
  CHECK_THAT(refusal_of("huge.png", png_file(100000, 100000, 8, 2, {})),
             Contains("100000x100000 = 10000000000 pixels, over the limit of 67108864 pixels"));
  CHECK_THAT(refusal_of("zero_width.png", png_file(0, 5, 8, 2, {})), Contains("the header claims 0x5 pixels, expected at least 1x1"));
  CHECK_THAT(refusal_of("over_limit.png", red_png(20, 20), ImageFolderOptions(4).max_pixels(100)), Contains("over the limit of 100 pixels"));
  CHECK_THAT(refusal_of("large_file.png", red_png(40, 40), ImageFolderOptions(4).max_file_bytes(80)), Contains("over the limit of 80 bytes"));
  CHECK_THAT(refusal_of("bad_depth.png", png_file(2, 2, 7, 2, {})), Contains("cannot") || Contains("unreadable"));
  CHECK_THAT(refusal_of("psd.png", std::string("8BPS\x00\x01", 6)), Contains("unknown signature"));
  // Files stb_image 2.27 would mishandle (found by fuzz_image), refused before it parses them.
  std::string huffman = jpg;
  const auto dht = huffman.find("\xFF\xC4");
  REQUIRE(dht != std::string::npos);
  for (std::size_t k = 0; k < 16; ++k) huffman[dht + 5 + k] = '\xFF';
  CHECK_THAT(refusal_of("huffman.jpg", huffman), Contains("corrupt JPEG (a Huffman table of 4080 codes, at most 256 exist)"));
  std::string tableless = jpg;  // every Huffman table turned into a comment: the scan decodes with none
  for (auto at = tableless.find("\xFF\xC4"); at != std::string::npos; at = tableless.find("\xFF\xC4", at)) tableless[at + 1] = '\xFE';
  CHECK_THAT(refusal_of("tableless.jpg", tableless), Contains("a scan uses a Huffman table that was never defined"));
  // stb_image tries its JPEG decoder first on every file and skips 0xFF fill bytes before the
  // start marker: such bytes are a JPEG whatever the name says, and walked as one.
  CHECK_THAT(refusal_of("fill.tga", "\xFF" + huffman), Contains("a Huffman table of 4080 codes"));
  CHECK_THAT(refusal_of("psd.tga", std::string("8BPS\x00\x01", 6)), Contains("unknown signature"));
  std::string greedy = png;  // an IDAT claiming 109 MB in a file of a few hundred bytes
  const auto idat = greedy.find("IDAT");
  REQUIRE(idat != std::string::npos);
  greedy.replace(idat - 4, 4, std::string("\x06\x80\x00\x00", 4));
  CHECK_THAT(refusal_of("greedy.png", greedy), Contains("truncated PNG (a chunk claims 109051904 bytes"));
  std::string widest = png;  // 2^32-1 on each side: the pixel count needs all 64 bits
  widest.replace(16, 8, std::string(8, '\xFF'));
  CHECK_THAT(refusal_of("widest.png", widest), Contains("4294967295x4294967295 = 18446744065119617025 pixels, over the limit"));
  const std::string ppm = pnm_file(4, 4, {1, 2, 3});
  CHECK_THAT(refusal_of("truncated.ppm", ppm.substr(0, ppm.size() - 5)), Contains("truncated PGM/PPM (43 of 48 pixel bytes)"));
  CHECK_THAT(refusal_of("sixteen_bit.ppm", "P6\n2 3\n355\n" + std::string(36, '\x07')), Contains("maxval 355"));
  CHECK_THAT(refusal_of("overflow.pgm", "P5\n# a comment\n99999999999 1\n255\n\x01"), Contains("PGM/PPM width over 16777216"));
  CHECK_THAT(refusal_of("huge.pgm", "P5 60000 60000 255 \x01"), Contains("over the limit of 67108864 pixels"));
}

TEST_CASE("Links, loops, FIFOs and devices named like images are never read", "[data][images]") {
  const fs::path dir = fresh_folder("special");
  fs::create_directories(dir / "real");
  write_file(dir / "real" / "a.png", red_png());
  fs::create_directory_symlink(dir, dir / "real" / "loop");  // a cycle back to the top
  fs::create_directory_symlink(dir / "real", dir / "real" / "self");
  fs::create_symlink(dir / "real" / "a.png", dir / "real" / "link.png");  // a link to a file loads
  fs::create_symlink(dir / "nowhere.png", dir / "real" / "dangling.png");
  fs::create_symlink(dir / "real" / "spin.png", dir / "real" / "spin.png");  // a link to itself
  fs::create_symlink("/dev/zero", dir / "real" / "zero.png");                // a device that never ends
  REQUIRE(::mkfifo((dir / "real" / "pipe.png").c_str(), 0600) == 0);          // a FIFO no one writes to

  const std::string msg = io_error_of([&] { load_image_folder(dir); });
  CHECK_THAT(msg, Contains("4 of 6 image files"));
  CHECK_THAT(msg, Contains("dangling.png: dangling symbolic link"));
  CHECK_THAT(msg, Contains("spin.png: symbolic link loop"));
  CHECK_THAT(msg, Contains("zero.png: not a regular file (a character device)"));
  CHECK_THAT(msg, Contains("pipe.png: not a regular file (a FIFO)"));
  const ImageFolder loaded = load_image_folder(dir, ImageFolderOptions(4).skip_bad_images(true));
  CHECK(loaded.dataset.size() == 2);  // a.png and link.png, each once despite the loops
  CHECK(loaded.skipped.size() == 4);
  CHECK(loaded.dataset.class_names == std::vector<std::string>{"real"});
}

TEST_CASE("Images beside class folders are refused as outside any class", "[data][images]") {
  const fs::path dir = fresh_folder("misplaced");
  fs::create_directories(dir / "cls");
  write_file(dir / "cls" / "a.png", red_png());
  write_file(dir / "stray.png", red_png());
  CHECK_THAT(io_error_of([&] { load_image_folder(dir); }), Contains("stray.png: an image beside the class folders"));
  CHECK(load_image_folder(dir, ImageFolderOptions(4).skip_bad_images(true)).dataset.size() == 1);
}

TEST_CASE("The error lists a bounded number of bad files, and all bad with skipping is still an error", "[data][images]") {
  const fs::path dir = fresh_folder("many_bad");
  for (int i = 0; i < 30; ++i) write_file(dir / ("bad" + std::to_string(100 + i) + ".png"), "");
  const std::string msg = io_error_of([&] { load_image_folder(dir); });
  CHECK_THAT(msg, Contains("30 of 30 image files") && Contains("bad119.png") && Contains("... and 10 more"));
  CHECK_THAT(msg, !Contains("bad120.png"));
  CHECK_THAT(io_error_of([&] { load_image_folder(dir, ImageFolderOptions(4).skip_bad_images(true)); }), Contains("none of the 30 image files"));
}

TEST_CASE("decode_image refuses on its own: the fuzzed entry point", "[data][images]") {
  const auto bytes = [](const std::string& s) { return std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()); };
  const std::string tga = stb_file(StbFormat::Tga, 2, 2, 3, solid(2, 2, {5, 6, 7}));
  CHECK(decode_image(bytes(tga), true).width == 2);
  // Without a .tga name the signature-less bytes are not guessed at.
  CHECK_THROWS_AS(decode_image(bytes(tga), false), ImageError);
  const RgbaImage gif = decode_image(bytes(gif_1x1(9, 8, 7)));
  CHECK(gif.rgba == std::vector<std::uint8_t>{9, 8, 7, 255});
}

TEMPLATE_TEST_CASE("ImageDataset converts pixels exactly and the loader draws them, mirrored on request", "[data][images]", float, double) {
  using T = TestType;
  ImageDataset ds;
  ds.channels = 1;
  ds.height = 1;
  ds.width = 3;
  ds.pixels = {0, 128, 255, 10, 20, 30};
  ds.labels = {1, 0};
  ds.class_names = {"a", "b"};
  const auto t = ds.images<T>(PixelRange::MinusOneOne);
  CHECK(t.shape() == aegan::Shape{2, 1, 1, 3});
  CHECK(t[0] == T(-1));
  CHECK(t[2] == T(1));
  CHECK(t[1] == static_cast<T>(128 / 127.5 - 1.0));
  const Dataset<T> tensors = to_dataset<T>(ds, PixelRange::ZeroOne);
  CHECK(tensors.images[5] == static_cast<T>(30 / 255.0));
  CHECK(tensors.labels == ds.labels);

  // Unshuffled, flips on: each image arrives as is or mirrored, decided per (seed, epoch).
  BatchLoader<T> loader(ds, LoaderOptions(2).horizontal_flips(true).seed(3));
  int mirrored = 0;
  for (long epoch = 0; epoch < 40; ++epoch) {
    loader.start_epoch(epoch);
    const Batch<T> b = loader.batch(0);
    CHECK(b.labels == ds.labels);
    const bool flipped = b.images[0] == T(1);
    CHECK(b.images[2] == (flipped ? T(0) : T(1)));
    mirrored += flipped;
    // The same epoch again gives the same batch.
    loader.start_epoch(epoch);
    CHECK(loader.batch(0).images[0] == b.images[0]);
  }
  CHECK(mirrored > 5);
  CHECK(mirrored < 35);

  ImageDataset broken = ds;
  broken.labels = {7, 0};
  CHECK_THROWS_AS(BatchLoader<T>(broken, LoaderOptions(2)), aegan::ValueError);
  broken.pixels.pop_back();
  CHECK_THROWS_AS(broken.validate(), aegan::ShapeError);
}

TEST_CASE("The emoji showcase made by scripts/fetch_emoji.sh loads (AEGAN_EMOJI_DIR)", "[data][images][emoji]") {
  const char* env = std::getenv("AEGAN_EMOJI_DIR");
  if (!env || !*env) {
    WARN("AEGAN_EMOJI_DIR is not set: skipping the check of the fetched emoji (run scripts/fetch_emoji.sh)");
    return;
  }
  const ImageDataset ds = load_image_folder(env, ImageFolderOptions(32)).dataset;
  CHECK(ds.size() == 3781);
  REQUIRE(ds.class_names.size() == 9);
  CHECK(ds.class_names.front() == "Activities");
  CHECK(ds.class_names[7] == "Symbols");
  std::vector<Index> per_class(9, 0);
  for (const auto l : ds.labels) ++per_class[l];
  CHECK(per_class[5] == 2261);  // People & Body, skin tones included
}
