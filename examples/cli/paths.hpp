#pragma once
// Checks of the paths the examples write and read, made before any data is loaded or any training
// runs: a typo in --save must not cost a whole training run.
#include <filesystem>
#include <string_view>

namespace examples::cli {

/// FlagError "--<flag>: cannot write in '<dir>': <reason>" unless a file can be created and removed in dir.
void check_writable_dir(const std::filesystem::path& dir, std::string_view flag);
/// --save PATH: not a directory, and its directory exists and is writable.
void check_save_path(const std::filesystem::path& path);
/// --checkpoint-dir DIR: created when missing, then writable.
void check_checkpoint_dir(const std::filesystem::path& dir);
/// --load PATH: a weights file; a checkpoint is refused with a pointer to --checkpoint-dir.
void check_load_path(const std::filesystem::path& path);

}  // namespace examples::cli
