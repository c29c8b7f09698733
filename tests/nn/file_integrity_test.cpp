// Files that lie are refused: a flipped bit fails the checksum every save records, and a NaN or an infinity
// from a writer without checksums fails the finiteness check; files from PyTorch (no checksums) still load.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <tuple>

#include "nn/saving/checkpoint.hpp"
#include "nn/saving/model_io.hpp"
#include "nn/nn.hpp"
#include "tests/message.hpp"

namespace fs = std::filesystem;
using autodiff::Shape;
using autodiff::Tensor;

namespace {

fs::path temp(const std::string& name) { return fs::temp_directory_path() / ("wengert_integrity_" + name); }

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}
void write_all(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Dense(2) on 3 inputs: dense_1.kernel [3, 2], then dense_1.bias [2], in the file's data section.
std::shared_ptr<nn::Sequential> model() {
  autodiff::manual_seed(5);
  auto m = std::make_shared<nn::Sequential>();
  m->add(nn::Dense(2, {.input_shape = Shape{3}}));
  m->compile("mse", nn::Adam(0.01));
  return m;
}

// Flips one bit of the data byte `offset` (from the start of the data section) of a safetensors file.
void flip_data_bit(const fs::path& path, size_t offset) {
  std::string bytes = read_all(path);
  uint64_t header = 0;
  for (int i = 7; i >= 0; --i) header = (header << 8) | static_cast<unsigned char>(bytes[size_t(i)]);
  bytes[8 + header + offset] = static_cast<char>(bytes[8 + header + offset] ^ 0x10);
  write_all(path, bytes);
}

// A file as another writer lays it out: no checksums, metadata only when given; kernel then bias, F32.
std::string foreign_file(const std::vector<float>& kernel, const std::string& metadata = "") {
  std::string header = "{" + metadata + R"("dense_1.bias":{"dtype":"F32","shape":[2],"data_offsets":[24,32]},)" +
                       R"("dense_1.kernel":{"dtype":"F32","shape":[3,2],"data_offsets":[0,24]}})";
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[size_t(i)] = static_cast<char>(uint64_t{header.size()} >> (8 * i));
  out += header;
  for (float v : kernel) out.append(reinterpret_cast<const char*>(&v), 4);
  for (float v : {0.5f, -0.5f}) out.append(reinterpret_cast<const char*>(&v), 4);
  return out;
}

const std::vector<float> kKernel = {1, 2, 3, 4, 5, 6};

}  // namespace

BOOST_AUTO_TEST_CASE(a_saved_file_records_a_checksum_that_load_does_not_report_as_metadata) {
  const fs::path path = temp("records.safetensors");
  model()->save_weights(path);
  BOOST_TEST(read_all(path).find(nn::io::kChecksumsKey) != std::string::npos);
  BOOST_TEST(!nn::io::load_safetensors(path).metadata.contains(nn::io::kChecksumsKey));
  fs::remove(path);
}

BOOST_AUTO_TEST_CASE(a_flipped_bit_in_a_weights_file_is_an_error_naming_file_and_tensor) {
  const fs::path path = temp("flipped_weights.safetensors");
  model()->save_weights(path);
  flip_data_bit(path, 5);  // inside dense_1.kernel, the first tensor of the data
  auto other = model();
  BOOST_CHECK_EXCEPTION(other->load_weights(path), autodiff::IoError,
                        testing::message_has({path.string(), "\"dense_1.kernel\"", "checksum"}));
  fs::remove(path);
}

BOOST_AUTO_TEST_CASE(a_flipped_bit_in_a_model_file_is_an_error_naming_file_and_tensor) {
  const fs::path path = temp("flipped_model.safetensors");
  model()->save(path);
  flip_data_bit(path, 25);  // inside dense_1.bias, after the kernel's 24 bytes
  BOOST_CHECK_EXCEPTION(nn::load_model(path), autodiff::IoError,
                        testing::message_has({path.string(), "\"dense_1.bias\"", "checksum"}));
  fs::remove(path);
}

BOOST_AUTO_TEST_CASE(a_nan_weight_from_a_writer_without_checksums_is_an_error_naming_tensor_and_element) {
  const fs::path path = temp("nan.safetensors");
  std::vector<float> kernel = kKernel;
  kernel[3] = std::numeric_limits<float>::quiet_NaN();
  write_all(path, foreign_file(kernel));
  auto m = model();
  BOOST_CHECK_EXCEPTION(m->load_weights(path), autodiff::ValueError,
                        testing::message_has({"load_weights", path.string(), "\"dense_1.kernel\"", "nan",
                                              "element 3 (index [1, 1])"}));
  fs::remove(path);
}

BOOST_AUTO_TEST_CASE(an_infinite_weight_saved_by_us_is_refused_on_load_and_leaves_the_model_as_it_was) {
  const fs::path path = temp("inf.safetensors");
  auto m = model();
  m->layer("dense_1").named_parameters().back().second.set_value(
      Tensor::from({0.0, std::numeric_limits<double>::infinity()}, {2}));
  m->save(path);
  auto other = model();
  const std::vector<double> before = other->named_parameters().front().second.value().to_vector();
  BOOST_CHECK_EXCEPTION(other->load_weights(path), autodiff::ValueError,
                        testing::message_has({"\"dense_1.bias\"", "inf", "element 1"}));
  BOOST_TEST(other->named_parameters().front().second.value().to_vector() == before,
             boost::test_tools::per_element());
  BOOST_CHECK_THROW(nn::load_model(path), autodiff::ValueError);
  fs::remove(path);
}

