#pragma once
// What a training run was built from: the data (which dataset, image size, channels) and the
// networks and trainer settings. `aegan train` stores it in every checkpoint (entry "meta.run"),
// so `aegan sample` and `aegan eval` rebuild the same networks from the checkpoint alone.
#include <aegan/aegan.hpp>

#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace aegan_cli {

using aegan::Index;
namespace fs = std::filesystem;

struct RunConfig {
  std::string dataset = "images";  // mnist, fashion, emoji or images (a folder of the user's)
  fs::path data;                   // the folder the images come from
  Index size = 32, channels = 3;
  std::string background = "255,255,255", fit = "crop";
  bool flip = false;
  std::string preset = "aegan", conv_algorithm = "auto";
  Index width = 32, latent = 16, batch = 64;
  std::uint64_t seed = 1;

  aegan::models::ImageNetOptions networks() const {
    return aegan::models::ImageNetOptions(channels, size).width(width).latent(latent);
  }
  aegan::train::AEGANOptions trainer_options() const {
    return aegan::train::AEGANOptions(aegan::train::parse_preset(preset)).batch_size(batch).seed(seed).horizontal_flips(flip);
  }

  /// One "key=value" line per field.
  std::string to_text() const {
    std::ostringstream s;
    s << "dataset=" << dataset << "\ndata=" << data.string() << "\nsize=" << size << "\nchannels=" << channels
      << "\nbackground=" << background << "\nfit=" << fit << "\nflip=" << flip << "\npreset=" << preset
      << "\nconv_algorithm=" << conv_algorithm << "\nwidth=" << width << "\nlatent=" << latent << "\nbatch=" << batch
      << "\nseed=" << seed << "\n";
    return s.str();
  }

  /// Parses to_text()'s output; `origin` names the checkpoint in errors.
  static RunConfig from_text(const std::string& text, const std::string& origin) {
    std::map<std::string, std::string> kv;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      const auto eq = line.find('=');
      if (eq == std::string::npos) throw aegan::IoError(origin + ": malformed run description line '" + line + "'");
      kv[line.substr(0, eq)] = line.substr(eq + 1);
    }
    auto get = [&](const char* key) {
      const auto it = kv.find(key);
      if (it == kv.end()) throw aegan::IoError(origin + ": the run description has no '" + key + "'");
      return it->second;
    };
    auto number = [&](const char* key) {
      try {
        return std::stoll(get(key));
      } catch (const std::logic_error&) {
        throw aegan::IoError(origin + ": '" + key + "' is not a number in the run description");
      }
    };
    RunConfig c;
    c.dataset = get("dataset");
    c.data = get("data");
    c.size = number("size");
    c.channels = number("channels");
    c.background = get("background");
    c.fit = get("fit");
    c.flip = number("flip") != 0;
    c.preset = get("preset");
    c.conv_algorithm = get("conv_algorithm");
    c.width = number("width");
    c.latent = number("latent");
    c.batch = number("batch");
    c.seed = static_cast<std::uint64_t>(number("seed"));
    return c;
  }
};

/// Class names, one per line (folder names hold no newline: the loader's walk would still accept
/// one, so it is refused here, where it would corrupt the list).
inline std::string join_lines(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) {
    if (n.find('\n') != std::string::npos) throw aegan::ValueError("class name '" + n + "' holds a line break");
    s += n + "\n";
  }
  return s;
}

inline std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

/// "R,G,B" (0..255 each), "white" or "black".
inline aegan::data::Rgb parse_colour(const std::string& s) {
  if (s == "white") return {255, 255, 255};
  if (s == "black") return {0, 0, 0};
  int r = -1, g = -1, b = -1;
  char tail = 0;
  if (std::sscanf(s.c_str(), "%d,%d,%d%c", &r, &g, &b, &tail) != 3 || r < 0 || r > 255 || g < 0 || g > 255 || b < 0 || b > 255)
    throw aegan::ValueError("background '" + s + "': expected white, black or R,G,B with each in 0..255");
  return {static_cast<std::uint8_t>(r), static_cast<std::uint8_t>(g), static_cast<std::uint8_t>(b)};
}

}  // namespace aegan_cli
