#include "tests/autodiff/rows/row.hpp"

namespace rows {

using namespace autodiff;
using V = const std::vector<Var>&;

namespace {

// Squaring after a piecewise-linear reduction gives its second-order row a
// non-zero Hessian to check.
Var sq(const Var& v) { return v * v; }

// x with zeros placed by a constant mask, so prod meets groups holding 0, 1 and 2 zeros
// at every finite-difference step. Rows of the [3, 4] input: no zero, one zero, two zeros.
Var with_zeros(const Var& x) {
  const Tensor mask = Tensor::from({1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 0, 1}, {3, 4}, DType::f64);
  return x * Var(mask);
}

// Linear reductions, squared so the second-order check is not trivially zero.
std::vector<Row> linear_rows() {
  const Shape s{2, 3}, c{2, 3, 4};
  return {
      {"sum/all", "sum", {s}, [](V x) { return sq(sum(x[0])); }},
      {"sum/axis 1", "sum", {s}, [](V x) { return sq(sum(x[0], {1})); }},
      {"sum/axis -1 keepdims", "sum", {c}, [](V x) { return sq(sum(x[0], {-1}, true)); }},
      {"sum/axes 0,2", "sum", {c}, [](V x) { return sq(sum(x[0], {0, 2})); }},
      {"sum/axes 0,-1 keepdims", "sum", {c}, [](V x) { return sq(sum(x[0], {0, -1}, true)); }},
      {"sum/broadcast [2,3]*[3] over axis 0", "sum", {s, {3}}, [](V x) { return sum(x[0] * x[1], {0}); }},
      {"mean/all", "mean", {s}, [](V x) { return sq(mean(x[0])); }},
      {"mean/axis 0", "mean", {s}, [](V x) { return sq(mean(x[0], {0})); }},
      {"mean/axis -2 keepdims", "mean", {c}, [](V x) { return sq(mean(x[0], {-2}, true)); }},
      {"mean/broadcast [2,1]+[1,3] over axis 1", "mean", {{2, 1}, {1, 3}},
       [](V x) { return sq(mean(x[0] + x[1], {1})); }},
      {"sum_to/[2,3] to [3]", "sum_to", {s}, [](V x) { return sq(sum_to(x[0], {3}, "row")); }},
      {"sum_to/[2,3,4] to [3,1]", "sum_to", {c}, [](V x) { return sq(sum_to(x[0], {3, 1}, "row")); }},
      {"sum_to/[2,3] to [2,3]", "sum_to", {s}, [](V x) { return sq(sum_to(x[0], {2, 3}, "row")); }},
  };
}

// Inputs are drawn away from ties, so max and min are smooth there.
std::vector<Row> extremum_rows() {
  const Shape s{2, 3}, c{2, 3, 4};
  return {
      {"max/all", "max", {s}, [](V x) { return sq(max(x[0])); }},
      {"max/axis 1", "max", {s}, [](V x) { return sq(max(x[0], {1})); }},
      {"max/axis -1 keepdims", "max", {c}, [](V x) { return sq(max(x[0], {-1}, true)); }},
      {"max/axes 0,2", "max", {c}, [](V x) { return sq(max(x[0], {0, 2})); }},
      {"max/broadcast [2,3]*[3] over axis 0", "max", {s, {3}}, [](V x) { return max(x[0] * x[1], {0}); }},
      {"min/all", "min", {s}, [](V x) { return sq(min(x[0])); }},
      {"min/axis 0", "min", {s}, [](V x) { return sq(min(x[0], {0})); }},
      {"min/axis -2 keepdims", "min", {c}, [](V x) { return sq(min(x[0], {-2}, true)); }},
      {"min/axes 1,2", "min", {c}, [](V x) { return sq(min(x[0], {1, 2})); }},
  };
}

std::vector<Row> smooth_rows() {
  const Shape s{2, 3}, c{2, 3, 4};
  return {
      {"prod/all", "prod", {s}, [](V x) { return prod(x[0]); }},
      {"prod/axis 1", "prod", {s}, [](V x) { return prod(x[0], {1}); }},
      {"prod/axis -1 keepdims", "prod", {c}, [](V x) { return prod(x[0], {-1}, true); }},
      {"prod/axes 0,2", "prod", {c}, [](V x) { return prod(x[0], {0, 2}); }},
      {"prod/broadcast [2,3]+[2,1] over axis 1", "prod", {s, {2, 1}}, [](V x) { return prod(x[0] + x[1], {1}); }},
      {"prod/zeros per row", "prod", {{3, 4}}, [](V x) { return prod(with_zeros(x[0]), {1}); }},
      {"prod/zeros per row, times x", "prod", {{3, 4}},
       [](V x) { return prod(with_zeros(x[0]), {1}, true) * x[0]; }},
      {"prod/zeros all", "prod", {{3, 4}}, [](V x) { return prod(with_zeros(x[0])); }},
      {"logsumexp/all", "logsumexp", {s}, [](V x) { return logsumexp(x[0]); }},
      {"logsumexp/axis 1", "logsumexp", {s}, [](V x) { return logsumexp(x[0], {1}); }},
      {"logsumexp/axis -1 keepdims", "logsumexp", {c}, [](V x) { return logsumexp(x[0], {-1}, true); }},
      {"logsumexp/axes 0,2", "logsumexp", {c}, [](V x) { return logsumexp(x[0], {0, 2}); }},
      {"logsumexp/broadcast [2,3]+[3]", "logsumexp", {s, {3}}, [](V x) { return logsumexp(x[0] + x[1], {1}); }},
      {"var/all", "var", {s}, [](V x) { return var(x[0]); }},
      {"var/axis 1 ddof 1", "var", {s}, [](V x) { return var(x[0], {1}, false, 1); }},
      {"var/axis -2 keepdims", "var", {c}, [](V x) { return var(x[0], {-2}, true); }},
      {"var/axes 0,2 ddof 1", "var", {c}, [](V x) { return var(x[0], {0, 2}, false, 1); }},
      {"var/broadcast [2,3]*[3] over axis 0", "var", {s, {3}}, [](V x) { return var(x[0] * x[1], {0}); }},
  };
}

}  // namespace

std::vector<Row> reduce() {
  std::vector<Row> all;
  for (auto group : {linear_rows, extremum_rows, smooth_rows})
    for (Row& r : group()) all.push_back(std::move(r));
  return all;
}

}  // namespace rows
