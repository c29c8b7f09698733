#include <boost/test/unit_test.hpp>

#include "autodiff/autodiff.hpp"
#include "tests/message.hpp"

using namespace autodiff;
using Values = std::vector<double>;

namespace {
constexpr auto has = [](const autodiff::Error& e, const std::string& f) { return testing::message_has(e, f); };
}  // namespace

BOOST_AUTO_TEST_CASE(factories_fill_values) {
  BOOST_TEST(zeros({2, 2}).to_vector() == Values(4, 0.0), boost::test_tools::per_element());
  BOOST_TEST(ones({3}, DType::f64).to_vector() == Values(3, 1.0), boost::test_tools::per_element());
  BOOST_TEST(full({2}, 7.5).to_vector() == Values(2, 7.5), boost::test_tools::per_element());
  BOOST_TEST(arange(0, 5, 2).to_vector() == (Values{0, 2, 4}), boost::test_tools::per_element());
  BOOST_TEST(linspace(0, 1, 5, DType::f64).to_vector() == (Values{0, 0.25, 0.5, 0.75, 1}),
             boost::test_tools::per_element());
  BOOST_TEST(eye(2).to_vector() == (Values{1, 0, 0, 1}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(seeded_generators_repeat) {
  Generator a(42), b(42), c(43);
  const Tensor x = randn({100}, a), y = randn({100}, b), z = randn({100}, c);
  BOOST_TEST(x.to_vector() == y.to_vector(), boost::test_tools::per_element());
  BOOST_TEST(x.to_vector() != z.to_vector());
  manual_seed(7);
  const Tensor u = rand({10});
  manual_seed(7);
  BOOST_TEST(u.to_vector() == rand({10}).to_vector(), boost::test_tools::per_element());
  for (double v : uniform({1000}, -2, 3, a).to_vector()) BOOST_TEST((v >= -2 && v < 3));
}

BOOST_AUTO_TEST_CASE(views_share_storage_without_copy) {
  const Tensor t = arange(0, 6).reshape({2, 3});
  const Tensor tt = t.transpose();
  BOOST_TEST(tt.storage() == t.storage());
  BOOST_TEST(!tt.is_contiguous());
  BOOST_TEST(tt.contiguous().to_vector() == (Values{0, 3, 1, 4, 2, 5}), boost::test_tools::per_element());
  const Tensor s = t.slice(1, -2, 3);  // columns 1..2
  BOOST_TEST(s.storage() == t.storage());
  BOOST_TEST(s.to_vector() == (Values{1, 2, 4, 5}), boost::test_tools::per_element());
  const Tensor stepped = arange(0, 10).slice(0, 1, 10, 3);
  BOOST_TEST(stepped.to_vector() == (Values{1, 4, 7}), boost::test_tools::per_element());
  const Tensor b = Tensor::from({1, 2}, {2, 1}).broadcast_to({2, 3});
  BOOST_TEST(b.strides()[1] == 0);
  BOOST_TEST(b.to_vector() == (Values{1, 1, 1, 2, 2, 2}), boost::test_tools::per_element());
  BOOST_TEST(t.permute({1, 0}).shape() == (Shape{3, 2}));
  BOOST_TEST(t.unsqueeze(0).shape() == (Shape{1, 2, 3}));
  BOOST_TEST(t.unsqueeze(0).squeeze(0).shape() == (Shape{2, 3}));
}

BOOST_AUTO_TEST_CASE(reshape_of_a_non_contiguous_view_copies) {
  const Tensor t = arange(0, 6).reshape({2, 3}).transpose();
  const Tensor r = t.reshape({6});
  BOOST_TEST(r.storage() != t.storage());
  BOOST_TEST(r.to_vector() == (Values{0, 3, 1, 4, 2, 5}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(broadcasting_follows_numpy) {
  BOOST_TEST(broadcast_shapes({8, 1, 6, 1}, {7, 1, 5}, "op") == (Shape{8, 7, 6, 5}));
  BOOST_TEST(broadcast_shapes({}, {3}, "op") == (Shape{3}));
  const Var a(Tensor::from({1, 2, 3}, {3, 1})), b(Tensor::from({10, 20}, {2}));
  BOOST_TEST((a + b).value().to_vector() == (Values{11, 21, 12, 22, 13, 23}), boost::test_tools::per_element());
  BOOST_CHECK_EXCEPTION(Var(ones({2, 3})) * Var(ones({4})), ShapeError,
                        [](const Error& e) { return has(e, "mul: shapes cannot be broadcast together; got [2, 3] and [4]"); });
}

BOOST_AUTO_TEST_CASE(formatting_prints_shape_dtype_and_abbreviates) {
  const std::string small = fmt::format("{}", Tensor::from({1, 2, 3, 4}, {2, 2}));
  BOOST_TEST(small == "tensor([[1, 2], [3, 4]], shape=[2, 2], dtype=float32)");
  const std::string big = fmt::format("{}", arange(0, 1000, 1, DType::f64));
  BOOST_TEST(big.find("...") != std::string::npos);
  BOOST_TEST(big.find("dtype=float64") != std::string::npos);
  BOOST_TEST(big.size() < 120u);
}

BOOST_AUTO_TEST_CASE(bad_views_name_the_op_and_shapes) {
  const Tensor t = zeros({2, 3});
  BOOST_CHECK_EXCEPTION(t.reshape({4}), ShapeError, [](const Error& e) { return has(e, "reshape: cannot reshape [2, 3]"); });
  BOOST_CHECK_EXCEPTION(t.broadcast_to({3, 3}), ShapeError, [](const Error& e) { return has(e, "broadcast_to"); });
  BOOST_CHECK_EXCEPTION(t.squeeze(0), ShapeError, [](const Error& e) { return has(e, "squeeze: axis 0 has extent 2"); });
  BOOST_CHECK_EXCEPTION(t.size(2), IndexError, [](const Error& e) { return has(e, "axis 2 is out of range for rank 2"); });
  BOOST_CHECK_EXCEPTION(t.data<double>(), ValueError, [](const Error& e) { return has(e, "float32"); });
}

BOOST_AUTO_TEST_CASE(conversion_between_dtypes) {
  const Tensor t = Tensor::from({1.5, -2.25}, {2}, DType::f32).to(DType::f64);
  BOOST_TEST(t.dtype() == DType::f64);
  BOOST_TEST(t.to_vector() == (Values{1.5, -2.25}), boost::test_tools::per_element());
}

// copy_ writes into a view in place: a stepped slice, a column block, a transposed view, from a source that may
// broadcast; a long single run is split across threads (chunk offsets must be right in each).
BOOST_AUTO_TEST_CASE(copy_writes_into_strided_views_and_broadcasts_its_source) {
  const Tensor t = zeros({3, 4}, DType::f64);
  t.slice(1, 0, 4, 2).copy_(Tensor::from({1, 2, 3, 4, 5, 6}, {3, 2}, DType::f64));  // columns 0 and 2
  t.slice(1, 3, 4).copy_(Tensor::scalar(9, DType::f64));                            // a column, broadcast
  BOOST_TEST(t.to_vector() == (Values{1, 0, 2, 9, 3, 0, 4, 9, 5, 0, 6, 9}), boost::test_tools::per_element());
  const Tensor m = zeros({2, 3}, DType::f64);
  m.permute({1, 0}).copy_(Tensor::from({1, 2, 3, 4, 5, 6}, {3, 2}, DType::f64));
  BOOST_TEST(m.to_vector() == (Values{1, 3, 5, 2, 4, 6}), boost::test_tools::per_element());
  const int64_t n = 50000;
  const Tensor big = zeros({2, n}, DType::f32), row = Tensor::empty({n}, DType::f32);
  for (int64_t i = 0; i < n; ++i) row.data<float>()[i] = static_cast<float>(i);
  big.slice(0, 1, 2).copy_(row.reshape({1, n}));
  const std::vector<double> v = big.to_vector();
  for (int64_t i = 0; i < n; ++i) {
    BOOST_TEST_REQUIRE(v[static_cast<size_t>(i)] == 0.0);
    BOOST_TEST_REQUIRE(v[static_cast<size_t>(n + i)] == static_cast<double>(i));
  }
}
