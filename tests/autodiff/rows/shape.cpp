#include "tests/autodiff/rows/row.hpp"
#include "autodiff/ops/indexing.hpp"

namespace rows {

using namespace autodiff;
using V = const std::vector<Var>&;

namespace {

// Shape ops are linear, so each row squares the result: the second-order check then
// runs the op's VJP (itself an op) backwards too.
Var sq(const Var& v) { return v * v; }

Tensor index(std::initializer_list<double> values, const Shape& shape) {
  return Tensor::from(values, shape, DType::f64);
}

std::vector<Row> view_rows() {
  const Shape s{2, 3}, c{2, 3, 4};
  return {
      {"reshape", "reshape", {s}, [](V x) { return sq(reshape(x[0], {3, 2})); }},
      {"reshape/non-contiguous input", "reshape", {c},
       [](V x) { return sq(reshape(permute(x[0], {2, 0, 1}), {4, 6})); }},
      {"broadcast_to/[3] to [2,3]", "broadcast_to", {{3}}, [](V x) { return sq(broadcast_to(x[0], {2, 3})); }},
      {"broadcast_to/[2,1] to [4,2,3]", "broadcast_to", {{2, 1}},
       [](V x) { return sq(broadcast_to(x[0], {4, 2, 3})); }},
      {"permute", "permute", {c}, [](V x) { return sq(permute(x[0], {2, 0, 1})); }},
      {"permute/negative axes", "permute", {c}, [](V x) { return sq(permute(x[0], {-1, 0, -2})); }},
      {"transpose/last two", "transpose", {c}, [](V x) { return sq(transpose(x[0])); }},
      {"transpose/0,2", "transpose", {c}, [](V x) { return sq(transpose(x[0], 0, 2)); }},
      {"flatten/all", "flatten", {c}, [](V x) { return sq(flatten(x[0])); }},
      {"flatten/from axis 1", "flatten", {c}, [](V x) { return sq(flatten(x[0], 1)); }},
      {"squeeze", "squeeze", {{2, 1, 3}}, [](V x) { return sq(squeeze(x[0], 1)); }},
      {"squeeze/negative axis", "squeeze", {{2, 3, 1}}, [](V x) { return sq(squeeze(x[0], -1)); }},
      {"unsqueeze", "unsqueeze", {s}, [](V x) { return sq(unsqueeze(x[0], 0)); }},
      {"unsqueeze/negative axis", "unsqueeze", {s}, [](V x) { return sq(unsqueeze(x[0], -1)); }},
  };
}

std::vector<Row> index_rows() {
  const Shape c{2, 3, 4};
  return {
      {"slice", "slice", {{5, 3}}, [](V x) { return sq(slice(x[0], 0, 1, 4)); }},
      {"slice/step 2", "slice", {{7, 2}}, [](V x) { return sq(slice(x[0], 0, 0, 7, 2)); }},
      {"slice/negative bounds, axis -1", "slice", {{2, 6}}, [](V x) { return sq(slice(x[0], -1, -4, -1)); }},
      {"slice/clamped stop, step 3", "slice", {c}, [](V x) { return sq(slice(x[0], 2, 1, 100, 3)); }},
      {"slice/broadcast input", "slice", {{3}, {4, 1}}, [](V x) { return sq(slice(x[0] * x[1], 0, 1, 3)); }},
      // step 1 places g as one block in zeros: an interior block of a middle axis (zeros on both
      // sides of each row) and a leading block of the last axis.
      {"slice/interior block of axis 1", "slice", {c}, [](V x) { return sq(slice(x[0], 1, 1, 2)); }},
      {"slice/leading block of axis -1", "slice", {c}, [](V x) { return sq(slice(x[0], -1, 0, 3)); }},
      {"index_select", "index_select", {{4, 3}}, [](V x) { return sq(index_select(x[0], 0, {3, 0, 2})); }},
      {"index_select/repeats", "index_select", {{4, 3}},
       [](V x) { return sq(index_select(x[0], 0, {1, 1, 3, 1})); }},
      {"index_select/axis -1", "index_select", {c}, [](V x) { return sq(index_select(x[0], -1, {2, 0, 2})); }},
      {"gather/axis 0", "gather", {{3, 2}},
       [](V x) { return sq(gather(x[0], 0, index({2, 0, 1, 1}, {2, 2}))); }},
      {"gather/axis 1 repeats", "gather", {{2, 3}},
       [](V x) { return sq(gather(x[0], 1, index({0, 0, 2, 1, 1, 1, 0, 2}, {2, 4}))); }},
      {"gather/axis -1 of 3-d", "gather", {c},
       [](V x) { return sq(gather(x[0], -1, index({3, 0, 1, 1, 2, 2, 0, 3, 3, 1, 0, 0}, {2, 3, 2}))); }},
      {"gather/index smaller off the axis", "gather", {{3, 4}},
       [](V x) { return sq(gather(x[0], 0, index({2, 0, 1, 0, 2, 2}, {2, 3}))); }},
  };
}

std::vector<Row> join_rows() {
  const Shape s{2, 3}, c{2, 3, 4};
  return {
      {"concat/axis 0", "concat", {s, {1, 3}}, [](V x) { return sq(concat({x[0], x[1]}, 0)); }},
      {"concat/three on axis -1", "concat", {s, {2, 1}, {2, 2}},
       [](V x) { return sq(concat({x[0], x[1], x[2]}, -1)); }},
      {"concat/same input twice", "concat", {s}, [](V x) { return sq(concat({x[0], x[0] * 2.0}, 1)); }},
      {"stack/axis 0", "stack", {s, s}, [](V x) { return sq(stack({x[0], x[1]}, 0)); }},
      {"stack/axis -1", "stack", {s, s, s}, [](V x) { return sq(stack({x[0], x[1], x[2]}, -1)); }},
      {"split/axis 1", "split", {{2, 4}},
       [](V x) {
         const std::vector<Var> p = split(x[0], {1, 2, 1}, 1);
         return p[1] * (p[0] + p[2] * 2.0);
       }},
      {"split/axis -3 with an empty piece", "split", {c},
       [](V x) {
         const std::vector<Var> p = split(x[0], {0, 1, 1}, -3);
         return p[1] * p[2] + sum(p[0]);
       }},
      {"split/seven uneven pieces, a tree three deep", "split", {{2, 9}},
       [](V x) {
         const std::vector<Var> p = split(x[0], {1, 2, 0, 1, 3, 1, 1}, 1);
         return p[0] * p[3] + sum(p[1] * p[1]) * p[5] + sum(p[4]) * p[6] + sum(p[2]);
       }},
      {"pad/1-d", "pad", {{3}}, [](V x) { return sq(pad(x[0], {{2, 1}})); }},
      {"pad/2-d with value", "pad", {s}, [](V x) { return sq(pad(x[0], {{1, 0}, {0, 2}}, -1.5)); }},
      {"pad/leading axes only", "pad", {c}, [](V x) { return sq(pad(x[0], {{0, 1}})); }},
  };
}

}  // namespace

std::vector<Row> shape() {
  std::vector<Row> all;
  for (auto group : {view_rows, index_rows, join_rows})
    for (Row& r : group()) all.push_back(std::move(r));
  return all;
}

}  // namespace rows
