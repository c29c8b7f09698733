#include "distributed/collectives.hpp"

#include <mpi.h>

#include <boost/mpi/collectives.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "distributed/buckets.hpp"

namespace distributed {

using autodiff::check;
using autodiff::Tensor;

namespace {

char* bytes_of(const Tensor& t) {
  return static_cast<char*>(t.storage()->data()) + t.offset() * int64_t(autodiff::itemsize(t.dtype()));
}
size_t size_of(const Tensor& t) { return size_t(t.numel()) * autodiff::itemsize(t.dtype()); }

// Packs contiguous copies of the tensors into one buffer, broadcasts it, and writes the result back.
void broadcast_tensors(const communicator& comm, const std::vector<Tensor>& tensors) {
  std::vector<char> buffer;
  for (const Tensor& t : tensors) {
    const Tensor c = t.contiguous();
    buffer.insert(buffer.end(), bytes_of(c), bytes_of(c) + size_of(c));
  }
  MPI_Bcast(buffer.data(), int(buffer.size()), MPI_BYTE, 0, comm);
  size_t at = 0;
  for (const Tensor& t : tensors) {
    const Tensor c = Tensor::empty(t.shape(), t.dtype());
    std::memcpy(bytes_of(c), buffer.data() + at, size_of(c));
    t.copy_(c);
    at += size_of(c);
  }
}

}  // namespace

void broadcast_state(const communicator& comm, const nn::NamedParams& state) {
  check_same_on_all_ranks(comm, architecture_hash(state), "broadcast_state: the model's parameters");
  std::vector<Tensor> tensors;
  for (const auto& [name, v] : state) tensors.push_back(v.value());
  broadcast_tensors(comm, tensors);
}

void broadcast_parameters(const communicator& comm, const nn::Module& module) {
  broadcast_state(comm, module.named_state());
}

void broadcast_optimizer_state(const communicator& comm, nn::Optimizer& optimizer) {
  // Slot names first (rank 0 may have resumed from a checkpoint; the others start fresh), then the tensors.
  std::vector<std::vector<std::string>> names;
  for (const auto& [name, p] : optimizer.params()) {
    names.emplace_back();
    if (const nn::Slots* slots = optimizer.slots(name))
      for (const auto& [slot, t] : *slots) names.back().push_back(slot);
  }
  boost::mpi::broadcast(comm, names, 0);
  std::vector<Tensor> tensors;
  size_t k = 0;
  for (const auto& [name, p] : optimizer.params()) {
    nn::Slots slots;
    const nn::Slots* mine = optimizer.slots(name);
    for (const std::string& slot : names[k]) {
      const bool have = mine && mine->contains(slot);
      slots[slot] = have ? mine->at(slot).contiguous() : Tensor::empty(p.shape(), p.dtype());
      tensors.push_back(slots[slot]);
    }
    if (!names[k++].empty()) optimizer.set_slots(name, std::move(slots));
  }
  broadcast_tensors(comm, tensors);
  int64_t iterations = optimizer.iterations();
  double lr = optimizer.learning_rate();
  boost::mpi::broadcast(comm, iterations, 0);
  boost::mpi::broadcast(comm, lr, 0);
  optimizer.set_iterations(iterations);
  if (!optimizer.schedule()) optimizer.set_learning_rate(lr);
}

void all_sum(const communicator& comm, std::span<double> values) {
  MPI_Allreduce(MPI_IN_PLACE, values.data(), int(values.size()), MPI_DOUBLE, MPI_SUM, comm);
}

double all_mean(const communicator& comm, double value) {
  all_sum(comm, std::span(&value, 1));
  return value / comm.size();
}

void average_gradients(const communicator& comm, const nn::NamedParams& params) {
  GradientBuckets buckets(comm, params);
  buckets.begin(1.0 / comm.size());
  for (const auto& [name, p] : params)
    if (p.grad().defined()) buckets.on_leaf_grad(p);
  buckets.finish();
}

uint64_t architecture_hash(const nn::NamedParams& state) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a over "name:shape:dtype;" for each tensor
  for (const auto& [name, v] : state)
    for (char c : fmt::format("{}:{}:{};", name, v.shape(), v.dtype())) h = (h ^ uint8_t(c)) * 1099511628211ull;
  return h;
}

void check_same_on_all_ranks(const communicator& comm, uint64_t value, std::string_view what) {
  std::vector<uint64_t> all;
  boost::mpi::all_gather(comm, value, all);
  std::string differ;
  for (size_t r = 1; r < all.size(); ++r)
    if (all[r] != all[0]) differ += fmt::format("{}{} ({:016x})", differ.empty() ? "" : ", ", r, all[r]);
  check<autodiff::ValueError>(differ.empty(), "{}: rank(s) {} differ from rank 0 ({:016x})", what, differ, all[0]);
}

void on_every_rank(const communicator& comm, std::string_view what, const std::function<void()>& fn) {
  std::string error;
  try {
    fn();
  } catch (const std::exception& e) {
    error = e.what();
    if (error.empty()) error = "(an error without a message)";
  }
  std::vector<std::string> all;
  boost::mpi::all_gather(comm, error, all);
  std::string failed;
  for (size_t r = 0; r < all.size(); ++r)
    if (!all[r].empty()) failed += fmt::format("{}rank {}: {}", failed.empty() ? "" : "; ", r, all[r]);
  check<autodiff::ValueError>(failed.empty(), "{} failed on {}", what, failed);
}

}  // namespace distributed
