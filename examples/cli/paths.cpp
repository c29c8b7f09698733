#include "examples/cli/paths.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

#include "examples/cli/flags.hpp"
#include "nn/saving/checkpoint.hpp"
#include "nn/io/safetensors.hpp"

namespace examples::cli {

namespace fs = std::filesystem;

void check_writable_dir(const fs::path& dir, std::string_view flag) {
  // Creating a file meets exactly what the later save will (permissions, a read-only mount, a missing
  // directory); access(2) answers for the real user id and would pass root everywhere.
  const fs::path probe = dir / fmt::format(".wengert-write-test.{}", ::getpid());
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    throw FlagError(fmt::format("--{}: cannot write in '{}': {}", flag, dir.string(), std::strerror(errno)));
  ::close(fd);
  ::unlink(probe.c_str());
}

void check_save_path(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw FlagError(fmt::format("--save: '{}' is a directory; give a file name", path.string()));
  check_writable_dir(path.parent_path().empty() ? fs::path(".") : path.parent_path(), "save");
}

void check_checkpoint_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw FlagError(fmt::format("--checkpoint-dir: cannot create '{}': {}", dir.string(), ec.message()));
  check_writable_dir(dir, "checkpoint-dir");
}

void check_load_path(const fs::path& path) {
  if (nn::io::load_safetensors_metadata(path).contains(nn::kCheckpointMetadataKey))
    throw FlagError(fmt::format(
        "--load: '{}' is a training checkpoint, not a weights file; to resume from it, use --checkpoint-dir DIR "
        "with the file at DIR/last.safetensors",
        path.string()));
}

}  // namespace examples::cli
