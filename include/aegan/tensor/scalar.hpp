#pragma once
#include <concepts>

namespace aegan {

/// The element types tensors, layers and optimizers are instantiated with.
template <class T>
concept Scalar = std::same_as<T, float> || std::same_as<T, double>;

}  // namespace aegan
