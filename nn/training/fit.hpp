#pragma once
// How Model::fit trains (Keras' fit arguments); fit.cpp holds Model::fit and its epoch and batch steps.
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "autodiff/tensor.hpp"
#include "nn/one_or_many.hpp"
#include "nn/training/callbacks.hpp"
#include "nn/training/strategy.hpp"

namespace nn {

/// One tensor or a list of them (a model with several inputs or outputs): model.fit({x1, x2}, y).
using TensorList = OneOrMany<autodiff::Tensor>;

struct FitOptions {
  int64_t batch_size = 32;
  int epochs = 1;
  /// Fraction of the samples, taken from the end before shuffling (as Keras), held out for validation.
  double validation_split = 0.0;
  /// Validation set (x, y); takes precedence over validation_split.
  std::optional<std::pair<TensorList, TensorList>> validation_data{};
  /// Reshuffle the training samples at each epoch.
  bool shuffle = true;
  std::vector<CallbackHandle> callbacks{};
  /// 0 silent, 1 progress bar (one line per epoch when not a terminal), 2 one line per epoch.
  int verbose = 1;
  /// Seeds the shuffling (epoch e uses seed + e); without one the model's generator draws each epoch's.
  std::optional<uint64_t> seed{};
  /// The epoch to start at (Keras' initial_epoch), e.g. the one load_checkpoint returned; epochs is the last + 1.
  int initial_epoch = 0;
  /// Where progress goes (std::cout when null).
  std::ostream* output = nullptr;
  /// Shares the training with other processes (e.g. distributed::DataParallel); batch_size stays the global batch.
  std::shared_ptr<Strategy> strategy{};
};

}  // namespace nn
