// Bad use stops every rank with the same clear error; no rank is left waiting. Run under mpiexec with 2 ranks.
#include "nn/data/mnist.hpp"
#include "tests/distributed/common.hpp"
#include "tests/message.hpp"

using namespace dist_test;
using nn_test::blobs;
using testing::message_has;

BOOST_TEST_GLOBAL_FIXTURE(StartMpi);

BOOST_AUTO_TEST_CASE(a_global_batch_smaller_than_the_rank_count_fails_on_every_rank) {
  const auto d = blobs(64, 1);
  nn::Sequential model = mlp(1);
  model.compile("categorical_crossentropy", nn::SGD(0.1));
  const nn::FitOptions o{.batch_size = 1, .verbose = 0, .strategy = strategy()};
  BOOST_CHECK_EXCEPTION(model.fit(d.x, d.y, o), autodiff::ValueError,
                        message_has({"the global batch_size 1 is smaller than the 2 ranks"}));
  // And the job goes on: the next collective still lines up.
  distributed::check_same_on_all_ranks(context().communicator(), 42, "after the error");
}

BOOST_AUTO_TEST_CASE(ranks_whose_models_differ_fail_naming_the_rank) {
  const auto d = blobs(64, 2);
  autodiff::manual_seed(1);
  const int64_t units = context().rank() == 1 ? 9 : 8;
  nn::Sequential model{nn::Dense(units, {.activation = "tanh", .input_shape = autodiff::Shape{4}}),
                       nn::Dense(2, {.activation = "softmax"})};
  model.compile("categorical_crossentropy", nn::SGD(0.1));
  const nn::FitOptions o{.batch_size = 16, .verbose = 0, .strategy = strategy()};
  BOOST_CHECK_EXCEPTION(model.fit(d.x, d.y, o), autodiff::ValueError, message_has({"rank(s) 1 ("}));
}

BOOST_AUTO_TEST_CASE(different_global_batches_fail_naming_the_rank) {
  const auto d = blobs(64, 3);
  nn::Sequential model = mlp(1);
  model.compile("categorical_crossentropy", nn::SGD(0.1));
  const nn::FitOptions o{.batch_size = context().rank() == 1 ? 32 : 16, .verbose = 0, .strategy = strategy()};
  BOOST_CHECK_EXCEPTION(model.fit(d.x, d.y, o), autodiff::ValueError, message_has({"differ from rank 0"}));
}

BOOST_AUTO_TEST_CASE(a_data_set_one_rank_cannot_open_fails_on_every_rank_naming_it) {
  auto load = [] {
    if (context().rank() == 1) (void)nn::data::load_mnist("/nonexistent/mnist");
  };
  BOOST_CHECK_EXCEPTION(distributed::on_every_rank(context().communicator(), "loading MNIST", load),
                        autodiff::ValueError, [](const autodiff::ValueError& e) {
                          const std::string m = e.what();
                          return m.starts_with("loading MNIST failed on rank 1: ") &&
                                 m.find("/nonexistent/mnist") != std::string::npos;
                        });
}
