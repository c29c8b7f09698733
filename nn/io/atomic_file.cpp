#include "nn/io/atomic_file.hpp"

#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <streambuf>
#include <string>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "autodiff/error.hpp"

namespace nn::io {
namespace {

namespace fs = std::filesystem;

// A temporary is "<target>.tmp.<pid>.<counter>"; writer_of parses the same pattern back.
constexpr std::string_view kTempInfix = ".tmp.";
// How long a temporary must have gone unwritten, besides its writer being gone, before it counts as stale.
constexpr auto kStaleAge = std::chrono::minutes(10);

// err is an errno value, or 0 when the failure has no OS cause (a stream the writer marked bad).
[[noreturn]] void fail(const fs::path& path, std::string_view what, int err) {
  throw autodiff::IoError(fmt::format("write_atomic: {}: {}: {}; the previous file is unchanged", path.string(),
                                      what, err != 0 ? std::strerror(err) : "the output stream reported an error"));
}

// Writes all n bytes, retrying the short writes and interruptions POSIX allows; false (errno set) on failure.
bool write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// A streambuf over a raw descriptor, so the bytes reach a file we can fsync ourselves (std::ofstream hides
// its descriptor). A failed write(2) makes the stream bad and keeps errno for the message.
class FdBuf final : public std::streambuf {
 public:
  explicit FdBuf(int fd) : fd_(fd), buf_(std::size_t{1} << 16) { setp(buf_.data(), buf_.data() + buf_.size()); }
  int error() const { return error_; }

 protected:
  int_type overflow(int_type ch) override {
    if (!drain()) return traits_type::eof();
    if (!traits_type::eq_int_type(ch, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(ch);
      pbump(1);
    }
    return traits_type::not_eof(ch);
  }
  int sync() override { return drain() ? 0 : -1; }

 private:
  bool drain() {
    if (error_ != 0) return false;
    if (!write_all(fd_, pbase(), static_cast<std::size_t>(pptr() - pbase()))) {
      error_ = errno != 0 ? errno : EIO;
      return false;
    }
    setp(buf_.data(), buf_.data() + buf_.size());
    return true;
  }

  int fd_;
  std::vector<char> buf_;
  int error_ = 0;
};

// The temporary beside the target; unless committed, the destructor closes and removes it, so every exit
// path (a throwing writer included) leaves nothing behind.
class TempFile {
 public:
  explicit TempFile(const fs::path& target) : target_(target) {
    static std::atomic<unsigned> counter{0};
    // pid + counter is unique among live writers; O_EXCL refuses a stale file left by a crashed process.
    for (int attempt = 0; attempt < 100 && fd_ < 0; ++attempt) {
      path_ = target.string() + fmt::format("{}{}.{}", kTempInfix, ::getpid(), counter++);
      fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (fd_ < 0 && errno != EEXIST) break;
    }
    if (fd_ < 0) fail(target, fmt::format("cannot create the temporary {}", path_.string()), errno);
  }
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  int fd() const { return fd_; }
  // fsync before rename: otherwise a crash can leave the new name pointing at a file with no data.
  void commit() {
    if (::fsync(fd_) != 0) fail(target_, fmt::format("fsync of {} failed", path_.string()), errno);
    int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0) fail(target_, fmt::format("closing {} failed", path_.string()), errno);
    if (::rename(path_.c_str(), target_.c_str()) != 0)
      fail(target_, fmt::format("renaming {} over it failed", path_.string()), errno);
    committed_ = true;
  }

 private:
  fs::path target_;
  fs::path path_;
  int fd_ = -1;
  bool committed_ = false;
};

// Makes the rename itself durable. Best effort: some file systems refuse fsync on a directory, and the new
// file is already complete and in place, so a failure here is not worth reporting as a failed save.
void sync_directory(const fs::path& target) {
  fs::path dir = target.parent_path();
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// The writer's pid when `name` is "<prefix><pid>.<counter>" (prefix "<target name>.tmp."), else 0.
pid_t writer_of(std::string_view name, std::string_view prefix) {
  if (!name.starts_with(prefix)) return 0;
  name.remove_prefix(prefix.size());
  pid_t pid = 0;
  unsigned counter = 0;
  const char* end = name.data() + name.size();
  auto r = std::from_chars(name.data(), end, pid);
  if (r.ec != std::errc{} || r.ptr == end || *r.ptr != '.') return 0;
  r = std::from_chars(r.ptr + 1, end, counter);
  return r.ec == std::errc{} && r.ptr == end ? pid : 0;
}

// A save killed between creating its temporary and the rename leaves the temporary behind for good. This
// removes target's temporaries whose writer process is gone AND that nobody has written for kStaleAge.
// Either test alone could hit a live writer: a pid means nothing to another machine or pid namespace sharing
// the directory, and a slow writer can pause. Best effort: a failure here never fails the save.
void remove_stale_temporaries(const fs::path& target) {
  const fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  const std::string prefix = target.filename().string() + std::string(kTempInfix);
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const pid_t pid = writer_of(it->path().filename().string(), prefix);
    if (pid <= 0 || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
    std::error_code file_ec;
    const auto written = fs::last_write_time(it->path(), file_ec);
    if (file_ec || fs::file_time_type::clock::now() - written < kStaleAge) continue;
    fs::remove(it->path(), file_ec);
  }
}

}  // namespace

void write_atomic(const std::filesystem::path& path, const std::function<void(std::ostream&)>& write) {
  remove_stale_temporaries(path);
  TempFile tmp(path);
  FdBuf buf(tmp.fd());
  std::ostream out(&buf);
  write(out);
  out.flush();
  if (!out) fail(path, "writing failed", buf.error());
  tmp.commit();
  sync_directory(path);
}

void write_atomic(const std::filesystem::path& path, std::string_view bytes) {
  write_atomic(path, [bytes](std::ostream& out) { out.write(bytes.data(), static_cast<std::streamsize>(bytes.size())); });
}

}  // namespace nn::io
