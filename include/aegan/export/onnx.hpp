#pragma once
// ONNX export (opset 13) of aegan networks and generator models, for runtimes outside aegan
// (OpenCV's dnn module, ONNX Runtime, ...):
//
//   auto model = aegan::models::GeneratorModel<float>::load("gen.aegan");
//   aegan::onnx::export_generator(model, "gen.onnx");   // "z" [N, latent] -> "image" [N, C, H, W]
//   aegan::onnx::export_encoder(model, "enc.onnx");     // "image" -> "z"
//
// The graph is the network in evaluation mode: batch norm with its running statistics, dropout
// left out. It is read from the layers' specs (nn/layer_spec.hpp), the same description model
// files store, so a layer exports exactly as it would be rebuilt from a file. See docs/onnx.md for
// the operator mapping.
//
// This header needs Debian's libonnx-dev and libprotobuf-dev; link the CMake target aegan::onnx,
// which aegan::aegan never depends on. Note that `onnx` alone names the protobuf classes'
// namespace: code that says `using namespace aegan;` writes aegan::onnx:: for this one.
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "aegan/error.hpp"
#include "aegan/io/atomic_file.hpp"
#include "aegan/models/generator_model.hpp"
#include "aegan/nn/module.hpp"
#include "aegan/nn/sequential.hpp"

namespace aegan::onnx {

using ModelProto = ::onnx::ModelProto;

inline constexpr std::int64_t kOpsetVersion = 13;
/// The IR version of ONNX 1.12, fixed rather than taken from the library compiled against, so the
/// file does not change (and stays readable by older runtimes) when a newer libonnx builds it.
inline constexpr std::int64_t kIrVersion = 8;

namespace detail {

/// Builds the graph of one network: one node per layer (none for dropout), the layer's weights as
/// initializers named by their parameter path ("3.weight"), and the shape of every activation
/// tracked from the input so that a network that cannot take the input fails here, naming the
/// layer, rather than in whatever runtime loads the file.
template <Scalar T>
class GraphBuilder {
 public:
  GraphBuilder(const nn::Module<T>& network, ::onnx::GraphProto& graph, const Shape& input_shape, const std::string& input_name)
      : graph_(graph), current_(input_name) {
    for (const auto& p : network.named_parameters()) tensors_.emplace(p.name, &p.var.value());
    for (const auto& b : network.named_buffers()) tensors_.emplace(b.name, &b.var.value());
    for (Index d : input_shape) shape_.push_back(d);
    claim(input_name);
  }

  /// Depth first through Sequential containers; every other module is one layer.
  void add(const nn::Module<T>& module, const std::string& path) {
    if (dynamic_cast<const nn::Sequential<T>*>(&module)) {
      for (const auto& [name, child] : module.children()) add(*child, path.empty() ? name : path + "." + name);
      return;
    }
    const nn::LayerSpec spec = [&] {
      try {
        return module.spec();
      } catch (const ValueError&) {
        throw ValueError("ONNX export: " + where(path, module) +
                         " has no ONNX form: it is not one of aegan's layers (it does not describe itself with spec())");
      }
    }();
    if (!module.children().empty())
      throw ValueError("ONNX export: " + where(path, module) + " has no ONNX form: the exporter walks into Sequential containers only");
    layer(spec, module, path);
    try {
      spec.check_all_read();
    } catch (const IoError& e) {
      throw ValueError("ONNX export: " + where(path, module) + ": " + e.what());
    }
  }

  /// Names the last activation `output_name` (an Identity node when the network has no node, e.g.
  /// only dropout) and returns its shape without the batch dimension.
  const std::vector<std::int64_t>& finish(const std::string& output_name) {
    if (last_ == nullptr) {
      claim(output_name);
      ::onnx::NodeProto& n = *graph_.add_node();
      n.set_op_type("Identity");
      n.set_name("Identity");
      n.add_input(current_);
      n.add_output(output_name);
      return shape_;
    }
    used_.erase(last_->output(0));
    claim(output_name);
    last_->set_output(0, output_name);
    return shape_;
  }

 private:
  using Dims = std::vector<std::int64_t>;

  static std::string where(const std::string& path, const nn::Module<T>& module) {
    return (path.empty() ? std::string("the network") : "layer " + path) + " (" + module.type_name() + ")";
  }

