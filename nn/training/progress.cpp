#include "nn/training/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <iostream>
#include <vector>

namespace nn {

std::string format_logs(const Logs& logs) {
  // Keras' order: the loss, the metrics, then their validation counterparts.
  auto rank = [](const std::string& k) {
    const bool val = k.starts_with("val_");
    const bool loss = k == (val ? "val_loss" : "loss");
    return (val ? 2 : 0) + (loss ? 0 : 1);
  };
  std::string s;
  for (int r = 0; r < 4; ++r)
    for (const auto& [key, v] : logs) {
      if (rank(key) != r) continue;
      s += std::abs(v) > 1e-3 || v == 0 ? fmt::format(" - {}: {:.4f}", key, v) : fmt::format(" - {}: {:.4e}", key, v);
    }
  return s;
}

std::string format_bar(int64_t current, int64_t target) {
  constexpr int64_t kWidth = 30;
  const int digits = static_cast<int>(std::to_string(target).size());
  const int64_t filled = target > 0 ? kWidth * current / target : kWidth;
  std::string bar;
  if (filled > 0) bar = std::string(static_cast<size_t>(filled - 1), '=') + (current < target ? '>' : '=');
  bar += std::string(static_cast<size_t>(kWidth - filled), '.');
  return fmt::format("{:>{}}/{} [{}]", current, digits, target, bar);
}

std::string format_eta(double seconds) {
  const auto s = static_cast<int64_t>(seconds);
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60);
  if (s >= 60) return fmt::format("{}:{:02}", s / 60, s % 60);
  return fmt::format("{}s", s);
}

namespace {
std::string per_step(double seconds) {
  if (seconds < 1e-3) return fmt::format("{:.0f}us/step", seconds * 1e6);
  if (seconds < 1) return fmt::format("{:.0f}ms/step", seconds * 1e3);
  return fmt::format("{:.0f}s/step", seconds);
}
}  // namespace

bool is_terminal(const std::ostream& out) {
  if (&out == &std::cout) return isatty(STDOUT_FILENO) != 0;
  if (&out == &std::cerr) return isatty(STDERR_FILENO) != 0;
  return false;
}

ProgbarLogger::ProgbarLogger(std::ostream& out, int verbose, bool terminal)
    : out_(&out), verbose_(verbose), terminal_(terminal) {}

void ProgbarLogger::on_epoch_begin(int epoch, const Logs&) {
  *out_ << fmt::format("Epoch {}/{}\n", epoch + 1, params().epochs) << std::flush;
  start_ = last_draw_ = Clock::now();
  seen_ = 0;
}

void ProgbarLogger::on_batch_end(int64_t batch, const Logs& logs) {
  seen_ = batch + 1;
  if (verbose_ != 1 || !terminal_ || seen_ >= params().steps) return;
  // Redrawing more often than 20 times a second costs time and shows nothing new.
  if (seen_ > 1 && Clock::now() - last_draw_ < std::chrono::milliseconds(50)) return;
  last_draw_ = Clock::now();
  const double eta = elapsed() / double(seen_) * double(params().steps - seen_);
  *out_ << "\r" << format_bar(seen_, params().steps) << " - ETA: " << format_eta(eta) << format_logs(logs) << "\x1b[K"
        << std::flush;  // erase what a longer previous line left
}

void ProgbarLogger::on_epoch_end(int, const Logs& logs) {
  const double t = elapsed();
  const std::string time = fmt::format(" - {:.0f}s", t);
  if (verbose_ == 2) {
    *out_ << fmt::format("{}/{}", seen_, params().steps) << time << format_logs(logs) << "\n" << std::flush;
    return;
  }
  *out_ << (terminal_ ? "\r" : "") << format_bar(seen_, params().steps) << time << " "
        << per_step(t / double(std::max<int64_t>(seen_, 1))) << format_logs(logs) << (terminal_ ? "\x1b[K" : "") << "\n"
        << std::flush;
}

}  // namespace nn
