#include "tests/autodiff/rows/row.hpp"

namespace rows {

using namespace autodiff;
using V = const std::vector<Var>&;

std::vector<Row> elementwise() {
  const Shape s{2, 3};
  std::vector<Row> r = {
      {"add", "operator+", {s, s}, [](V x) { return x[0] + x[1]; }},
      {"add/broadcast [2,3]+[3]", "operator+", {s, {3}}, [](V x) { return x[0] + x[1]; }},
      {"add/broadcast [2,1]+[1,3]", "operator+", {{2, 1}, {1, 3}}, [](V x) { return x[0] + x[1]; }},
      {"add/scalar", "operator+", {s}, [](V x) { return x[0] + 2.0; }},
      {"sub", "operator-", {s, s}, [](V x) { return x[0] - x[1]; }},
      {"sub/broadcast [2,3]-[2,1]", "operator-", {s, {2, 1}}, [](V x) { return x[0] - x[1]; }},
      {"mul", "operator*", {s, s}, [](V x) { return x[0] * x[1]; }},
      {"mul/broadcast [4,2,3]*[3]", "operator*", {{4, 2, 3}, {3}}, [](V x) { return x[0] * x[1]; }},
      {"div", "operator/", {s, s}, [](V x) { return x[0] / x[1]; }, Domain::positive},
      {"div/broadcast [2,3]/[1]", "operator/", {s, {1}}, [](V x) { return x[0] / x[1]; }, Domain::positive},
      {"neg", "operator-", {s}, [](V x) { return -x[0]; }},
      {"pow/tensor", "pow", {s, s}, [](V x) { return pow(x[0], x[1]); }, Domain::positive},
      {"pow/broadcast", "pow", {s, {3}}, [](V x) { return pow(x[0], x[1]); }, Domain::positive},
      {"pow/scalar", "pow", {s}, [](V x) { return pow(x[0], 3.0); }},
      {"pow/scalar fractional", "pow", {s}, [](V x) { return pow(x[0], 1.5); }, Domain::positive},
      {"exp", "exp", {s}, [](V x) { return exp(x[0]); }},
      {"log", "log", {s}, [](V x) { return log(x[0]); }, Domain::positive},
      {"log1p", "log1p", {s}, [](V x) { return log1p(x[0]); }, Domain::unit},
      {"sqrt", "sqrt", {s}, [](V x) { return sqrt(x[0]); }, Domain::positive},
      {"abs", "abs", {s}, [](V x) { return abs(x[0]); }},
      {"sin", "sin", {s}, [](V x) { return sin(x[0]); }},
      {"cos", "cos", {s}, [](V x) { return cos(x[0]); }},
      {"tanh", "tanh", {s}, [](V x) { return tanh(x[0]); }},
      {"sigmoid", "sigmoid", {s}, [](V x) { return sigmoid(x[0]); }},
      {"where", "where", {s, s}, [](V x) { return where(gt(x[0], x[1]), x[0] * x[1], x[0] + x[1]); }},
      {"where/broadcast", "where scalar_like", {s, {3}}, [](V x) { return where(gt(x[0], scalar_like(0, x[0])), x[0], x[1]); }},
      {"relu", "relu", {s}, [](V x) { return relu(x[0]) * x[0]; }},
      {"leaky_relu", "leaky_relu", {s}, [](V x) { return leaky_relu(x[0], 0.1) * x[0]; }},
      {"elu", "elu", {s}, [](V x) { return elu(x[0]); }},
      {"softplus", "softplus", {s}, [](V x) { return softplus(x[0]); }},
      {"clamp", "clamp", {s}, [](V x) { return clamp(x[0], -0.5, 0.5) * x[0]; }},
      {"minimum", "minimum", {s, s}, [](V x) { return minimum(x[0], x[1]) * x[0]; }},
      {"maximum", "maximum", {s, s}, [](V x) { return maximum(x[0], x[1]) * x[1]; }},
      {"maximum/broadcast", "maximum", {s, {1, 3}}, [](V x) { return maximum(x[0], x[1]); }},
      // Constants: their rows check that no gradient flows through them.
      {"sign", "sign", {s}, [](V x) { return sign(x[0]) * x[0]; }},
      {"comparisons", "eq ne lt le gt ge", {s, s},
       [](V x) { return (eq(x[0], x[1]) + ne(x[0], x[1]) + lt(x[0], x[1]) + le(x[0], x[1]) + gt(x[0], x[1]) +
                         ge(x[0], x[1])) * x[0]; }},
  };
  return r;
}

}  // namespace rows
