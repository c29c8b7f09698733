#pragma once
// The examples under mpirun: started by mpirun/mpiexec/srun as one of several processes, they train
// data-parallel (distributed::DataParallel) with no change to their command line; rank 0 alone prints and writes
// files. Started alone, nothing here does anything. docs/distributed.md.
#include <cstdio>
#include <iostream>
#include <memory>

#include "distributed/collectives.hpp"
#include "distributed/data_parallel.hpp"

namespace examples {

/// The data-parallel strategy when started by mpirun as one of several processes, else null.
inline std::shared_ptr<nn::Strategy> strategy() {
  static const std::shared_ptr<distributed::DataParallel> s = [] {
    if (!distributed::launched_by_mpirun()) return std::shared_ptr<distributed::DataParallel>();
    static distributed::Context context;  // MPI lives until the program ends
    return std::make_shared<distributed::DataParallel>(context);
  }();
  return s;
}

/// Starts MPI under mpirun; every rank but 0 then prints nothing to stdout (errors still go to stderr).
inline void start_distribution() {
  const auto s = strategy();
  if (!s || s->is_chief()) return;
  std::cout.setstate(std::ios::failbit);
  if (!std::freopen("/dev/null", "w", stdout)) std::cout.clear();
}

/// Runs f on every rank; when it fails on some, every rank fails naming them (no rank waits for a lost one).
template <class F>
void on_every_rank(const char* what, F f) {
  if (const auto s = std::dynamic_pointer_cast<distributed::DataParallel>(strategy()))
    distributed::on_every_rank(s->communicator(), what, f);
  else
    f();
}

}  // namespace examples
