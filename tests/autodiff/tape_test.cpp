#include <boost/test/unit_test.hpp>

#include <cmath>
#include <functional>
#include <vector>

#include "autodiff/autodiff.hpp"
#include "tests/message.hpp"

using namespace autodiff;

namespace {
using testing::message_has;
}  // namespace

BOOST_AUTO_TEST_CASE(backward_accumulates_fan_out) {
  Var x(Tensor::from({2.0, 3.0}, {2}, DType::f64), true);
  Var y = sum(x * x + x);  // dy/dx = 2x + 1
  backward(y);
  BOOST_TEST(x.grad().to_vector() == (std::vector<double>{5.0, 7.0}), boost::test_tools::per_element());
}

// A first-order sweep adds later gradients into a sum it owns, in place, and lets a slice add its
// gradient straight into its block of the input's. Compared here with create_graph, which takes the
// out-of-place path: overlapping slices, a width-1 column (a strided block), a stepped slice and a
// direct use of x, reached in every order of first and later contributions.
BOOST_AUTO_TEST_CASE(in_place_accumulation_matches_the_recorded_sweep) {
  Generator gen(7);
  const Tensor x0 = randn({3, 5}, gen, DType::f64), a = randn({3, 2}, gen, DType::f64),
               b = randn({2, 5}, gen, DType::f64), c = randn({3, 5}, gen, DType::f64);
  auto f = [&](const Var& x) {
    return sum(slice(x, 1, 0, 2) * Var(a)) + sum(slice(x, 0, 1, 3) * Var(b)) + sum(x * Var(c)) +
           sum(slice(x, 1, 4, 5) * 3.0) + sum(slice(x, 1, 0, 5, 2)) + sum(slice(x, 1, 1, 3) * slice(x, 1, 0, 2));
  };
  Var x(x0, true);
  const Tensor first = grad(f(x), {x})[0].value();
  const Tensor recorded = grad(f(x), {x}, {.create_graph = true})[0].value();
  BOOST_TEST(first.to_vector() == recorded.to_vector(), boost::test_tools::per_element());
  // And against the gradient written out by hand.
  const auto xv = x0.to_vector(), av = a.to_vector(), bv = b.to_vector(), cv = c.to_vector();
  std::vector<double> want(15);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 5; ++j) {
      double g = cv[i * 5 + j];
      if (j < 2) g += av[i * 2 + j] + xv[i * 5 + j + 1];  // x[:, 0:2] times a and times x[:, 1:3]
      if (j >= 1 && j < 3) g += xv[i * 5 + j - 1];
      if (i >= 1) g += bv[(i - 1) * 5 + j];
      if (j == 4) g += 3.0;
      if (j % 2 == 0) g += 1.0;
      want[i * 5 + j] = g;
    }
  const auto got = first.to_vector();
  for (size_t k = 0; k < want.size(); ++k) BOOST_TEST(got[k] == want[k], boost::test_tools::tolerance(1e-12));
}

