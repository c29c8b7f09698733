#include "autodiff/tape.hpp"

#include <atomic>
#include <cmath>

#include "autodiff/op.hpp"

namespace autodiff {
namespace {
std::atomic<uint64_t> next_tape_id{1};
thread_local Tape* current_tape = nullptr;
thread_local bool recording = true;
thread_local bool anomaly = false;
thread_local bool in_backward = false;
}  // namespace

Tape::Tape() : id_(next_tape_id++) {}
Tape::~Tape() = default;

void Tape::clear() {
  nodes_.clear();
  ++epoch_;
}

void Tape::check_current(const Var& v, std::string_view op) const {
  const VarImpl& i = *v.impl();
  check<TapeError>(i.tape_id == id_,
                   "{}: mixing tapes: an input of shape {} was recorded on tape #{} but tape #{} is active", op,
                   i.value.shape(), i.tape_id, id_);
  check<TapeError>(i.epoch == epoch_,
                   "{}: stale Var: an input of shape {} was recorded before its tape was cleared "
                   "(backward without retain_graph clears the tape)",
                   op, i.value.shape());
}

int64_t Tape::ensure_leaf(const Var& leaf) {
  VarImpl& i = *leaf.impl();
  if (i.tape_id == id_ && i.epoch == epoch_) return i.node;
  i.tape_id = id_;
  i.epoch = epoch_;
  i.node = size();
  nodes_.push_back(Node{nullptr, {}, leaf});
  return i.node;
}

void Tape::record(std::unique_ptr<OpBase> op, std::vector<Var> inputs, const Var& out) {
  for (const Var& in : inputs) {
    if (!in.requires_grad()) continue;
    if (in.is_leaf())
      ensure_leaf(in);
    else
      check_current(in, op->name());
  }
  VarImpl& o = *out.impl();
  o.tape_id = id_;
  o.epoch = epoch_;
  o.node = size();
  o.requires_grad = true;
  o.leaf = false;
  nodes_.push_back(Node{std::move(op), std::move(inputs), out});
}

Tape& active_tape() {
  thread_local Tape default_tape;
  return current_tape ? *current_tape : default_tape;
}

TapeScope::TapeScope() : previous_(current_tape) { current_tape = &tape_; }
TapeScope::~TapeScope() { current_tape = previous_; }

bool grad_enabled() { return recording; }
NoGrad::NoGrad() : NoGrad(false) {}
NoGrad::NoGrad(bool enabled) : previous_(recording) { recording = enabled; }
NoGrad::~NoGrad() { recording = previous_; }

bool anomaly_enabled() { return anomaly; }
DetectAnomaly::DetectAnomaly() : previous_(anomaly) { anomaly = true; }
DetectAnomaly::~DetectAnomaly() { anomaly = previous_; }

bool all_finite(const Tensor& t) {
  for (double v : t.to_vector())
    if (!std::isfinite(v)) return false;
  return true;
}

namespace detail {

InBackward::InBackward() : previous_(in_backward) { in_backward = true; }
InBackward::~InBackward() { in_backward = previous_; }

bool any_requires_grad(std::span<const Var> inputs) {
  for (const Var& v : inputs)
    if (v.requires_grad()) return true;
  return false;
}

Var finish(std::unique_ptr<OpBase> (*make)(void*), void* op, std::string_view name, std::vector<Var> inputs,
           Tensor value) {
  if (anomaly && !in_backward && !all_finite(value)) {
    std::string shapes;
    for (const Var& v : inputs) shapes += (shapes.empty() ? "" : ", ") + to_string(v.shape());
    throw ValueError(fmt::format("{}: forward produced NaN or Inf; inputs {}", name, shapes));
  }
  Var out(std::move(value));
  if (recording && any_requires_grad(inputs)) active_tape().record(make(op), std::move(inputs), out);
  return out;
}

}  // namespace detail
}  // namespace autodiff

namespace autodiff {

Tensor Ctx::grad_out(size_t i, const Tensor& like) const {
  const Tensor b = i < reserved.size() ? reserved[i] : Tensor();
  // Kernels take rows with a stride: a 2-d block of columns, or any contiguous block.
  const bool rows = b.defined() && (b.is_contiguous() || (b.rank() == 2 && b.strides()[1] == 1));
  return rows && b.shape() == like.shape() && b.dtype() == like.dtype() ? b : Tensor::empty(like.shape(), like.dtype());
}

}  // namespace autodiff
