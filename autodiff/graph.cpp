#include "autodiff/graph.hpp"

#include <ostream>

#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/reverse_graph.hpp>

#include "autodiff/op.hpp"

namespace autodiff {
namespace {

GraphNode describe(const Node& n, int64_t index) {
  return {index, n.op ? std::string(n.op->name()) : "leaf", n.output.name(), n.output.shape(), n.output.dtype()};
}

// Tape indices of the nodes y depends on (y included), in tape order.
std::vector<int64_t> ancestors(const Tape& tape, const Var& y) {
  const Graph full = to_graph(tape);
  std::vector<boost::default_color_type> color(boost::num_vertices(full));
  const auto reversed = boost::make_reverse_graph(full);
  boost::breadth_first_search(reversed, static_cast<size_t>(y.impl()->node),
                              boost::color_map(boost::make_iterator_property_map(
                                  color.begin(), boost::get(boost::vertex_index, reversed))));
  std::vector<int64_t> out;
  for (size_t i = 0; i < color.size(); ++i)
    if (color[i] != boost::white_color) out.push_back(static_cast<int64_t>(i));
  return out;
}

void check_recorded(const Var& y, std::string_view who) {
  check<TapeError>(y.defined() && y.requires_grad() && y.impl()->node >= 0,
                   "{}: the Var is not recorded on the tape (it requires no grad)", who);
  active_tape().check_current(y, who);
}

}  // namespace

Graph to_graph(const Tape& tape) {
  Graph g;
  for (int64_t i = 0; i < tape.size(); ++i) boost::add_vertex(describe(tape.node(i), i), g);
  for (int64_t i = 0; i < tape.size(); ++i)
    for (const Var& in : tape.node(i).inputs)
      if (in.requires_grad()) boost::add_edge(static_cast<size_t>(in.impl()->node), static_cast<size_t>(i), g);
  return g;
}

Graph to_graph(const Var& y) {
  check_recorded(y, "to_graph");
  const Tape& tape = active_tape();
  const std::vector<int64_t> keep = ancestors(tape, y);
  std::vector<int64_t> vertex(static_cast<size_t>(tape.size()), -1);
  Graph g;
  for (int64_t i : keep) vertex[static_cast<size_t>(i)] = static_cast<int64_t>(boost::add_vertex(describe(tape.node(i), i), g));
  for (int64_t i : keep)
    for (const Var& in : tape.node(i).inputs)
      if (in.requires_grad())
        boost::add_edge(static_cast<size_t>(vertex[static_cast<size_t>(in.impl()->node)]),
                        static_cast<size_t>(vertex[static_cast<size_t>(i)]), g);
  return g;
}

void write_dot(std::ostream& os, const Graph& g) {
  os << "digraph wengert {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n";
  for (auto v : boost::make_iterator_range(boost::vertices(g))) {
    const GraphNode& n = g[v];
    const std::string title = n.name.empty() ? n.op : fmt::format("{} ({})", n.name, n.op);
    os << fmt::format("  n{} [label=\"{}\\n{} {}\"{}];\n", n.index, title, n.shape, n.dtype,
                      n.op == "leaf" ? ", style=filled, fillcolor=lightblue" : "");
  }
  for (auto e : boost::make_iterator_range(boost::edges(g)))
    os << fmt::format("  n{} -> n{};\n", g[boost::source(e, g)].index, g[boost::target(e, g)].index);
  os << "}\n";
}

std::vector<Var> leaves_of(const Var& y) {
  check_recorded(y, "leaves_of");
  const Tape& tape = active_tape();
  std::vector<Var> out;
  for (int64_t i : ancestors(tape, y))
    if (!tape.node(i).op) out.push_back(tape.node(i).output);
  return out;
}

bool depends_on(const Var& y, const Var& x) {
  if (!x.requires_grad() || !y.requires_grad()) return false;
  check_recorded(y, "depends_on");
  const Tape& tape = active_tape();
  if (x.impl()->tape_id != tape.id() || x.impl()->epoch != tape.epoch()) return false;
  for (int64_t i : ancestors(tape, y))
    if (i == x.impl()->node) return true;
  return false;
}

}  // namespace autodiff
