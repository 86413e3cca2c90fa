// generate: images from a model file, in a program that knows nothing of how it was trained.
//   aegan export --checkpoint out/emoji/checkpoint.ckpt --out emoji.aegan
//   generate emoji.aegan emoji.png [count] [seed]
#include <aegan/inference.hpp>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  if (argc < 3 || argc > 5) {
    std::fprintf(stderr, "usage: %s MODEL.aegan OUT.png [COUNT=64] [SEED=1]\n", argv[0]);
    return 2;
  }
  try {
    const auto model = aegan::models::GeneratorModel<float>::load(argv[1]);
    const aegan::Index count = argc > 3 ? std::stoll(argv[3]) : 64;
    aegan::Rng rng(argc > 4 ? std::stoull(argv[4]) : 1);
    const aegan::Tensor<float> images = model.sample(count, rng);  // [count, C, H, W]
    aegan::io::write_image_grid(argv[2], model.to_unit_range(images), aegan::io::GridOptions().columns(8));
    std::printf("%lld %s images from %s in %s\n", static_cast<long long>(count), model.image().to_string().c_str(), argv[1], argv[2]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
