// autodiff::checkpoint: the forward keeps nothing of f, backward recomputes it, and the gradients are bit for bit
// those of the plain f, randomness included; gradients of gradients work through it.
#include <boost/test/unit_test.hpp>

#include <functional>
#include <string>
#include <vector>

#include "autodiff/autodiff.hpp"
#include "tests/message.hpp"

using namespace autodiff;

namespace {

// A two-layer block with a dropout-like mask drawn from `gen` (a fresh draw at every call, as Dropout does).
CheckpointFn block(Generator& gen) {
  return [&gen](const std::vector<Var>& in) {
    const Var h = tanh(matmul(in[0], in[1]));
    const Var mask = lt(Var(rand(h.shape(), gen, h.dtype())), Var(full(h.shape(), 0.7, h.dtype())));
    return matmul(where(mask, h / 0.7, h * 0.0), in[2]);
  };
}

struct Run {
  std::vector<std::vector<double>> grads;
  double next_draw;  // where the generator stands afterwards
  int64_t nodes_after_forward;
};

// loss = Σ block(block(x))², either plain or with each block checkpointed; the gradients of x and all weights.
Run run(bool checkpointed, DType dtype) {
  Generator data(1), gen(7);
  std::vector<Var> leaves = {Var(randn({4, 5}, data, dtype), true), Var(randn({5, 6}, data, dtype), true),
                             Var(randn({6, 5}, data, dtype), true), Var(randn({5, 6}, data, dtype), true),
                             Var(randn({6, 3}, data, dtype), true)};
  const CheckpointFn f = block(gen);
  auto apply = [&](const std::vector<Var>& in) { return checkpointed ? checkpoint(f, in) : f(in); };
  const TapeScope tape;
  const Var h = apply({leaves[0], leaves[1], leaves[2]});
  const Var y = apply({h, leaves[3], leaves[4]});
  Run r;
  r.nodes_after_forward = active_tape().size();
  backward(sum(y * y));
  for (const Var& v : leaves) r.grads.push_back(v.grad().to_vector());
  r.next_draw = gen.uniform();
  return r;
}

}  // namespace

BOOST_AUTO_TEST_CASE(gradients_and_generators_are_bit_for_bit_those_of_the_plain_run) {
  for (DType dtype : {DType::f32, DType::f64}) {
    const Run plain = run(false, dtype), ckpt = run(true, dtype);
    for (size_t i = 0; i < plain.grads.size(); ++i)
      BOOST_TEST(ckpt.grads[i] == plain.grads[i], boost::test_tools::per_element());
    BOOST_TEST(ckpt.next_draw == plain.next_draw);  // replayed draws leave the generator where the plain run did
  }
}

BOOST_AUTO_TEST_CASE(the_forward_records_one_node_per_checkpoint_not_its_intermediates) {
  const Run plain = run(false, DType::f32), ckpt = run(true, DType::f32);
  // 5 leaves + 2 checkpoint nodes; the plain run records every op of both blocks (matmul, tanh, the masked
  // scaling, matmul: at least five each).
  BOOST_TEST(ckpt.nodes_after_forward == 7);
  BOOST_TEST(plain.nodes_after_forward >= 5 + 2 * 5);
}

BOOST_AUTO_TEST_CASE(first_and_second_derivatives_pass_gradcheck) {
  const Function f = [](const std::vector<Var>& in) {
    return checkpoint([](const std::vector<Var>& v) { return sum(exp(tanh(matmul(v[0], v[1])) * v[0]), {1}); },
                      in);
  };
  Generator gen(3);
  const std::vector<Tensor> inputs = {randn({3, 3}, gen, DType::f64), randn({3, 3}, gen, DType::f64)};
  const auto first = gradcheck(f, inputs, {.name = "checkpoint"});
  BOOST_TEST(first.ok, first.report);
  const auto second = gradgradcheck(f, inputs, {.name = "checkpoint"});
  BOOST_TEST(second.ok, second.report);
}

BOOST_AUTO_TEST_CASE(a_checkpoint_inside_a_checkpoint_replays_its_draws_too) {
  auto grads = [](bool nested) {
    Generator gen(11);
    const Var x(Tensor::from({0.5, -1.0, 2.0, 0.25}, {2, 2}, DType::f64), true);
    const CheckpointFn inner = [&](const std::vector<Var>& v) { return v[0] * Var(rand({2, 2}, gen, DType::f64)); };
    const CheckpointFn outer = [&](const std::vector<Var>& v) {
      const Var a = nested ? checkpoint(inner, {v[0]}) : inner({v[0]});
      return exp(a) * Var(rand({2, 2}, gen, DType::f64));
    };
    const TapeScope tape;
    backward(sum(nested ? checkpoint(outer, {x}) : outer({x})));
    return x.grad().to_vector();
  };
  BOOST_TEST(grads(true) == grads(false), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_var_read_by_f_but_not_passed_is_an_error_not_a_lost_gradient) {
  const Var w(Tensor::from({1.0, 2.0}, {2}, DType::f64), true);
  const Var x(Tensor::from({3.0, 4.0}, {2}, DType::f64), true);
  const TapeScope tape;
  const Var y = checkpoint([&](const std::vector<Var>& v) { return v[0] * w; }, {x});
  BOOST_CHECK_EXCEPTION(backward(sum(y)), ValueError,
                        testing::message_has({"checkpoint", "not among its inputs", "[2]"}));
}

BOOST_AUTO_TEST_CASE(a_recomputation_that_draws_differently_is_an_error) {
  int calls = 0;
  const Var x(Tensor::from({1.0, 2.0}, {2}, DType::f64), true);
  const TapeScope tape;
  const Var y = checkpoint(
      [&](const std::vector<Var>& v) {
        // The first run draws one tensor, the recomputation two: f is not a function of its inputs.
        for (int k = 0; k <= calls; ++k) (void)rand({2}, DType::f64);
        ++calls;
        return v[0] * 2.0;
      },
      {x});
  BOOST_CHECK_EXCEPTION(backward(sum(y)), ValueError, testing::message_has({"checkpoint", "more random tensors"}));
}