  void claim(const std::string& name) {
    if (name.empty()) throw ValueError("ONNX export: empty tensor name");
    if (!used_.insert(name).second)
      throw ValueError("ONNX export: the name '" + name + "' is used twice (input, output or a layer's tensor)");
  }

  /// One node reading the current activation (and `inputs`) and producing the next.
  ::onnx::NodeProto& node(const std::string& op, const std::string& path, const nn::Module<T>& module, const std::vector<std::string>& inputs = {}) {
    ::onnx::NodeProto& n = *graph_.add_node();
    n.set_op_type(op);
    n.set_name(path.empty() ? op : path + "/" + op);
    n.set_doc_string(module.type_name());
    n.add_input(current_);
    for (const auto& in : inputs) n.add_input(in);
    current_ = n.name() + ":0";
    claim(current_);
    n.add_output(current_);
    last_ = &n;
    return n;
  }

  static void attr(::onnx::NodeProto& n, const std::string& name, std::int64_t v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(::onnx::AttributeProto::INT);
    a->set_i(v);
  }
  static void attr(::onnx::NodeProto& n, const std::string& name, const Dims& v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(::onnx::AttributeProto::INTS);
    for (auto x : v) a->add_ints(x);
  }
  static void attr_real(::onnx::NodeProto& n, const std::string& name, double v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(::onnx::AttributeProto::FLOAT);
    a->set_f(static_cast<float>(v));
  }
  static void attr_text(::onnx::NodeProto& n, const std::string& name, const std::string& v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(::onnx::AttributeProto::STRING);
    a->set_s(v);
  }

  /// Weights are stored as float whatever T is: float is what runtimes run these operators in,
  /// and a double network converted to float keeps float's precision (about 1e-7 relative).
  std::string weight(const std::string& path, const std::string& name, const Dims& expected, const nn::Module<T>& module) {
    const std::string full = path.empty() ? name : path + "." + name;
    auto it = tensors_.find(full);
    if (it == tensors_.end()) throw ValueError("ONNX export: " + where(path, module) + " has no tensor '" + full + "'");
    const Tensor<T>& t = *it->second;
    if (!std::equal(t.shape().begin(), t.shape().end(), expected.begin(), expected.end()))
      throw ShapeError("ONNX export: " + where(path, module) + ": tensor '" + full + "' is " + t.shape().to_string() +
                       ", its options give " + Shape(std::span<const Index>(expected)).to_string());
    return constant(full, expected, [&](::onnx::TensorProto& p) {
      auto* out = p.mutable_float_data();
      out->Reserve(static_cast<int>(t.numel()));
      for (T v : t) out->Add(static_cast<float>(v));
    });
  }
  std::string floats(const std::string& name, const std::vector<float>& values) {
    return constant(name, {static_cast<std::int64_t>(values.size())}, [&](::onnx::TensorProto& p) {
      for (float v : values) p.add_float_data(v);
    });
  }
  std::string int64s(const std::string& name, const Dims& values) {
    return constant(name, {static_cast<std::int64_t>(values.size())}, [&](::onnx::TensorProto& p) {
      p.set_data_type(::onnx::TensorProto::INT64);
      for (auto v : values) p.add_int64_data(v);
    });
  }
  template <class Fill>
  std::string constant(const std::string& name, const Dims& dims, Fill fill) {
    claim(name);
    ::onnx::TensorProto& p = *graph_.add_initializer();
    p.set_name(name);
    p.set_data_type(::onnx::TensorProto::FLOAT);
    for (auto d : dims) p.add_dims(d);
    fill(p);
    return name;
  }

  ShapeError input_error(const std::string& path, const nn::Module<T>& module, const std::string& expected) const {
    std::string s = "[N";
    for (auto d : shape_) s += ", " + std::to_string(d);
    return ShapeError("ONNX export: " + where(path, module) + " receives " + s + "], expected " + expected);
  }
  void require_rank(const std::string& path, const nn::Module<T>& module, std::size_t min, std::size_t max, const std::string& expected) const {
    if (shape_.size() < min || shape_.size() > max) throw input_error(path, module, expected);
  }
  static Dims pair(const Size2& s) { return {s.h, s.w}; }
  static Dims pads(const Size2& p) { return {p.h, p.w, p.h, p.w}; }

