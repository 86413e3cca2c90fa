#pragma once
#include "aegan/nn/activation.hpp"
#include "aegan/nn/batchnorm.hpp"
#include "aegan/nn/conv.hpp"
#include "aegan/nn/dropout.hpp"
#include "aegan/nn/dropout2d.hpp"
#include "aegan/nn/init.hpp"
#include "aegan/nn/layer_registry.hpp"
#include "aegan/nn/layer_spec.hpp"
#include "aegan/nn/linear.hpp"
#include "aegan/nn/module.hpp"
#include "aegan/nn/network_file.hpp"
#include "aegan/nn/pool.hpp"
#include "aegan/nn/reshape.hpp"
#include "aegan/nn/sequential.hpp"
#include "aegan/nn/upsample.hpp"

namespace aegan::nn {

/// Registers every layer of this folder for scalar type T (layers register themselves for float
/// when their header is included). Readers of double networks call it, so that only programs
/// that build double networks compile the layers' double code; calling it again does nothing new.
template <Scalar T>
void register_layers() {
  static const bool registered = [] {
    (void)LayerRegistration<Linear, T>(), (void)LayerRegistration<Conv2d, T>(), (void)LayerRegistration<ConvTranspose2d, T>();
    (void)LayerRegistration<BatchNorm1d, T>(), (void)LayerRegistration<BatchNorm2d, T>();
    (void)LayerRegistration<ReLU, T>(), (void)LayerRegistration<LeakyReLU, T>(), (void)LayerRegistration<Sigmoid, T>();
    (void)LayerRegistration<Tanh, T>(), (void)LayerRegistration<Flatten, T>(), (void)LayerRegistration<Unflatten, T>();
    (void)LayerRegistration<Upsample, T>(), (void)LayerRegistration<MaxPool2d, T>(), (void)LayerRegistration<AvgPool2d, T>();
    (void)LayerRegistration<Dropout, T>(), (void)LayerRegistration<Dropout2d, T>(), (void)LayerRegistration<Sequential, T>();
    return true;
  }();
  (void)registered;
}

}  // namespace aegan::nn
