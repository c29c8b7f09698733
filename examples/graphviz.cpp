// Writes the graph of a small two-layer model's loss as Graphviz DOT
// (render with: dot -Tpng model.dot -o model.png) and lists the parameters
// the loss depends on.
#include <fmt/core.h>

#include <fstream>

#include "autodiff/autodiff.hpp"

using namespace autodiff;

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "model.dot";
  Generator gen(0);
  Var w1(randn({4, 8}, gen), true), b1(zeros({8}), true), w2(randn({8, 3}, gen), true), b2(zeros({3}), true);
  w1.set_name("dense_1.kernel"), b1.set_name("dense_1.bias"), w2.set_name("dense_2.kernel"),
      b2.set_name("dense_2.bias");
  Var unused(zeros({2}), true);
  unused.set_name("unused");

  const Var x(randn({5, 4}, gen));
  const Tensor labels = one_hot({0, 2, 1, 1, 0}, 3);
  const Var h = tanh(matmul(x, w1) + b1);
  const Var loss = cross_entropy(matmul(h, w2) + b2, Var(labels));
  const Var other = unused * 2.0;

  std::ofstream out(path);
  write_dot(out, to_graph(loss));
  fmt::print("wrote {} ({} nodes)\n", path, boost::num_vertices(to_graph(loss)));
  for (const Var& p : leaves_of(loss)) fmt::print("loss depends on {} {}\n", p.name(), p.shape());
  fmt::print("loss depends on 'unused': {}\n", depends_on(loss, unused));
  (void)other;
  return 0;
}
