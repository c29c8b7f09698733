#include "nn/io/atomic_file.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <streambuf>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "autodiff/error.hpp"

namespace nn::io {
namespace {

namespace fs = std::filesystem;

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
      path_ = target.string() + fmt::format(".tmp.{}.{}", ::getpid(), counter++);
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

}  // namespace

void write_atomic(const std::filesystem::path& path, const std::function<void(std::ostream&)>& write) {
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
