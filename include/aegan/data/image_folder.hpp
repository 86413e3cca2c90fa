#pragma once
// A folder of image files as an ImageDataset, like torchvision's ImageFolder: every PNG, JPEG,
// BMP, GIF (first frame), TGA and PGM/PPM file under the folder, found recursively in a stable
// (sorted) order. When the folder has subfolders holding images, each first-level subfolder is a
// class and its name the class name; otherwise the images are unlabelled. Names starting with a
// dot are skipped (hidden files, macOS "._" companions). Directory symlinks are followed, each
// directory at most once, so a symlink loop ends the walk instead of hanging it.
//
// Every file is untrusted: one that is not a regular file (FIFO, device, dangling link) is never
// opened for reading; the rest are decoded on all threads through data/image_decode.hpp. A bad
// file refuses the whole folder with one error naming each bad file and why, unless
// skip_bad_images is set, in which case the rest load and the result lists what was skipped.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>


#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "aegan/data/image_dataset.hpp"
#include "aegan/data/image_decode.hpp"
#include "aegan/data/image_fit.hpp"
#include "aegan/error.hpp"
#include "aegan/tensor/parallel.hpp"

namespace aegan::data {

/// Options in the PyTorch C++ style: ImageFolderOptions(32).channels(3).skip_bad_images(true).
struct ImageFolderOptions {
  explicit ImageFolderOptions(Index size = 64) { layout_.size = size; }
  ImageFolderOptions& size(Index s) { layout_.size = s; return *this; }
  ImageFolderOptions& channels(Index c) { layout_.channels = c; return *this; }
  ImageFolderOptions& background(Rgb colour) { layout_.background = colour; return *this; }
  ImageFolderOptions& fit(ImageFit f) { layout_.fit = f; return *this; }
  ImageFolderOptions& skip_bad_images(bool on) { skip_bad_images_ = on; return *this; }
  /// Largest width × height a file may claim; larger headers are refused before decoding.
  ImageFolderOptions& max_pixels(Index n) { max_pixels_ = n; return *this; }
  ImageFolderOptions& max_file_bytes(Index n) { max_file_bytes_ = n; return *this; }

  const ImageLayout& layout() const { return layout_; }
  bool skip_bad_images() const { return skip_bad_images_; }
  Index max_pixels() const { return max_pixels_; }
  Index max_file_bytes() const { return max_file_bytes_; }

  void validate() const {
    layout_.validate("ImageFolderOptions");
    if (max_pixels_ < 1 || max_file_bytes_ < 1) throw ValueError("ImageFolderOptions: max_pixels and max_file_bytes must be positive");
  }

 private:
  ImageLayout layout_;
  bool skip_bad_images_ = false;
  Index max_pixels_ = kDefaultMaxImagePixels;
  Index max_file_bytes_ = Index(1) << 28;  // 256 MiB
};

/// A file the loader could not use, and why.
struct BadImage {
  std::filesystem::path path;
  std::string reason;
};

/// What load_image_folder found: the dataset, and the files it skipped (only with
/// skip_bad_images; otherwise any bad file is an error).
struct ImageFolder {
  ImageDataset dataset;
  std::vector<BadImage> skipped;
};

/// How many bad files an error message lists before "and N more".
inline constexpr std::size_t kBadImagesListed = 20;

namespace detail {

inline std::string lower_extension(const std::filesystem::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return ext;
}

inline bool has_image_extension(const std::filesystem::path& p) {
  const std::string ext = lower_extension(p);
  for (const char* known : {".png", ".jpg", ".jpeg", ".jpe", ".bmp", ".gif", ".tga", ".pgm", ".ppm", ".pnm"})
    if (ext == known) return true;
  return false;
}

inline bool hidden(const std::filesystem::path& p) { return p.filename().string().starts_with("."); }

inline const char* file_kind(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISDIR(mode)) return "a folder";
  return "not a regular file";
}

/// Why `path` (named like an image) cannot be read as a regular file, or "" when it can.
/// Decided from stat() alone: a FIFO or device is never opened.
inline std::string not_regular_reason(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return "dangling symbolic link";
    if (errno == ELOOP) return "symbolic link loop";
    return std::string("cannot stat (") + std::strerror(errno) + ")";
  }
  if (!S_ISREG(st.st_mode)) return std::string("not a regular file (") + file_kind(st.st_mode) + ")";
  return "";
}

