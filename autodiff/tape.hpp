#pragma once
// The tape (Wengert list): nodes in creation order, which is a topological
// order, so backward is one reverse loop. One tape is active per thread;
// TapeScope swaps in a fresh one. See docs/design.md, "The tape".
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "autodiff/var.hpp"

namespace autodiff {

class OpBase;

/// One recorded op (or a leaf, whose op is null).
struct Node {
  std::unique_ptr<OpBase> op;
  std::vector<Var> inputs;
  Var output;
};

class Tape {
 public:
  Tape();
  ~Tape();
  Tape(const Tape&) = delete;
  Tape& operator=(const Tape&) = delete;

  uint64_t id() const { return id_; }
  /// Bumped by clear(): Vars recorded in an earlier epoch are stale.
  uint64_t epoch() const { return epoch_; }
  int64_t size() const { return static_cast<int64_t>(nodes_.size()); }
  const Node& node(int64_t i) const { return nodes_[static_cast<size_t>(i)]; }
  /// Drops every node; Vars recorded so far become stale.
  void clear();

  /// Appends an op node with output `out` (library use: see apply()).
  void record(std::unique_ptr<OpBase> op, std::vector<Var> inputs, const Var& out);
  /// Throws TapeError when v was recorded on another tape or before the last clear().
  void check_current(const Var& v, std::string_view op) const;
  /// Enters a leaf that requires grad onto this tape (once per epoch); returns its node index.
  int64_t ensure_leaf(const Var& leaf);

 private:

  uint64_t id_;
  uint64_t epoch_ = 1;
  std::deque<Node> nodes_;  // a deque: backward with create_graph appends while it reads
};

/// The calling thread's active tape.
Tape& active_tape();

/// Makes a fresh tape active until the scope ends.
class TapeScope {
 public:
  TapeScope();
  ~TapeScope();
  TapeScope(const TapeScope&) = delete;
  TapeScope& operator=(const TapeScope&) = delete;
  Tape& tape() { return tape_; }

 private:
  Tape tape_;
  Tape* previous_;
};

/// Whether ops record onto the tape (false inside NoGrad).
bool grad_enabled();

/// Nothing is recorded inside this scope (inference, optimizer updates).
class NoGrad {
 public:
  NoGrad();
  ~NoGrad();
  NoGrad(const NoGrad&) = delete;
  NoGrad& operator=(const NoGrad&) = delete;

 protected:
  explicit NoGrad(bool enabled);

 private:
  bool previous_;
};

/// Recording is on inside this scope, even within a NoGrad.
class EnableGrad : public NoGrad {
 public:
  EnableGrad() : NoGrad(true) {}
};

/// Whether ops check their results for NaN and Inf.
bool anomaly_enabled();

/// Inside this scope the first op whose forward or backward yields NaN or Inf throws a ValueError naming it.
class DetectAnomaly {
 public:
  DetectAnomaly();
  ~DetectAnomaly();
  DetectAnomaly(const DetectAnomaly&) = delete;
  DetectAnomaly& operator=(const DetectAnomaly&) = delete;

 private:
  bool previous_;
};

/// True when every element is finite.
bool all_finite(const Tensor& t);

}  // namespace autodiff
