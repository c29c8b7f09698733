// Embedding: shapes, Keras' initial range, the gradient into the rows used, bad ids.
#include <boost/test/unit_test.hpp>

#include "nn/layers/embedding.hpp"
#include "tests/message.hpp"

using namespace autodiff;

namespace {
using testing::message_has;
}  // namespace

BOOST_AUTO_TEST_CASE(output_appends_the_embedding_axis) {
  nn::Embedding embedding(10, 4);
  const Var y = embedding(Var(Tensor::from({1, 2, 3, 9, 0, 1}, {2, 3})));
  BOOST_TEST(y.shape() == (Shape{2, 3, 4}));
  BOOST_TEST(embedding.output_shape({3}) == (Shape{3, 4}));
  BOOST_TEST(embedding.count_params() == 40);
  BOOST_TEST(embedding.named_parameters()[0].first == "embeddings");
}

BOOST_AUTO_TEST_CASE(rows_are_the_looked_up_ids) {
  nn::Embedding embedding(5, 3);
  const Var y = embedding(Var(Tensor::from({4, 1, 4}, {1, 3})));
  const Tensor table = embedding.embeddings().value();
  for (int64_t j = 0; j < 3; ++j) {
    BOOST_TEST(y.value().at({0, 0, j}) == table.at({4, j}));
    BOOST_TEST(y.value().at({0, 1, j}) == table.at({1, j}));
    BOOST_TEST(y.value().at({0, 2, j}) == table.at({4, j}));
  }
}

BOOST_AUTO_TEST_CASE(initial_values_are_uniform_within_five_hundredths) {
  nn::Embedding embedding(100, 8);
  (void)embedding(Var(Tensor::from({0}, {1, 1})));
  const std::vector<double> values = embedding.embeddings().value().to_vector();
  for (double v : values) BOOST_TEST((v >= -0.05 && v <= 0.05));
  BOOST_TEST(*std::max_element(values.begin(), values.end()) > 0.04);
  BOOST_TEST(*std::min_element(values.begin(), values.end()) < -0.04);
}

BOOST_AUTO_TEST_CASE(gradient_matches_finite_differences) {
  const Tensor ids = Tensor::from({0, 3, 3, 1, 2, 0}, {2, 3});
  Generator gen(1);
  const GradcheckResult r = gradcheck(
      [&](const std::vector<Var>& in) { return nn::embedding_lookup(ids, in[0]) * nn::embedding_lookup(ids, in[0]); },
      {randn({4, 2}, gen, DType::f64)}, {.name = "embedding_lookup"});
  BOOST_TEST(r.ok, r.report);
}

BOOST_AUTO_TEST_CASE(layer_gradient_scatter_adds_into_used_rows) {
  nn::Embedding embedding(4, 2);
  backward(sum(embedding(Var(Tensor::from({3, 3, 0}, {1, 3})))));
  const Tensor g = embedding.embeddings().grad();
  for (int64_t j = 0; j < 2; ++j) {
    BOOST_TEST(g.at({0, j}) == 1.0);
    BOOST_TEST(g.at({1, j}) == 0.0);
    BOOST_TEST(g.at({2, j}) == 0.0);
    BOOST_TEST(g.at({3, j}) == 2.0);
  }
}

BOOST_AUTO_TEST_CASE(bad_ids_name_the_layer_and_the_id) {
  nn::Embedding embedding(10, 4);
  embedding.set_name("embedding_1");
  BOOST_CHECK_EXCEPTION(embedding(Var(Tensor::from({1, 12}, {1, 2}))), ValueError, [](const Error& e) {
    return message_has(e, "Embedding 'embedding_1'") && message_has(e, "id 12") && message_has(e, "[0, 10)");
  });
  BOOST_CHECK_EXCEPTION(embedding(Var(Tensor::from({-1}, {1, 1}))), ValueError,
                        [](const Error& e) { return message_has(e, "id -1"); });
  BOOST_CHECK_EXCEPTION(embedding(Var(Tensor::from({1.5}, {1, 1}))), ValueError,
                        [](const Error& e) { return message_has(e, "id 1.5"); });
}
