// Weights files: every layer type's state survives a round trip by name, and loading checks names, shapes
// and dtypes (strict: one error listing every mismatch; otherwise a report of what was skipped).
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <filesystem>
#include <functional>

#include "nn/nn.hpp"

using autodiff::DType;
using autodiff::Shape;
using autodiff::Tensor;

namespace {

struct Case {
  std::string name;
  std::function<std::shared_ptr<nn::Sequential>()> make;
  Shape input;  // per sample
  double max_input = 0;  // > 0: integer ids below it (Embedding)
};
std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.name; }

template <class... L>
std::function<std::shared_ptr<nn::Sequential>()> model(L... layers) {
  return [=] {
    auto m = std::make_shared<nn::Sequential>();
    (m->add(L(layers)), ...);
    return m;
  };
}

// One model per layer type with parameters or buffers; each trains a step so the state is not the initial one.
const std::vector<Case> cases{
    {"Dense", model(nn::Dense(5, {.activation = "tanh", .input_shape = Shape{4}}), nn::Dense(2)), Shape{4}},
    {"Conv2D", model(nn::Conv2D(3, {3, 3}, {.input_shape = Shape{6, 6, 2}}), nn::MaxPooling2D(), nn::Flatten(),
                     nn::Dense(2)),
     Shape{6, 6, 2}},
    {"BatchNormalization", model(nn::BatchNormalization({.input_shape = Shape{4}}), nn::Dense(2)), Shape{4}},
    {"Embedding", model(nn::Embedding(7, 3, {.input_shape = Shape{5}}), nn::Flatten(), nn::Dense(2)), Shape{5}, 7},
    {"LSTM", model(nn::LSTM(4, {.input_shape = Shape{3, 2}}), nn::Dense(2)), Shape{3, 2}},
    {"GRU", model(nn::GRU(4, {.input_shape = Shape{3, 2}}), nn::Dense(2)), Shape{3, 2}},
    {"SimpleRNN", model(nn::SimpleRNN(4, {.input_shape = Shape{3, 2}}), nn::Dense(2)), Shape{3, 2}},
    {"LayerNormalization", model(nn::LayerNormalization({.input_shape = Shape{3, 4}}), nn::Flatten(), nn::Dense(2)),
     Shape{3, 4}},
    {"Conv1D", model(nn::Conv1D(3, 2, {.padding = "causal", .input_shape = Shape{5, 2}}), nn::GlobalMaxPooling1D(),
                     nn::Dense(2)),
     Shape{5, 2}},
    {"Bidirectional", model(nn::Bidirectional(nn::GRU(3, {.input_shape = Shape{4, 2}})), nn::Dense(2)), Shape{4, 2}},
};

Tensor inputs(const Case& c, int64_t n) {
  Shape shape = c.input;
  shape.insert(0, n);
  autodiff::Generator gen(4);
  if (c.max_input == 0) return autodiff::randn(shape, gen);
  return autodiff::map(autodiff::rand(shape, gen), [&](auto v) { return std::floor(v * c.max_input); });
}

std::filesystem::path temp(const std::string& name) { return std::filesystem::temp_directory_path() / name; }

std::vector<std::vector<double>> values(const nn::Module& m) {
  std::vector<std::vector<double>> out;
  for (const auto& [name, v] : m.named_state()) out.push_back(v.value().to_vector());
  return out;
}

}  // namespace

BOOST_DATA_TEST_CASE(every_layer_types_weights_round_trip, boost::unit_test::data::make(cases), c) {
  autodiff::manual_seed(1);
  auto trained = c.make();
  trained->compile("mse", nn::SGD(0.1));
  const Tensor x = inputs(c, 8);
  const Tensor prediction = trained->predict(x);
  trained->train_on_batch(x, autodiff::map(prediction, [](auto v) { return v * 0.5 + 0.25; }));  // moves BatchNorm statistics too
  const auto path = temp("wengert_weights_" + c.name + ".safetensors");
  trained->save_weights(path);

  autodiff::manual_seed(2);
  auto fresh = c.make();
  BOOST_TEST(values(*fresh) != values(*trained));
  const nn::LoadReport report = fresh->load_weights(path);
  BOOST_TEST(report.complete());
  BOOST_TEST(report.loaded.size() == trained->named_state().size());
  BOOST_TEST(values(*fresh) == values(*trained));
  BOOST_TEST(fresh->predict(x).to_vector() == trained->predict(x).to_vector(), boost::test_tools::per_element());
  std::filesystem::remove(path);
}