  void layer(const nn::LayerSpec& spec, const nn::Module<T>& module, const std::string& path) {
    const std::string& kind = spec.kind();
    const auto prefix = [&](const std::string& name) { return path.empty() ? name : path + "." + name; };
    if (kind == "Linear") {
      const std::int64_t in = spec.integer("in_features"), out = spec.integer("out_features");
      if (shape_ != Dims{in}) throw input_error(path, module, "[N, " + std::to_string(in) + "]");
      std::vector<std::string> inputs{weight(path, "weight", {out, in}, module)};
      if (spec.flag("bias")) inputs.push_back(weight(path, "bias", {out}, module));
      attr(node("Gemm", path, module, inputs), "transB", 1);
      shape_ = {out};
    } else if (kind == "Conv2d" || kind == "ConvTranspose2d") {
      const bool transposed = kind == "ConvTranspose2d";
      const std::int64_t in = spec.integer("in_channels"), out = spec.integer("out_channels");
      const Size2 k = spec.size2("kernel_size"), s = spec.size2("stride"), p = spec.size2("padding", 0);
      const Size2 op = transposed ? spec.size2("output_padding", 0) : Size2(0);
      (void)spec.text("algorithm");  // how aegan runs the layer, not what it computes
      if (shape_.size() != 3 || shape_[0] != in) throw input_error(path, module, "[N, " + std::to_string(in) + ", H, W]");
      const Dims w = transposed ? Dims{in, out, k.h, k.w} : Dims{out, in, k.h, k.w};
      std::vector<std::string> inputs{weight(path, "weight", w, module)};
      if (spec.flag("bias")) inputs.push_back(weight(path, "bias", {out}, module));
      auto& n = node(transposed ? "ConvTranspose" : "Conv", path, module, inputs);
      attr(n, "kernel_shape", pair(k));
      attr(n, "strides", pair(s));
      attr(n, "pads", pads(p));
      attr(n, "dilations", Dims{1, 1});
      attr(n, "group", 1);
      if (transposed) attr(n, "output_padding", pair(op));
      const Dims k2 = pair(k), s2 = pair(s), p2 = pair(p), op2 = pair(op);
      Dims next{out};
      for (std::size_t i = 0; i < 2; ++i) {
        const std::int64_t x = shape_[i + 1];
        const std::int64_t y = transposed ? (x - 1) * s2[i] - 2 * p2[i] + k2[i] + op2[i] : (x + 2 * p2[i] - k2[i]) / s2[i] + 1;
        if (y < 1 || (!transposed && x + 2 * p2[i] < k2[i]))
          throw input_error(path, module, "an input the window fits (it leaves no output)");
        next.push_back(y);
      }
      shape_ = next;
    } else if (kind == "BatchNorm1d" || kind == "BatchNorm2d") {
      const std::int64_t c = spec.integer("num_features");
      const double eps = spec.real("eps");
      if (spec.has("momentum")) (void)spec.real("momentum");  // a training setting
      const bool affine = spec.flag("affine");
      if (!spec.flag("track_running_stats"))
        throw ValueError("ONNX export: " + where(path, module) + " keeps no running statistics (track_running_stats=false): "
                         "it normalizes with each batch's own statistics, which ONNX's inference-form BatchNormalization cannot express");
      if (kind == "BatchNorm1d") require_rank(path, module, 1, 2, "[N, " + std::to_string(c) + "] or [N, " + std::to_string(c) + ", L]");
      else require_rank(path, module, 3, 3, "[N, " + std::to_string(c) + ", H, W]");
      if (shape_[0] != c) throw input_error(path, module, std::to_string(c) + " channels");
      std::string scale, shift;
      if (affine) {
        scale = weight(path, "weight", {c}, module);
        shift = weight(path, "bias", {c}, module);
      } else {
        scale = floats(prefix("unit_scale"), std::vector<float>(static_cast<std::size_t>(c), 1.0f));
        shift = floats(prefix("zero_shift"), std::vector<float>(static_cast<std::size_t>(c), 0.0f));
      }
      const std::string mean = weight(path, "running_mean", {c}, module), var = weight(path, "running_var", {c}, module);
      attr_real(node("BatchNormalization", path, module, {scale, shift, mean, var}), "epsilon", eps);
    } else if (kind == "ReLU") {
      node("Relu", path, module);
    } else if (kind == "LeakyReLU") {
      attr_real(node("LeakyRelu", path, module), "alpha", spec.real("negative_slope"));
    } else if (kind == "Sigmoid") {
      node("Sigmoid", path, module);
    } else if (kind == "Tanh") {
      node("Tanh", path, module);
    } else if (kind == "Dropout" || kind == "Dropout2d") {
      (void)spec.real("p");  // identity in evaluation mode: no node
    } else if (kind == "Flatten") {
      flatten(spec, module, path, prefix);
    } else if (kind == "Unflatten") {
      unflatten(spec, module, path, prefix);
    } else if (kind == "Upsample") {
      const Size2 f = spec.size2("scale_factor", 1, 64);
      if (spec.text("mode") != "nearest") throw ValueError("ONNX export: " + where(path, module) + ": mode '" + spec.text("mode") + "' has no export");
      require_rank(path, module, 3, 3, "[N, C, H, W]");
      // aegan's integer nearest upsampling reads source pixel floor(y / f): ONNX's asymmetric
      // coordinates with floor rounding, the scales as a constant and no region of interest.
      const std::string scales = floats(prefix("scales"), {1.0f, 1.0f, static_cast<float>(f.h), static_cast<float>(f.w)});
      auto& n = node("Resize", path, module, {"", scales});
      attr_text(n, "mode", "nearest");
      attr_text(n, "coordinate_transformation_mode", "asymmetric");
      attr_text(n, "nearest_mode", "floor");
      shape_ = {shape_[0], shape_[1] * f.h, shape_[2] * f.w};
    } else if (kind == "MaxPool2d" || kind == "AvgPool2d") {
      const bool average = kind == "AvgPool2d";
      const Size2 k = spec.size2("kernel_size"), s = spec.size2("stride"), p = spec.size2("padding", 0);
      const bool count_pad = average && spec.flag("count_include_pad");
      require_rank(path, module, 3, 3, "[N, C, H, W]");
      // Averages that count the zero padding get it from a Pad node before an unpadded pool:
      // OpenCV 4.6 ignores AveragePool's count_include_pad (it counts the padding only in files
      // whose producer is "pytorch"), and the two nodes mean the same to every runtime.
      const bool explicit_pad = count_pad && (p.h > 0 || p.w > 0);
      if (explicit_pad) node("Pad", path, module, {int64s(prefix("pads"), {0, 0, p.h, p.w, 0, 0, p.h, p.w})});
      auto& n = node(average ? "AveragePool" : "MaxPool", path, module);
      attr(n, "kernel_shape", pair(k));
      attr(n, "strides", pair(s));
      if (!explicit_pad) attr(n, "pads", pads(p));
      if (average && !explicit_pad) attr(n, "count_include_pad", 0);
      const Dims k2 = pair(k), s2 = pair(s), p2 = pair(p);
      for (std::size_t i = 0; i < 2; ++i) {
        const std::int64_t x = shape_[i + 1] + 2 * p2[i];
        if (x < k2[i]) throw input_error(path, module, "an input the window fits");
        shape_[i + 1] = (x - k2[i]) / s2[i] + 1;
      }
    } else {
      throw ValueError("ONNX export: " + where(path, module) + ": layer kind '" + kind + "' has no ONNX form");
    }
  }

