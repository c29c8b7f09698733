// LSTM, GRU and SimpleRNN: shapes, Keras' parameter counts and initial values,
// known forward values, a gradient-check table of the cells in f64 (inputs,
// every weight and the initial state), and a long unroll.
// Before any include: GCC 12 reports a false -Wrestrict in libstdc++ inlined into Boost.Test's
// data-case naming (GCC bug 105329), located in the library header.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <ostream>

#include "autodiff/ops/indexing.hpp"
#include "nn/nn.hpp"
#include "tests/message.hpp"

using namespace autodiff;
namespace bdata = boost::unit_test::data;

namespace {
using testing::message_has;

template <class L>
L& built(L&& layer, const Shape& input_shape, DType dtype = DType::f32) {
  Generator gen(7);
  layer.set_dtype(dtype);
  layer.ensure_built(input_shape, gen);
  return layer;
}


struct Row {
  std::string name;
  Function f;
  std::vector<Shape> shapes;
};
std::ostream& operator<<(std::ostream& os, const Row& r) { return os << r.name; }

// Cells over (batch 2, 4 steps, 3 features, 2 units): x, kernel, recurrent_kernel, bias, then the initial state.
std::vector<Row> cell_rows() {
  const Shape x{2, 4, 3}, state{2, 2};
  return {
      {"lstm_sequences",
       [](const std::vector<Var>& in) {
         return unroll(in[0], {in[4], in[5]}, nn::LstmCell(in[1], in[2], in[3]), true).output;
       },
       {x, {3, 8}, {2, 8}, {8}, state, state}},
      {"lstm_final_cell_state",
       [](const std::vector<Var>& in) {
         return unroll(in[0], {in[4], in[5]}, nn::LstmCell(in[1], in[2], in[3]), false).state[1];
       },
       {x, {3, 8}, {2, 8}, {8}, state, state}},
      {"gru_sequences",
       [](const std::vector<Var>& in) {
         return unroll(in[0], {in[4]}, nn::GruCell(in[1], in[2], in[3]), true).output;
       },
       {x, {3, 6}, {2, 6}, {2, 6}, state}},
      {"simple_rnn_sequences",
       [](const std::vector<Var>& in) {
         return unroll(in[0], {in[4]}, nn::SimpleRnnCell(in[1], in[2], in[3]), true).output;
       },
       {x, {3, 2}, {2, 2}, {2}, state}},
  };
}

}  // namespace

BOOST_AUTO_TEST_CASE(output_shapes_follow_return_sequences) {
  Tensor x = randn({2, 7, 3});
  for (bool seq : {false, true}) {
    nn::LSTM lstm(5, {.return_sequences = seq});
    nn::GRU gru(5, {.return_sequences = seq});
    nn::SimpleRNN rnn(5, {.return_sequences = seq});
    const Shape expected = seq ? Shape{2, 7, 5} : Shape{2, 5};
    BOOST_TEST(lstm(x).shape() == expected);
    BOOST_TEST(gru(x).shape() == expected);
    BOOST_TEST(rnn(x).shape() == expected);
    BOOST_TEST(lstm.output_shape({7, 3}) == (seq ? Shape{7, 5} : Shape{5}));
  }
}

BOOST_AUTO_TEST_CASE(bad_shapes_name_the_layer_and_shape) {
  nn::LSTM lstm(4);
  BOOST_CHECK_EXCEPTION(lstm.output_shape({784}), ShapeError,
                        [](const Error& e) { return message_has(e, "LSTM: expected input [time, features]; got [784]"); });
  BOOST_CHECK_EXCEPTION(lstm(Var(randn({2, 3}))), ShapeError, [](const Error& e) { return message_has(e, "[2, 3]"); });
  (void)lstm(Var(randn({2, 5, 3})));
  BOOST_CHECK_EXCEPTION(lstm(Var(randn({2, 5, 4}))), ShapeError,
                        [](const Error& e) { return message_has(e, "built for 3 features"); });
  BOOST_CHECK_EXCEPTION(lstm.forward(Var(randn({2, 5, 3})), Var(zeros({3, 4})), Var(zeros({2, 4}))), ShapeError,
                        [](const Error& e) { return message_has(e, "initial state must be [2, 4]"); });
}

