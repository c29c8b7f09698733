#pragma once
// Atomic file replacement: a reader sees either the old file or the complete
// new one, never a torn write, even if the process dies or the disk fills
// midway. Checkpoints and saved weights go through here.
#include <filesystem>
#include <functional>
#include <ostream>
#include <string_view>

namespace nn::io {

/// Replaces `path` with what `write` puts on the stream: a temporary beside it, flushed, fsynced, renamed over it.
/// A stream or OS failure throws autodiff::IoError naming `path`; an exception from `write` propagates
/// unchanged. On any failure the temporary is removed and the previous file is left as it was.
/// It first removes the temporaries of `path` that a killed writer left (its process gone, unwritten 10 minutes).
void write_atomic(const std::filesystem::path& path, const std::function<void(std::ostream&)>& write);
/// write_atomic of bytes already in memory.
void write_atomic(const std::filesystem::path& path, std::string_view bytes);

}  // namespace nn::io
