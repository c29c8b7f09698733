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

Model::Model(SymbolicTensors inputs, SymbolicTensors outputs, std::string name)
    : Model(std::make_shared<Functional>(std::move(inputs), std::move(outputs), name)) {
  name_ = std::move(name);
  model_built_ = true;  // every layer was built when its call was recorded
}

Var Model::forward(const Var& x) {
  check<autodiff::Error>(module_ != nullptr, "Model: no forward pass; override forward in a subclass or wrap a Module");
  return module_->forward(x);
}

std::vector<Var> Model::forward_many(const std::vector<Var>& inputs) {
  return module_ ? module_->forward_many(inputs) : Module::forward_many(inputs);
}

const Functional* Model::functional() const { return dynamic_cast<const Functional*>(module_.get()); }

std::string Model::model_name() const { return name_; }

std::vector<std::string> Model::output_names() const {
  return functional() ? functional()->output_names() : std::vector<std::string>{"output"};
}

void Model::compile(Loss loss, std::shared_ptr<Optimizer> optimizer, std::vector<Metric> metrics) {
  compile(std::vector<Loss>{std::move(loss)}, std::move(optimizer), std::move(metrics));
}

void Model::compile(std::vector<Loss> losses, std::shared_ptr<Optimizer> optimizer, std::vector<Metric> metrics,
                    std::vector<double> loss_weights) {
  check<ValueError>(optimizer != nullptr, "Model: compile needs an optimizer; got null");
  check<ValueError>(!losses.empty(), "Model: compile needs a loss");
  const size_t outputs = output_names().size();
  check<ValueError>(losses.size() == 1 || losses.size() == outputs,
                    "Model: compile got {} losses for a model with {} outputs: give one, or one per output",
                    losses.size(), outputs);
  if (loss_weights.empty()) loss_weights.assign(losses.size() == 1 ? outputs : losses.size(), 1.0);
  check<ValueError>(loss_weights.size() == outputs, "Model: compile got {} loss_weights for a model with {} outputs",
                    loss_weights.size(), outputs);
  losses_ = std::move(losses);
  loss_weights_ = std::move(loss_weights);
  optimizer_ = std::move(optimizer);
  metrics_ = std::move(metrics);
  params_registered_ = false;
}

Var Model::batch_loss(const std::vector<Tensor>& y, const std::vector<Var>& pred, Logs& logs) const {
  const std::vector<std::string> names = output_names();
  check<ValueError>(pred.size() == names.size() && y.size() == pred.size(),
                    "Model: the model gives {} outputs; got {} targets", pred.size(), y.size());
  const bool several = pred.size() > 1;
  const double rows = double(y[0].size(0));
  Var total;
  for (size_t k = 0; k < pred.size(); ++k) {
    const Loss& fn = losses_.size() == 1 ? losses_[0] : losses_[k];
    const Var l = fn(Var(y[k]), pred[k]);
    check<autodiff::ShapeError>(l.numel() == 1, "Model: loss '{}' must return a scalar; got {}", fn.name(), l.shape());
    const std::string prefix = several ? names[k] + "_" : "";
    if (several) logs[prefix + "loss"] = l.item();
    for (const Metric& m : metrics_) logs[prefix + m.name()] = m.batch_sum(y[k], pred[k].value()) / rows;
    const Var weighted = loss_weights_[k] == 1.0 ? l : l * loss_weights_[k];
    total = k == 0 ? weighted : total + weighted;
  }
  logs["loss"] = total.item();
  return total;
}

Optimizer& Model::optimizer() const {
  check<ValueError>(optimizer_ != nullptr, "Model: not compiled; call compile(loss, optimizer, metrics) first");
  return *optimizer_;
}