  /// A dimension of the batched activation (batch = 0) from a spec's dimension index.
  std::int64_t batched_dim(const nn::LayerSpec& spec, const std::string& option, std::size_t rank, const std::string& path,
                           const nn::Module<T>& module) const {
    const std::int64_t d = spec.integer(option), r = static_cast<std::int64_t>(rank);
    const std::int64_t a = d < 0 ? d + r : d;
    if (a < 0 || a >= r) throw input_error(path, module, "a dimension " + std::to_string(d));
    if (a == 0)
      throw ValueError("ONNX export: " + where(path, module) + " reshapes the batch dimension, which the exported graph keeps symbolic");
    return a;
  }

  template <class Prefix>
  void flatten(const nn::LayerSpec& spec, const nn::Module<T>& module, const std::string& path, const Prefix& prefix) {
    const std::size_t rank = shape_.size() + 1;
    const std::int64_t a = batched_dim(spec, "start_dim", rank, path, module), b = batched_dim(spec, "end_dim", rank, path, module);
    if (a > b) throw input_error(path, module, "dimensions " + std::to_string(a) + ".." + std::to_string(b));
    Dims next;
    for (std::int64_t i = 1; i < a; ++i) next.push_back(shape_[static_cast<std::size_t>(i - 1)]);
    std::int64_t merged = 1;
    for (std::int64_t i = a; i <= b; ++i) merged *= shape_[static_cast<std::size_t>(i - 1)];
    next.push_back(merged);
    for (std::int64_t i = b + 1; i < static_cast<std::int64_t>(rank); ++i) next.push_back(shape_[static_cast<std::size_t>(i - 1)]);
    if (a == 1 && b == static_cast<std::int64_t>(rank) - 1) attr(node("Flatten", path, module), "axis", 1);
    else reshape(next, module, path, prefix);
    shape_ = next;
  }