BOOST_AUTO_TEST_CASE(parameter_counts_equal_keras) {
  BOOST_TEST(built(nn::LSTM(128), {28, 28}).count_params() == 80'384);
  BOOST_TEST(built(nn::GRU(16), {28, 10}).count_params() == 3 * (16 * (10 + 16) + 2 * 16));
  BOOST_TEST(built(nn::SimpleRNN(16), {28, 10}).count_params() == 16 * (10 + 16) + 16);
}

BOOST_AUTO_TEST_CASE(parameters_have_keras_names_and_layouts) {
  nn::GRU gru(4);
  built(gru, {5, 3});
  const nn::NamedParams params = gru.named_parameters();
  BOOST_REQUIRE_EQUAL(params.size(), 3u);
  BOOST_TEST(params[0].first == "kernel");
  BOOST_TEST(params[1].first == "recurrent_kernel");
  BOOST_TEST(params[2].first == "bias");
  BOOST_TEST(gru.kernel().shape() == (Shape{3, 12}));
  BOOST_TEST(gru.recurrent_kernel().shape() == (Shape{4, 12}));
  BOOST_TEST(gru.bias().shape() == (Shape{2, 12}));
}

BOOST_AUTO_TEST_CASE(forget_gate_bias_starts_at_one) {
  const std::vector<double> bias = built(nn::LSTM(3), {5, 2}).bias().value().to_vector();
  for (size_t k = 0; k < bias.size(); ++k) BOOST_TEST(bias[k] == (k >= 3 && k < 6 ? 1.0 : 0.0));
  const std::vector<double> plain = built(nn::LSTM(3, {.unit_forget_bias = false}), {5, 2}).bias().value().to_vector();
  for (double b : plain) BOOST_TEST(b == 0.0);
}

BOOST_AUTO_TEST_CASE(recurrent_kernel_has_orthonormal_rows) {
  const Tensor u = built(nn::LSTM(3), {5, 2}, DType::f64).recurrent_kernel().value();  // [3, 12]
  const Tensor gram = matmul(Var(u), transpose(Var(u))).value();
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 3; ++j) BOOST_TEST(gram.at({i, j}) == (i == j ? 1.0 : 0.0), boost::test_tools::tolerance(1e-12));
}

