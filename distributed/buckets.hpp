#pragma once
// GradientBuckets: averages gradients over the ranks in a few large allreduces that overlap backward.
// Parameters are grouped, in reverse registration order (the order backward finishes them), into buckets of
// one dtype and at most cap_bytes each, every bucket one flat buffer. Backward writes each gradient straight into
// its block of a bucket (destination(), GradOptions::leaf_grad_out), pre-scaled by this rank's share of the global
// batch (GradOptions::scale); on_leaf_grad copies one found elsewhere, times begin()'s scale (average_gradients:
// 1/N; DataParallel: 1, as backward scaled it); a bucket whose gradients are all in starts its
// non-blocking allreduce at once, except the last, whose gradients are final only as backward ends: finish()
// reduces it with a blocking allreduce, starts what is left and waits. Buckets start strictly in index order
// on every rank: MPI requires all ranks to start collectives on a communicator in the same order.
#include <mpi.h>

#include <boost/mpi/communicator.hpp>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "nn/optimizers/optimizer.hpp"

namespace distributed {

class GradientBuckets {
 public:
  /// 25 MB, PyTorch DDP's default bucket size.
  static constexpr int64_t kDefaultCapBytes = 25 << 20;
  GradientBuckets(const boost::mpi::communicator& comm, const nn::NamedParams& params,
                  int64_t cap_bytes = kDefaultCapBytes);
  ~GradientBuckets();
  GradientBuckets(const GradientBuckets&) = delete;
  GradientBuckets& operator=(const GradientBuckets&) = delete;

  /// Starts a step; gradients that on_leaf_grad copies are multiplied by `scale` before they are summed.
  void begin(double scale);
  /// Where backward writes a parameter's gradient, taken as final (not scaled): its view of its bucket; undefined
  /// for other leaves.
  autodiff::Tensor destination(const autodiff::Var& leaf) const;
  /// A leaf's gradient is final: pack it (scaled) unless it is in its destination; start every bucket now
  /// complete. Other leaves are ignored.
  void on_leaf_grad(const autodiff::Var& leaf);
  /// Starts the buckets not yet started (missing gradients count zero), waits, and sets every parameter's grad() to
  /// its view of the bucket, valid until the next step's backward.
  void finish();
  int64_t num_buckets() const { return int64_t(buckets_.size()); }

 private:
  struct Slot {
    autodiff::Var param;
    size_t bucket;
    int64_t offset;  // elements into the bucket's buffer
    bool packed = false;
    autodiff::Tensor view;  // its block of the bucket, shaped as the parameter
  };
  struct Bucket {
    autodiff::DType dtype = autodiff::DType::f32;
    int64_t numel = 0;
    autodiff::Tensor flat;  // [numel]: the gradients packed, reduced in place; the parameters' grads view it
    std::vector<size_t> slots;
    size_t pending = 0;
    MPI_Request request = MPI_REQUEST_NULL;
  };
  void start_ready();
  void start(Bucket& b);

  MPI_Comm comm_;
  std::vector<Slot> slots_;
  std::vector<Bucket> buckets_;
  std::unordered_map<const void*, size_t> slot_of_;  // VarImpl* → index into slots_
  size_t next_ = 0;                                  // the next bucket to start
  double scale_ = 1.0;
};

}  // namespace distributed