/// The whole file, refused when it is not a regular file or is over `max_bytes`. The file is
/// opened non-blocking and checked again with fstat, so a FIFO swapped in after the check cannot
/// block the loader.
inline std::vector<std::uint8_t> read_image_file(const std::filesystem::path& path, Index max_bytes) {
  if (std::string why = not_regular_reason(path); !why.empty()) throw ImageError(why);
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw ImageError(std::string("cannot open (") + std::strerror(errno) + ")");
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) throw ImageError("not a regular file");
  if (st.st_size > max_bytes)
    throw ImageError("file of " + std::to_string(st.st_size) + " bytes, over the limit of " + std::to_string(max_bytes) +
                     " bytes (ImageFolderOptions::max_file_bytes)");
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw ImageError(std::string("read error (") + std::strerror(errno) + ")");
    if (n == 0) break;  // shrank while reading: decode what is there, the decoder judges it
    got += static_cast<std::size_t>(n);
  }
  bytes.resize(got);
  return bytes;
}

/// A file to load and its class (-1: unlabelled, or an image outside the class folders).
struct Candidate {
  std::filesystem::path path;
  int label = -1;
};

/// Image-named entries under `dir`, recursively, sorted, each directory visited once.
class FolderWalk {
 public:
  std::vector<std::filesystem::path> files(const std::filesystem::path& dir) {
    std::vector<std::filesystem::path> out;
    walk(dir, out, 0);
    std::sort(out.begin(), out.end());
    return out;
  }
  /// Counts `dir` as walked already, so that a link back to it is not walked again.
  void mark_visited(const std::filesystem::path& dir) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) == 0) visited_.insert({st.st_dev, st.st_ino});
  }

 private:
  static constexpr int kMaxDepth = 64;

  void walk(const std::filesystem::path& dir, std::vector<std::filesystem::path>& out, int depth) {
    struct stat st {};
    if (depth > kMaxDepth || ::stat(dir.c_str(), &st) != 0 || !visited_.insert({st.st_dev, st.st_ino}).second) return;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      const std::filesystem::path& p = it->path();
      if (hidden(p)) continue;
      std::error_code type_ec;
      if (it->is_directory(type_ec)) walk(p, out, depth + 1);  // follows symlinks; stat() above stops loops
      else if (has_image_extension(p)) out.push_back(p);
    }
    if (ec) throw IoError("load_image_folder: cannot list '" + dir.string() + "' (" + ec.message() + ")");
  }

  std::set<std::pair<dev_t, ino_t>> visited_;
};

/// The files to load and the class names: first-level folders holding images are classes.
inline std::vector<Candidate> find_images(const std::filesystem::path& dir, std::vector<std::string>& class_names,
                                          std::vector<BadImage>& misplaced) {
  std::vector<std::filesystem::path> top_files, folders;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (hidden(it->path())) continue;
    std::error_code type_ec;
    if (it->is_directory(type_ec)) folders.push_back(it->path());
    else if (has_image_extension(it->path())) top_files.push_back(it->path());
  }
  if (ec) throw IoError("load_image_folder: cannot list '" + dir.string() + "' (" + ec.message() + ")");
  std::sort(top_files.begin(), top_files.end());
  std::sort(folders.begin(), folders.end());

  std::vector<Candidate> found;
  FolderWalk walk;
  walk.mark_visited(dir);
  for (const auto& folder : folders) {
    const auto files = walk.files(folder);
    if (files.empty()) continue;  // not a class: holds no images
    const int label = static_cast<int>(class_names.size());
    class_names.push_back(folder.filename().string());
    for (const auto& f : files) found.push_back({f, label});
  }
  for (const auto& f : top_files) {
    if (class_names.empty()) found.push_back({f, -1});
    else misplaced.push_back({f, "an image beside the class folders, outside any class"});
  }
  return found;
}

