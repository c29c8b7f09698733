#include "tests/autodiff/rows/row.hpp"

namespace rows {

using namespace autodiff;
using V = const std::vector<Var>&;

std::vector<Row> linalg() {
  const auto mm = [](V x) { return matmul(x[0], x[1]); };
  return {
      {"matmul [2,3]×[3,4]", "matmul", {{2, 3}, {3, 4}}, mm},
      {"matmul 1-d·2-d [3]×[3,4]", "matmul", {{3}, {3, 4}}, mm},
      {"matmul 2-d·1-d [2,3]×[3]", "matmul", {{2, 3}, {3}}, mm},
      {"matmul 1-d·1-d [3]×[3]", "matmul", {{3}, {3}}, mm},
      {"matmul batched [2,3,4]×[2,4,5]", "matmul", {{2, 3, 4}, {2, 4, 5}}, mm},
      {"matmul/broadcast [2,3,4]×[4,5]", "matmul", {{2, 3, 4}, {4, 5}}, mm},
      {"matmul/broadcast [3,4]×[2,4,5]", "matmul", {{3, 4}, {2, 4, 5}}, mm},
      {"matmul/broadcast [2,1,2,3]×[3,3,2]", "matmul", {{2, 1, 2, 3}, {3, 3, 2}}, mm},
      {"matmul transposed left [3,2]ᵀ×[3,4]", "matmul transpose", {{3, 2}, {3, 4}},
       [](V x) { return matmul(transpose(x[0]), x[1]); }},
      {"matmul transposed right [2,3]×[4,3]ᵀ", "matmul transpose", {{2, 3}, {4, 3}},
       [](V x) { return matmul(x[0], transpose(x[1])); }},
      {"matmul squared (VJP inputs depend on x)", "matmul", {{3, 3}},
       [](V x) { return matmul(x[0], matmul(x[0], x[0])); }},
      {"addmm bias [4] + [2,3]×[3,4]", "addmm", {{4}, {2, 3}, {3, 4}}, [](V x) { return addmm(x[0], x[1], x[2]); }},
      {"addmm [2,4] + [2,3]×[3,4]", "addmm", {{2, 4}, {2, 3}, {3, 4}}, [](V x) { return addmm(x[0], x[1], x[2]); }},
      {"addmm [1,4] + [3,2]ᵀ×[3,4]", "addmm", {{1, 4}, {3, 2}, {3, 4}},
       [](V x) { return addmm(x[0], transpose(x[1]), x[2]); }},
      {"outer [3]⊗[4]", "outer", {{3}, {4}}, [](V x) { return outer(x[0], x[1]); }},
  };
}

}  // namespace rows
