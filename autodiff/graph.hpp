#pragma once
// Boost.Graph view of the tape: for Graphviz export and reachability. The
// backward sweep never uses it.
#include <iosfwd>
#include <string>
#include <vector>

#include <boost/graph/adjacency_list.hpp>

#include "autodiff/tape.hpp"

namespace autodiff {

struct GraphNode {
  int64_t index = 0;  // position on the tape
  std::string op;     // op name, or "leaf"
  std::string name;   // the Var's name, if set
  Shape shape;
  DType dtype = DType::f32;
};

/// Edges run from each input to the op that consumed it.
using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, GraphNode>;

/// The whole tape as a graph.
Graph to_graph(const Tape& tape);
/// The part of the active tape that y depends on.
Graph to_graph(const Var& y);
/// Graphviz DOT with op names, shapes and dtypes on the nodes.
void write_dot(std::ostream& os, const Graph& g);
/// The leaves (Vars that require grad) that y depends on, in tape order.
std::vector<Var> leaves_of(const Var& y);
/// Whether y depends on x through recorded ops.
bool depends_on(const Var& y, const Var& x);

}  // namespace autodiff