inline std::string bad_image_list(const std::vector<BadImage>& bad) {
  std::string s;
  for (std::size_t i = 0; i < bad.size() && i < kBadImagesListed; ++i) s += "\n  " + bad[i].path.string() + ": " + bad[i].reason;
  if (bad.size() > kBadImagesListed) s += "\n  ... and " + std::to_string(bad.size() - kBadImagesListed) + " more";
  return s;
}

}  // namespace detail

/// Loads every image under `dir` as options.layout() says (channels × size × size, 8-bit), decoding
/// on all OpenMP threads. Throws IoError when `dir` is not a folder, holds no images, or (without
/// skip_bad_images) holds any file that cannot be used, listing each such file and why.
inline ImageFolder load_image_folder(const std::filesystem::path& dir, const ImageFolderOptions& options = ImageFolderOptions()) {
  options.validate();
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw IoError("load_image_folder: '" + dir.string() + "' " + (std::filesystem::exists(dir, ec) ? "is not a folder" : "does not exist"));

  ImageFolder result;
  ImageDataset& ds = result.dataset;
  std::vector<BadImage> bad;
  const std::vector<detail::Candidate> files = detail::find_images(dir, ds.class_names, bad);
  const std::size_t total = files.size() + bad.size();
  if (ds.class_names.size() > 256)
    throw IoError("load_image_folder: '" + dir.string() + "' has " + std::to_string(ds.class_names.size()) +
                  " class folders, at most 256 are supported (labels are bytes)");
  if (files.empty() && bad.empty())
    throw IoError("load_image_folder: no images in '" + dir.string() + "' (looked for .png .jpg .jpeg .bmp .gif .tga .pgm .ppm files, recursively)");

  const ImageLayout& layout = options.layout();
  ds.channels = layout.channels;
  ds.height = ds.width = layout.size;
  const Index per_image = ds.image_size(), n = static_cast<Index>(files.size());
  std::vector<std::uint8_t> pixels(detail::pixel_bytes(n, per_image));
  std::vector<std::string> reasons(files.size());
  parallel_for_each(n, [&](Index i) {
    const auto& file = files[static_cast<std::size_t>(i)];
    try {
      const auto bytes = detail::read_image_file(file.path, options.max_file_bytes());
      const RgbaImage image = decode_image(bytes, detail::lower_extension(file.path) == ".tga", options.max_pixels());
      fit_image(image, layout, pixels.data() + detail::pixel_bytes(i, per_image));
    } catch (const std::exception& e) {  // std::bad_alloc included: one huge file must not end the load
      reasons[static_cast<std::size_t>(i)] = e.what();
    }
  });

  // Keep the good images, in order, and collect the bad ones.
  Index kept = 0;
  for (Index i = 0; i < n; ++i) {
    const auto& file = files[static_cast<std::size_t>(i)];
    if (!reasons[static_cast<std::size_t>(i)].empty()) {
      bad.push_back({file.path, reasons[static_cast<std::size_t>(i)]});
      continue;
    }
    if (kept != i)
      std::copy_n(pixels.data() + detail::pixel_bytes(i, per_image), per_image, pixels.data() + detail::pixel_bytes(kept, per_image));
    if (file.label >= 0) ds.labels.push_back(static_cast<std::uint8_t>(file.label));
    ++kept;
  }
  std::sort(bad.begin(), bad.end(), [](const BadImage& a, const BadImage& b) { return a.path < b.path; });
  if (!bad.empty() && !options.skip_bad_images())
    throw IoError("load_image_folder: " + std::to_string(bad.size()) + " of " + std::to_string(total) +
                  " image files under '" + dir.string() + "' cannot be used (skip_bad_images, or --skip-bad-images, loads the rest):" +
                  detail::bad_image_list(bad));
  if (kept == 0)
    throw IoError("load_image_folder: none of the " + std::to_string(bad.size()) + " image files under '" + dir.string() + "' can be used:" +
                  detail::bad_image_list(bad));
  if (kept < n) {
    pixels.resize(detail::pixel_bytes(kept, per_image));
    pixels.shrink_to_fit();
  }
  ds.pixels = std::move(pixels);
  result.skipped = std::move(bad);
  return result;
}

}  // namespace aegan::data
