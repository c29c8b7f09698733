#pragma once
// DataParallel: the nn::Strategy that fit, evaluate and predict accept (Keras' MirroredStrategy across
// processes, Horovod's recipe). Every rank holds the whole model; each global batch is shared by the ranks in
// contiguous shards; gradients are averaged in buckets that overlap backward (buckets.hpp). docs/distributed.md.
//   distributed::Context ctx;
//   model.fit(x, y, {.batch_size = 128, .strategy = std::make_shared<distributed::DataParallel>(ctx)});
#include <memory>

#include "distributed/buckets.hpp"
#include "distributed/context.hpp"
#include "nn/training/strategy.hpp"

namespace distributed {

class DataParallel : public nn::Strategy {
 public:
  explicit DataParallel(const Context& context, int64_t bucket_cap_bytes = GradientBuckets::kDefaultCapBytes);
  int rank() const override { return comm_.rank(); }
  int num_replicas() const override { return comm_.size(); }
  void start(nn::Model& model, int64_t global_batch) override;
  autodiff::GradOptions begin_step(int64_t rows, int64_t global_rows) override;
  void finish_gradients() override;
  void end_step(nn::Model& model) override;
  void all_sum(std::span<double> values) override;
  autodiff::Tensor all_gather_rows(const autodiff::Tensor& part) override;
  const boost::mpi::communicator& communicator() const { return comm_; }

 private:
  boost::mpi::communicator comm_;
  int64_t cap_bytes_;
  std::unique_ptr<GradientBuckets> buckets_;
  const void* params_of_ = nullptr;  // the optimizer the buckets were laid out for
};

}  // namespace distributed
