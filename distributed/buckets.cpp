#include "distributed/buckets.hpp"

#include <algorithm>
#include <cstring>

namespace distributed {

using autodiff::DType;
using autodiff::Tensor;

namespace {
MPI_Datatype mpi_type(DType dtype) { return dtype == DType::f32 ? MPI_FLOAT : MPI_DOUBLE; }
// The bucket's first byte (its tensor is contiguous and starts its storage).
char* bytes(const Tensor& flat) { return static_cast<char*>(flat.storage()->data()); }
}  // namespace

GradientBuckets::GradientBuckets(const boost::mpi::communicator& comm, const nn::NamedParams& params,
                                 int64_t cap_bytes)
    : comm_(comm) {
  for (auto it = params.rbegin(); it != params.rend(); ++it) {
    const autodiff::Var& p = it->second;
    if (!p.requires_grad()) continue;
    const int64_t bytes = p.numel() * int64_t(autodiff::itemsize(p.dtype()));
    const bool fits = !buckets_.empty() && buckets_.back().dtype == p.dtype() &&
                      (buckets_.back().numel * int64_t(autodiff::itemsize(p.dtype())) + bytes <= cap_bytes);
    if (!fits) {
      buckets_.emplace_back();
      buckets_.back().dtype = p.dtype();
    }
    Bucket& b = buckets_.back();
    slot_of_[p.impl()] = slots_.size();
    b.slots.push_back(slots_.size());
    slots_.push_back(Slot{p, buckets_.size() - 1, b.numel});
    b.numel += p.numel();
  }
  for (Bucket& b : buckets_) b.flat = autodiff::zeros(autodiff::Shape{b.numel}, b.dtype);
  for (Slot& s : slots_)
    s.view = buckets_[s.bucket].flat.slice(0, s.offset, s.offset + s.param.numel()).reshape(s.param.shape());
}

Tensor GradientBuckets::destination(const autodiff::Var& leaf) const {
  const auto it = slot_of_.find(leaf.impl());
  return it == slot_of_.end() ? Tensor() : slots_[it->second].view;
}

GradientBuckets::~GradientBuckets() {
  // An exception between begin() and finish() must not leave MPI writing into freed buffers.
  for (Bucket& b : buckets_)
    if (b.request != MPI_REQUEST_NULL) MPI_Wait(&b.request, MPI_STATUS_IGNORE);
}

void GradientBuckets::begin(double scale) {
  scale_ = scale;
  next_ = 0;
  for (Slot& s : slots_) s.packed = false;
  for (Bucket& b : buckets_) b.pending = b.slots.size();
}

void GradientBuckets::on_leaf_grad(const autodiff::Var& leaf) {
  const auto it = slot_of_.find(leaf.impl());
  if (it == slot_of_.end()) return;
  Slot& s = slots_[it->second];
  if (s.packed) return;
  Bucket& b = buckets_[s.bucket];
  const Tensor g = leaf.grad().contiguous();
  autodiff::dispatch(b.dtype, [&]<class T>(T) {
    const T* src = g.data<T>();
    T* dst = b.flat.data<T>() + s.offset;
    if (src == dst) return;  // backward wrote it there, scaled (GradOptions::leaf_grad_out, GradOptions::scale)
    const T scale = T(scale_);
    std::transform(src, src + g.numel(), dst, [scale](T v) { return v * scale; });
  });
  s.packed = true;
  --b.pending;
  start_ready();
  // Open MPI moves a non-blocking collective along only inside MPI calls; testing here, between the sweep's
  // nodes, lets the buckets already started progress while backward computes.
  for (size_t k = 0; k < next_; ++k) {
    int done = 0;
    if (buckets_[k].request != MPI_REQUEST_NULL) MPI_Test(&buckets_[k].request, &done, MPI_STATUS_IGNORE);
  }
}

void GradientBuckets::start_ready() {
  // The last bucket holds the first-registered parameters, whose gradients are final only as backward ends:
  // finish() reduces it with the blocking MPI_Allreduce, which Open MPI runs several times faster than
  // MPI_Iallreduce + MPI_Wait (docs/performance.md). The rule depends on the layout alone, so every rank calls
  // the same kind of collective for each bucket, as MPI requires.
  while (next_ + 1 < buckets_.size() && buckets_[next_].pending == 0) start(buckets_[next_++]);
}

void GradientBuckets::start(Bucket& b) {
  // Boost.MPI has no non-blocking allreduce, so this calls MPI_Iallreduce (MPI 3) on the communicator's MPI_Comm.
  // Every rank adds the same pre-scaled values in the library's fixed order for this size, so all get the same bits.
  MPI_Iallreduce(MPI_IN_PLACE, bytes(b.flat), int(b.numel), mpi_type(b.dtype), MPI_SUM, comm_, &b.request);
}

void GradientBuckets::finish() {
  for (Slot& s : slots_) {
    if (s.packed) continue;  // no gradient on this rank (the parameter was not used): it adds zero
    Bucket& b = buckets_[s.bucket];
    const size_t item = autodiff::itemsize(b.dtype);
    std::memset(bytes(b.flat) + size_t(s.offset) * item, 0, size_t(s.param.numel()) * item);
    s.packed = true;
    --b.pending;
  }
  start_ready();
  if (!buckets_.empty()) {
    Bucket& last = buckets_.back();
    MPI_Allreduce(MPI_IN_PLACE, bytes(last.flat), int(last.numel), mpi_type(last.dtype), MPI_SUM, comm_);
    next_ = buckets_.size();
  }
  for (Bucket& b : buckets_) MPI_Wait(&b.request, MPI_STATUS_IGNORE);
  // Each gradient is a view of its bucket, as PyTorch DDP's gradient_as_bucket_view: no copy, no allocation.
  // It holds this step's average until the next step's backward packs the bucket again.
  for (const Slot& s : slots_) s.param.set_grad(s.view);
}

}  // namespace distributed
