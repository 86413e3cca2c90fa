#pragma once
// Named choices (presets, latent sampler kinds, convolution algorithms) spelled one way
// everywhere: each is an enum with a list of every value and a name function, and these two
// templates derive from them the list of names (command-line checks) and the parser (files,
// flags), whose error lists the valid names.
#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "aegan/error.hpp"

namespace aegan {

/// The names of every value in `all`, in its order.
template <class E, std::size_t N, class NameOf>
std::vector<std::string> names_of(const std::array<E, N>& all, NameOf name_of) {
  std::vector<std::string> names;
  for (E e : all) names.emplace_back(name_of(e));
  return names;
}

/// The value of `all` called `name`; a ValueError "unknown <what> 'name' (expected one of: ...)" otherwise.
template <class E, std::size_t N, class NameOf>
E parse_name(const std::string& name, const std::array<E, N>& all, NameOf name_of, const char* what) {
  for (E e : all)
    if (name == name_of(e)) return e;
  std::string valid;
  for (const auto& n : names_of(all, name_of)) valid += (valid.empty() ? "" : ", ") + n;
  throw ValueError("unknown " + std::string(what) + " '" + name + "' (expected one of: " + valid + ")");
}

}  // namespace aegan
