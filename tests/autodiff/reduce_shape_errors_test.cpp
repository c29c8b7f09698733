// Every shape and index check of the reduction and shape families: the error
// has the right type, names the op and prints the shapes (and the bad value).
#include <boost/test/unit_test.hpp>

#include <functional>

#include "autodiff/autodiff.hpp"

using namespace autodiff;

namespace {

enum class Kind { shape, value, index };

struct ErrorRow {
  std::string name;
  std::function<void()> call;
  Kind kind;
  std::vector<std::string> fragments;  // the op's "name:" first, then shapes and values
};

Var x23() { return Var(zeros({2, 3})); }
Tensor idx(std::initializer_list<double> values, const Shape& shape) { return Tensor::from(values, shape); }

bool is_kind(const Error& e, Kind k) {
  switch (k) {
    case Kind::shape: return dynamic_cast<const ShapeError*>(&e) != nullptr;
    case Kind::value: return dynamic_cast<const ValueError*>(&e) != nullptr;
    case Kind::index: return dynamic_cast<const IndexError*>(&e) != nullptr;
  }
  return false;
}

std::vector<ErrorRow> reduce_error_rows() {
  const Kind S = Kind::shape, V = Kind::value, I = Kind::index;
  return {
      {"sum axis out of range", [] { sum(x23(), {2}); }, I, {"sum:", "axis 2", "[2, 3]"}},
      {"sum axis of a scalar", [] { sum(Var(Tensor::scalar(1.0)), {0}); }, I, {"sum:", "axis 0", "[]"}},
      {"mean axis out of range", [] { mean(x23(), {-3}); }, I, {"mean:", "axis -3", "[2, 3]"}},
      {"max of empty", [] { max(Var(zeros({0, 3}))); }, S, {"max:", "[0, 3]"}},
      {"min axis out of range", [] { min(x23(), {5}); }, I, {"min:", "axis 5", "[2, 3]"}},
      {"prod axis out of range", [] { prod(x23(), {-3}); }, I, {"prod:", "axis -3", "[2, 3]"}},
      {"logsumexp of empty", [] { logsumexp(Var(zeros({0, 3}))); }, S, {"logsumexp:", "[0, 3]"}},
      {"logsumexp axis out of range", [] { logsumexp(x23(), {2}); }, I, {"logsumexp:", "[2, 3]"}},
      {"var ddof too large", [] { var(x23(), {1}, false, 3); }, V, {"var:", "ddof 3", "[2, 3]"}},
      {"var negative ddof", [] { var(x23(), {}, false, -1); }, V, {"var:", "ddof -1", "[2, 3]"}},
      {"sum_to from an unbroadcastable shape", [] { sum_to(x23(), {4}, "myop"); }, S, {"myop:", "[2, 3]", "[4]"}},
  };
}

std::vector<ErrorRow> index_error_rows() {
  const Kind S = Kind::shape, V = Kind::value, I = Kind::index;
  return {
      {"slice axis out of range", [] { slice(x23(), 2, 0, 1); }, I, {"slice:", "axis 2", "[2, 3]"}},
      {"slice step 0", [] { slice(x23(), 0, 0, 1, 0); }, V, {"slice:", "step 0", "[2, 3]"}},
      {"slice negative step", [] { slice(x23(), 1, 2, 0, -1); }, V, {"slice:", "step -1", "[2, 3]"}},
      {"index_select index too large", [] { index_select(x23(), 1, {0, 3}); }, I,
       {"index_select:", "index 3", "axis 1", "[2, 3]"}},
      {"index_select negative index", [] { index_select(x23(), 0, {-1}); }, I, {"index_select:", "index -1", "[2, 3]"}},
      {"index_select axis out of range", [] { index_select(x23(), 2, {0}); }, I, {"index_select:", "axis 2", "[2, 3]"}},
      {"gather rank mismatch", [] { gather(x23(), 0, idx({0, 1}, {2})); }, S, {"gather:", "[2, 3]", "[2]"}},
      {"gather index wider off the axis", [] { gather(x23(), 0, zeros({1, 4})); }, S,
       {"gather:", "axis 1", "[2, 3]", "[1, 4]"}},
      {"gather non-integer index", [] { gather(x23(), 1, idx({0, 0.5}, {1, 2})); }, V,
       {"gather:", "non-integer 0.5", "position 1", "[2, 3]", "[1, 2]"}},
      {"gather index too large", [] { gather(x23(), 1, idx({1, 3}, {1, 2})); }, I,
       {"gather:", "index 3", "axis 1", "[2, 3]", "[1, 2]"}},
      {"gather negative index", [] { gather(x23(), 0, idx({-1}, {1, 1})); }, I, {"gather:", "index -1", "[2, 3]"}},
      {"gather axis out of range", [] { gather(x23(), 2, zeros({2, 3})); }, I, {"gather:", "axis 2", "[2, 3]"}},
  };
}

std::vector<ErrorRow> join_error_rows() {
  const Kind S = Kind::shape, V = Kind::value, I = Kind::index;
  return {
      {"concat off-axis mismatch", [] { concat({x23(), Var(zeros({2, 4}))}, 0); }, S,
       {"concat:", "axis 0", "[2, 3]", "[2, 4]"}},
      {"concat rank mismatch", [] { concat({x23(), Var(zeros({3}))}, 0); }, S, {"concat:", "[2, 3]", "[3]"}},
      {"concat dtype mismatch", [] { concat({x23(), Var(zeros({2, 3}, DType::f64))}, 0); }, V,
       {"concat:", "float32", "float64", "[2, 3]"}},
      {"concat axis out of range", [] { concat({x23(), x23()}, 2); }, I, {"concat:", "axis 2", "[2, 3]"}},
      {"concat of scalars", [] { concat({Var(Tensor::scalar(1)), Var(Tensor::scalar(2))}); }, I, {"concat:", "[]"}},
      {"concat of nothing", [] { concat({}); }, V, {"concat:", "no inputs"}},
      {"stack shape mismatch", [] { stack({x23(), Var(zeros({3, 2}))}); }, S, {"stack:", "[2, 3]", "[3, 2]"}},
      {"stack axis out of range", [] { stack({x23(), x23()}, 3); }, I, {"stack:", "axis 3", "[2, 3]"}},
      {"stack of nothing", [] { stack({}); }, V, {"stack:", "no inputs"}},
      {"split sizes do not sum to the extent", [] { split(x23(), {1, 1}, 1); }, S,
       {"split:", "[1, 1]", "sum to 2", "extent 3", "[2, 3]"}},
      {"split negative size", [] { split(x23(), {4, -1}, 1); }, V, {"split:", "-1", "[2, 3]"}},
      {"split axis out of range", [] { split(x23(), {2}, -3); }, I, {"split:", "axis -3", "[2, 3]"}},
      {"pad more pads than axes", [] { pad(x23(), {{1, 1}, {1, 1}, {1, 1}}); }, S, {"pad:", "3 pads", "[2, 3]"}},
      {"pad negative", [] { pad(x23(), {{0, 0}, {-1, 0}}); }, V, {"pad:", "(-1, 0)", "axis 1", "[2, 3]"}},
  };
}

}  // namespace

// One case over the table (each row reported by name) rather than a data test case,
// whose generated case names trip GCC 12's -Wrestrict inside Boost here.
BOOST_AUTO_TEST_CASE(bad_arguments_raise_errors_that_name_the_op_and_shapes) {
  std::vector<ErrorRow> rows = reduce_error_rows();
  for (auto more : {index_error_rows, join_error_rows})
    for (ErrorRow& r : more()) rows.push_back(std::move(r));
  for (const ErrorRow& row : rows) {
    BOOST_TEST_CONTEXT(row.name) {
      BOOST_CHECK_EXCEPTION(row.call(), Error, [&](const Error& e) {
        const std::string what = e.what();
        bool ok = is_kind(e, row.kind) && what.rfind(row.fragments[0], 0) == 0;
        for (const std::string& f : row.fragments) ok = ok && what.find(f) != std::string::npos;
        if (!ok) BOOST_TEST_MESSAGE(row.name << ": unexpected error: " << what);
        return ok;
      });
    }
  }
}
