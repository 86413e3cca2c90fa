// Writes a small labelled image folder for the aegan tool's end-to-end tests: DIR/discs and
// DIR/bars, 24 colour PNGs of 20x20 each, so the tests need no downloaded data.
#include <aegan/aegan.hpp>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  try {
    const std::filesystem::path dir = argv[1];
    aegan::Rng rng(7);
    for (const char* cls : {"discs", "bars"}) {
      std::filesystem::create_directories(dir / cls);
      for (int i = 0; i < 24; ++i) {
        aegan::Tensor<float> image({1, 3, 20, 20});
        const double cx = rng.uniform(6, 14), cy = rng.uniform(6, 14), r = rng.uniform(3, 6);
        const double colour[3] = {rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0, 1)};
        for (int c = 0; c < 3; ++c)
          for (int y = 0; y < 20; ++y)
            for (int x = 0; x < 20; ++x) {
              const bool inside = cls[0] == 'd' ? (x - cx) * (x - cx) + (y - cy) * (y - cy) < r * r : std::abs(x - cx) < r / 2;
              image[(c * 20 + y) * 20 + x] = static_cast<float>(inside ? colour[c] : 1.0);
            }
        char name[32];
        std::snprintf(name, sizeof name, "%02d.png", i);
        aegan::io::write_image_grid(dir / cls / name, image, aegan::io::GridOptions().padding(0));
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
