#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>

#include "nn/nn.hpp"
#include "tests/message.hpp"

using autodiff::DType;
using autodiff::Shape;
using autodiff::Tensor;
using autodiff::Var;

namespace {

using testing::message_has;

// A module with a trainable parameter, a buffer and a child, for the Module bookkeeping tests.
struct Scale : nn::Module {
  Scale() { register_parameter("w", autodiff::ones({3})); }
  Var forward(const Var& x) override { return x * parameter("w"); }
};
struct Net : nn::Module {
  Net() {
    register_parameter("gain", autodiff::ones({2, 3}));
    register_parameter("count", autodiff::zeros({1}), false);
    register_module("inner", std::make_shared<Scale>());
  }
  Var forward(const Var& x) override { return children()[0].second->forward(x * parameter("gain")); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(module)

BOOST_AUTO_TEST_CASE(named_parameters_prefix_children_and_skip_buffers) {
  Net net;
  std::vector<std::string> names;
  for (const auto& [name, v] : net.named_parameters()) names.push_back(name);
  BOOST_TEST(names == (std::vector<std::string>{"gain", "inner.w"}), boost::test_tools::per_element());
  BOOST_TEST(net.named_buffers().size() == 1u);
  BOOST_TEST(net.named_buffers()[0].first == "count");
  BOOST_TEST(!net.named_buffers()[0].second.requires_grad());
  BOOST_TEST(net.named_state().size() == 3u);
}

BOOST_AUTO_TEST_CASE(count_params_counts_buffers_but_trainable_count_does_not) {
  Net net;
  BOOST_TEST(net.count_params() == 10);
  BOOST_TEST(net.count_trainable_params() == 9);
}

BOOST_AUTO_TEST_CASE(train_and_eval_propagate_to_children) {
  Net net;
  net.eval();
  BOOST_TEST(!net.children()[0].second->training());
  net.train();
  BOOST_TEST(net.children()[0].second->training());
}

BOOST_AUTO_TEST_CASE(zero_grad_clears_every_gradient) {
  Net net;
  autodiff::backward(autodiff::sum(net(Var(autodiff::ones({2, 3})))));
  BOOST_TEST(net.parameters()[1].grad().defined());
  net.zero_grad();
  for (const Var& p : net.parameters()) BOOST_TEST(!p.grad().defined());
}

BOOST_AUTO_TEST_CASE(functional_call_routes_gradients_to_substitutes_and_restores) {
  Net net;
  const Var w(autodiff::full({3}, 2.0), true);
  const Var y = net.functional_call({{"inner.w", w}}, Var(autodiff::ones({2, 3})));
  BOOST_TEST(y.value().at({0, 0}) == 2.0);
  autodiff::backward(autodiff::sum(y));
  BOOST_TEST(w.grad().at({0}) == 2.0);
  BOOST_TEST(net.named_parameters()[1].second.value().at({0}) == 1.0);
}

BOOST_AUTO_TEST_CASE(duplicate_parameter_name_is_an_error) {
  struct Twice : nn::Module {
    Twice() {
      register_parameter("w", autodiff::ones({1}));
      register_parameter("w", autodiff::ones({1}));
    }
    Var forward(const Var& x) override { return x; }
  };
  BOOST_CHECK_EXCEPTION(Twice(), autodiff::ValueError, message_has({"'w'", "twice"}));
}

BOOST_AUTO_TEST_SUITE_END()