const Loss& Model::loss() const {
  check<ValueError>(!losses_.empty(), "Model: not compiled; call compile(loss, optimizer, metrics) first");
  return losses_[0];
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

namespace {
std::vector<Var> vars(const std::vector<Tensor>& ts) { return {ts.begin(), ts.end()}; }
}  // namespace

void Model::prepare(const std::vector<Tensor>& x) {
  for (const Tensor& t : x)
    check<autodiff::ShapeError>(t.rank() >= 1, "Model: inputs need a batch axis; got {}", t.shape());
  if (!model_built_ && x.size() == 1) {
    Shape per_sample = x[0].shape();
    per_sample.erase(0);
    build(per_sample, x[0].dtype());
  }
  if (optimizer_ && !params_registered_) {
    optimizer_->add_params(named_parameters());
    params_registered_ = true;
  }
}

Logs Model::evaluate(const TensorList& xs, const TensorList& ys, int64_t batch_size,
                     const std::shared_ptr<Strategy>& strategy) {
  const std::vector<Tensor>&x = xs.items, &y = ys.items;
  check<ValueError>(batch_size > 0, "Model: batch_size must be positive; got {}", batch_size);
  const int64_t count = sample_count(x, y, "evaluate");
  // A mean over no samples is no number: 0 would read as a perfect loss.
  check<ValueError>(count > 0, "Model: evaluate needs at least one sample; got x {} and y {}", x[0].shape(),
                    y[0].shape());
  (void)loss();
  prepare(x);
  autodiff::NoGrad no_grad;
  TrainingMode mode(*this, false);
  const auto [first, n] = my_rows(strategy.get(), count, "evaluate");  // each rank evaluates its shard
  Logs sums;
  for (int64_t begin = first; begin < n; begin += batch_size) {
    const int64_t end = std::min(n, begin + batch_size);
    Logs logs;
    (void)batch_loss(row_range(y, begin, end), forward_many(vars(row_range(x, begin, end))), logs);
    for (const auto& [key, v] : logs) sums[key] += v * double(end - begin);
  }
  for (auto& [name, v] : sums) v /= double(n - first);
  return global_means(strategy.get(), sums, double(n - first));
}

std::vector<Tensor> Model::predict(const TensorList& xs, int64_t batch_size, const std::shared_ptr<Strategy>& strategy) {
  const std::vector<Tensor>& x = xs.items;
  check<ValueError>(batch_size > 0, "Model: batch_size must be positive; got {}", batch_size);
  prepare(x);
  autodiff::NoGrad no_grad;
  TrainingMode mode(*this, false);
  const int64_t count = sample_count(x, x, "predict");
  check<ValueError>(count > 0, "Model: predict needs at least one sample; got {}", x[0].shape());
  const auto [first, n] = my_rows(strategy.get(), count, "predict");  // each rank predicts its shard
  std::vector<std::vector<Tensor>> parts;
  for (int64_t begin = first; begin < n; begin += batch_size) {
    const std::vector<Var> out = forward_many(vars(row_range(x, begin, std::min(n, begin + batch_size))));
    parts.resize(out.size());
    for (size_t k = 0; k < out.size(); ++k) parts[k].push_back(out[k].value());
  }
  std::vector<Tensor> out;
  for (const auto& p : parts) out.push_back(strategy ? strategy->all_gather_rows(concat_rows(p)) : concat_rows(p));
  return out;
}

Tensor Model::predict(const Tensor& x, int64_t batch_size, const std::shared_ptr<Strategy>& strategy) {
  std::vector<Tensor> out = predict(TensorList(x), batch_size, strategy);
  check<ValueError>(out.size() == 1, "Model: predict: the model has {} outputs; pass the inputs as a list",
                    out.size());
  return out[0];
}

std::string Model::summary() const {
  if (const Functional* graph = functional())
    return format_summary(model_name(), functional_rows(*graph), count_params(), count_trainable_params(), true);
  // A model that calls its layers in its own code: each child layer with the output shape of its last call
  // ("?" before any), as Keras summarises a subclassed model once it has run.
  std::vector<SummaryRow> rows;
  for (const auto& [name, child] : children()) {
    const auto* layer = dynamic_cast<const Layer*>(child.get());
    const std::string label = name.empty() ? "(wrapped module)" : name;
    const auto& shapes = layer ? layer->last_output_shapes() : std::vector<Shape>{};
    rows.push_back({layer ? fmt::format("{} ({})", label, layer->type()) : label,
                    shapes.empty() ? "?" : shapes.size() > 1 ? "multiple" : shape_text(shapes[0]),
                    child->count_params()});
  }
  return format_summary(model_name(), rows, count_params(), count_trainable_params());
}

void Model::summary(std::ostream& os) const { os << summary(); }

void Model::save_weights(const std::filesystem::path& path) const { nn::save_weights(path, *this); }

LoadReport Model::load_weights(const std::filesystem::path& path, LoadOptions options) {
  return nn::load_weights(path, *this, options);
}

}  // namespace nn