  template <class Prefix>
  void unflatten(const nn::LayerSpec& spec, const nn::Module<T>& module, const std::string& path, const Prefix& prefix) {
    const std::size_t rank = shape_.size() + 1;
    const std::int64_t a = batched_dim(spec, "dim", rank, path, module);
    const auto sizes = spec.integers("sizes");
    std::int64_t prod = 1;
    for (auto s : sizes) prod *= s;
    if (sizes.empty() || prod != shape_[static_cast<std::size_t>(a - 1)])
      throw input_error(path, module, std::to_string(prod) + " elements in dimension " + std::to_string(a));
    if (rank - 1 + sizes.size() > static_cast<std::size_t>(Shape::kMaxRank)) throw input_error(path, module, "a result of rank <= 6");
    Dims next(shape_.begin(), shape_.begin() + (a - 1));
    next.insert(next.end(), sizes.begin(), sizes.end());
    next.insert(next.end(), shape_.begin() + a, shape_.end());
    reshape(next, module, path, prefix);
    shape_ = next;
  }

  /// Reshape to [N, dims...]: 0 copies the batch dimension from the input, which ONNX shape
  /// inference carries through as the symbolic N and OpenCV's importer accepts.
  template <class Prefix>
  void reshape(const Dims& dims, const nn::Module<T>& module, const std::string& path, const Prefix& prefix) {
    Dims target{0};
    target.insert(target.end(), dims.begin(), dims.end());
    node("Reshape", path, module, {int64s(prefix("shape"), target)});
  }

  ::onnx::GraphProto& graph_;
  std::map<std::string, const Tensor<T>*> tensors_;
  std::set<std::string> used_;
  std::string current_;
  Dims shape_;
  ::onnx::NodeProto* last_ = nullptr;
};

inline void set_batched_type(::onnx::ValueInfoProto& v, const std::string& name, const std::vector<std::int64_t>& dims) {
  v.set_name(name);
  auto* t = v.mutable_type()->mutable_tensor_type();
  t->set_elem_type(::onnx::TensorProto::FLOAT);
  auto* shape = t->mutable_shape();
  shape->add_dim()->set_dim_param("N");
  for (auto d : dims) shape->add_dim()->set_dim_value(d);
}

inline void add_metadata(ModelProto& model, const std::string& key, const std::string& value) {
  auto* p = model.add_metadata_props();
  p->set_key(key);
  p->set_value(value);
}

}  // namespace detail

/// The network in evaluation mode as an ONNX model (opset 13) with one input `input_name`
/// [N, input_shape...] and one output `output_name`, both float32 with a symbolic batch size N.
/// Throws ValueError naming the layer for a layer with no ONNX form, and ShapeError naming the
/// layer when the network cannot take `input_shape`.
template <Scalar T>
ModelProto to_onnx(const nn::Module<T>& network, const Shape& input_shape_without_batch, const std::string& input_name,
                   const std::string& output_name) {
  ModelProto model;
  model.set_ir_version(kIrVersion);
  model.set_producer_name("aegan");
  model.set_model_version(1);
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOpsetVersion);
  ::onnx::GraphProto& graph = *model.mutable_graph();
  graph.set_name("aegan");
  graph.set_doc_string(network.type_name());

