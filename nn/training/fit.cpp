// Model::fit and the training step: the Keras loop over epochs and shuffled batches.
#include "nn/training/fit.hpp"

#include <iostream>
#include <numeric>

#include "nn/data/batching.hpp"
#include "nn/training/model.hpp"
#include "nn/training/progress.hpp"

namespace nn {

using autodiff::check;

namespace {

Logs divided(Logs sums, double n) {
  for (auto& [key, v] : sums) v /= n;
  return sums;
}

using Tensors = std::vector<Tensor>;

struct Split {
  Tensors x, y;
  std::optional<std::pair<TensorList, TensorList>> validation;
};

// Keras holds out the last samples (before any shuffling) for validation_split.
Split split_validation(const Tensors& x, const Tensors& y, const FitOptions& o) {
  check<autodiff::ValueError>(o.validation_split >= 0 && o.validation_split < 1,
                              "Model: validation_split must be in [0, 1); got {}", o.validation_split);
  if (o.validation_data || o.validation_split == 0) return {x, y, o.validation_data};
  const int64_t n = x[0].size(0), held = static_cast<int64_t>(double(n) * o.validation_split);
  check<autodiff::ValueError>(held > 0 && held < n,
                              "Model: validation_split {} of {} samples leaves an empty training or validation set",
                              o.validation_split, n);
  return {row_range(x, 0, n - held), row_range(y, 0, n - held),
          std::pair{TensorList(row_range(x, n - held, n)), TensorList(row_range(y, n - held, n))}};
}

// The progress bar first (as Keras), then the user's callbacks, all told about this model and run.
std::vector<CallbackHandle> callback_list(Model& model, const FitOptions& options, int64_t steps) {
  std::vector<CallbackHandle> cbs;
  std::ostream& out = options.output ? *options.output : std::cout;
  const bool chief = runs_chief_only(options.strategy.get());  // only rank 0 prints and writes files
  if (options.verbose > 0 && chief) cbs.emplace_back(ProgbarLogger(out, options.verbose, is_terminal(out)));
  for (const CallbackHandle& cb : options.callbacks)
    if (chief || !cb->chief_only()) cbs.push_back(cb);
  for (auto& cb : cbs) {
    cb->set_model(&model);
    cb->set_params({options.epochs, steps, options.verbose});
  }
  return cbs;
}

}  // namespace

Logs Model::train_batch(const Tensors& x, const Tensors& y, Strategy* strategy, int64_t global_rows) {
  autodiff::TapeScope scope;  // a fresh tape per step: nothing of the last step stays alive
  const int64_t rows = x[0].size(0);
  Logs logs;
  const Var l = batch_loss(y, forward_many(std::vector<Var>(x.begin(), x.end())), logs);
  autodiff::backward(l, strategy ? strategy->begin_step(rows, global_rows) : autodiff::GradOptions{});
  if (strategy) strategy->finish_gradients();
  optimizer().step();
  optimizer().zero_grad();
  if (strategy) strategy->end_step(*this);
  return global_means(strategy, logs, double(rows));
}

Logs Model::train_on_batch(const TensorList& x, const TensorList& y) {
  (void)sample_count(x.items, y.items, "train_on_batch");
  (void)optimizer();
  prepare(x.items);
  TrainingMode mode(*this, true);
  return train_batch(x.items, y.items);
}

Logs Model::run_epoch(const Tensors& x, const Tensors& y, const FitOptions& options, std::vector<CallbackHandle>& cbs,
                      uint64_t shuffle_seed) {
  const int64_t n = x[0].size(0);
  std::vector<int64_t> order(static_cast<size_t>(n));
  if (options.shuffle)
    order = permutation(n, shuffle_seed);
  else
    std::iota(order.begin(), order.end(), 0);
  Logs sums;
  int64_t seen = 0;
  for (int64_t batch = 0; seen < n && !stop_training; ++batch) {
    for (auto& cb : cbs) cb->on_batch_begin(batch, {});
    const int64_t size = std::min(options.batch_size, n - seen);
    Strategy* strategy = options.strategy.get();
    if (strategy && size < strategy->num_replicas()) break;  // a last batch too short to share is dropped
    const auto [begin, end] = my_rows(strategy, size, "fit");  // this rank's contiguous shard of the global batch
    const std::span<const int64_t> rows(order.data() + seen + begin, static_cast<size_t>(end - begin));
    const Logs logs = train_batch(take_rows(x, rows), take_rows(y, rows), strategy, size);
    for (const auto& [key, v] : logs) sums[key] += v * double(size);
    seen += size;
    const Logs running = divided(sums, double(seen));
    for (auto& cb : cbs) cb->on_batch_end(batch, running);
  }
  return divided(sums, double(std::max<int64_t>(seen, 1)));
}

History Model::fit(const TensorList& x, const TensorList& y, const FitOptions& options) {
  check<autodiff::ValueError>(sample_count(x.items, y.items, "fit") > 0, "Model: fit needs at least one sample; got {}",
                              x.items[0].shape());
  check<autodiff::ValueError>(options.initial_epoch >= 0, "Model: initial_epoch must be non-negative; got {}",
                              options.initial_epoch);
  check<autodiff::ValueError>(options.batch_size > 0 && options.epochs >= 0,
                              "Model: batch_size must be positive and epochs non-negative; got {} and {}",
                              options.batch_size, options.epochs);
  (void)optimizer();
  const Split data = split_validation(x.items, y.items, options);
  prepare(data.x);
  optimizer().zero_grad();  // gradients left by a user's own loop must not leak into the first step
  const int64_t n = data.x[0].size(0);
  int64_t steps = (n + options.batch_size - 1) / options.batch_size;
  const int64_t last = n % options.batch_size;
  if (options.strategy && last > 0 && last < options.strategy->num_replicas()) --steps;  // run_epoch drops it
  std::vector<CallbackHandle> cbs = callback_list(*this, options, steps);
  if (options.strategy) options.strategy->start(*this, options.batch_size);

  TrainingMode mode(*this, true);
  stop_training = false;
  History history;
  Logs logs;
  for (auto& cb : cbs) cb->on_train_begin({});
  for (int epoch = options.initial_epoch; epoch < options.epochs && !stop_training; ++epoch) {
    for (auto& cb : cbs) cb->on_epoch_begin(epoch, {});
    // Each epoch draws its shuffling seed when it starts, so the generator saved by a checkpoint after an epoch
    // is all a resumed run needs to shuffle as the uninterrupted one would.
    const uint64_t seed = options.seed ? *options.seed + static_cast<uint64_t>(epoch) : gen_.engine()();
    logs = run_epoch(data.x, data.y, options, cbs, seed);
    if (data.validation)
      for (const auto& [key, v] :
           evaluate(data.validation->first, data.validation->second, options.batch_size, options.strategy))
        logs["val_" + key] = v;
    history.epoch.push_back(epoch);
    for (const auto& [key, v] : logs) history.history[key].push_back(v);
    for (auto& cb : cbs) cb->on_epoch_end(epoch, logs);
  }
  for (auto& cb : cbs) cb->on_train_end(logs);
  return history;
}

}  // namespace nn
