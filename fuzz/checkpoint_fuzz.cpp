// libFuzzer harness: fuzz/run.sh builds and runs it; the target is in fuzz/targets.hpp.
#include <cstddef>
#include <cstdint>

#include "fuzz/targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::checkpoint({reinterpret_cast<const char*>(data), size});
  return 0;
}
