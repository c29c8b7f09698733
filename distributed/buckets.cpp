#include "distributed/buckets.hpp"

#include <cstring>

namespace distributed {

using autodiff::DType;
using autodiff::Tensor;

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
  for (Bucket& b : buckets_) b.buffer.resize(size_t(b.numel) * autodiff::itemsize(b.dtype));
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
    T* dst = reinterpret_cast<T*>(b.buffer.data()) + s.offset;
    const T scale = T(scale_);
    for (int64_t i = 0; i < g.numel(); ++i) dst[i] = src[i] * scale;
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
  while (next_ < buckets_.size() && buckets_[next_].pending == 0) start(buckets_[next_++]);
}

void GradientBuckets::start(Bucket& b) {
  // Boost.MPI has no non-blocking allreduce, so this calls MPI_Iallreduce (MPI 3) on the communicator's MPI_Comm.
  // Every rank adds the same pre-scaled values in the library's fixed order for this size, so all get the same bits.
  MPI_Iallreduce(MPI_IN_PLACE, b.buffer.data(), int(b.numel), b.dtype == DType::f32 ? MPI_FLOAT : MPI_DOUBLE,
                 MPI_SUM, comm_, &b.request);
}

void GradientBuckets::finish() {
  for (Slot& s : slots_) {
    if (s.packed) continue;  // no gradient on this rank (the parameter was not used): it adds zero
    Bucket& b = buckets_[s.bucket];
    const size_t item = autodiff::itemsize(b.dtype);
    std::memset(b.buffer.data() + size_t(s.offset) * item, 0, size_t(s.param.numel()) * item);
    s.packed = true;
    --b.pending;
  }
  start_ready();
  for (Bucket& b : buckets_) MPI_Wait(&b.request, MPI_STATUS_IGNORE);
  for (const Slot& s : slots_) {
    const Bucket& b = buckets_[s.bucket];
    const Tensor g = Tensor::empty(s.param.shape(), b.dtype);
    const size_t item = autodiff::itemsize(b.dtype);
    std::memcpy(static_cast<char*>(g.storage()->data()), b.buffer.data() + size_t(s.offset) * item,
                size_t(g.numel()) * item);
    s.param.set_grad(g);
  }
}

}  // namespace distributed