namespace {
// Saved: dense_1 [4→5] f32, dense_2 [5→3], dense_3 [3→2]. Loaded into: dense_1 in f64 (dtype), dense_2 [5→4]
// (shapes), no dense_3 (unexpected), a BatchNormalization (missing).
std::filesystem::path saved_for_mismatch() {
  autodiff::manual_seed(1);
  nn::Sequential saved{nn::Dense(5, {.input_shape = Shape{4}}), nn::Dense(3), nn::Dense(2)};
  const auto path = temp("wengert_weights_mismatch.safetensors");
  saved.save_weights(path);
  return path;
}

nn::Sequential mismatched_model() {
  auto first = std::make_shared<nn::Dense>(5, nn::DenseOptions{.input_shape = Shape{4}});
  first->set_dtype(DType::f64);
  nn::Sequential m;
  m.add(first);
  m.add(nn::Dense(4));
  m.add(nn::BatchNormalization());
  return m;
}
}  // namespace

BOOST_AUTO_TEST_CASE(strict_load_lists_every_mismatch_in_one_error) {
  const auto path = saved_for_mismatch();
  nn::Sequential m = mismatched_model();
  std::string what;
  try {
    m.load_weights(path);
  } catch (const autodiff::ValueError& e) {
    what = e.what();
  }
  for (const char* expected :
       {"wengert_weights_mismatch.safetensors", "10 mismatches", "dense_1.kernel: dtype float32 in the file, float64",
        "dense_1.bias: dtype", "dense_2.kernel: shape [5, 3] in the file, [5, 4] in the model", "dense_2.bias: shape",
        "unexpected (in the file, not the model): dense_3.kernel", "unexpected (in the file, not the model): dense_3.bias",
        "missing (in the model, not the file): batch_normalization_1.gamma", "batch_normalization_1.beta",
        "batch_normalization_1.moving_mean", "batch_normalization_1.moving_variance"})
    BOOST_TEST(what.find(expected) != std::string::npos, "'" << expected << "' not in: " << what);
  std::filesystem::remove(path);
}

BOOST_AUTO_TEST_CASE(non_strict_load_takes_what_matches_and_reports_the_rest) {
  const auto path = saved_for_mismatch();
  autodiff::manual_seed(1);
  nn::Sequential m{nn::Dense(5, {.input_shape = Shape{4}}), nn::Dense(4), nn::BatchNormalization()};
  const nn::LoadReport report = m.load_weights(path, {.strict = false});
  BOOST_TEST(report.loaded == (std::vector<std::string>{"dense_1.kernel", "dense_1.bias"}),
             boost::test_tools::per_element());
  BOOST_TEST(report.mismatched.size() == 2u);
  BOOST_TEST(report.unexpected == (std::vector<std::string>{"dense_3.kernel", "dense_3.bias"}),
             boost::test_tools::per_element());
  BOOST_TEST(report.missing.size() == 4u);
  BOOST_TEST(!report.complete());
  BOOST_TEST(report.str().find("dense_2.kernel: shape") != std::string::npos);
  std::filesystem::remove(path);
}

BOOST_AUTO_TEST_CASE(weights_load_before_the_model_has_seen_data) {
  autodiff::manual_seed(1);
  nn::Sequential trained{nn::Dense(3), nn::Dense(2)};
  const Tensor x = autodiff::randn({4, 6});
  const Tensor expected = trained.predict(x);  // builds it lazily, for [6] inputs
  const auto path = temp("wengert_weights_unbuilt.safetensors");
  trained.save_weights(path);

  nn::Sequential lazy{nn::Dense(3), nn::Dense(2)};  // no input shape: nothing to load into yet
  BOOST_CHECK_EXCEPTION(lazy.load_weights(path), autodiff::ValueError, [](const autodiff::ValueError& e) {
    return std::string(e.what()).find("build(input_shape)") != std::string::npos;
  });
  nn::Sequential declared{nn::Dense(3, {.input_shape = Shape{6}}), nn::Dense(2)};
  BOOST_TEST(declared.load_weights(path).complete());
  nn::Sequential built{nn::Dense(3), nn::Dense(2)};
  built.build(Shape{6});
  BOOST_TEST(built.load_weights(path).complete());
  BOOST_TEST(declared.predict(x).to_vector() == expected.to_vector(), boost::test_tools::per_element());
  BOOST_TEST(built.predict(x).to_vector() == expected.to_vector(), boost::test_tools::per_element());
  std::filesystem::remove(path);
}

BOOST_AUTO_TEST_CASE(missing_file_is_an_io_error_naming_it) {
  nn::Sequential m{nn::Dense(2, {.input_shape = Shape{3}})};
  BOOST_CHECK_EXCEPTION(m.load_weights("/nonexistent/w.safetensors"), autodiff::IoError,
                        [](const autodiff::IoError& e) {
                          return std::string(e.what()).find("/nonexistent/w.safetensors") != std::string::npos;
                        });
}
