#include <boost/test/unit_test.hpp>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <string>

#include <unistd.h>

#include "autodiff/error.hpp"
#include "nn/io/atomic_file.hpp"
#include "nn/io/safetensors.hpp"
#include "tests/scratch.hpp"

namespace fs = std::filesystem;
using autodiff::IoError;
using nn::io::write_atomic;
using testing::Scratch;

namespace {

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// No process has a pid above the kernel's pid_max, so this writer is surely gone.
long dead_pid() {
  long max = 4'194'304;
  std::ifstream("/proc/sys/kernel/pid_max") >> max;
  return max + 1;
}

// A temporary as a writer with this pid would have left it beside `target`, last written `age` ago.
fs::path leftover(const fs::path& target, long pid, std::chrono::minutes age) {
  const fs::path tmp = target.string() + ".tmp." + std::to_string(pid) + ".0";
  std::ofstream(tmp) << "half a file";
  fs::last_write_time(tmp, fs::file_time_type::clock::now() - age);
  return tmp;
}

bool names(const IoError& e, const fs::path& p) { return std::string(e.what()).find(p.string()) != std::string::npos; }

}  // namespace

BOOST_FIXTURE_TEST_CASE(replaces_the_file_and_leaves_no_temporary, Scratch) {
  const fs::path path = dir / "w.bin";
  write_atomic(path, "old");
  write_atomic(path, std::string(200'000, 'n'));  // larger than the stream buffer
  BOOST_TEST(read_all(path) == std::string(200'000, 'n'));
  BOOST_TEST(files() == 1u);
}

BOOST_FIXTURE_TEST_CASE(writer_throwing_midway_keeps_the_old_file, Scratch) {
  const fs::path path = dir / "w.bin";
  write_atomic(path, "old contents");
  auto half_then_throw = [](std::ostream& out) {
    out << std::string(100'000, 'x');  // some of it has reached the temporary by now
    throw std::runtime_error("disk pulled");
  };
  BOOST_CHECK_THROW(write_atomic(path, half_then_throw), std::runtime_error);
  BOOST_TEST(read_all(path) == "old contents");
  BOOST_TEST(files() == 1u);
}

BOOST_FIXTURE_TEST_CASE(stream_error_is_an_io_error_and_keeps_the_old_file, Scratch) {
  const fs::path path = dir / "w.bin";
  write_atomic(path, "old contents");
  auto full_disk = [](std::ostream& out) {
    out << "partial";
    out.setstate(std::ios::badbit);  // what a failed write(2), e.g. ENOSPC, does to the stream
  };
  BOOST_CHECK_EXCEPTION(write_atomic(path, full_disk), IoError, [&](const IoError& e) { return names(e, path); });
  BOOST_TEST(read_all(path) == "old contents");
  BOOST_TEST(files() == 1u);
}

BOOST_FIXTURE_TEST_CASE(missing_directory_is_an_io_error_naming_the_path, Scratch) {
  const fs::path path = dir / "no" / "such" / "w.bin";
  BOOST_CHECK_EXCEPTION(write_atomic(path, "x"), IoError, [&](const IoError& e) { return names(e, path); });
}

BOOST_FIXTURE_TEST_CASE(target_that_is_a_directory_is_an_io_error_and_cleans_up, Scratch) {
  const fs::path path = dir / "sub";
  fs::create_directories(path / "child");
  BOOST_CHECK_EXCEPTION(write_atomic(path, "x"), IoError, [&](const IoError& e) { return names(e, path); });
  BOOST_TEST(fs::is_directory(path / "child"));
  BOOST_TEST(files() == 1u);
}

BOOST_FIXTURE_TEST_CASE(failed_save_safetensors_keeps_the_previous_weights, Scratch) {
  const fs::path path = dir / "model.safetensors";
  nn::io::save_safetensors(path, {{"w", autodiff::Tensor::from({1, 2}, {2})}});
  const std::string before = read_all(path);
  const autodiff::Tensor t = autodiff::Tensor::scalar(3);
  BOOST_CHECK_THROW(nn::io::save_safetensors(path, {{"w", t}, {"w", t}}), autodiff::ValueError);
  BOOST_TEST(read_all(path) == before);
  BOOST_TEST(files() == 1u);
}

BOOST_FIXTURE_TEST_CASE(save_removes_a_dead_writers_old_temporary, Scratch) {
  const fs::path path = dir / "w.bin";
  const fs::path stale = leftover(path, dead_pid(), std::chrono::minutes(60));
  write_atomic(path, "new");
  BOOST_TEST(!fs::exists(stale));
  BOOST_TEST(files() == 1u);
}

BOOST_FIXTURE_TEST_CASE(save_keeps_a_recent_temporary_even_of_a_dead_writer, Scratch) {
  const fs::path path = dir / "w.bin";
  const fs::path recent = leftover(path, dead_pid(), std::chrono::minutes(1));  // maybe another machine's writer
  write_atomic(path, "new");
  BOOST_TEST(fs::exists(recent));
}

BOOST_FIXTURE_TEST_CASE(save_keeps_an_old_temporary_of_a_live_writer, Scratch) {
  const fs::path path = dir / "w.bin";
  const fs::path live = leftover(path, ::getppid(), std::chrono::minutes(60));
  write_atomic(path, "new");
  BOOST_TEST(fs::exists(live));
}

BOOST_FIXTURE_TEST_CASE(save_keeps_other_targets_and_other_names, Scratch) {
  const fs::path path = dir / "w.bin";
  const fs::path other_target = leftover(dir / "v.bin", dead_pid(), std::chrono::minutes(60));
  const fs::path not_ours = dir / "w.bin.tmp.notes";
  std::ofstream(not_ours) << "mine";
  fs::last_write_time(not_ours, fs::file_time_type::clock::now() - std::chrono::minutes(60));
  write_atomic(path, "new");
  BOOST_TEST(fs::exists(other_target));
  BOOST_TEST(fs::exists(not_ours));
}
