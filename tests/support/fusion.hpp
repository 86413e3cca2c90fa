#pragma once
// For the layer-fusion tests: one forward and backward pass of a Sequential, either through
// Sequential::forward (which fuses a layer with the rectifier after it) or layer by layer (which
// fuses nothing), with everything the two must agree on.
#include <string>
#include <vector>

#include <aegan/autograd/var.hpp>
#include <aegan/nn/sequential.hpp>

namespace aegan::test {

struct PassResult {
  std::vector<Tensor<double>> values;  // output, input gradient, every parameter's gradient, every buffer
  std::vector<std::string> ops;        // the graph's ops from the output back along first parents
};

inline PassResult run_pass(nn::Sequential<double>& net, const Tensor<double>& x, const Tensor<double>& seed, bool fused) {
  net.zero_grad();
  Var<double> input(x, true);
  Var<double> y = input;
  if (fused)
    y = net.forward(input);
  else
    for (std::size_t i = 0; i < net.size(); ++i) y = net[i].forward(y);
  PassResult r;
  for (const auto* node = y.node(); !node->parents.empty(); node = node->parents[0].get()) r.ops.emplace_back(node->op);
  y.backward(seed);
  r.values = {y.value(), input.grad()};
  for (auto& p : net.parameters()) r.values.push_back(p.grad());
  for (auto& b : net.named_buffers()) r.values.push_back(b.var.value());
  return r;
}

}  // namespace aegan::test
