#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "examples/cli/flags.hpp"
#include "examples/cli/paths.hpp"
#include "nn/saving/checkpoint.hpp"
#include "nn/nn.hpp"
#include "tests/message.hpp"
#include "tests/scratch.hpp"

namespace fs = std::filesystem;
using examples::cli::FlagError;
using testing::message_has;
using testing::Scratch;

namespace {

nn::Sequential small_model() {
  nn::Sequential model{nn::Dense(2, {.input_shape = autodiff::Shape{3}})};
  model.compile("mse", nn::SGD(0.1));
  model.build({3});
  return model;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(save_in_a_writable_directory_passes_and_leaves_nothing, Scratch) {
  examples::cli::check_save_path(dir / "model.safetensors");
  BOOST_TEST(files() == 0u);
}

BOOST_FIXTURE_TEST_CASE(save_in_a_missing_directory_names_the_flag_and_directory, Scratch) {
  const fs::path missing = dir / "no" / "such";
  BOOST_CHECK_EXCEPTION(examples::cli::check_save_path(missing / "model.safetensors"), FlagError,
                        message_has({"--save: cannot write in '" + missing.string() + "'"}));
}

BOOST_FIXTURE_TEST_CASE(save_onto_a_directory_is_refused, Scratch) {
  BOOST_CHECK_EXCEPTION(examples::cli::check_save_path(dir), FlagError,
                        message_has({"--save: '" + dir.string() + "' is a directory"}));
}

BOOST_FIXTURE_TEST_CASE(checkpoint_dir_is_created_and_left_empty, Scratch) {
  examples::cli::check_checkpoint_dir(dir / "ckpt");
  BOOST_TEST(fs::is_directory(dir / "ckpt"));
  BOOST_TEST(fs::is_empty(dir / "ckpt"));
}

BOOST_FIXTURE_TEST_CASE(checkpoint_dir_under_a_file_names_the_flag, Scratch) {
  std::ofstream(dir / "file") << "x";
  BOOST_CHECK_EXCEPTION(examples::cli::check_checkpoint_dir(dir / "file" / "ckpt"), FlagError,
                        message_has({"--checkpoint-dir: cannot create", (dir / "file" / "ckpt").string()}));
}

BOOST_FIXTURE_TEST_CASE(load_of_a_checkpoint_points_to_checkpoint_dir, Scratch) {
  const fs::path path = dir / "last.safetensors";
  nn::save_checkpoint(path, small_model(), 1);
  BOOST_CHECK_EXCEPTION(examples::cli::check_load_path(path), FlagError,
                        message_has({"--load: '" + path.string() + "' is a training checkpoint", "--checkpoint-dir"}));
}

BOOST_FIXTURE_TEST_CASE(load_of_a_weights_file_passes, Scratch) {
  const fs::path path = dir / "weights.safetensors";
  small_model().save_weights(path);
  examples::cli::check_load_path(path);
}
