#pragma once
// Strategy: how fit, evaluate and predict share their work with other processes (in the spirit of Keras'
// tf.distribute.Strategy). nn knows nothing of the how: Wengert::distributed implements it on MPI
// (distributed/data_parallel.hpp). Every rank runs the same fit; these hooks are where ranks meet.
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>

#include "autodiff/backward.hpp"
#include "autodiff/tensor.hpp"
#include "nn/training/callbacks.hpp"

namespace nn {

class Model;

class Strategy {
 public:
  virtual ~Strategy() = default;
  /// This process's rank in [0, num_replicas()).
  virtual int rank() const = 0;
  virtual int num_replicas() const = 0;
  /// Only the chief (rank 0) prints, writes logs, checkpoints and saved models.
  bool is_chief() const { return rank() == 0; }
  /// Before fit's first step: checks that every rank runs the same model with the same global batch (an error on
  /// every rank naming the one that differs), then makes every rank's parameters, buffers, optimizer state and
  /// shuffling generator rank 0's.
  virtual void start(Model& model, int64_t global_batch) = 0;
  /// Before backward on this rank's `rows` of a global batch of `global_rows`: options whose on_leaf_grad starts
  /// averaging gradients while the sweep runs.
  virtual autodiff::GradOptions begin_step(int64_t rows, int64_t global_rows) = 0;
  /// After backward, before the optimizer step: every parameter's grad() becomes the global batch's gradient.
  virtual void finish_gradients() = 0;
  /// After the optimizer step: makes the buffers (BatchNormalization's moving statistics) rank 0's.
  virtual void end_step(Model& model) = 0;
  /// Sums each value over the ranks; every rank gets the same bits.
  virtual void all_sum(std::span<double> values) = 0;
  /// Every rank's rows [n_r, ...], concatenated in rank order.
  virtual autodiff::Tensor all_gather_rows(const autodiff::Tensor& part) = 0;
};

/// Rows [begin, end) of n that `rank` of `size` takes: contiguous, as even as possible (the first n % size ranks
/// take one more row).
std::pair<int64_t, int64_t> shard_rows(int64_t n, int rank, int size);
/// This rank's rows of n (all of them without a strategy); a ValueError naming `who` when n < the rank count.
std::pair<int64_t, int64_t> my_rows(const Strategy* strategy, int64_t n, std::string_view who);
/// Means over every rank's samples from this rank's means over `count` samples (unchanged without a strategy).
Logs global_means(Strategy* strategy, const Logs& means, double count);
/// Whether this process runs callbacks that print or write files (ProgbarLogger, CSVLogger, ModelCheckpoint).
bool runs_chief_only(const Strategy* strategy);

}  // namespace nn
