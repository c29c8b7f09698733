#include "nn/training/model.hpp"

#include <fmt/format.h>

#include <iostream>
#include <sstream>

#include "nn/data/batching.hpp"
#include "nn/training/summary.hpp"

namespace nn {

using autodiff::check;
using autodiff::ValueError;

Model::Model() : gen_(autodiff::default_generator().engine()()) {}

Model::Model(std::shared_ptr<Module> module) : Model() {
  check<ValueError>(module != nullptr, "Model: the wrapped module is null");
  module_ = module;
  register_module("", std::move(module));
}

Var Model::forward(const Var& x) {
  check<autodiff::Error>(module_ != nullptr, "Model: no forward pass; override forward in a subclass or wrap a Module");
  return module_->forward(x);
}

void Model::compile(Loss loss, std::shared_ptr<Optimizer> optimizer, std::vector<Metric> metrics) {
  check<ValueError>(optimizer != nullptr, "Model: compile needs an optimizer; got null");
  loss_ = std::move(loss);
  optimizer_ = std::move(optimizer);
  metrics_ = std::move(metrics);
  params_registered_ = false;
}

Optimizer& Model::optimizer() const {
  check<ValueError>(optimizer_ != nullptr, "Model: not compiled; call compile(loss, optimizer, metrics) first");
  return *optimizer_;
}

const Loss& Model::loss() const {
  check<ValueError>(loss_.has_value(), "Model: not compiled; call compile(loss, optimizer, metrics) first");
  return *loss_;
}

void Model::build(const Shape& input_shape, autodiff::DType dtype) {
  // Layers built lazily inside forward create their parameters on this first call; eval mode keeps
  // dropout from drawing random numbers, NoGrad keeps the tape empty.
  autodiff::NoGrad no_grad;
  TrainingMode mode(*this, false);
  Shape batch = input_shape;
  batch.insert(0, 1);
  (void)forward(Var(autodiff::zeros(batch, dtype)));
  model_built_ = true;
}

void Model::prepare(const Tensor& x) {
  check<autodiff::ShapeError>(x.rank() >= 1, "Model: inputs need a batch axis; got {}", x.shape());
  if (!model_built_) {
    Shape per_sample = x.shape();
    per_sample.erase(0);
    build(per_sample, x.dtype());
  }
  if (optimizer_ && !params_registered_) {
    optimizer_->add_params(named_parameters());
    params_registered_ = true;
  }
}

Logs Model::evaluate(const Tensor& x, const Tensor& y, int64_t batch_size, const std::shared_ptr<Strategy>& strategy) {
  check<ValueError>(batch_size > 0, "Model: batch_size must be positive; got {}", batch_size);
  check<autodiff::ShapeError>(x.rank() >= 1 && y.rank() >= 1 && x.size(0) == y.size(0),
                              "Model: x and y need the same number of samples; got {} and {}", x.shape(), y.shape());
  // A mean over no samples is no number: 0 would read as a perfect loss.
  check<ValueError>(x.size(0) > 0, "Model: evaluate needs at least one sample; got x {} and y {}", x.shape(),
                    y.shape());
  prepare(x);
  autodiff::NoGrad no_grad;
  TrainingMode mode(*this, false);
  const auto [first, n] = my_rows(strategy.get(), x.size(0), "evaluate");  // each rank evaluates its shard
  Logs sums;
  for (int64_t begin = first; begin < n; begin += batch_size) {
    const int64_t end = std::min(n, begin + batch_size);
    const Var xb(row_range(x, begin, end)), yb(row_range(y, begin, end));
    const Var pred = forward(xb);
    sums["loss"] += loss()(yb, pred).item() * double(end - begin);
    for (const Metric& m : metrics_) sums[m.name()] += m.batch_sum(yb.value(), pred.value());
  }
  for (auto& [name, v] : sums) v /= double(n - first);
  return global_means(strategy.get(), sums, double(n - first));
}

Tensor Model::predict(const Tensor& x, int64_t batch_size, const std::shared_ptr<Strategy>& strategy) {
  check<ValueError>(batch_size > 0, "Model: batch_size must be positive; got {}", batch_size);
  prepare(x);
  autodiff::NoGrad no_grad;
  TrainingMode mode(*this, false);
  check<ValueError>(x.size(0) > 0, "Model: predict needs at least one sample; got {}", x.shape());
  const auto [first, n] = my_rows(strategy.get(), x.size(0), "predict");  // each rank predicts its shard
  std::vector<Tensor> parts;
  for (int64_t begin = first; begin < n; begin += batch_size)
    parts.push_back(forward(Var(row_range(x, begin, std::min(n, begin + batch_size)))).value());
  return strategy ? strategy->all_gather_rows(concat_rows(parts)) : concat_rows(parts);
}

std::string Model::summary() const {
  // Without layer types and shapes, a general model lists its children and their parameter counts.
  std::vector<SummaryRow> rows;
  for (const auto& [name, child] : children())
    rows.push_back({name.empty() ? "(wrapped module)" : name, "?", child->count_params()});
  return format_summary(model_name(), rows, count_params(), count_trainable_params());
}

void Model::summary(std::ostream& os) const { os << summary(); }

void Model::save_weights(const std::filesystem::path& path) const { nn::save_weights(path, *this); }

LoadReport Model::load_weights(const std::filesystem::path& path, LoadOptions options) {
  return nn::load_weights(path, *this, options);
}

}  // namespace nn
