#pragma once
// Model: a Module plus Keras' compile/fit/evaluate/predict. Use it four ways:
//   Sequential model{Dense(...), ...};          (the builder, nn/training/sequential.hpp)
//   auto x = Input({784}); nn::Model model(x, Dense(10)(x));                (functional, nn/layers/functional.hpp)
//   class Net : public nn::Model { Var forward(const Var& x) override; };   (subclassing)
//   nn::Model model(std::make_shared<MyModule>());                          (wrapping any Module)
// The wrapped module's parameters keep their own names (no prefix). A model with several inputs or outputs
// takes lists where one tensor goes otherwise: fit({x1, x2}, {y1, y2}); its logs then hold each output's loss
// and metrics as "<output>_loss", "<output>_accuracy", and "loss" is the weighted total.
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "autodiff/random.hpp"
#include "nn/layers/functional.hpp"
#include "nn/training/callbacks.hpp"
#include "nn/training/fit.hpp"
#include "nn/training/history.hpp"
#include "nn/io/weights.hpp"
#include "nn/losses/loss.hpp"
#include "nn/training/metrics.hpp"
#include "nn/module.hpp"
#include "nn/optimizers/optimizer.hpp"
#include "nn/training/strategy.hpp"

namespace nn {

class Model : public Module {
 public:
  /// Seeds its generator from autodiff::default_generator(), so manual_seed() before construction fixes the weights.
  Model();
  /// Wraps any Module; its parameters keep their names.
  explicit Model(std::shared_ptr<Module> module);
  /// A functional model: the layer calls that lead from `inputs` (nn::Input) to `outputs`.
  Model(SymbolicTensors inputs, SymbolicTensors outputs, std::string name = "model");

  /// The wrapped module's forward; subclasses override it.
  Var forward(const Var& x) override;
  /// The wrapped module's forward_many (a functional model's); by default forward on one input.
  std::vector<Var> forward_many(const std::vector<Var>& inputs) override;

  /// Keras' compile: model.compile("mse", nn::SGD(0.1), {"accuracy"}).
  void compile(Loss loss, std::shared_ptr<Optimizer> optimizer, std::vector<Metric> metrics = {});
  template <class O>
  requires std::derived_from<std::remove_cvref_t<O>, Optimizer>
  void compile(Loss loss, O&& optimizer, std::vector<Metric> metrics = {}) {
    compile(std::move(loss),
            std::shared_ptr<Optimizer>(std::make_shared<std::remove_cvref_t<O>>(std::forward<O>(optimizer))),
            std::move(metrics));
  }
  /// One loss per output (or one for all), and Keras' loss_weights (1 each by default): the loss minimised is
  /// the weighted sum of the outputs' losses.
  void compile(std::vector<Loss> losses, std::shared_ptr<Optimizer> optimizer, std::vector<Metric> metrics = {},
               std::vector<double> loss_weights = {});
  template <class O>
  requires std::derived_from<std::remove_cvref_t<O>, Optimizer>
  void compile(std::vector<Loss> losses, O&& optimizer, std::vector<Metric> metrics = {},
               std::vector<double> loss_weights = {}) {
    compile(std::move(losses),
            std::shared_ptr<Optimizer>(std::make_shared<std::remove_cvref_t<O>>(std::forward<O>(optimizer))),
            std::move(metrics), std::move(loss_weights));
  }
  bool compiled() const { return optimizer_ != nullptr; }

  /// Trains on x [n, ...] and y [n, ...] (a list of each for several inputs or outputs); returns the per-epoch logs.
  History fit(const TensorList& x, const TensorList& y, const FitOptions& options = {});
  /// One optimizer step on one batch; returns its loss and metrics (Keras' train_on_batch).
  Logs train_on_batch(const TensorList& x, const TensorList& y);
  /// Loss and metrics over x, y in eval mode without recording.
  Logs evaluate(const TensorList& x, const TensorList& y, int64_t batch_size = 32,
                const std::shared_ptr<Strategy>& strategy = nullptr);
  /// The outputs for x [n, ...] in eval mode without recording: [n, ...]. One output; see the list form.
  Tensor predict(const Tensor& x, int64_t batch_size = 32, const std::shared_ptr<Strategy>& strategy = nullptr);
  /// Every output for the inputs x, in eval mode without recording.
  std::vector<Tensor> predict(const TensorList& x, int64_t batch_size = 32,
                              const std::shared_ptr<Strategy>& strategy = nullptr);

  /// The weights (named_state()) as safetensors keyed by parameter name (nn/io/weights.hpp).
  void save_weights(const std::filesystem::path& path) const;
  /// Loads weights by name; strict: one ValueError listing every mismatch, else a report of what was skipped.
  LoadReport load_weights(const std::filesystem::path& path, LoadOptions options = {});
  /// Architecture, compile state and weights in one file for nn::load_model (Sequential only; defined with
  /// nn::save_model in nn/saving/model_io.cpp).
  void save(const std::filesystem::path& path) const;

  /// Keras' summary table (layers, output shapes, parameter counts, totals).
  virtual std::string summary() const;
  void summary(std::ostream& os) const;
  /// The name shown by summary() ("sequential" for Sequential, the name given to a functional model, else "model").
  virtual std::string model_name() const;
  /// The functional graph this model runs, or null (Sequential, subclassed and wrapping models).
  const Functional* functional() const;
  /// The outputs' names in logs: the layers that make them (a functional model's), else {"output"}.
  std::vector<std::string> output_names() const;

  /// Creates the parameters for per-sample inputs of this shape and dtype (fit/predict call it on first use).
  virtual void build(const Shape& input_shape, autodiff::DType dtype = autodiff::DType::f32);
  bool model_built() const { return model_built_; }

  Optimizer& optimizer() const;
  /// The loss (the first one, for a model compiled with several).
  const Loss& loss() const;
  const std::vector<Loss>& losses() const { return losses_; }
  const std::vector<double>& loss_weights() const { return loss_weights_; }
  const std::vector<Metric>& metrics() const { return metrics_; }
  autodiff::Generator& generator() { return gen_; }
  const autodiff::Generator& generator() const { return gen_; }
  /// Reseeds the generator that builds layers and shuffles.
  void set_seed(uint64_t seed) { gen_.seed(seed); }

  /// A callback sets this to end fit after the current batch.
  bool stop_training = false;

 protected:
  void set_model_built() { model_built_ = true; }

 private:
  void prepare(const std::vector<Tensor>& x);
  Logs run_epoch(const std::vector<Tensor>& x, const std::vector<Tensor>& y, const FitOptions& options,
                 std::vector<CallbackHandle>& cbs, uint64_t shuffle_seed);
  Logs train_batch(const std::vector<Tensor>& x, const std::vector<Tensor>& y, Strategy* strategy = nullptr,
                   int64_t global_rows = 0);
  /// The weighted total of the outputs' losses, with each output's loss and metric means over the batch in `logs`.
  Var batch_loss(const std::vector<Tensor>& y, const std::vector<Var>& pred, Logs& logs) const;

  std::shared_ptr<Module> module_;
  std::string name_ = "model";
  std::vector<Loss> losses_;
  std::vector<double> loss_weights_;
  std::shared_ptr<Optimizer> optimizer_;
  std::vector<Metric> metrics_;
  bool params_registered_ = false;
  bool model_built_ = false;
  autodiff::Generator gen_;
};

}  // namespace nn
