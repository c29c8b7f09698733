// PyTorch parity: reduced-width versions of the three reference models (examples/mnist_*.cpp) match golden
// files written by scripts/torch_golden.py (torch 1.13): outputs, loss, every parameter's gradient, and 50-step
// loss curves of SGD, Adadelta and Adam. The golden numbers are float64 computed from float32 weights and data,
// so each tolerance below is Wengert's own rounding: float32 models get float32-sized tolerances, float64 models
// (same weights, converted) show that the formulas themselves agree to ~1e-12. docs/serialization.md, "PyTorch parity".
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <filesystem>
#include <map>

#include "nn/io/safetensors.hpp"
#include "nn/nn.hpp"

using autodiff::DType;
using autodiff::Shape;
using autodiff::Tensor;
using autodiff::Var;

namespace {

// |got − want| ≤ abs + rel·|want| for every element.
struct Tolerance {
  double rel, abs;
};

struct Tolerances {
  Tolerance output, loss, grad, curve;
};

// float32: outputs and loss carry a few ulps per layer; a gradient sums over the batch and the spatial or time
// axis, so its small elements differ most in relative terms (hence the absolute floor); a curve step is a loss
// after up to 49 updates from float32 gradients, where differences compound. Measured: outputs 2.4e-7, loss
// 5e-8, curves 1.8e-7 relative (docs/serialization.md), so each bound leaves a margin of 40 or more.
// float64: the formulas agree to rounding (measured 5e-16 outputs, 4e-16 curves); the bounds leave room for
// another compiler's or CPU's summation order.
const Tolerances f32_tolerances{{1e-5, 1e-6}, {1e-5, 0}, {1e-4, 1e-6}, {1e-5, 0}};
const Tolerances f64_tolerances{{1e-12, 1e-15}, {1e-12, 0}, {1e-9, 1e-13}, {1e-12, 0}};

struct Case {
  std::string model;
  DType dtype;
};
std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.model << "/" << c.dtype; }

struct CurveCase {
  Case c;
  std::string optimizer;
};
std::ostream& operator<<(std::ostream& os, const CurveCase& c) { return os << c.c << "/" << c.optimizer; }

const std::vector<Case> cases{{"mlp", DType::f32}, {"cnn", DType::f32}, {"lstm", DType::f32},
                              {"mlp", DType::f64}, {"cnn", DType::f64}, {"lstm", DType::f64}};

std::vector<CurveCase> curve_cases() {
  std::vector<CurveCase> out;
  for (const Case& c : cases)
    for (const char* opt : {"sgd", "adadelta", "adam"}) out.push_back({c, opt});
  return out;
}

const Tolerances& tolerances(DType dtype) { return dtype == DType::f64 ? f64_tolerances : f32_tolerances; }

// The reference models at reduced width, as scripts/torch_golden.py builds them.
std::shared_ptr<nn::Sequential> make_model(const std::string& name, DType dtype) {
  using namespace nn;
  auto m = std::make_shared<Sequential>();
  Shape input;
  if (name == "mlp") {
    m->add(Dense(32, {.activation = "sigmoid"}));
    m->add(Dense(32, {.activation = "sigmoid"}));
    m->add(Dense(10, {.activation = "softmax"}));
    input = Shape{784};
  } else if (name == "cnn") {
    m->add(Conv2D(10, {3, 3}, {.padding = "same", .activation = "relu"}));
    m->add(MaxPooling2D({2, 2}));
    m->add(Conv2D(10, {3, 3}, {.padding = "same", .activation = "relu"}));
    m->add(MaxPooling2D({2, 2}));
    m->add(Flatten());
    m->add(Dense(16, {.activation = "relu"}));
    m->add(Dense(10, {.activation = "softmax"}));
    input = Shape{28, 28, 1};
  } else {
    m->add(LSTM(8));
    m->add(Dense(10, {.activation = "softmax"}));
    input = Shape{28, 28};
  }
  m->build(input, dtype);
  return m;
}

std::string loss_name(const std::string& model) { return model == "mlp" ? "mse" : "categorical_crossentropy"; }

std::filesystem::path golden_path(const std::string& model) { return "tests/golden/" + model + ".safetensors"; }

struct Golden {
  std::map<std::string, Tensor> tensors;
  nn::io::NamedTensors weights;  // the model's parameters, in the model's dtype

  const Tensor& at(const std::string& name) const {
    const auto it = tensors.find(name);
    BOOST_TEST_REQUIRE((it != tensors.end()), "golden file lacks " << name);
    return it->second;
  }
};

Golden load_golden(const Case& c, const nn::Module& model) {
  Golden g;
  for (auto& [name, t] : nn::io::load_safetensors(golden_path(c.model)).tensors) g.tensors[name] = t;
  for (const auto& [name, p] : model.named_parameters()) g.weights.emplace_back(name, g.at(name).to(c.dtype));
  return g;
}

std::shared_ptr<nn::Sequential> loaded_model(const Case& c, Golden& g) {
  auto model = make_model(c.model, c.dtype);
  g = load_golden(c, *model);
  nn::assign_state(*model, g.weights, {}, "parity_test", golden_path(c.model).string());  // strict
  return model;
}

