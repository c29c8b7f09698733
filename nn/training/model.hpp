#pragma once
// Model: a Module plus Keras' compile/fit/evaluate/predict. Use it three ways:
//   Sequential model{Dense(...), ...};          (the builder, nn/training/sequential.hpp)
//   class Net : public nn::Model { Var forward(const Var& x) override; };   (subclassing)
//   nn::Model model(std::make_shared<MyModule>());                          (wrapping any Module)
// The wrapped module's parameters keep their own names (no prefix).
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

  /// The wrapped module's forward; subclasses override it.
  Var forward(const Var& x) override;

  /// Keras' compile: model.compile("mse", nn::SGD(0.1), {"accuracy"}).
  void compile(Loss loss, std::shared_ptr<Optimizer> optimizer, std::vector<Metric> metrics = {});
  template <class O>
  requires std::derived_from<std::remove_cvref_t<O>, Optimizer>
  void compile(Loss loss, O&& optimizer, std::vector<Metric> metrics = {}) {
    compile(std::move(loss),
            std::shared_ptr<Optimizer>(std::make_shared<std::remove_cvref_t<O>>(std::forward<O>(optimizer))),
            std::move(metrics));
  }
  bool compiled() const { return optimizer_ != nullptr; }

  /// Trains on x [n, ...] and y [n, ...]; returns the per-epoch logs.
  History fit(const Tensor& x, const Tensor& y, const FitOptions& options = {});
  /// One optimizer step on one batch; returns its loss and metrics (Keras' train_on_batch).
  Logs train_on_batch(const Tensor& x, const Tensor& y);
  /// Loss and metrics over x, y in eval mode without recording.
  Logs evaluate(const Tensor& x, const Tensor& y, int64_t batch_size = 32,
                const std::shared_ptr<Strategy>& strategy = nullptr);
  /// The outputs for x [n, ...] in eval mode without recording: [n, ...].
  Tensor predict(const Tensor& x, int64_t batch_size = 32, const std::shared_ptr<Strategy>& strategy = nullptr);

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
  /// The name shown by summary() ("sequential" for Sequential, "model" otherwise).
  virtual std::string model_name() const { return "model"; }

  /// Creates the parameters for per-sample inputs of this shape and dtype (fit/predict call it on first use).
  virtual void build(const Shape& input_shape, autodiff::DType dtype = autodiff::DType::f32);
  bool model_built() const { return model_built_; }

  Optimizer& optimizer() const;
  const Loss& loss() const;
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
  void prepare(const Tensor& x);
  Logs run_epoch(const Tensor& x, const Tensor& y, const FitOptions& options, std::vector<CallbackHandle>& cbs,
                 uint64_t shuffle_seed);
  Logs train_batch(const Tensor& x, const Tensor& y, Strategy* strategy = nullptr, int64_t global_rows = 0);

  std::shared_ptr<Module> module_;
  std::optional<Loss> loss_{};
  std::shared_ptr<Optimizer> optimizer_;
  std::vector<Metric> metrics_;
  bool params_registered_ = false;
  bool model_built_ = false;
  autodiff::Generator gen_;
};

}  // namespace nn
