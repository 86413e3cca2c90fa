#pragma once
// LayerSpec: what a layer is, as plain values (its kind, its options, and for a container the
// specs of its children), so that a program that does not know a network at compile time can
// build it again. Model files store it next to the weights (nn/network_file.hpp); the ONNX
// exporter reads it. Every layer that can be saved returns its spec from Module::spec() and
// rebuilds itself in a static from_spec (nn/layer_registry.hpp).
//
// Reading is strict, because specs come from files: a missing option, an option of the wrong
// type and an option the layer does not know are all errors that name the layer and the option.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "aegan/error.hpp"
#include "aegan/tensor/shape.hpp"

namespace aegan::nn {

class LayerSpec {
 public:
  using Integers = std::vector<std::int64_t>;
  using Value = std::variant<Integers, double, std::string>;

  explicit LayerSpec(std::string kind) : kind_(std::move(kind)) {}

  LayerSpec& set(const std::string& name, Integers v) { return put(name, std::move(v)); }
  LayerSpec& set(const std::string& name, std::int64_t v) { return put(name, Integers{v}); }
  LayerSpec& set(const std::string& name, Size2 v) { return put(name, Integers{v.h, v.w}); }
  LayerSpec& set_flag(const std::string& name, bool v) { return put(name, Integers{v ? 1 : 0}); }
  LayerSpec& set_real(const std::string& name, double v) { return put(name, v); }
  LayerSpec& set_text(const std::string& name, std::string v) { return put(name, std::move(v)); }
  LayerSpec& add_child(LayerSpec child) {
    children_.push_back(std::move(child));
    return *this;
  }

  const std::string& kind() const { return kind_; }
  const std::map<std::string, Value>& options() const { return options_; }
  const std::vector<LayerSpec>& children() const { return children_; }
  std::vector<LayerSpec>& children() { return children_; }
  bool has(const std::string& name) const { return options_.count(name) != 0; }

  /// Where the spec came from, for errors: "model file gen.aegan, layer generator.3".
  void set_origin(std::string origin) { origin_ = std::move(origin); }
  const std::string& origin() const { return origin_; }

  Integers integers(const std::string& name) const { return get<Integers>(name, "a list of integers"); }
  std::int64_t integer(const std::string& name) const {
    const Integers v = integers(name);
    if (v.size() != 1) throw fail("option '" + name + "' has " + std::to_string(v.size()) + " values, expected one integer");
    return v[0];
  }
  /// A positive size no larger than `max` (sizes come from files: a layer never allocates from an
  /// unchecked one).
  Index size(const std::string& name, std::int64_t max = std::int64_t(1) << 24) const {
    const std::int64_t v = integer(name);
    if (v < 1 || v > max) throw fail("option '" + name + "' is " + std::to_string(v) + ", expected 1 to " + std::to_string(max));
    return static_cast<Index>(v);
  }
  Size2 size2(const std::string& name, std::int64_t min = 1, std::int64_t max = 4096) const {
    const Integers v = integers(name);
    if (v.size() != 2) throw fail("option '" + name + "' has " + std::to_string(v.size()) + " values, expected 2 (height, width)");
    for (auto x : v)
      if (x < min || x > max)
        throw fail("option '" + name + "' holds " + std::to_string(x) + ", expected " + std::to_string(min) + " to " + std::to_string(max));
    return {static_cast<Index>(v[0]), static_cast<Index>(v[1])};
  }
  bool flag(const std::string& name) const {
    const std::int64_t v = integer(name);
    if (v != 0 && v != 1) throw fail("option '" + name + "' is " + std::to_string(v) + ", expected 0 or 1");
    return v == 1;
  }
  double real(const std::string& name) const { return get<double>(name, "a real number"); }
  std::string text(const std::string& name) const { return get<std::string>(name, "text"); }

  /// Throws naming the first option no accessor has read: an option this build's layer does not
  /// know (a file from a newer version, or a corrupted name) must not be silently ignored.
  void check_all_read() const {
    for (const auto& [name, value] : options_)
      if (!read_.count(name)) throw fail("unknown option '" + name + "' for a " + kind_ + " layer");
  }

  /// Model files attach the shapes of the weights stored for this layer; a layer compares the
  /// shapes its options imply with them before allocating anything (a hostile file cannot ask
  /// for more memory than it holds).
  void attach_stored_shape(const std::string& name, Shape shape) { stored_shapes_[name] = std::move(shape); }
  void check_stored(const std::string& name, const Shape& expected) const {
    if (origin_.empty()) return;  // built in memory, not read from a file
    auto it = stored_shapes_.find(name);
    if (it == stored_shapes_.end()) throw fail("no stored tensor '" + name + "' for a " + kind_ + " layer");
    if (!(it->second == expected))
      throw fail("stored tensor '" + name + "' has shape " + it->second.to_string() + ", the layer's options give " + expected.to_string());
  }

  IoError fail(const std::string& what) const {
    return IoError((origin_.empty() ? std::string("layer spec") : origin_) + " (" + kind_ + "): " + what);
  }

 private:
  LayerSpec& put(const std::string& name, Value v) {
    options_[name] = std::move(v);
    return *this;
  }
  template <class V>
  V get(const std::string& name, const char* what) const {
    auto it = options_.find(name);
    if (it == options_.end()) throw fail("missing option '" + name + "'");
    const V* v = std::get_if<V>(&it->second);
    if (!v) throw fail("option '" + name + "' is not " + what);
    read_.insert(name);
    return *v;
  }

  std::string kind_;
  std::map<std::string, Value> options_;
  std::vector<LayerSpec> children_;
  std::string origin_;
  std::map<std::string, Shape> stored_shapes_;
  mutable std::set<std::string> read_;
};

}  // namespace aegan::nn
