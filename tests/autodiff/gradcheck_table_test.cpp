// The gradient-check table: every row checked to first and (where smooth)
// second order in f64, and a coverage test that fails when a public op in
// autodiff/ops/*.hpp has no row.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <set>
#include <sstream>

#include "tests/autodiff/catalogue.hpp"
#include "tests/autodiff/rows/row.hpp"

using namespace autodiff;
namespace bdata = boost::unit_test::data;

namespace {

std::vector<rows::Row> all_rows() {
  std::vector<rows::Row> out;
  for (auto family : {rows::elementwise, rows::reduce, rows::shape, rows::linalg, rows::nn})
    for (rows::Row& r : family()) out.push_back(std::move(r));
  return out;
}

Tensor draw(const Shape& s, rows::Domain d, Generator& gen) {
  switch (d) {
    case rows::Domain::positive: return uniform(s, 0.5, 2.0, gen, DType::f64);
    case rows::Domain::unit: return uniform(s, -0.9, 0.9, gen, DType::f64);
    case rows::Domain::any: break;
  }
  // Away from 0 so that kinks (abs, relu) and ties sit outside the finite-difference step.
  return map(randn(s, gen, DType::f64), [](double v) { return v >= 0 ? v + 0.1 : v - 0.1; });
}

std::vector<Tensor> inputs_for(const rows::Row& r) {
  Generator gen(std::hash<std::string>{}(r.name));
  std::vector<Tensor> xs;
  for (const Shape& s : r.shapes) xs.push_back(draw(s, r.domain, gen));
  return xs;
}

GradcheckOptions options_for(const rows::Row& r) {
  GradcheckOptions o;
  o.name = r.name;
  o.atol = r.atol;
  o.rtol = r.rtol;
  return o;
}

}  // namespace

BOOST_DATA_TEST_CASE(first_order, bdata::make(all_rows()), row) {
  const GradcheckResult r = gradcheck(row.f, inputs_for(row), options_for(row));
  BOOST_TEST(r.ok, r.report);
}

BOOST_DATA_TEST_CASE(second_order, bdata::make(all_rows()), row) {
  if (!row.second_order) return;
  const GradcheckResult r = gradgradcheck(row.f, inputs_for(row), options_for(row));
  BOOST_TEST(r.ok, r.report);
}

BOOST_AUTO_TEST_CASE(every_public_op_has_a_row) {
  std::set<std::string> covered;
  for (const rows::Row& r : all_rows()) {
    std::istringstream names(r.ops);
    for (std::string n; names >> n;) covered.insert(n);
  }
  const std::set<std::string> ops = testing::op_catalogue();
  BOOST_TEST(ops.size() > 30u);
  for (const std::string& op : ops) BOOST_TEST(covered.contains(op), "no gradient-check row covers " << op);
}

namespace {
// An op with a deliberately wrong VJP (2x instead of 3x²).
struct BadCube {
  static constexpr std::string_view name = "bad_cube";
  Tensor forward(const Tensor& x) { return map(x, [](auto v) { return v * v * v; }); }
  Grads backward(const Ctx& c, const Var& g) const { return {g * c.inputs[0] * 2.0}; }
};
}  // namespace

BOOST_AUTO_TEST_CASE(a_wrong_gradient_is_caught_and_reported) {
  const Function f = [](const std::vector<Var>& x) { return apply(BadCube{}, x[0]); };
  GradcheckOptions o;
  o.name = "bad_cube";
  const GradcheckResult r = gradcheck(f, {Tensor::from({1.5, -2.0}, {2}, DType::f64)}, o);
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.report.find("bad_cube") != std::string::npos);
  BOOST_TEST(r.report.find("[2]") != std::string::npos);
  BOOST_TEST(r.report.find("analytic") != std::string::npos);
}
