#include "distributed/context.hpp"

#include <mpi.h>

#include <cstdlib>
#include <string>

namespace distributed {
namespace {

std::shared_ptr<boost::mpi::environment> shared_environment() {
  // One environment per process, shared by every Context: MPI can be initialised only once.
  static std::weak_ptr<boost::mpi::environment> current;
  if (auto env = current.lock()) return env;
  if (boost::mpi::environment::initialized()) return nullptr;  // started by the caller, who also ends it
  // Open MPI's MPI_Iallreduce (coll/libnbc) reduces over a binomial tree when there are fewer than 4 ranks or
  // the buffer is in place, as our buckets are: every byte goes to one rank and back, 1.5-2.5x the time of the
  // blocking allreduce here (docs/performance.md). Reduce-scatter + allgather (3) moves each byte once each way
  // and gives every rank the same bits. A choice made with mpirun --mca or the environment wins.
  setenv("OMPI_MCA_coll_libnbc_iallreduce_algorithm", "3", 0);
  auto env = std::make_shared<boost::mpi::environment>(boost::mpi::threading::funneled);
  current = env;
  return env;
}

int local_rank_of(const boost::mpi::communicator& world) {
  if (const char* r = std::getenv("OMPI_COMM_WORLD_LOCAL_RANK")) return std::atoi(r);
  MPI_Comm node;
  MPI_Comm_split_type(world, MPI_COMM_TYPE_SHARED, world.rank(), MPI_INFO_NULL, &node);
  int rank = 0;
  MPI_Comm_rank(node, &rank);
  MPI_Comm_free(&node);
  return rank;
}

}  // namespace

Context::Context() : env_(shared_environment()), world_(), local_rank_(local_rank_of(world_)) {}

bool launched_by_mpirun() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}) {
    const char* v = std::getenv(name);
    if (v && std::atoi(v) > 1) return true;
  }
  return false;
}

}  // namespace distributed