// Step-1 slices write their gradient into a fresh sum's block instead of adding to zeros; what no block
// wrote is zero-filled once the sum is needed. The sums are left in the allocator's cache full of NaN
// first, so a block the sweep forgot to fill would show. Compared with create_graph's sweep.
BOOST_AUTO_TEST_CASE(slices_write_their_blocks_and_the_rest_is_zero) {
  Generator gen(11);
  const Tensor x0 = randn({4, 6}, gen, DType::f64), w = randn({4, 6}, gen, DType::f64);
  const std::vector<std::function<Var(const Var&)>> cases = {
      [&](const Var& x) {  // tiles axis 0, like the split of a time-major sequence
        const auto p = split(x, {1, 2, 1}, 0);
        return sum(p[0] * 2.0) + sum(exp(p[1])) + sum(p[2] * p[2]);
      },
      [&](const Var& x) { return sum(slice(x, 1, 0, 2) * 3.0) + sum(slice(x, 1, 4, 6)); },  // a gap: columns 2, 3
      [&](const Var& x) { return sum(slice(x, 0, 1, 3) * 3.0) + sum(slice(x, 1, 2, 4) * 5.0); },  // two axes
      [&](const Var& x) { return sum(slice(x, 1, 3, 6) * 2.0) + sum(slice(x, 1, 0, 4)); },  // overlapping
      [&](const Var& x) { return sum(slice(x, 0, 0, 2) * 2.0) + sum(x * Var(w)) + sum(slice(x, 0, 3, 4)); },
  };
  for (size_t k = 0; k < cases.size(); ++k) {
    BOOST_TEST_CONTEXT("case " << k) {
      Var x(x0, true);
      const Tensor recorded = grad(cases[k](x), {x}, {.create_graph = true})[0].value();
      for (int i = 0; i < 4; ++i) (void)full({4, 6}, std::nan(""), DType::f64);
      const Tensor first = grad(cases[k](x), {x})[0].value();
      BOOST_TEST(all_finite(first));
      BOOST_TEST(first.to_vector() == recorded.to_vector(), boost::test_tools::per_element());
    }
  }
}

// A VJP may write a split piece's gradient straight into the piece's block of the whole input's gradient
// (Ctx::into; the fused LSTM cell does), and a sum that addmm passes on to a reshaped piece (an LSTM step's z
// and its slice of the time-major projection) may live in that block. Checked against create_graph's sweep,
// which does neither, with the sums' memory left full of NaN: a piece that gets no gradient, one used twice,
// one asked for by grad, and the LSTM step's chain.
BOOST_AUTO_TEST_CASE(vjps_write_split_pieces_into_their_blocks) {
  Generator gen(13);
  const Tensor x0 = randn({3, 8}, gen, DType::f64), w = randn({3, 2}, gen, DType::f64);
  const Tensor u0 = randn({2, 8}, gen, DType::f64), h0 = randn({3, 2}, gen, DType::f64);
  auto gates = [](const Var& z) { return split(z, {2, 2, 2, 2}, 1); };
  const std::vector<std::function<Var(const Var&, const Var&)>> cases = {
      [&](const Var& x, const Var&) {  // pieces 1 and 2 unused: their blocks stay zero
        const auto p = gates(x);
        return sum(lstm_cell_output(p[0], p[3]) * Var(w));
      },
      [&](const Var& x, const Var&) {  // piece 0 also used by an op that writes no block
        const auto p = gates(x);
        return sum(lstm_cell_output(p[0], p[1]) * Var(w)) + sum(exp(p[0])) + sum(lstm_cell_state(p[0], p[1], p[2], p[3]));
      },
      [&](const Var& x, const Var& u) {  // two LSTM steps over a time-major [2·3, 8] projection
        const auto steps = split(reshape(x, Shape{2, 3, 4}), {1, 1}, 0);
        Var h(h0), c(zeros({3, 2}, DType::f64));
        for (const Var& s : steps) {
          const Var xw = matmul(reshape(s, Shape{3, 4}), Var(Tensor::from(std::vector<double>(32, 0.25), {4, 8}, DType::f64)));
          const auto g = gates(addmm(xw, h, u));
          c = lstm_cell_state(g[0], g[1], g[2], c);
          h = lstm_cell_output(g[3], c);
        }
        return sum(h * Var(w));
      },
  };
  for (size_t k = 0; k < cases.size(); ++k) {
    BOOST_TEST_CONTEXT("case " << k) {
      const Tensor xin = k == 2 ? randn({6, 4}, gen, DType::f64) : x0;
      Var x(xin, true), u(u0, true);
      const std::vector<Var> recorded = grad(cases[k](x, u), {x, u}, {.create_graph = true});
      for (int i = 0; i < 6; ++i) (void)full(xin.shape(), std::nan(""), DType::f64);
      const std::vector<Var> first = grad(cases[k](x, u), {x, u});
      for (size_t j = 0; j < 2; ++j) {
        BOOST_TEST(all_finite(first[j].value()));
        BOOST_TEST(first[j].value().to_vector() == recorded[j].value().to_vector(),
                   boost::test_tools::tolerance(1e-12) << boost::test_tools::per_element());
      }
    }
  }
  // A piece the caller asks for is delivered whole, and so is the input.
  Var x(x0, true);
  const auto p = gates(x);
  const std::vector<Var> g = grad(sum(lstm_cell_output(p[0], p[1]) * Var(w)), {x, p[0]});
  BOOST_TEST(g[1].value().to_vector() == slice(g[0], 1, 0, 2).value().to_vector(), boost::test_tools::per_element());
}

