// A program that only uses trained models: through <aegan/inference.hpp> alone it saves a small
// generator as a model file, loads it back, samples and writes a PNG grid. Built like the trainer
// consumer (strict flags), so the inference header stands on its own in an installed aegan. When
// the installed aegan offers aegan::onnx, the same program also exports the model as ONNX.
#include <aegan/inference.hpp>

#include <cstdio>
#include <filesystem>
#include <memory>

#ifdef AEGAN_CONSUMER_ONNX
#include <aegan/export/onnx.hpp>
#endif

int main() {
  namespace nn = aegan::nn;
  aegan::Rng rng(5);
  auto net = std::make_shared<nn::Sequential<float>>(nn::Linear<float>(4, 2 * 4 * 4, rng), nn::ReLU<float>(),
                                                     nn::Unflatten<float>(1, {2, 4, 4}),
                                                     nn::ConvTranspose2d<float>(nn::ConvTranspose2dOptions(2, 3, 4).stride(2).padding(1), rng),
                                                     nn::Tanh<float>());
  aegan::models::GeneratorModel<float> model(net, 4, aegan::models::ImageFormat{3, 8, 8}, aegan::models::LatentSampler::prior(4));
  const auto dir = std::filesystem::temp_directory_path();
  model.save(dir / "aegan_consumer.aegan");
  const auto loaded = aegan::models::GeneratorModel<float>::load(dir / "aegan_consumer.aegan");
  aegan::Rng a(1), b(1);
  const auto images = loaded.sample(4, a), expected = model.sample(4, b);
  for (aegan::Index i = 0; i < images.numel(); ++i)
    if (images[i] != expected[i]) {
      std::printf("consumer_inference: the loaded model samples differently\n");
      return 1;
    }
  aegan::io::write_image_grid(dir / "aegan_consumer.png", loaded.to_unit_range(images));
#ifdef AEGAN_CONSUMER_ONNX
  aegan::onnx::export_generator(loaded, dir / "aegan_consumer.onnx");
  std::printf("consumer_inference: ONNX written\n");
#endif
  std::printf("consumer_inference: model file saved, loaded and sampled\n");
  return 0;
}
