#include "distributed/data_parallel.hpp"

#include <mpi.h>

#include <boost/mpi/collectives.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <sstream>

#include "distributed/collectives.hpp"
#include "nn/data/batching.hpp"
#include "nn/training/model.hpp"

namespace distributed {

using autodiff::check;
using autodiff::Tensor;

DataParallel::DataParallel(const Context& context, int64_t bucket_cap_bytes)
    : comm_(context.communicator()), cap_bytes_(bucket_cap_bytes) {
  check<autodiff::ValueError>(bucket_cap_bytes > 0, "DataParallel: the bucket cap must be positive; got {}",
                              bucket_cap_bytes);
}

void DataParallel::start(nn::Model& model, int64_t global_batch) {
  // Checked on every rank before any rank acts on it, so all of them stop with the same error.
  check<autodiff::ValueError>(global_batch >= comm_.size(),
                              "DataParallel: the global batch_size {} is smaller than the {} ranks; every rank "
                              "needs at least one sample of each batch",
                              global_batch, comm_.size());
  const nn::NamedParams state = model.named_state();
  uint64_t hash = architecture_hash(state);
  for (char c : model.optimizer().type() + ":" + std::to_string(global_batch)) hash = (hash ^ uint8_t(c)) * 31;
  check_same_on_all_ranks(comm_, hash,
                          fmt::format("DataParallel: the model ({} tensors), optimizer ({}) and global batch ({})",
                                      state.size(), model.optimizer().type(), global_batch));
  broadcast_state(comm_, state);
  broadcast_optimizer_state(comm_, model.optimizer());
  // The shuffling generator too: without FitOptions::seed each epoch draws its seed from it.
  std::ostringstream engine;
  engine << model.generator().engine();
  std::string text = engine.str();
  boost::mpi::broadcast(comm_, text, 0);
  std::istringstream(text) >> model.generator().engine();
  if (params_of_ != &model.optimizer() || !buckets_) {
    buckets_ = std::make_unique<GradientBuckets>(comm_, model.optimizer().params(), cap_bytes_);
    params_of_ = &model.optimizer();
  }
}

autodiff::GradOptions DataParallel::begin_step(int64_t rows, int64_t global_rows) {
  check<autodiff::ValueError>(buckets_ != nullptr, "DataParallel: begin_step before start");
  // Pre-scaled by this rank's share, the sum over ranks is the global batch's mean gradient even when the
  // shards differ in size (mean-reduced losses, Keras' default). Backward scales its seed and writes each
  // gradient into its bucket, so no pass over the gradients is left between backward and the allreduce.
  buckets_->begin(1.0);  // backward scales
  return {.on_leaf_grad = [this](const autodiff::Var& leaf) { buckets_->on_leaf_grad(leaf); },
          .scale = double(rows) / double(global_rows),
          .leaf_grad_out = [this](const autodiff::Var& leaf) { return buckets_->destination(leaf); }};
}

void DataParallel::finish_gradients() { buckets_->finish(); }

void DataParallel::end_step(nn::Model& model) {
  // Buffers (BatchNormalization's moving statistics) follow each rank's own batches; rank 0's are kept, as
  // PyTorch DDP's broadcast_buffers does, so every rank holds the same bits.
  const nn::NamedParams buffers = model.named_buffers();
  if (!buffers.empty()) broadcast_state(comm_, buffers);
}

void DataParallel::all_sum(std::span<double> values) { distributed::all_sum(comm_, values); }

Tensor DataParallel::all_gather_rows(const Tensor& part) {
  std::vector<int64_t> rows;
  boost::mpi::all_gather(comm_, part.size(0), rows);
  const Tensor mine = part.contiguous();
  const int64_t row_bytes = part.size(0) ? mine.numel() / part.size(0) * int64_t(autodiff::itemsize(part.dtype())) : 0;
  std::vector<int> counts, displs;
  int64_t total = 0;
  for (int64_t r : rows) {
    counts.push_back(int(r * row_bytes));
    displs.push_back(int(total * row_bytes));
    total += r;
  }
  autodiff::Shape shape = part.shape();
  shape[0] = total;
  const Tensor out = Tensor::empty(shape, part.dtype());
  const auto* src = static_cast<const char*>(mine.storage()->data()) + mine.offset() * autodiff::itemsize(mine.dtype());
  MPI_Allgatherv(src, counts[size_t(comm_.rank())], MPI_BYTE, out.storage()->data(), counts.data(), displs.data(),
                 MPI_BYTE, comm_);
  return out;
}

}  // namespace distributed