// Rows of 20,000 elements are one contiguous run each, longer than two element-wise chunks, so their block
// copies and the zero-fill of the gap are split across threads.
BOOST_AUTO_TEST_CASE(long_contiguous_blocks_are_written_and_zero_filled_whole) {
  Generator gen(12);
  const int64_t n = 20000;
  const Tensor x0 = randn({3, n}, gen, DType::f64);
  for (int i = 0; i < 4; ++i) (void)full({3, n}, std::nan(""), DType::f64);
  Var x(x0, true);
  const Tensor g = grad(sum(slice(x, 0, 0, 1) * 2.0) + sum(slice(x, 0, 2, 3) * slice(x, 0, 2, 3)), {x})[0].value();
  const std::vector<double> got = g.to_vector(), in = x0.to_vector();
  std::vector<double> want(static_cast<size_t>(3 * n), 0.0);
  for (int64_t j = 0; j < n; ++j) {
    want[static_cast<size_t>(j)] = 2.0;
    want[static_cast<size_t>(2 * n + j)] = 2.0 * in[static_cast<size_t>(2 * n + j)];
  }
  BOOST_TEST(got == want, boost::test_tools::per_element());
  const Tensor joined = concat({Var(x0), Var(x0)}, 0).value();  // forward copies of 60,000-element runs
  std::vector<double> twice = in;
  twice.insert(twice.end(), in.begin(), in.end());
  BOOST_TEST(joined.to_vector() == twice, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(the_sweep_never_writes_into_the_seed) {
  Var x(Tensor::from({1.0, 2.0, 3.0, 4.0}, {4}, DType::f64), true);
  const Var seed(Tensor::from({1.0, 10.0}, {2}, DType::f64));
  Var y = slice(x, 0, 0, 2) + slice(x, 0, 2, 4) + slice(x, 0, 1, 3);  // the seed reaches three slices and x
  backward(y, {.seed = seed});
  BOOST_TEST(seed.value().to_vector() == (std::vector<double>{1.0, 10.0}), boost::test_tools::per_element());
  BOOST_TEST(x.grad().to_vector() == (std::vector<double>{1.0, 11.0, 11.0, 10.0}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(gradients_accumulate_across_backward_calls) {
  Var x(Tensor::from({1.0, -1.0}, {2}, DType::f64), true);
  backward(sum(x * 3.0));
  backward(sum(x * 2.0));
  BOOST_TEST(x.grad().to_vector() == (std::vector<double>{5.0, 5.0}), boost::test_tools::per_element());
  x.zero_grad();
  BOOST_TEST(!x.grad().defined());
}

BOOST_AUTO_TEST_CASE(long_chain_backward_does_not_recurse) {
  Var x(Tensor::scalar(1.0, DType::f64), true);
  Var y = x;
  for (int i = 0; i < 100000; ++i) y = y * 1.0;
  backward(y);
  BOOST_TEST(x.grad().item() == 1.0);
}

BOOST_AUTO_TEST_CASE(stale_var_after_clear_is_an_error) {
  Var x(Tensor::scalar(2.0), true);
  Var y = x * x;
  backward(y);  // clears the tape
  BOOST_CHECK_EXCEPTION(backward(y), TapeError, [](const Error& e) { return message_has(e, "stale Var"); });
  BOOST_CHECK_EXCEPTION(y * 2.0, TapeError, [](const Error& e) { return message_has(e, "stale Var"); });
}

BOOST_AUTO_TEST_CASE(backward_of_non_scalar_needs_a_seed) {
  Var x(ones({2, 3}), true);
  Var y = x * 2.0;
  BOOST_CHECK_EXCEPTION(backward(y), TapeError, [](const Error& e) { return message_has(e, "not a scalar (shape [2, 3])"); });
  backward(y, {.seed = Var(ones({2, 3}))});
  BOOST_TEST(x.grad().to_vector() == std::vector<double>(6, 2.0), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(mixing_tapes_is_detected) {
  Var x(ones({2}), true);
  Var y = x * 2.0;  // on the default tape
  TapeScope scope;
  BOOST_CHECK_EXCEPTION(y * 3.0, TapeError, [](const Error& e) { return message_has(e, "mixing tapes"); });
}

BOOST_AUTO_TEST_CASE(no_grad_records_nothing) {
  TapeScope scope;
  Var x(ones({2}), true);
  {
    NoGrad guard;
    Var y = x * 2.0;
    BOOST_TEST(!y.requires_grad());
  }
  BOOST_TEST(scope.tape().size() == 0);
  Var z = x * 2.0;
  BOOST_TEST(z.requires_grad());
  BOOST_TEST(scope.tape().size() == 2);  // the leaf and the mul
}

BOOST_AUTO_TEST_CASE(grad_of_grad) {
  Var x(Tensor::scalar(3.0, DType::f64), true);
  Var y = x * x * x;  // y' = 3x², y'' = 6x
  Var g = grad(y, {x}, {.create_graph = true})[0];
  BOOST_TEST(g.item() == 27.0);
  Var h = grad(g, {x})[0];
  BOOST_TEST(h.item() == 18.0);
}

BOOST_AUTO_TEST_CASE(dtype_mixing_is_a_value_error) {
  Var a(ones({2}, DType::f32)), b(ones({2}, DType::f64));
  BOOST_CHECK_EXCEPTION(a + b, ValueError,
                        [](const Error& e) { return message_has(e, "add: dtypes differ; got float32 [2] and float64 [2]"); });
}

BOOST_AUTO_TEST_CASE(gradient_of_a_leaf_with_respect_to_itself_is_the_seed) {
  TapeScope scope;
  Var x(Tensor::from({1.0, 2.0}, {2}, DType::f64), true), other(ones({2}, DType::f64), true);
  const Var seed(Tensor::from({3.0, 4.0}, {2}, DType::f64));
  const auto g = grad(x, {x, other}, {.seed = seed});
  BOOST_TEST(g[0].value().to_vector() == seed.value().to_vector(), boost::test_tools::per_element());
  BOOST_TEST(g[1].value().to_vector() == std::vector<double>(2, 0.0), boost::test_tools::per_element());
}

// grad returns one gradient per requested input, also when two entries are one node: the same Var twice, or
// a Var that an op handed back unchanged (a same-shape reshape, a full slice, a zero pad), as PyTorch does.
BOOST_AUTO_TEST_CASE(grad_answers_every_entry_of_a_repeated_input) {
  Var x(Tensor::from({1.0, 2.0, 3.0}, {3}, DType::f64), true);
  const Var y = sum(x * x);  // dy/dx = 2x
  const std::vector<Var> aliases{x, x, reshape(x, x.shape()), slice(x, 0, 0, 3), pad(x, {{0, 0}})};
  const std::vector<Var> g = grad(y, aliases, {.retain_graph = true});
  BOOST_REQUIRE_EQUAL(g.size(), aliases.size());
  for (const Var& gk : g)
    BOOST_TEST(gk.value().to_vector() == (std::vector<double>{2.0, 4.0, 6.0}), boost::test_tools::per_element());
  const std::vector<Var> recorded = grad(y, {x, x}, {.create_graph = true});
  BOOST_TEST(recorded[1].value().to_vector() == (std::vector<double>{2.0, 4.0, 6.0}),
             boost::test_tools::per_element());
}
