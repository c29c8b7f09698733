#include "autodiff/ops/nn.hpp"

namespace autodiff {}  // namespace autodiff
