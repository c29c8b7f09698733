#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "nn/saving/checkpoint.hpp"
#include "nn/nn.hpp"
#include "nn/losses/functions.hpp"
#include "tests/nn/training_data.hpp"

using autodiff::Shape;
using autodiff::Tensor;
using autodiff::Var;
using nn_test::Blobs;
using nn_test::blobs;
using nn_test::classifier;
using nn_test::quiet;

BOOST_AUTO_TEST_CASE(callbacks_fire_in_order) {
  const Blobs d = blobs(40, 6);
  nn::Sequential model = classifier();
  model.compile("categorical_crossentropy", nn::SGD(0.1));
  std::vector<std::string> events;
  nn::FitOptions o = quiet(2);
  o.batch_size = 20;
  o.callbacks = {nn::callbacks::LambdaCallback({
      .on_train_begin = [&](const nn::Logs&) { events.push_back("train_begin"); },
      .on_train_end = [&](const nn::Logs&) { events.push_back("train_end"); },
      .on_epoch_begin = [&](int e, const nn::Logs&) { events.push_back("epoch_begin " + std::to_string(e)); },
      .on_epoch_end = [&](int e, const nn::Logs&) { events.push_back("epoch_end " + std::to_string(e)); },
      .on_batch_begin = [&](int64_t b, const nn::Logs&) { events.push_back("batch_begin " + std::to_string(b)); },
      .on_batch_end = [&](int64_t b, const nn::Logs&) { events.push_back("batch_end " + std::to_string(b)); },
  })};
  model.fit(d.x, d.y, o);
  const std::vector<std::string> epoch = {"batch_begin 0", "batch_end 0", "batch_begin 1", "batch_end 1"};
  std::vector<std::string> expected{"train_begin", "epoch_begin 0"};
  expected.insert(expected.end(), epoch.begin(), epoch.end());
  expected.insert(expected.end(), {"epoch_end 0", "epoch_begin 1"});
  expected.insert(expected.end(), epoch.begin(), epoch.end());
  expected.insert(expected.end(), {"epoch_end 1", "train_end"});
  BOOST_TEST(events == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(early_stopping_stops_after_patience_epochs_without_improvement) {
  const Blobs d = blobs(40, 7);
  nn::Sequential model = classifier();
  model.compile("categorical_crossentropy", nn::SGD(0.1));
  // A huge min_delta makes every epoch after the first "no improvement".
  auto stop = std::make_shared<nn::callbacks::EarlyStopping>(
      nn::callbacks::EarlyStoppingOptions{.monitor = "loss", .min_delta = 1e9, .patience = 2});
  nn::FitOptions o = quiet(10);
  o.callbacks = {stop};
  const nn::History h = model.fit(d.x, d.y, o);
  BOOST_TEST(h["loss"].size() == 3u);
  BOOST_TEST(stop->stopped_epoch() == 2);
  BOOST_TEST(model.stop_training);
}

BOOST_AUTO_TEST_CASE(early_stopping_restores_the_best_weights) {
  const Blobs d = blobs(40, 8);
  nn::Sequential model = classifier();
  model.compile("categorical_crossentropy", nn::SGD(0.1));
  nn::FitOptions o = quiet(1);
  model.fit(d.x, d.y, o);  // the weights after epoch 0 of the next fit are the "best" ones below
  o.epochs = 3;
  std::vector<double> after_first;
  o.callbacks = {
      nn::callbacks::EarlyStopping({.monitor = "loss", .min_delta = 1e9, .patience = 5, .restore_best_weights = true}),
      nn::callbacks::LambdaCallback({.on_epoch_end = [&](int e, const nn::Logs&) {
        if (e == 0) after_first = model.named_parameters()[0].second.value().to_vector();
      }})};
  model.fit(d.x, d.y, o);
  BOOST_TEST(model.named_parameters()[0].second.value().to_vector() == after_first, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(early_stopping_names_a_missing_monitor) {
  const Blobs d = blobs(20, 9);
  nn::Sequential model = classifier();
  model.compile("categorical_crossentropy", nn::SGD(0.1));
  nn::FitOptions o = quiet(2);
  o.callbacks = {nn::callbacks::EarlyStopping()};
  BOOST_CHECK_EXCEPTION(model.fit(d.x, d.y, o), autodiff::ValueError, [](const std::exception& e) {
    return std::string(e.what()).find("val_loss") != std::string::npos;
  });
}

BOOST_AUTO_TEST_CASE(terminate_on_nan_stops_at_the_first_bad_batch) {
  const Blobs d = blobs(64, 10);
  nn::Sequential model = classifier();
  const nn::Loss nan_loss("nan_loss", [](const Var&, const Var& p) {
    return autodiff::mean(p) * std::numeric_limits<double>::quiet_NaN();
  });
  model.compile(nan_loss, nn::SGD(0.1));
  int64_t batches = 0;
  nn::FitOptions o = quiet(3);
  o.callbacks = {nn::callbacks::TerminateOnNaN(),
                 nn::callbacks::LambdaCallback({.on_batch_end = [&](int64_t, const nn::Logs&) { ++batches; }})};
  const nn::History h = model.fit(d.x, d.y, o);
  BOOST_TEST(batches == 1);
  BOOST_TEST(h["loss"].size() == 1u);
  BOOST_TEST(std::isnan(h["loss"][0]));
}

BOOST_AUTO_TEST_CASE(learning_rate_scheduler_sets_the_rate_each_epoch) {
  const Blobs d = blobs(20, 11);
  nn::Sequential model = classifier();
  model.compile("categorical_crossentropy", nn::SGD(0.1));
  std::vector<double> seen;
  nn::FitOptions o = quiet(3);
  o.callbacks = {nn::callbacks::LearningRateScheduler([](int epoch, double lr) { return epoch == 0 ? lr : lr / 2; }),
                 nn::callbacks::LambdaCallback({.on_epoch_end = [&](int, const nn::Logs&) {
                   seen.push_back(model.optimizer().learning_rate());
                 }})};
  model.fit(d.x, d.y, o);
  BOOST_TEST(seen == (std::vector<double>{0.1, 0.05, 0.025}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(reduce_lr_on_plateau_lowers_the_rate) {
  const Blobs d = blobs(20, 12);
  nn::Sequential model = classifier();
  model.compile("categorical_crossentropy", nn::SGD(0.1));
  nn::FitOptions o = quiet(3);
  o.callbacks = {nn::callbacks::ReduceLROnPlateau({.monitor = "loss", .factor = 0.5, .patience = 0, .min_delta = 1e9})};
  model.fit(d.x, d.y, o);
  BOOST_TEST(model.optimizer().learning_rate() < 0.1);
}

BOOST_AUTO_TEST_CASE(model_checkpoint_saves_through_the_hook) {
  const Blobs d = blobs(20, 13);
  nn::Sequential model = classifier();
  model.compile("categorical_crossentropy", nn::SGD(0.1));
  std::vector<std::string> paths;
  auto ckpt = std::make_shared<nn::callbacks::ModelCheckpoint>(
      "w_{epoch:02d}.bin",
      nn::callbacks::ModelCheckpointOptions{.monitor = "loss", .saver = [&](const nn::Model& m, const std::string& p) {
                                              BOOST_TEST(m.count_params() == 58);
                                              paths.push_back(p);
                                            }});
  nn::FitOptions o = quiet(2);
  o.callbacks = {ckpt};
  model.fit(d.x, d.y, o);
  BOOST_TEST(paths == (std::vector<std::string>{"w_01.bin", "w_02.bin"}), boost::test_tools::per_element());
  BOOST_TEST(ckpt->saved() == paths, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(model_checkpoint_default_writes_a_checkpoint_that_resumes) {
  const Blobs d = blobs(20, 14);
  nn::Sequential model = classifier();
  model.compile("categorical_crossentropy", nn::SGD(0.1));
  const auto path = std::filesystem::temp_directory_path() / "wengert_ckpt_test.safetensors";
  nn::FitOptions o = quiet(2);
  o.callbacks = {nn::callbacks::ModelCheckpoint(path.string(), {.monitor = "loss"})};
  model.fit(d.x, d.y, o);
  nn::Sequential restored = classifier();
  restored.compile("categorical_crossentropy", nn::SGD(0.1));
  BOOST_TEST(nn::load_checkpoint(path, restored) == 2);
  BOOST_TEST(restored.optimizer().iterations() == model.optimizer().iterations());
  BOOST_TEST(restored.layers()[0]->named_state()[0].second.value().to_vector() ==
                 model.layers()[0]->named_state()[0].second.value().to_vector(),
             boost::test_tools::per_element());
  std::filesystem::remove(path);
}

BOOST_AUTO_TEST_CASE(model_checkpoint_after_a_stopped_epoch_does_not_count_it_done) {
  const Blobs d = blobs(40, 15);
  nn::Sequential model = classifier();
  model.compile("categorical_crossentropy", nn::SGD(0.1));
  const auto path = std::filesystem::temp_directory_path() / "wengert_ckpt_stopped_test.safetensors";
  nn::FitOptions o = quiet(3);
  o.batch_size = 10;  // 4 batches an epoch; stop after the second batch of the second epoch
  int epoch = 0;
  o.callbacks = {nn::callbacks::LambdaCallback({
                     .on_epoch_begin = [&](int e, const nn::Logs&) { epoch = e; },
                     .on_batch_end = [&](int64_t b, const nn::Logs&) { model.stop_training = epoch == 1 && b == 1; },
                 }),
                 nn::callbacks::ModelCheckpoint(path.string(), {.monitor = "loss"})};
  model.fit(d.x, d.y, o);
  nn::Sequential restored = classifier();
  restored.compile("categorical_crossentropy", nn::SGD(0.1));
  BOOST_TEST(nn::load_checkpoint(path, restored) == 1);  // epoch 0 completed; epoch 1 is redone on resume
  BOOST_TEST(restored.optimizer().iterations() == 6);     // the weights are as the stop left them
  std::filesystem::remove(path);
}

BOOST_AUTO_TEST_CASE(csv_logger_writes_a_header_and_one_row_per_epoch) {
  const Blobs d = blobs(20, 15);
  nn::Sequential model = classifier();
  model.compile("categorical_crossentropy", nn::SGD(0.1), {"accuracy"});
  const auto path = std::filesystem::temp_directory_path() / "wengert_csv_test.csv";
  nn::FitOptions o = quiet(2);
  o.callbacks = {nn::callbacks::CSVLogger(path.string())};
  model.fit(d.x, d.y, o);
  std::ifstream f(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(f, line);) lines.push_back(line);
  BOOST_TEST(lines.size() == 3u);
  BOOST_TEST(lines[0] == "epoch,accuracy,loss");
  BOOST_TEST(lines[2].rfind("1,", 0) == 0u);
  std::filesystem::remove(path);
}

BOOST_AUTO_TEST_CASE(progress_prints_one_line_per_epoch_when_not_a_terminal) {
  const Blobs d = blobs(40, 16);
  nn::Sequential model = classifier();
  model.compile("categorical_crossentropy", nn::SGD(0.1), {"accuracy"});
  std::ostringstream out;
  nn::FitOptions o = quiet(2);
  o.verbose = 1;
  o.output = &out;
  o.validation_split = 0.25;
  model.fit(d.x, d.y, o);
  const std::string s = out.str();
  BOOST_TEST(s.find("Epoch 1/2\n2/2 [==============================] - ") != std::string::npos, s);
  BOOST_TEST(s.find("Epoch 2/2") != std::string::npos);
  BOOST_TEST(s.find(" - loss: ") < s.find(" - accuracy: "));
  BOOST_TEST(s.find(" - accuracy: ") < s.find(" - val_loss: "));
  BOOST_TEST(std::count(s.begin(), s.end(), '\n') == 4);
  BOOST_TEST(s.find('\r') == std::string::npos);
}

BOOST_AUTO_TEST_CASE(progress_bar_and_eta_format_like_keras) {
  BOOST_TEST(nn::format_bar(12, 469) == " 12/469 [..............................]");
  BOOST_TEST(nn::format_bar(16, 469) == " 16/469 [>.............................]");
  BOOST_TEST(nn::format_bar(469, 469) == "469/469 [==============================]");
  BOOST_TEST(nn::format_bar(235, 469) == "235/469 [==============>...............]");
  BOOST_TEST(nn::format_eta(3.7) == "3s");
  BOOST_TEST(nn::format_eta(65) == "1:05");
  BOOST_TEST(nn::format_logs({{"accuracy", 0.91234}, {"loss", 0.2345}}) == " - loss: 0.2345 - accuracy: 0.9123");
}

BOOST_AUTO_TEST_CASE(csv_logger_in_append_mode_keeps_a_single_header) {
  const Blobs d = blobs(20, 23);
  nn::Sequential model = classifier();
  model.compile("categorical_crossentropy", nn::SGD(0.1));
  const auto path = std::filesystem::temp_directory_path() / "wengert_csv_append_test.csv";
  std::filesystem::remove(path);
  nn::FitOptions o = quiet(1);
  o.callbacks = {nn::callbacks::CSVLogger(path.string(), ',', true)};
  model.fit(d.x, d.y, o);
  model.fit(d.x, d.y, o);
  std::ifstream f(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(f, line);) lines.push_back(line);
  BOOST_TEST(lines.size() == 3u);
  BOOST_TEST(lines[0] == "epoch,loss");
  std::filesystem::remove(path);
}

BOOST_AUTO_TEST_CASE(progress_on_a_terminal_redraws_the_bar_in_place) {
  std::ostringstream out;
  nn::ProgbarLogger bar(out, 1, true);
  bar.set_params({.epochs = 1, .steps = 3, .verbose = 1});
  bar.on_epoch_begin(0, {});
  bar.on_batch_end(0, {{"loss", 0.5}});
  bar.on_batch_end(1, {{"loss", 0.4}});
  bar.on_batch_end(2, {{"loss", 0.3}});
  bar.on_epoch_end(0, {{"loss", 0.3}});
  const std::string s = out.str();
  BOOST_TEST(s.find("\r1/3 [=========>....................] - ETA: ") != std::string::npos, s);
  BOOST_TEST(s.find("\r3/3 [==============================] - ") != std::string::npos, s);
  BOOST_TEST(std::count(s.begin(), s.end(), '\n') == 2);
}
