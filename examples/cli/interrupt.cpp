#include "examples/cli/interrupt.hpp"

#include <fmt/core.h>

#include <atomic>
#include <csignal>

#include "nn/training/model.hpp"

namespace examples::cli {
namespace {

// The handler may run on any thread (oneTBB's workers too), so the flag is an atomic, and a lock-free one,
// which is what makes touching it from a signal handler safe.
std::atomic<bool> sigint_seen{false};
static_assert(std::atomic<bool>::is_always_lock_free);

struct sigaction previous_action {};

extern "C" void on_sigint(int) { sigint_seen.store(true); }

}  // namespace

InterruptScope::InterruptScope() {
  struct sigaction action {};
  action.sa_handler = on_sigint;
  sigemptyset(&action.sa_mask);
  // SA_RESETHAND puts SIG_DFL back as the handler runs, so a second Ctrl-C kills at once, as usual.
  action.sa_flags = SA_RESETHAND;
  struct sigaction old {};
  if (::sigaction(SIGINT, nullptr, &old) != 0 || old.sa_handler == SIG_IGN) return;
  installed_ = ::sigaction(SIGINT, &action, &previous_action) == 0;
}

InterruptScope::~InterruptScope() {
  if (installed_) ::sigaction(SIGINT, &previous_action, nullptr);
}

bool interrupted() { return sigint_seen.load(); }

void StopOnInterrupt::on_epoch_begin(int epoch, const nn::Logs&) { epoch_ = epoch; }

void StopOnInterrupt::on_batch_end(int64_t batch, const nn::Logs&) {
  if (!interrupted() || model().stop_training) return;
  model().stop_training = true;
  fmt::print("\nInterrupted: stopping after batch {} of epoch {} (Ctrl-C again quits at once)\n", batch + 1,
             epoch_ + 1);
}

}  // namespace examples::cli