// Checks every element; reports the worst one (by how far it exceeds the tolerance) and the largest relative error.
void check_close(const std::string& what, const std::vector<double>& got, const std::vector<double>& want,
                 Tolerance tol) {
  BOOST_TEST_REQUIRE(got.size() == want.size(), what << ": " << got.size() << " values, golden " << want.size());
  size_t worst = 0, failures = 0;
  double worst_excess = -INFINITY, max_rel = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double diff = std::abs(got[i] - want[i]);
    const double excess = diff - (tol.abs + tol.rel * std::abs(want[i]));
    if (excess > 0) ++failures;
    if (excess > worst_excess) worst_excess = excess, worst = i;
    if (want[i] != 0) max_rel = std::max(max_rel, diff / std::abs(want[i]));
  }
  BOOST_TEST_MESSAGE(what << ": max relative difference " << max_rel);
  BOOST_TEST(failures == 0u, what << ": " << failures << " of " << got.size() << " values outside rel " << tol.rel
                                  << " / abs " << tol.abs << "; worst [" << worst << "]: " << got[worst]
                                  << " vs torch " << want[worst]);
}

Tensor rows(const Tensor& t, int64_t begin, int64_t end, DType dtype) {
  return t.slice(0, begin, end).contiguous().to(dtype);
}

std::shared_ptr<nn::Optimizer> make_optimizer(const std::string& name) {
  if (name == "sgd") return std::make_shared<nn::SGD>(0.1);
  if (name == "adadelta")
    return std::make_shared<nn::Adadelta>(nn::AdadeltaOptions{.lr = 1.0, .rho = 0.95, .epsilon = 1e-7});
  return std::make_shared<nn::Adam>(nn::AdamOptions{.lr = 1e-3, .beta_1 = 0.9, .beta_2 = 0.999, .epsilon = 1e-7});
}

// The script's schedule: 50 steps, step s on rows [8·(s mod 4), 8·(s mod 4) + 8) of train/x, no shuffling.
constexpr int kSteps = 50;
constexpr int64_t kBatch = 8, kBatches = 4;

std::vector<double> train_curve(const CurveCase& cc, nn::Sequential& model, const Golden& g) {
  const DType dtype = cc.c.dtype;
  model.compile(loss_name(cc.c.model), make_optimizer(cc.optimizer));
  std::vector<double> losses;
  for (int s = 0; s < kSteps; ++s) {
    const int64_t b = s % kBatches;
    const Tensor x = rows(g.at("train/x"), b * kBatch, (b + 1) * kBatch, dtype);
    const Tensor y = rows(g.at("train/y"), b * kBatch, (b + 1) * kBatch, dtype);
    losses.push_back(model.train_on_batch(x, y).at("loss"));
  }
  return losses;
}

}  // namespace

BOOST_DATA_TEST_CASE(outputs_loss_and_gradients_match_torch, boost::unit_test::data::make(cases), c) {
  Golden g;
  auto model = loaded_model(c, g);
  const Tolerances& tol = tolerances(c.dtype);
  autodiff::TapeScope scope;
  const Var out = model->forward(Var(g.at("input").to(c.dtype)));
  check_close("output", out.value().to_vector(), g.at("output").to_vector(), tol.output);
  const Var loss = nn::Loss(loss_name(c.model))(Var(g.at("target").to(c.dtype)), out);
  check_close("loss", {loss.item()}, {g.at("loss").item()}, tol.loss);
  autodiff::backward(loss);
  for (const auto& [name, p] : model->named_parameters()) {
    BOOST_TEST_REQUIRE(p.grad().defined(), name << " has no gradient");
    check_close("grad/" + name, p.grad().to_vector(), g.at("grad/" + name).to_vector(), tol.grad);
  }
}

BOOST_DATA_TEST_CASE(training_curves_match_torch, boost::unit_test::data::make(curve_cases()), cc) {
  Golden g;
  auto model = loaded_model(cc.c, g);
  const std::vector<double> curve = train_curve(cc, *model, g);
  check_close("curve/" + cc.optimizer, curve, g.at("curve/" + cc.optimizer).to_vector(), tolerances(cc.c.dtype).curve);
}

// The reverse direction, checked by the script (tests run without torch): weights after 10 Adam steps and the
// predictions on the golden input, for `scripts/torch_golden.py --check-wengert-weights PATH --model <model>`.
BOOST_DATA_TEST_CASE(writes_trained_weights_for_the_torch_check, boost::unit_test::data::make({"mlp", "cnn", "lstm"}),
                     name) {
  const Case c{name, DType::f32};
  Golden g;
  auto model = loaded_model(c, g);
  model->compile(loss_name(c.model), make_optimizer("adam"));
  for (int s = 0; s < 10; ++s)
    model->train_on_batch(rows(g.at("train/x"), 0, kBatch, c.dtype), rows(g.at("train/y"), 0, kBatch, c.dtype));
  const auto dir = std::filesystem::temp_directory_path();
  model->save_weights(dir / ("wengert_parity_" + c.model + ".safetensors"));
  const Tensor prediction = model->predict(g.at("input"));
  nn::io::save_safetensors(dir / ("wengert_parity_" + c.model + ".predictions.safetensors"), {{"output", prediction}});
  auto reloaded = make_model(c.model, c.dtype);
  BOOST_TEST(reloaded->load_weights(dir / ("wengert_parity_" + c.model + ".safetensors")).complete());
  BOOST_TEST(reloaded->predict(g.at("input")).to_vector() == prediction.to_vector());
}
