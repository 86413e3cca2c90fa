#pragma once
// A network in an archive (io/archive.hpp): its architecture as the tree of LayerSpecs and its
// parameters and buffers by name, under one name. Reading builds the layers the specs name
// through the layer registry, so the program needs no compile-time knowledge of the network.
//
//   <name>.arch.kind = "Sequential"            <name>.arch.children = {n}
//   <name>.arch.3.kind = "Conv2d"              <name>.arch.3.option.stride = {2, 2}
//   <name>.state.3.weight = tensor             (Module::named_parameters() and named_buffers())
#include <memory>
#include <string>

#include "aegan/io/archive.hpp"
#include "aegan/nn/layer_registry.hpp"

namespace aegan::nn {

/// Limits on what a file may describe, so a hostile one cannot recurse or loop without end.
inline constexpr int kMaxNetworkDepth = 16;
inline constexpr std::int64_t kMaxNetworkLayers = 4096;

/// Every parameter and buffer of `m` as "<prefix>.<name>".
template <Scalar T>
void save_module(io::Archive& archive, const std::string& prefix, const Module<T>& m) {
  for (const auto& p : m.named_parameters()) archive.put(prefix + "." + p.name, p.var.value());
  for (const auto& b : m.named_buffers()) archive.put(prefix + "." + b.name, b.var.value());
}

/// Restores what save_module wrote into a module of the same architecture; a missing entry or a
/// shape that does not fit is an error naming it.
template <Scalar T>
void load_module(const io::Archive& archive, const std::string& prefix, Module<T>& m) {
  auto restore = [&](const std::vector<NamedVar<T>>& list) {
    for (auto nv : list) nv.var.mutable_value() = archive.tensor<T>(prefix + "." + nv.name, &nv.var.shape());
  };
  restore(m.named_parameters());
  restore(m.named_buffers());
}

namespace detail {

/// Calls fn(name after the prefix, entry) for every archive entry whose name starts with `prefix`
/// (the entries are sorted by name, so they are one run from lower_bound).
template <class Fn>
void for_each_entry_under(const io::Archive& archive, const std::string& prefix, Fn&& fn) {
  const auto& entries = archive.entries();
  for (auto it = entries.lower_bound(prefix); it != entries.end() && it->first.starts_with(prefix); ++it)
    fn(it->first.substr(prefix.size()), it->second);
}

inline void write_spec(io::Archive& archive, const std::string& prefix, const LayerSpec& spec) {
  archive.put_text(prefix + ".kind", spec.kind());
  for (const auto& [name, value] : spec.options()) {
    const std::string key = prefix + ".option." + name;
    if (const auto* v = std::get_if<LayerSpec::Integers>(&value)) archive.put_ints(key, *v);
    if (const auto* v = std::get_if<double>(&value)) archive.put(key, Tensor<double>::scalar(*v));
    if (const auto* v = std::get_if<std::string>(&value)) archive.put_text(key, *v);
  }
  const auto& children = spec.children();
  if (children.empty()) return;
  archive.put_ints(prefix + ".children", {static_cast<std::int64_t>(children.size())});
  for (std::size_t i = 0; i < children.size(); ++i) write_spec(archive, prefix + "." + std::to_string(i), children[i]);
}

/// Reads the spec tree under `prefix`. `state` is where the weights of the same node are, whose
/// shapes the layers check before they allocate; `where` names the file and network in errors.
struct SpecReader {
  const io::Archive& archive;
  std::string where;
  std::int64_t layers = 0;

  LayerSpec read(const std::string& prefix, const std::string& state, const std::string& path, int depth) {
    const std::string node = where + (path.empty() ? "" : ", layer " + path);
    if (depth > kMaxNetworkDepth) throw IoError(node + ": layers nested deeper than " + std::to_string(kMaxNetworkDepth));
    if (++layers > kMaxNetworkLayers) throw IoError(where + ": more than " + std::to_string(kMaxNetworkLayers) + " layers");
    if (!archive.contains(prefix + ".kind")) throw IoError(node + ": no layer kind (entry '" + prefix + ".kind' is missing)");
    LayerSpec spec(archive.text(prefix + ".kind"));
    spec.set_origin(node);
    read_options(spec, prefix + ".option.");
    attach_stored_shapes(spec, state + ".");
    if (archive.contains(prefix + ".children")) {
      const auto& count = archive.ints(prefix + ".children");
      if (count.size() != 1 || count[0] < 1 || count[0] > kMaxNetworkLayers)
        throw IoError(node + ": entry '" + prefix + ".children' must hold one count from 1 to " + std::to_string(kMaxNetworkLayers));
      for (std::int64_t i = 0; i < count[0]; ++i) {
        const std::string child = std::to_string(i);
        spec.add_child(read(prefix + "." + child, state + "." + child, path.empty() ? child : path + "." + child, depth + 1));
      }
    }
    return spec;
  }

  void read_options(LayerSpec& spec, const std::string& prefix) {
    for_each_entry_under(archive, prefix, [&](const std::string& name, const io::Archive::Entry& entry) {
      if (const auto* v = std::get_if<io::Archive::Ints>(&entry)) spec.set(name, *v);
      else if (const auto* v = std::get_if<std::string>(&entry)) spec.set_text(name, *v);
      else if (const auto* v = std::get_if<Tensor<double>>(&entry); v && v->numel() == 1) spec.set_real(name, (*v)[0]);
      else throw spec.fail("option '" + name + "' is neither integers, one real number nor text");
    });
  }

  /// The shapes of this node's own tensors ("<state>weight", not "<state>0.weight").
  void attach_stored_shapes(LayerSpec& spec, const std::string& state) {
    for_each_entry_under(archive, state, [&](const std::string& name, const io::Archive::Entry& entry) {
      if (name.find('.') != std::string::npos) return;
      std::visit([&](const auto& v) {
        if constexpr (requires { v.shape(); }) spec.attach_stored_shape(name, v.shape());
      }, entry);
    });
  }
};

}  // namespace detail

/// Writes `network`'s architecture and weights under `name`. Throws naming the first layer that
/// cannot describe itself (a layer without spec()).
template <Scalar T>
void write_network(io::Archive& archive, const std::string& name, const Module<T>& network) {
  detail::write_spec(archive, name + ".arch", network.spec());
  save_module(archive, name + ".state", network);
}

/// The network written under `name`, built and loaded, in eval mode. `where` names the file in
/// errors ("model file gen.aegan").
template <Scalar T>
std::shared_ptr<Module<T>> read_network(const io::Archive& archive, const std::string& name, const std::string& where) {
  detail::SpecReader reader{archive, where + ", network '" + name + "'"};
  const LayerSpec spec = reader.read(name + ".arch", name + ".state", "", 0);
  std::shared_ptr<Module<T>> network = build_layer<T>(spec);
  load_module(archive, name + ".state", *network);
  // Every stored tensor must belong to the network: a leftover one means the file and the
  // architecture disagree, which loading must not paper over.
  std::size_t expected = network->named_parameters().size() + network->named_buffers().size(), stored = 0;
  detail::for_each_entry_under(archive, name + ".state.", [&](const std::string&, const io::Archive::Entry&) { ++stored; });
  if (stored != expected)
    throw IoError(reader.where + ": the file stores " + std::to_string(stored) + " tensors, the architecture has " +
                  std::to_string(expected));
  network->eval();
  return network;
}

}  // namespace aegan::nn
