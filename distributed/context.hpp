#pragma once
// Context: this process's place in an MPI job. Construct one in main (it starts MPI, once per process; the last
// Context to go ends it); every other piece of Wengert::distributed takes its communicator.
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <memory>

namespace distributed {

class Context {
 public:
  /// Starts MPI (funneled: only the thread that made the Context calls MPI; oneTBB's workers never do).
  Context();
  int rank() const { return world_.rank(); }
  int size() const { return world_.size(); }
  /// The rank among the processes on this host (OMPI_COMM_WORLD_LOCAL_RANK, else a shared-memory split).
  int local_rank() const { return local_rank_; }
  bool is_chief() const { return rank() == 0; }
  const boost::mpi::communicator& communicator() const { return world_; }

 private:
  std::shared_ptr<boost::mpi::environment> env_;
  boost::mpi::communicator world_;
  int local_rank_ = 0;
};

/// Whether mpirun, mpiexec or srun started this process as one of several (its environment says a world size > 1).
bool launched_by_mpirun();

}  // namespace distributed
