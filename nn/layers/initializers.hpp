#pragma once
// Keras initializers by name: "glorot_uniform" (Keras' default for kernels),
// "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal",
// "orthogonal" (recurrent kernels), "zeros", "ones".
#include <string>
#include <vector>

#include "autodiff/random.hpp"

namespace nn {

/// A tensor of `shape` drawn by the named initializer. fan_in/fan_out follow Keras:
/// for [in, out] the two extents; for a conv kernel [kh, kw, in, out] the receptive field times in/out.
autodiff::Tensor initialize(const std::string& name, const autodiff::Shape& shape, autodiff::Generator& gen,
                            autodiff::DType dtype = autodiff::DType::f32);
/// The known initializer names, sorted.
std::vector<std::string> initializer_names();

}  // namespace nn
