// Loading a folder of images into memory, row for row the same as benchmarks/torch/bench_data.py
// (PIL + torchvision ImageFolder) so benchmarks/compare.py can put them side by side.
//   load_emoji/size:S/threads:T   data::load_image_folder on the emoji showcase (3,781 RGBA PNGs
//                                 of 64×64 in 9 class folders): decode, alpha over white, resize
//                                 to 3×S×S, keep 8-bit pixels and labels
// The folder is $AEGAN_EMOJI_DIR, else data/emoji (scripts/fetch_emoji.sh); without it the rows
// report an error and are skipped.
#include <benchmark/benchmark.h>

#include <cstdlib>

#include <aegan/aegan.hpp>

namespace {

std::filesystem::path emoji_folder() {
  const char* dir = std::getenv("AEGAN_EMOJI_DIR");
  return dir != nullptr && *dir != '\0' ? dir : "data/emoji";
}

void load_emoji(benchmark::State& state) {
  aegan::set_num_threads(static_cast<int>(state.range(1)));
  const auto folder = emoji_folder();
  if (!std::filesystem::is_directory(folder)) {
    state.SkipWithError(("no emoji folder at " + folder.string() + ": run scripts/fetch_emoji.sh or set AEGAN_EMOJI_DIR").c_str());
    return;
  }
  const auto options = aegan::data::ImageFolderOptions(state.range(0)).channels(3);
  aegan::Index images = 0;
  for (auto _ : state) {
    const aegan::data::ImageFolder loaded = aegan::data::load_image_folder(folder, options);
    images = loaded.dataset.size();
    benchmark::DoNotOptimize(loaded.dataset.pixels.data());
  }
  state.counters["images"] = static_cast<double>(images);
  state.counters["images/s"] = benchmark::Counter(static_cast<double>(images), benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

BENCHMARK(load_emoji)->ArgNames({"size", "threads"})->ArgsProduct({{32, 64}, {1, 2}})->UseRealTime()->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