  detail::GraphBuilder<T> builder(network, graph, input_shape_without_batch, input_name);
  builder.add(network, "");
  const auto& out_dims = builder.finish(output_name);
  std::vector<std::int64_t> in_dims(input_shape_without_batch.begin(), input_shape_without_batch.end());
  detail::set_batched_type(*graph.add_input(), input_name, in_dims);
  detail::set_batched_type(*graph.add_output(), output_name, out_dims);
  return model;
}

/// The generator of `model`: "z" [N, latent] -> "image" [N, C, H, W] in the model's pixel range
/// (recorded with the image format in the model's metadata).
template <Scalar T>
ModelProto generator_to_onnx(const models::GeneratorModel<T>& model) {
  const auto& f = model.image();
  ModelProto out = to_onnx(model.generator(), Shape{model.latent_dim()}, "z", "image");
  const auto& dims = out.graph().output(0).type().tensor_type().shape();
  const bool matches = dims.dim_size() == 4 && dims.dim(1).dim_value() == f.channels && dims.dim(2).dim_value() == f.height &&
                       dims.dim(3).dim_value() == f.width;
  if (!matches) throw ShapeError("ONNX export: the generator does not make the model's " + f.to_string() + " images");
  out.set_doc_string("aegan generator: z [N, " + std::to_string(model.latent_dim()) + "] -> image [N, " + std::to_string(f.channels) + ", " +
                     std::to_string(f.height) + ", " + std::to_string(f.width) + "], " + f.channel_order() + " in [" +
                     std::to_string(f.low) + ", " + std::to_string(f.high) + "]");
  detail::add_metadata(out, "aegan.network", "generator");
  detail::add_metadata(out, "aegan.latent", std::to_string(model.latent_dim()));
  detail::add_metadata(out, "aegan.channel_order", f.channel_order());
  detail::add_metadata(out, "aegan.pixel_low", std::to_string(f.low));
  detail::add_metadata(out, "aegan.pixel_high", std::to_string(f.high));
  return out;
}

/// The encoder of `model`: "image" [N, C, H, W] -> "z" [N, latent]. ValueError when the model has
/// none.
template <Scalar T>
ModelProto encoder_to_onnx(const models::GeneratorModel<T>& model) {
  const auto& f = model.image();
  ModelProto out = to_onnx(model.encoder(), Shape{f.channels, f.height, f.width}, "image", "z");
  const auto& dims = out.graph().output(0).type().tensor_type().shape();
  if (dims.dim_size() != 2 || dims.dim(1).dim_value() != model.latent_dim())
    throw ShapeError("ONNX export: the encoder does not make " + std::to_string(model.latent_dim()) + "-dimensional codes");
  out.set_doc_string("aegan encoder: image [N, " + std::to_string(f.channels) + ", " + std::to_string(f.height) + ", " +
                     std::to_string(f.width) + "], " + f.channel_order() + " in [" + std::to_string(f.low) + ", " +
                     std::to_string(f.high) + "] -> z [N, " + std::to_string(model.latent_dim()) + "]");
  detail::add_metadata(out, "aegan.network", "encoder");
  detail::add_metadata(out, "aegan.latent", std::to_string(model.latent_dim()));
  detail::add_metadata(out, "aegan.channel_order", f.channel_order());
  detail::add_metadata(out, "aegan.pixel_low", std::to_string(f.low));
  detail::add_metadata(out, "aegan.pixel_high", std::to_string(f.high));
  return out;
}

/// Writes `model` to `path` atomically: a file already there survives any failure intact.
inline void save(const ModelProto& model, const std::filesystem::path& path) {
  // Protobuf refuses messages of 2 GiB and more; such a network needs ONNX's external data.
  if (model.ByteSizeLong() >= static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw ValueError("cannot write " + path.string() + ": the network's weights exceed the 2 GiB a single ONNX file holds");
  std::string bytes;
  if (!model.SerializeToString(&bytes)) throw IoError("cannot write " + path.string() + ": the ONNX model does not serialize");
  io::write_file_atomically(path, bytes);
}

template <Scalar T>
void export_generator(const models::GeneratorModel<T>& model, const std::filesystem::path& path) {
  save(generator_to_onnx(model), path);
}

template <Scalar T>
void export_encoder(const models::GeneratorModel<T>& model, const std::filesystem::path& path) {
  if (!model.has_encoder()) throw ValueError("cannot write " + path.string() + ": the model has no encoder");
  save(encoder_to_onnx(model), path);
}

}  // namespace aegan::onnx