// One unit, one feature, one step: the cell's output by hand, which pins the gate order i, f, c, o.
BOOST_AUTO_TEST_CASE(lstm_step_matches_the_gate_equations) {
  nn::LSTM lstm(1);
  built(lstm, {1, 1}, DType::f64);
  lstm.kernel().set_value(Tensor::from({0.5, -0.3, 0.8, 0.2}, {1, 4}, DType::f64));
  lstm.recurrent_kernel().set_value(Tensor::from({0.1, 0.4, -0.6, 0.7}, {1, 4}, DType::f64));
  lstm.bias().set_value(Tensor::from({0.05, 1.0, -0.1, 0.3}, {4}, DType::f64));
  const double x = 0.9, h0 = -0.4, c0 = 0.6;
  auto sig = [](double v) { return 1 / (1 + std::exp(-v)); };
  const double i = sig(0.5 * x + 0.1 * h0 + 0.05), f = sig(-0.3 * x + 0.4 * h0 + 1.0);
  const double c_tilde = std::tanh(0.8 * x - 0.6 * h0 - 0.1), o = sig(0.2 * x + 0.7 * h0 + 0.3);
  const double c = f * c0 + i * c_tilde, h = o * std::tanh(c);
  const nn::RnnOutput out = lstm.forward_with_state(Var(Tensor::from({x}, {1, 1, 1}, DType::f64)),
                                                    {Var(Tensor::from({h0}, {1, 1}, DType::f64)),
                                                     Var(Tensor::from({c0}, {1, 1}, DType::f64))});
  BOOST_TEST(out.output.item() == h, boost::test_tools::tolerance(1e-14));
  BOOST_TEST(out.state[1].item() == c, boost::test_tools::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(initial_state_changes_the_output) {
  nn::GRU gru(3);
  const Var x(randn({2, 4, 2}));
  const Var zero_start = gru(x), other_start = gru.forward(x, Var(ones({2, 3})));
  BOOST_TEST(zero_start.value().to_vector() != other_start.value().to_vector());
  BOOST_TEST(gru.forward(x, Var(zeros({2, 3}))).value().to_vector() == zero_start.value().to_vector());
}

// Inference projects inside the loop above 256 rows (time·batch) and training projects every step
// at once: both give the same outputs, for each layer, at a size on each side of the switch.
BOOST_AUTO_TEST_CASE(hoisted_and_per_step_projections_agree) {
  Generator gen(11);
  nn::LSTM lstm(5, {.return_sequences = true});
  nn::GRU gru(5, {.return_sequences = true});
  nn::SimpleRNN rnn(5, {.return_sequences = true});
  built(lstm, {6, 3}, DType::f64);
  built(gru, {6, 3}, DType::f64);
  built(rnn, {6, 3}, DType::f64);
  for (int64_t batch : {2, 50}) {  // 12 rows: hoisted either way; 300 rows: per step without grad
    const Var x(randn({batch, 6, 3}, gen, DType::f64));
    for (nn::Recurrent* layer : std::initializer_list<nn::Recurrent*>{&lstm, &gru, &rnn}) {
      const Tensor with_grad = (*layer)(x).value();
      Tensor without;
      {
        NoGrad no_grad;
        without = (*layer)(x).value();
      }
      const auto a = with_grad.to_vector(), b = without.to_vector();
      BOOST_REQUIRE_EQUAL(a.size(), b.size());
      for (size_t i = 0; i < a.size(); ++i) BOOST_TEST(a[i] == b[i], boost::test_tools::tolerance(1e-12));
    }
  }
}

BOOST_DATA_TEST_CASE(cell_gradients_match_finite_differences, bdata::make(cell_rows()), row) {
  Generator gen(std::hash<std::string>{}(row.name));
  std::vector<Tensor> inputs;
  for (const Shape& s : row.shapes) inputs.push_back(uniform(s, -1.0, 1.0, gen, DType::f64));
  const GradcheckResult r = gradcheck(row.f, inputs, {.name = row.name});
  BOOST_TEST(r.ok, r.report);
}

// The layer's own forward (its registered parameters through the same cell) checked with respect to x.
BOOST_AUTO_TEST_CASE(lstm_layer_gradient_with_respect_to_input) {
  nn::LSTM lstm(2, {.return_sequences = true});
  built(lstm, {4, 3}, DType::f64);
  Generator gen(3);
  const GradcheckResult r = gradcheck([&](const std::vector<Var>& in) { return lstm(in[0]); },
                                      {randn({2, 4, 3}, gen, DType::f64)}, {.name = "LSTM layer"});
  BOOST_TEST(r.ok, r.report);
}

namespace {
using nn::RnnState;

// The plain gate equations, biases added after the matmuls: the reference for the cells, which
// carry each bias inside its matmul as [x, 1]·[W; b].
RnnState lstm_reference(const Var& x, const RnnState& s, const Var& w, const Var& u, const Var& b) {
  const auto [z_i, z_f, z_c, z_o] = nn::detail::split_gates<4>(matmul(x, w) + matmul(s[0], u) + b);
  const Var c = sigmoid(z_f) * s[1] + sigmoid(z_i) * tanh(z_c);
  return {sigmoid(z_o) * tanh(c), c};
}
RnnState gru_reference(const Var& x, const RnnState& s, const Var& w, const Var& u, const Var& b) {
  const Var b_x = reshape(slice(b, 0, 0, 1), {b.size(1)}), b_h = reshape(slice(b, 0, 1, 2), {b.size(1)});
  const auto [x_z, x_r, x_h] = nn::detail::split_gates<3>(matmul(x, w) + b_x);
  const auto [h_z, h_r, h_h] = nn::detail::split_gates<3>(matmul(s[0], u) + b_h);
  const Var z = sigmoid(x_z + h_z), r = sigmoid(x_r + h_r);
  return {z * s[0] + (1.0 - z) * tanh(x_h + r * h_h)};
}
RnnState simple_rnn_reference(const Var& x, const RnnState& s, const Var& w, const Var& u, const Var& b) {
  return {tanh(matmul(x, w) + matmul(s[0], u) + b)};
}
}  // namespace

// Values and every input's gradient (x, weights, initial state) of the cells equal the reference's.
BOOST_AUTO_TEST_CASE(cells_equal_the_plain_gate_equations) {
  using Reference = RnnState (*)(const Var&, const RnnState&, const Var&, const Var&, const Var&);
  struct Case {
    std::string name;
    std::vector<Shape> shapes;  // x, kernel, recurrent_kernel, bias, state...
    std::function<nn::RnnCell(const Var&, const Var&, const Var&)> cell;
    Reference reference;
  };
  const Shape x{3, 5, 4}, state{3, 2};
  const std::vector<Case> cases{
      {"lstm", {x, {4, 8}, {2, 8}, {8}, state, state},
       [](const Var& w, const Var& u, const Var& b) { return nn::to_rnn_cell(nn::LstmCell(w, u, b)); }, lstm_reference},
      {"gru", {x, {4, 6}, {2, 6}, {2, 6}, state},
       [](const Var& w, const Var& u, const Var& b) { return nn::to_rnn_cell(nn::GruCell(w, u, b)); }, gru_reference},
      {"simple_rnn", {x, {4, 2}, {2, 2}, {2}, state},
       [](const Var& w, const Var& u, const Var& b) { return nn::to_rnn_cell(nn::SimpleRnnCell(w, u, b)); },
       simple_rnn_reference},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.name) {
      Generator gen(11);
      std::vector<Var> in;
      for (const Shape& s : c.shapes) in.emplace_back(uniform(s, -1.0, 1.0, gen, DType::f64), true);
      const RnnState s0(in.begin() + 4, in.end());
      const Var fast = nn::unroll(in[0], s0, c.cell(in[1], in[2], in[3]), true).output;
      const nn::RnnStep plain = [&](const Var& x_t, const RnnState& s) {
        return c.reference(x_t, s, in[1], in[2], in[3]);
      };
      const Var slow = nn::unroll(in[0], s0, nn::RnnCell{nullptr, plain}, true).output;
      BOOST_TEST(fast.value().to_vector() == slow.value().to_vector(),
                 boost::test_tools::tolerance(1e-12) << boost::test_tools::per_element());
      const Tensor seed = uniform(fast.shape(), -1.0, 1.0, gen, DType::f64);
      const std::vector<Var> g_fast = grad(fast, in, {.seed = Var(seed), .retain_graph = true}),
                             g_slow = grad(slow, in, {.seed = Var(seed)});
      for (size_t k = 0; k < in.size(); ++k)
        BOOST_TEST(g_fast[k].value().to_vector() == g_slow[k].value().to_vector(),
                   boost::test_tools::tolerance(1e-12) << boost::test_tools::per_element());
    }
  }
}

BOOST_AUTO_TEST_CASE(cell_bias_of_the_wrong_length_names_the_shapes) {
  BOOST_CHECK_EXCEPTION(nn::LstmCell(Var(zeros({3, 8})), Var(zeros({2, 8})), Var(zeros({6}))), ShapeError,
                        [](const Error& e) { return message_has(e, "bias must be [8] for kernel [3, 8]; got [6]"); });
}

// split (one slice per piece) gives the plain slices' values, and its gradient is the pieces'
// gradients side by side, exactly: the four gates of a step, uneven pieces with an empty one, and
// pieces big enough that the gradient's one-pass writer splits rows across two threads.
BOOST_AUTO_TEST_CASE(split_is_its_slices_and_its_gradient_the_pieces_side_by_side) {
  set_num_threads(2);
  const std::vector<std::vector<int64_t>> cases{{3, 3, 3, 3}, {1, 3, 0, 2, 1, 1, 4}, {7001, 3000, 9000}};
  for (DType dtype : {DType::f32, DType::f64}) {
    for (const std::vector<int64_t>& sizes : cases) {
      Generator gen(5);
      int64_t width = 0;
      for (int64_t n : sizes) width += n;
      const Var z(randn({3, width}, gen, dtype), true);
      const std::vector<Var> pieces = split(z, sizes, 1);
      BOOST_REQUIRE_EQUAL(pieces.size(), sizes.size());
      std::vector<Var> seeds;
      Var loss = Var(zeros({}, dtype));
      int64_t at = 0;
      for (size_t k = 0; k < sizes.size(); ++k) {
        BOOST_TEST((pieces[k].value().to_vector() == z.value().slice(1, at, at + sizes[k]).to_vector()));
        at += sizes[k];
        seeds.emplace_back(randn({3, sizes[k]}, gen, dtype));
        loss = loss + sum(pieces[k] * seeds.back());
      }
      BOOST_TEST((grad(loss, {z})[0].value().to_vector() == concat(seeds, 1).value().to_vector()));
    }
  }
  set_num_threads(0);
}

// A strided slice (step 2) scatters its gradient the plain way: zeros, then g at every other place.
BOOST_AUTO_TEST_CASE(strided_slice_gradient_fills_every_other_place) {
  const Var z(randn({3, 8}), true), seed(randn({3, 4}));
  const std::vector<double> g = grad(sum(slice(z, 1, 1, 8, 2) * seed), {z})[0].value().to_vector();
  const std::vector<double> s = seed.value().to_vector();
  for (size_t k = 0; k < g.size(); ++k) BOOST_TEST(g[k] == (k % 2 == 1 ? s[(k / 8) * 4 + (k % 8) / 2] : 0.0));
}

BOOST_AUTO_TEST_CASE(long_unroll_backward_does_not_overflow_the_stack) {
  nn::LSTM lstm(2);
  const Var x(randn({1, 1000, 1}));
  backward(sum(lstm(x)));
  for (const Var& p : lstm.parameters()) {
    BOOST_REQUIRE(p.grad().defined());
    BOOST_TEST(all_finite(p.grad()));
  }
}

BOOST_AUTO_TEST_CASE(simple_rnn_takes_a_keras_activation_by_name) {
  nn::SimpleRNN rnn(3, {.activation = "relu"});
  for (double v : rnn(Var(randn({2, 4, 2}))).value().to_vector()) BOOST_TEST(v >= 0.0);
  BOOST_CHECK_THROW(nn::SimpleRNN(3, {.activation = "no_such_activation"}), ValueError);
}
