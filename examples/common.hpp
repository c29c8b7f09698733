#pragma once
// Shared by the MNIST examples: flags, data loading, and saving, loading and resuming training.
#include <fmt/core.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "autodiff/autodiff.hpp"
#include "examples/cli/flags.hpp"
#include "examples/cli/interrupt.hpp"
#include "examples/cli/paths.hpp"
#include "examples/distribution.hpp"
#include "nn/data/mnist.hpp"
#include "nn/data/tensors.hpp"
#include "nn/saving/checkpoint.hpp"
#include "nn/saving/model_checkpoint.hpp"

namespace examples {

using cli::Flags;

/// --data, --epochs (default `epochs`), --batch-size, --threads, --seed and --limit, then `extra`.
inline std::vector<cli::Flag> training_flags(int64_t epochs, std::vector<cli::Flag> extra = {}) {
  constexpr int64_t kMaxInt = 2147483647, kMaxInt64 = 9223372036854775807;
  std::vector<cli::Flag> flags{
      cli::text("data", "", "directory of the IDX files; none = data/mnist or the usual places"),
      cli::integer("epochs", epochs, 1, kMaxInt, "passes over the training data"),
      cli::integer("batch-size", 128, 1, kMaxInt64, "samples per optimizer step"),
      cli::integer("threads", 0, 0, 1024, "worker threads for the kernels, 0 = all cores"),
      cli::unsigned_integer("seed", 0, "seeds the initial weights and the shuffling"),
      cli::integer("limit", 0, 0, kMaxInt64, "train on the first N training samples only, 0 = all")};
  flags.insert(flags.end(), extra.begin(), extra.end());
  return flags;
}

/// --fashion 1 trains on Fashion-MNIST instead of MNIST.
inline cli::Flag fashion_flag() { return cli::integer("fashion", 0, 0, 1, "1 trains on Fashion-MNIST instead"); }

/// Adds --save PATH, --load PATH and --checkpoint-dir DIR (see persist_before/after).
inline std::vector<cli::Flag> with_persistence(std::vector<cli::Flag> flags) {
  flags.push_back(cli::text("save", "", "write the trained weights to this safetensors file when training ends"));
  flags.push_back(cli::text("load", "", "start from the weights in this file, one written by --save"));
  flags.push_back(cli::text("checkpoint-dir", "",
                            "checkpoint every epoch and on Ctrl-C to DIR/last.safetensors; resume from it"));
  return flags;
}

/// Parses argv: --help prints each flag and exits 0; a bad value, an unwritable --save or --checkpoint-dir,
/// or a checkpoint given to --load is a cli::FlagError, all before any data is loaded.
inline Flags parse(int argc, char** argv, std::vector<cli::Flag> declared) {
  Flags flags(argc, argv, std::move(declared));
  if (flags.help_requested()) {
    fmt::print("{}", flags.help_text(std::filesystem::path(argv[0]).filename().string()));
    std::exit(0);
  }
  if (!flags.declares("save")) return flags;
  if (const auto path = flags.optional("save")) cli::check_save_path(*path);
  if (const auto path = flags.optional("load")) cli::check_load_path(*path);
  if (const auto dir = flags.optional("checkpoint-dir")) cli::check_checkpoint_dir(*dir);
  return flags;
}

/// Before fit: --load starts from saved weights; --checkpoint-dir DIR checkpoints every epoch to
/// DIR/last.safetensors and, when that file exists, resumes from it (options.initial_epoch).
inline void persist_before(const Flags& flags, nn::Model& model, nn::FitOptions& options) {
  if (const auto path = flags.optional("load")) {
    on_every_rank("--load", [&] { model.load_weights(*path); });
    fmt::print("Loaded weights from {}\n", *path);
  }
  const auto dir = flags.optional("checkpoint-dir");
  if (!dir) return;
  const std::filesystem::path last = std::filesystem::path(*dir) / "last.safetensors";
  if (std::filesystem::exists(last)) {
    on_every_rank("--checkpoint-dir", [&] { options.initial_epoch = nn::load_checkpoint(last, model); });
    fmt::print("Resuming from {} after epoch {}\n", last.string(), options.initial_epoch);
  }
  options.callbacks.push_back(nn::callbacks::ModelCheckpoint(last.string()));
}

/// After fit: --save writes the weights (safetensors).
inline void persist_after(const Flags& flags, const nn::Model& model) {
  if (const auto path = flags.optional("save"); path && runs_chief_only(strategy().get())) {
    model.save_weights(*path);
    fmt::print("Saved weights to {}\n", *path);
  }
}

/// After a Ctrl-C: where the work went. --save is not written, as it would pass a half-trained model
/// for a finished one.
inline void report_interrupt(const Flags& flags) {
  if (const auto dir = flags.optional("checkpoint-dir"))
    fmt::print("Interrupted; the checkpoint is in {}: run again with --checkpoint-dir {} to resume\n",
               (std::filesystem::path(*dir) / "last.safetensors").string(), *dir);
  else
    fmt::print("Interrupted; nothing saved (--checkpoint-dir DIR keeps an interrupted run)\n");
}

/// MNIST from --data (or the usual places), or Fashion-MNIST when fashion is set;
/// --limit N keeps the first N training samples.
inline nn::data::Mnist load_alone(const Flags& flags, bool fashion) {
  nn::data::Mnist d;
  if (fashion) {
    const auto dir = flags.optional("data");
    d = dir ? nn::data::load_fashion_mnist(*dir) : nn::data::load_fashion_mnist();
  } else {
    const auto dir = flags.optional("data");
    d = nn::data::load_mnist(nn::data::find_mnist_dir(dir ? std::optional<std::filesystem::path>(*dir) : std::nullopt));
  }
  if (const int64_t limit = flags.integer("limit"); limit > 0) d.train = nn::data::head(d.train, limit);
  return d;
}

/// load_alone on every rank: when some rank cannot read the data, every rank stops naming it.
inline nn::data::Mnist load(const Flags& flags, bool fashion = false) {
  nn::data::Mnist d;
  on_every_rank("loading the data", [&] { d = load_alone(flags, fashion); });
  return d;
}

/// Applies --threads and --seed (before the model is built, so its initial weights follow the seed); under
/// mpirun, starts MPI (examples/distribution.hpp).
inline void setup(const Flags& flags) {
  start_distribution();
  autodiff::set_num_threads(static_cast<int>(flags.integer("threads")));  // at most 1024: parse checked it
  autodiff::manual_seed(flags.unsigned_integer("seed"));
}

/// Trains on the training split shaped per sample as `per_sample`, validating on the test split;
/// honours --epochs, --batch-size, --save, --load and --checkpoint-dir; ends with "Test accuracy: …".
/// Ctrl-C stops after the current batch (with a checkpoint under --checkpoint-dir) and skips the rest.
inline void train_and_report(const Flags& flags, nn::Model& model, const nn::data::Mnist& data,
                             const autodiff::Shape& per_sample) {
  const autodiff::Tensor x_test = nn::data::images(data.test, per_sample);
  const autodiff::Tensor y_test = nn::data::one_hot_labels(data.test);
  nn::FitOptions options{.batch_size = flags.integer("batch-size"),
                         .epochs = static_cast<int>(flags.integer("epochs")),  // at most INT_MAX: parse checked it
                         .validation_data = std::pair{x_test, y_test},
                         .strategy = strategy()};
  persist_before(flags, model, options);
  options.callbacks.push_back(cli::StopOnInterrupt());
  {
    const cli::InterruptScope on_ctrl_c;
    fmt::print("Training; Ctrl-C stops after the current batch\n");
    std::fflush(stdout);  // a script watching the output knows training has begun
    model.fit(nn::data::images(data.train, per_sample), nn::data::one_hot_labels(data.train), options);
  }
  if (cli::interrupted()) return report_interrupt(flags);
  persist_after(flags, model);
  const auto logs = model.evaluate(x_test, y_test, 128, strategy());
  fmt::print("Test loss: {:.4f}\nTest accuracy: {:.4f}\n", logs.at("loss"), logs.at("accuracy"));
}

/// Runs an example's body; an error prints "<name>: <what>" and exits with 1, a Ctrl-C exits with 130 (as a
/// shell reports a process that SIGINT ended).
template <class Body>
int guarded(const char* name, Body body) {
  try {
    body();
    return cli::interrupted() ? 130 : 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}: {}\n", name, e.what());
    return 1;
  }
}

}  // namespace examples
