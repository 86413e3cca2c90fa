#pragma once
// aegan/inference.hpp: what a program that only uses a trained model needs. Load a model file and
// generate, reconstruct or encode, with no autograd graph recorded; write images as a PNG grid.
// It leaves out the trainer, the optimizers, the data loaders and the metrics, so a program that
// includes it compiles in a fraction of a training program's time.
//
//   auto model = aegan::models::GeneratorModel<float>::load("gen.aegan");
//   aegan::Rng rng(1);
//   auto images = model.sample(64, rng);
//   aegan::io::write_image_grid("samples.png", model.to_unit_range(images));
#include "aegan/error.hpp"
#include "aegan/models/generator_model.hpp"
#include "aegan/nn/nn.hpp"  // every layer a model file may name registers itself here
#include "aegan/io/png.hpp"
#include "aegan/tensor/memory.hpp"
#include "aegan/tensor/parallel.hpp"
#include "aegan/tensor/rng.hpp"
