#pragma once
// The pieces a custom training loop uses directly (Horovod-style); DataParallel is built from them.
// Each is a collective: every rank of the communicator calls it, in the same order.
#include <boost/mpi/communicator.hpp>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

#include "nn/module.hpp"
#include "nn/optimizers/optimizer.hpp"

namespace distributed {

using boost::mpi::communicator;

/// Makes every rank's tensors (e.g. module.named_state()) rank 0's, in place, in one broadcast.
void broadcast_state(const communicator& comm, const nn::NamedParams& state);
/// Makes every rank's parameters and buffers rank 0's.
void broadcast_parameters(const communicator& comm, const nn::Module& module);
/// Makes every rank's optimizer state rank 0's: slots, step count, and the learning rate (without a schedule).
void broadcast_optimizer_state(const communicator& comm, nn::Optimizer& optimizer);
/// Sums each value over the ranks, in place; every rank gets the same bits.
void all_sum(const communicator& comm, std::span<double> values);
/// The mean of a scalar over the ranks (e.g. a metric), the same bits on every rank.
double all_mean(const communicator& comm, double value);
/// Replaces every parameter's grad() with its mean over the ranks (bucketed; a parameter without one counts zero).
void average_gradients(const communicator& comm, const nn::NamedParams& params);
/// A hash of the state's names, shapes and dtypes (not the values).
uint64_t architecture_hash(const nn::NamedParams& state);
/// A ValueError on every rank when some rank's value differs from rank 0's; the message names those ranks.
void check_same_on_all_ranks(const communicator& comm, uint64_t value, std::string_view what);
/// Runs fn on every rank; when it throws on any, every rank throws an error naming the ranks and their messages,
/// so no rank is left waiting in a later collective for one that failed.
void on_every_rank(const communicator& comm, std::string_view what, const std::function<void()>& fn);

}  // namespace distributed