BOOST_AUTO_TEST_CASE(a_pytorch_file_without_metadata_loads) {
  const fs::path path = temp("pytorch.safetensors");
  write_all(path, foreign_file(kKernel));
  auto m = model();
  BOOST_TEST(m->load_weights(path).complete());
  BOOST_TEST(m->layer("dense_1").named_parameters().front().second.value().to_vector() ==
                 (std::vector<double>{1, 2, 3, 4, 5, 6}),
             boost::test_tools::per_element());
  write_all(path, foreign_file(kKernel, R"("__metadata__":{"format":"pt"},)"));
  BOOST_TEST(model()->load_weights(path).complete());
  fs::remove(path);
}

BOOST_AUTO_TEST_CASE(a_nan_optimizer_slot_in_a_checkpoint_is_an_error_naming_the_slot) {
  const fs::path path = temp("slot.safetensors");
  auto m = model();
  m->fit(autodiff::ones({4, 3}), autodiff::ones({4, 2}), {.epochs = 1, .verbose = 0});
  nn::save_checkpoint(path, *m, 1);
  // Rewritten as a foreign tool would: its checksums match, one slot is NaN.
  nn::io::TensorFile file = nn::io::load_safetensors(path);
  for (auto& [name, t] : file.tensors)
    if (name == "optimizer/dense_1.kernel/m") t = autodiff::full(t.shape(), std::nan(""), t.dtype());
  nn::io::save_safetensors(path, file.tensors, file.metadata);
  BOOST_CHECK_EXCEPTION(nn::load_checkpoint(path, *model()), autodiff::ValueError,
                        testing::message_has({"load_checkpoint", "\"optimizer/dense_1.kernel/m\"", "element 0"}));
  fs::remove(path);
}

namespace {
// A checkpoint of the trained model(), rewritten as a foreign tool would (its checksums match) after `edit`
// changes its tensors or its checkpoint metadata.
fs::path edited_checkpoint(const std::string& name, const std::function<void(nn::io::TensorFile&)>& edit) {
  const fs::path path = temp(name);
  auto m = model();
  m->fit(autodiff::ones({4, 3}), autodiff::ones({4, 2}), {.epochs = 1, .verbose = 0});
  nn::save_checkpoint(path, *m, 1);
  nn::io::TensorFile file = nn::io::load_safetensors(path);
  edit(file);
  nn::io::save_safetensors(path, file.tensors, file.metadata);
  return path;
}

// The checkpoint JSON with one field of its own (or of its "optimizer" object) replaced by raw JSON text.
std::function<void(nn::io::TensorFile&)> set_field(const std::string& key, const std::string& raw, bool in_optimizer) {
  return [=](nn::io::TensorFile& file) {
    std::string& text = file.metadata.at(nn::kCheckpointMetadataKey);
    auto meta = nlohmann::json::parse(text);
    (in_optimizer ? meta["optimizer"] : meta)[key] = nlohmann::json::parse(raw);
    text = meta.dump();
  };
}
}  // namespace

// get<int> of a JSON 1e300 was undefined behaviour (UBSan stopped the checkpoint fuzzer's replay of such a file).
BOOST_AUTO_TEST_CASE(an_epoch_or_step_count_that_is_no_whole_number_in_range_is_an_error) {
  for (const auto& [key, raw, in_optimizer] : std::vector<std::tuple<std::string, std::string, bool>>{
           {"epoch", "1e300", false}, {"epoch", "-5", false}, {"epoch", "2.5", false},
           {"epoch", "4294967296", false}, {"iterations", "1e300", true}, {"iterations", "-1", true}}) {
    const fs::path path = edited_checkpoint("count.safetensors", set_field(key, raw, in_optimizer));
    BOOST_CHECK_EXCEPTION(nn::load_checkpoint(path, *model()), autodiff::IoError,
                          testing::message_has({"load_checkpoint", "\"" + key + "\" must be a whole number"}));
    fs::remove(path);
  }
}

// A lost Adam slot would come back as zeros at the next step: the resume would silently leave the original run.
BOOST_AUTO_TEST_CASE(a_checkpoint_missing_an_optimizer_slot_its_writer_recorded_is_an_error) {
  const fs::path path = edited_checkpoint("lost_slot.safetensors", [](nn::io::TensorFile& file) {
    std::erase_if(file.tensors, [](const auto& entry) { return entry.first == "optimizer/dense_1.kernel/v"; });
  });
  BOOST_CHECK_EXCEPTION(nn::load_checkpoint(path, *model()), autodiff::IoError,
                        testing::message_has({"load_checkpoint", "optimizer/dense_1.kernel/v"}));
  fs::remove(path);
}
