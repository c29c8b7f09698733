#pragma once
// Gradient checking as public API: compare the tape's VJPs with central finite
// differences in f64. Call it from your own Boost.Test case:
//   BOOST_TEST(gradcheck(my_loss, {x, y}));
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "autodiff/var.hpp"

namespace autodiff {

using Function = std::function<Var(const std::vector<Var>&)>;

struct GradcheckOptions {
  /// Shown in the report (the op or function under test).
  std::string name = "function";
  /// Central-difference step; retried ×10 per retry before failing.
  double eps = 1e-6;
  int retries = 2;
  double atol = 1e-6;
  double rtol = 1e-4;
  /// Random output/input directions checked when the inputs are too large for the full Jacobian.
  int directions = 6;
  /// Up to this many input elements (and output elements) the full Jacobian is compared.
  int64_t full_jacobian_max = 48;
  uint64_t seed = 0;
};

struct GradcheckResult {
  bool ok = true;
  /// Empty when ok; otherwise names the function, shapes, step, worst element and both values.
  std::string report;
  double max_abs_error = 0;
  explicit operator bool() const { return ok; }
};
std::ostream& operator<<(std::ostream& os, const GradcheckResult& r);

/// Checks f's first derivatives at `inputs` (converted to f64).
GradcheckResult gradcheck(const Function& f, const std::vector<Tensor>& inputs, const GradcheckOptions& options = {});
/// Checks f's second derivatives: gradcheck of x ↦ Σᵢ ⟨∂⟨f(x), v⟩/∂xᵢ, wᵢ⟩ for fixed random v, w,
/// which runs backward with create_graph.
GradcheckResult gradgradcheck(const Function& f, const std::vector<Tensor>& inputs,
                              const GradcheckOptions& options = {});

}  // namespace autodiff
