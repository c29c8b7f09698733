// A small seeded training run for tests/distributed/kill_rank.sh and resume_at_one.sh: checkpoints after every epoch (rank 0),
// resumes from a checkpoint, and prints the final state's hash and squared norm. Each step sleeps a little, so an epoch lasts
// long enough to kill a rank in the middle of one.
// usage: distributed_train_tool CHECKPOINT EPOCHS [resume]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "nn/saving/checkpoint.hpp"
#include "tests/distributed/common.hpp"

int main(int argc, char** argv) {
  using namespace dist_test;
  if (argc < 3) return 2;
  const std::string checkpoint = argv[1];
  const int epochs = std::atoi(argv[2]);
  const bool resume = argc > 3 && std::string(argv[3]) == "resume";
  auto s = strategy();
  std::printf("rank %d pid %d\n", s->rank(), int(getpid()));
  std::fflush(stdout);
  const auto d = nn_test::blobs(1024, 11);
  nn::Sequential model = mlp(21);
  model.compile("categorical_crossentropy", nn::Adam(0.01));
  model.build(autodiff::Shape{4});
  int initial_epoch = 0;
  if (resume)
    distributed::on_every_rank(s->communicator(), "load_checkpoint",
                               [&] { initial_epoch = nn::load_checkpoint(checkpoint, model); });
  nn::FitOptions o{.batch_size = 32, .epochs = epochs, .verbose = 0, .seed = 3, .initial_epoch = initial_epoch,
                   .strategy = s};
  o.callbacks.push_back(nn::callbacks::ModelCheckpoint(checkpoint, {.save_weights_only = false}));
  o.callbacks.push_back(nn::callbacks::LambdaCallback(
      {.on_batch_end = [](int64_t, const nn::Logs&) { std::this_thread::sleep_for(std::chrono::milliseconds(8)); }}));
  model.fit(d.x, d.y, o);
  double norm2 = 0;  // for comparing runs at different rank counts, whose bits differ by summation order
  for (const auto& [name, v] : model.named_state())
    for (double e : v.value().to_vector()) norm2 += e * e;
  if (s->is_chief())
    std::printf("resumed at %d, hash %016llx, norm2 %.17g\n", initial_epoch, (unsigned long long)state_hash(model),
                norm2);
  return 0;
}
