#pragma once
// One row of the gradient-check table: an op (or composite) applied to inputs
// of given shapes drawn from a domain. Each family of ops lists its rows in
// rows/<family>.cpp; gradcheck_table_test.cpp runs them all.
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "autodiff/autodiff.hpp"

namespace rows {

using autodiff::Shape;
using autodiff::Var;

/// Where inputs are drawn from, so that each op is checked where it is smooth.
enum class Domain {
  any,        // normal(0, 1), kept away from 0 by 0.1 (kinks of abs, relu, max ties)
  positive,   // uniform [0.5, 2] (log, sqrt, pow base)
  unit,       // uniform [-0.9, 0.9]
};

struct Row {
  std::string name;  // unique, shown when the row fails
  std::string ops;   // the public functions the row covers, space-separated (coverage test)
  std::vector<Shape> shapes;
  std::function<Var(const std::vector<Var>&)> f;
  Domain domain = Domain::any;
  bool second_order = true;  // false where the second derivative is not defined or is 0 a.e.
  double atol = 1e-6;
  double rtol = 1e-4;
};

inline std::ostream& operator<<(std::ostream& os, const Row& r) { return os << r.name; }

std::vector<Row> elementwise();
std::vector<Row> reduce();
std::vector<Row> shape();
std::vector<Row> linalg();
std::vector<Row> nn();

}  // namespace rows
