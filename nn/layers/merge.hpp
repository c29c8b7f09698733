#pragma once
// Merge layers (Keras' Add, Subtract, Multiply, Average, Concatenate): several inputs, one output, no weights.
// The element-wise ones broadcast per-sample shapes as NumPy does; Concatenate joins along one axis.
//   auto y = nn::Add()({x, nn::Dense(64)(x)});        // a residual connection
#include <memory>
#include <string>
#include <vector>

#include "nn/layers/layer.hpp"

namespace nn {

/// The element-wise merges: two or more inputs (Subtract: exactly two) of broadcastable shapes.
class ElementwiseMerge : public Layer {
 public:
  Shape output_shape(const Shape& input_shape) const override;
  std::vector<Shape> output_shapes(const std::vector<Shape>& input_shapes) const override;
  void build_many(const std::vector<Shape>&, autodiff::Generator&) override {}  // no weights
  Var forward(const Var& x) override;
  std::vector<Var> forward_many(const std::vector<Var>& inputs) override;

 protected:
  /// a ⊕ b for this merge; Average divides the sum afterwards.
  virtual Var combine(const Var& a, const Var& b) const = 0;
  virtual Var finish(const Var& sum, size_t count) const { (void)count; return sum; }
  size_t max_inputs_ = SIZE_MAX;
};

class Add : public LayerOf<Add, ElementwiseMerge> {
 public:
  std::string type() const override { return "Add"; }

 protected:
  Var combine(const Var& a, const Var& b) const override;
};

class Subtract : public LayerOf<Subtract, ElementwiseMerge> {
 public:
  Subtract() { max_inputs_ = 2; }
  std::string type() const override { return "Subtract"; }

 protected:
  Var combine(const Var& a, const Var& b) const override;
};

class Multiply : public LayerOf<Multiply, ElementwiseMerge> {
 public:
  std::string type() const override { return "Multiply"; }

 protected:
  Var combine(const Var& a, const Var& b) const override;
};

class Average : public LayerOf<Average, ElementwiseMerge> {
 public:
  std::string type() const override { return "Average"; }

 protected:
  Var combine(const Var& a, const Var& b) const override;
  Var finish(const Var& sum, size_t count) const override;
};

/// Joins two or more inputs along `axis` of the per-sample shape (Keras' default −1, the features).
class Concatenate : public LayerOf<Concatenate> {
 public:
  explicit Concatenate(int64_t axis = -1) : axis_(axis) {}
  std::string type() const override { return "Concatenate"; }
  Shape output_shape(const Shape& input_shape) const override;
  std::vector<Shape> output_shapes(const std::vector<Shape>& input_shapes) const override;
  void build_many(const std::vector<Shape>&, autodiff::Generator&) override {}  // no weights
  Var forward(const Var& x) override;
  std::vector<Var> forward_many(const std::vector<Var>& inputs) override;
  LayerConfig config() const override;
  static std::shared_ptr<Layer> from_config(const LayerConfig& config);

 private:
  int64_t axis_;
};

}  // namespace nn
