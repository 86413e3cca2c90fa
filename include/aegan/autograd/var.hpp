#pragma once
// Reverse-mode autograd in the style of flashlight: a Var is a shared handle to a graph node
// holding a value, an optional gradient, its parents, and a closure that pushes the node's
// gradient into its parents. backward() runs those closures in reverse topological order.
#include <functional>
#include <memory>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "aegan/tensor/kernels/elementwise.hpp"
#include "aegan/tensor/tensor.hpp"

namespace aegan {

namespace autograd {
/// Whether new operations record a graph. Thread-local, like PyTorch's grad mode.
inline bool& grad_mode() {
  thread_local bool enabled = true;
  return enabled;
}
}  // namespace autograd

/// Disables graph recording for its lifetime: inference, EMA updates, metric passes.
class NoGradGuard {
 public:
  NoGradGuard() : previous_(autograd::grad_mode()) { autograd::grad_mode() = false; }
  ~NoGradGuard() { autograd::grad_mode() = previous_; }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

template <Scalar T>
class Var;

namespace autograd {
template <Scalar T>
struct Node {
  /// Turns this node's gradient into its parents'. The gradient is the node's own and is dropped
  /// as soon as the closure returns, so a closure may consume it (move from it) instead of copying:
  /// a reshape or an add passes it on without touching its values.
  using BackwardFn = std::function<void(Tensor<T>& grad_output)>;

  Tensor<T> value;
  Tensor<T> grad;  // empty until a gradient arrives
  bool requires_grad = false;
  const char* op = "leaf";
  std::vector<std::shared_ptr<Node>> parents;
  BackwardFn backward;  // set only on recorded non-leaf nodes

  bool is_leaf() const { return !backward; }

  /// Adds g into this node's gradient: moves on first arrival, adds after.
  void accumulate(Tensor<T>&& g) {
    if (!(g.shape() == value.shape()))
      throw ShapeError(std::string("autograd: gradient of shape ") + g.shape().to_string() + " for a " + op +
                       " output of shape " + value.shape().to_string());
    if (grad.empty())
      grad = std::move(g);
    else
      kernels::add_into(grad, g);
  }
};
}  // namespace autograd

template <Scalar T>
class Var {
 public:
  using Node = autograd::Node<T>;

  /// An empty handle; most operations reject it.
  Var() = default;
  explicit Var(Tensor<T> value, bool requires_grad = false) : node_(std::make_shared<Node>()) {
    node_->value = std::move(value);
    node_->requires_grad = requires_grad;
  }

  bool defined() const { return node_ != nullptr; }
  const Tensor<T>& value() const { return checked()->value; }
  /// Mutable access for optimizers and initializers; never change the shape of a recorded node.
  Tensor<T>& mutable_value() { return checked()->value; }
  const Shape& shape() const { return value().shape(); }
  Index numel() const { return value().numel(); }
  Index dim(int axis) const { return value().dim(axis); }
  T item() const { return value().item(); }

  bool requires_grad() const { return checked()->requires_grad; }
  void set_requires_grad(bool on) { checked()->requires_grad = on; }
  bool has_grad() const { return !checked()->grad.empty(); }
  /// The accumulated gradient; throws when none has arrived yet.
  const Tensor<T>& grad() const {
    if (!has_grad()) throw Error("Var::grad: no gradient (call backward() on a result that depends on this Var)");
    return node_->grad;
  }
  Tensor<T>& mutable_grad() {
    if (!has_grad()) throw Error("Var::grad: no gradient (call backward() on a result that depends on this Var)");
    return node_->grad;
  }
  /// Drops the gradient; the next backward() starts from zero.
  void zero_grad() { checked()->grad = Tensor<T>(); }

  /// A leaf sharing no graph with this Var; its value is a copy.
  Var detach() const { return Var(value(), false); }

  /// Back-propagates from this Var. A non-scalar result needs an explicit seed gradient.
  void backward() const;
  void backward(Tensor<T> seed) const;

  Node* node() const { return node_.get(); }
  const std::shared_ptr<Node>& node_ptr() const { return node_; }

  /// Builds the result of an operation. When grad mode is on and any input requires a gradient,
  /// the node records its inputs and the closure that turns its gradient into theirs.
  static Var make(Tensor<T> value, const char* op, std::vector<Var> inputs, typename Node::BackwardFn backward) {
    Var out(std::move(value), false);
    out.node_->op = op;
    if (!autograd::grad_mode()) return out;
    bool any = false;
    for (const Var& in : inputs) any = any || in.requires_grad();
    if (!any) return out;
    out.node_->requires_grad = true;
    for (Var& in : inputs) out.node_->parents.push_back(std::move(in.node_));
    out.node_->backward = std::move(backward);
    return out;
  }

  /// make() for an op whose backward reads its own output (sigmoid's y·(1 - y), a fused
  /// rectifier's derivative): `backward_for(y)` returns the closure, given the node's own value y.
  /// The closure is stored in that node and runs only while backward() holds it, so it reads y in
  /// place instead of keeping a copy (as PyTorch saves outputs). Not called when nothing is recorded.
  template <class BackwardFor>
  static Var make_reading_output(Tensor<T> value, const char* op, std::vector<Var> inputs, BackwardFor&& backward_for) {
    Var out = make(std::move(value), op, std::move(inputs), nullptr);
    if (out.requires_grad()) out.node_->backward = backward_for(static_cast<const Tensor<T>&>(out.node_->value));
    return out;
  }

 private:
  Node* checked() const {
    if (!node_) throw Error("Var: use of an undefined (default-constructed) Var");
    return node_.get();
  }
  std::shared_ptr<Node> node_;
};

/// Convenience: a trainable leaf.
template <Scalar T>
Var<T> parameter(Tensor<T> value) {
  return Var<T>(std::move(value), true);
}

template <Scalar T>
void Var<T>::backward() const {
  if (numel() != 1)
    throw ShapeError("backward: the result has shape " + shape().to_string() +
                     "; call backward(seed) with a gradient of that shape, or reduce it to a scalar first");
  backward(Tensor<T>::ones(shape()));
}

template <Scalar T>
void Var<T>::backward(Tensor<T> seed) const {
  expect_shape(seed, shape(), "backward seed");
  if (!requires_grad()) throw Error("backward: the result does not require a gradient (no input requires one)");
  // Iterative post-order DFS: deep graphs must not overflow the stack. `order` owns its nodes
  // because the loop below frees each node's links to its parents as soon as it has run.
  std::vector<std::shared_ptr<Node>> order;
  std::unordered_set<Node*> visited{node_.get()};
  std::vector<std::pair<std::shared_ptr<Node>, std::size_t>> stack{{node_, 0}};
  while (!stack.empty()) {
    auto& [n, next] = stack.back();
    if (next < n->parents.size()) {
      const std::shared_ptr<Node>& p = n->parents[next++];
      if (p->requires_grad && visited.insert(p.get()).second) stack.emplace_back(p, 0);
    } else {
      order.push_back(std::move(n));
      stack.pop_back();
    }
  }
  node_->accumulate(std::move(seed));
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    Node* n = it->get();
    if (n->is_leaf() || n->grad.empty()) continue;
    n->backward(n->grad);
    // The graph is used once, as in PyTorch without retain_graph: free what it held.
    n->grad = Tensor<T>();
    n->backward = nullptr;
    n->parents.clear();
  }
}

}  // namespace aegan
