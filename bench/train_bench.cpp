// The reference MNIST models (examples/mnist_{mlp,cnn,lstm,transformer}.cpp) timed for
// training (fit: shuffled gather, forward, loss, backward, optimizer step) and
// inference (predict), plus a check that 1 and 2 threads train bit-identically.
// bench/torch_models.py builds the same models in PyTorch; bench/run.sh runs both.
//   train_bench [--model mlp|cnn|lstm|transformer|all] [--train-batches 32,128] [--infer-batches 128,1]
//               [--determinism-batches LIST] [--threads N] [--steps N] [--repeats R] [--json PATH|-]
// --steps is the number of batches per timed fit (and per predict at batch > 1; at batch 1,
// 4·steps single-sample predicts); an empty batch list skips that part.
#include <cstring>

#include "bench/bench_common.hpp"
#include "bench/reference_models.hpp"
#include "nn/data/batching.hpp"
#include "nn/data/mnist.hpp"
#include "nn/data/tensors.hpp"
#include "nn/nn.hpp"

using namespace nn;
using bench::reference_model;
using bench::sample_shape;

namespace {

FitOptions quiet(int64_t batch, uint64_t seed) {
  return {.batch_size = batch, .epochs = 1, .verbose = 0, .seed = seed};
}

// samples/s of fit over `steps` shuffled batches of the first steps·batch training images.
double train_rate(const std::string& name, const data::Mnist& mnist, int64_t batch, int64_t steps, int repeats) {
  const data::Split part = data::head(mnist.train, steps * batch);
  const Tensor x = data::images(part, sample_shape(name)), y = data::one_hot_labels(part);
  autodiff::manual_seed(0);
  auto model = reference_model(name);
  // Build, then warm up on one whole untimed pass, as the PyTorch side does: a 20-batch pass at
  // batch 32 lasts ~15 ms, and a fresh process's first one ran at half speed (the second thread
  // not yet in step, fresh pages) in about one bench run in three.
  model->fit(x, y, quiet(batch, 0));
  std::vector<double> rates;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = bench::Clock::now();
    model->fit(x, y, quiet(batch, uint64_t(r + 1)));
    rates.push_back(double(x.size(0)) / bench::seconds_since(t0));
  }
  return bench::median_of(rates);
}

// batch > 1: samples/s of predict over `steps` batches; batch 1: µs per single-sample predict.
double infer_value(const std::string& name, const data::Mnist& mnist, int64_t batch, int64_t steps, int repeats) {
  const int64_t n = batch == 1 ? 1 : steps * batch;
  const Tensor x = data::images(data::head(mnist.test, n), sample_shape(name));
  autodiff::manual_seed(0);
  auto model = reference_model(name);
  (void)model->predict(x, batch);  // build + warm up
  const int calls = batch == 1 ? int(std::max<int64_t>(steps, 1) * 4) : 1;
  std::vector<double> values;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = bench::Clock::now();
    for (int c = 0; c < calls; ++c) (void)model->predict(x, batch);
    const double s = bench::seconds_since(t0);
    values.push_back(batch == 1 ? s / calls * 1e6 : double(n) / s);
  }
  return bench::median_of(values);
}

std::vector<unsigned char> weight_bytes(const Model& model) {
  std::vector<unsigned char> bytes;
  for (const auto& [name, p] : model.named_parameters()) {
    const Tensor v = p.value().contiguous();
    const auto* begin = reinterpret_cast<const unsigned char*>(v.data<float>());
    bytes.insert(bytes.end(), begin, begin + v.numel() * int64_t(sizeof(float)));
  }
  return bytes;
}

// Trains `steps` batches from the same seed at 1 and at 2 threads; 1 when the weights match bit for bit.
double deterministic(const std::string& name, const data::Mnist& mnist, int64_t batch, int64_t steps) {
  const data::Split part = data::head(mnist.train, steps * batch);
  const Tensor x = data::images(part, sample_shape(name)), y = data::one_hot_labels(part);
  std::vector<std::vector<unsigned char>> weights;
  for (int threads : {1, 2}) {
    autodiff::set_num_threads(threads);
    autodiff::manual_seed(0);
    auto model = reference_model(name);
    model->fit(x, y, quiet(batch, 7));
    weights.push_back(weight_bytes(*model));
  }
  return weights[0].size() == weights[1].size() &&
                 std::memcmp(weights[0].data(), weights[1].data(), weights[0].size()) == 0
             ? 1.0
             : 0.0;
}

std::vector<int64_t> batches(const std::string& list) {
  std::vector<int64_t> out;
  for (size_t pos = 0; pos < list.size();) {
    const size_t end = std::min(list.find(',', pos), list.size());
    out.push_back(std::stoll(list.substr(pos, end - pos)));
    pos = end + 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) try {
  const bench::Flags flags(argc, argv,
                           {{"model", "all"}, {"train-batches", "32,128"}, {"infer-batches", "128,1"},
                            {"determinism-batches", ""}, {"threads", "1"}, {"steps", "20"}, {"repeats", "1"},
                            {"json", ""}, {"data", ""}});
  const std::string which = flags.str("model");
  const int threads = int(flags.integer("threads"));
  const int64_t steps = flags.integer("steps");
  const int repeats = int(std::max<int64_t>(1, flags.integer("repeats")));
  autodiff::set_num_threads(threads);
  const auto data_flag = flags.str("data");
  const data::Mnist mnist = data::load_mnist(
      data::find_mnist_dir(data_flag.empty() ? std::nullopt : std::optional<std::filesystem::path>(data_flag)));

  std::vector<bench::Row> rows;
  std::vector<std::string> names;
  for (const std::string name : {"mlp", "cnn", "lstm", "transformer"})
    if (which == "all" || which == name) names.push_back(name);
  if (names.empty()) throw std::invalid_argument("--model must be mlp, cnn, lstm, transformer or all; got " + which);
  // The transformer is the training row at batch 128 only (its inference has no target).
  const auto timed = [&](const std::string& name, int64_t batch) { return name != "transformer" || batch == 128; };
  for (const int64_t batch : batches(flags.str("train-batches")))
    for (const auto& name : names)
      if (timed(name, batch))
        rows.push_back({fmt::format("train/{}/b{}", name, batch), threads, batch,
                        train_rate(name, mnist, batch, steps, repeats), "samples/s"});
  for (const int64_t batch : batches(flags.str("infer-batches")))
    for (const auto& name : names)
      if (name != "transformer")
        rows.push_back({fmt::format("infer/{}/b{}", name, batch), threads, batch,
                        infer_value(name, mnist, batch, steps, repeats), batch == 1 ? "us" : "samples/s"});
  for (const int64_t batch : batches(flags.str("determinism-batches")))
    for (const auto& name : names)
      rows.push_back({fmt::format("determinism/{}/b{}", name, batch), 2, batch,
                      deterministic(name, mnist, batch, steps), "identical"});
  bench::emit(rows, flags.str("json"));
  return 0;
} catch (const std::exception& e) {
  fmt::print(stderr, "train_bench: {}\n", e.what());
  return 1;
}
