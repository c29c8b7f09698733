// Writes the checkpoint harness's hand-made seeds into DIR (fuzz/corpus/checkpoint): ok_* are real
// checkpoints that save_checkpoint wrote for fuzz::checkpoint_model, bad_* one of them with one defect each.
// Usage: build/fuzz/fuzz/checkpoint_seeds fuzz/corpus/checkpoint   (built with the harnesses by fuzz/run.sh)
#include <fstream>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "fuzz/targets.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using autodiff::Shape;

namespace {

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_all(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
}

// A checkpoint of the fuzz model after `epochs` epochs of Adam on 8 fixed samples (none: built, never trained).
std::string saved(int epochs, int epoch, const fs::path& tmp) {
  auto model = fuzz::checkpoint_model();
  model->build_if_shape_known();
  autodiff::Generator gen(5);
  const autodiff::Tensor x = autodiff::randn({8, 3}, gen), y = autodiff::randn({8, 2}, gen);
  if (epochs > 0) model->fit(x, y, {.batch_size = 4, .epochs = epochs, .verbose = 0});
  model->optimizer().clip_norm = 2.5;
  nn::save_checkpoint(tmp, *model, epoch);
  return read_all(tmp);
}

// `good` with one change made to its tensors or its checkpoint metadata, written again.
std::string edited(const fs::path& good, const std::function<void(nn::io::TensorFile&, json&)>& change) {
  nn::io::TensorFile file = nn::io::load_safetensors(good);
  json meta = json::parse(file.metadata.at(nn::kCheckpointMetadataKey));
  change(file, meta);
  if (file.metadata.contains(nn::kCheckpointMetadataKey)) file.metadata[nn::kCheckpointMetadataKey] = meta.dump();
  std::ostringstream out;
  nn::io::write_safetensors(out, file.tensors, file.metadata);
  return out.str();
}

autodiff::Tensor& tensor(nn::io::TensorFile& file, const std::string& name) {
  for (auto& [n, t] : file.tensors)
    if (n == name) return t;
  throw std::runtime_error("checkpoint_seeds: no tensor " + name);
}

void erase(nn::io::TensorFile& file, const std::string& name) {
  std::erase_if(file.tensors, [&](const auto& entry) { return entry.first == name; });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: checkpoint_seeds DIR\n";
    return 2;
  }
  const fs::path dir = argv[1], tmp = fs::temp_directory_path() / "wengert_checkpoint_seed.safetensors";
  fs::create_directories(dir);
  write_all(dir / "ok_built_epoch0.safetensors", saved(0, 0, tmp));
  const std::string trained = saved(2, 2, tmp);
  write_all(dir / "ok_trained_epoch2.safetensors", trained);
  write_all(dir / "ok_trained_epoch1234567.safetensors", saved(2, 1234567, tmp));  // room for digits to mutate
  write_all(tmp, trained);

  const std::map<std::string, std::function<void(nn::io::TensorFile&, json&)>> defects = {
      {"bad_not_a_checkpoint", [](auto& f, auto&) { f.metadata.erase(nn::kCheckpointMetadataKey); }},
      {"bad_weight_shape", [](auto& f, auto&) { tensor(f, "dense_1.kernel") = autodiff::zeros({5, 5}); }},
      {"bad_missing_weight", [](auto& f, auto&) { erase(f, "dense_2.bias"); }},
      {"bad_slot_shape", [](auto& f, auto&) { tensor(f, "optimizer/dense_1.kernel/m") = autodiff::zeros({2}); }},
      {"bad_slot_of_no_parameter",
       [](auto& f, auto&) { f.tensors.emplace_back("optimizer/dense_9.kernel/m", autodiff::zeros({3, 4})); }},
      {"bad_slot_name", [](auto& f, auto&) { erase(f, "optimizer/dense_2.bias/v");
                                             f.tensors.emplace_back("optimizer/dense_2.bias", autodiff::zeros({2})); }},
      {"bad_optimizer_type", [](auto&, auto& m) { m["optimizer"]["type"] = "SGD"; }},
      {"bad_no_optimizer_iterations", [](auto&, auto& m) { m["optimizer"].erase("iterations"); }},
      {"bad_epoch_string", [](auto&, auto& m) { m["epoch"] = "2"; }},
      {"bad_generator_state", [](auto&, auto& m) { m["rng"]["layers"]["dropout_1"] = "not an engine"; }},
      {"bad_missing_generator", [](auto&, auto& m) { m["rng"]["layers"].erase("dropout_1"); }},
  };
  for (const auto& [name, change] : defects) write_all(dir / (name + ".safetensors"), edited(tmp, change));

  // Defects in the bytes themselves.
  write_all(dir / "bad_truncated.safetensors", trained.substr(0, trained.size() / 2));
  nn::io::TensorFile file = nn::io::load_safetensors(tmp);
  std::string& meta = file.metadata.at(nn::kCheckpointMetadataKey);
  meta = meta.substr(0, meta.size() / 2);  // the checkpoint JSON cut off mid-way
  std::ostringstream out;
  nn::io::write_safetensors(out, file.tensors, file.metadata);
  write_all(dir / "bad_metadata_not_json.safetensors", out.str());
  fs::remove(tmp);
  for (const auto& f : fs::directory_iterator(dir)) std::cout << f.path().filename().string() << '\n';
  return 0;
}
