// The element-wise fast paths (flat contiguous loops, contiguous rows of a view, the tiled
// transpose) against a plain loop over logical indices, for odd sizes, broadcasting and strided
// views, with 1 and 2 threads giving the same bits.
#include "autodiff/kernels/elementwise.hpp"

#include <boost/test/unit_test.hpp>

#include <cstring>
#include <vector>

#include "autodiff/kernels/parallel.hpp"
#include "autodiff/tensor_map.hpp"

using namespace autodiff;

namespace {

// Distinct, exactly representable values (also in f32), so any misplaced element shows.
Tensor iota(const Shape& shape, DType dtype, double start = 0.25) {
  std::vector<double> v(static_cast<size_t>(shape.numel()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = start + static_cast<double>(i % 4099) * 0.5 - static_cast<double>(i / 4099);
  return Tensor::from(v, shape, dtype);
}

// Row-major values read through the tensor's own strides: the reference never calls a kernel.
std::vector<double> logical(const Tensor& t) {
  std::vector<double> out;
  std::vector<int64_t> idx(static_cast<size_t>(t.rank()), 0);
  for (int64_t n = 0; n < t.numel(); ++n) {
    int64_t off = 0;
    for (int64_t a = 0; a < t.rank(); ++a) off += idx[a] * t.strides()[a];
    out.push_back(dispatch(t.dtype(), [&]<class T>(T) { return static_cast<double>(t.data<T>()[off]); }));
    for (int64_t a = t.rank() - 1; a >= 0; --a) {
      if (++idx[a] < t.shape()[a]) break;
      idx[a] = 0;
    }
  }
  return out;
}

// The broadcast of x to shape, as logical values (reference only).
std::vector<double> logical_broadcast(const Tensor& x, const Shape& shape) { return logical(x.broadcast_to(shape)); }

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() && a.is_contiguous() && b.is_contiguous() &&
         std::memcmp(a.storage()->data(), b.storage()->data(), static_cast<size_t>(a.numel()) * itemsize(a.dtype())) == 0;
}

template <class F>
Tensor at_threads(int n, F f) {
  set_num_threads(n);
  Tensor t = f();
  set_num_threads(0);
  return t;
}

// map(a, b) against a loop over the broadcast values, and 1 vs 2 threads.
void check_binary(const Tensor& a, const Tensor& b) {
  auto run = [&] { return map(a, b, "test", [](auto u, auto v) { return u * v - u; }); };
  const Tensor one = at_threads(1, run), two = at_threads(2, run);
  const Shape shape = broadcast_shapes(a.shape(), b.shape(), "test");
  BOOST_REQUIRE(one.shape() == shape);
  const std::vector<double> va = logical_broadcast(a, shape), vb = logical_broadcast(b, shape), got = logical(one);
  for (size_t i = 0; i < got.size(); ++i) {
    const double want = dispatch(a.dtype(), [&]<class T>(T) {
      const T u = static_cast<T>(va[i]), v = static_cast<T>(vb[i]);
      return static_cast<double>(static_cast<T>(u * v - u));
    });
    if (got[i] != want) {
      BOOST_ERROR("shapes " << a.shape() << " and " << b.shape() << ": element " << i << " is " << got[i] << ", not "
                            << want);
      return;
    }
  }
  BOOST_CHECK(same_bits(one, two));
}

// map(x) against a loop over x's logical values, and 1 vs 2 threads.
void check_unary(const Tensor& x) {
  auto run = [&] { return map(x, [](auto v) { return v * 3 + 1; }); };
  const Tensor one = at_threads(1, run), two = at_threads(2, run);
  BOOST_REQUIRE(one.shape() == x.shape());
  const std::vector<double> vx = logical(x), got = logical(one);
  for (size_t i = 0; i < got.size(); ++i) {
    const double want = dispatch(x.dtype(), [&]<class T>(T) {
      return static_cast<double>(static_cast<T>(static_cast<T>(vx[i]) * 3 + 1));
    });
    if (got[i] != want) {
      BOOST_ERROR("shape " << x.shape() << " strides " << x.strides() << ": element " << i << " is " << got[i]
                           << ", not " << want);
      return;
    }
  }
  BOOST_CHECK(same_bits(one, two));
}

const Shape kShapes[] = {{128, 512}, {128, 128}, {128, 500}, {128, 200}, {37, 53}, {1, 1}, {7}, {3, 1000}, {300, 300}};

}  // namespace

BOOST_AUTO_TEST_CASE(binary_maps_match_a_plain_loop_for_contiguous_and_broadcast_operands) {
  for (DType dt : {DType::f32, DType::f64})
    for (const Shape& s : kShapes) {
      check_binary(iota(s, dt), iota(s, dt, -3.0));
      const int64_t last = s[s.rank() - 1];
      check_binary(iota(s, dt), iota({last}, dt, 2.0));  // a bias row
      check_binary(iota({last}, dt, 2.0), iota(s, dt));
      check_binary(iota(s, dt), Tensor::scalar(1.5, dt));
      check_binary(Tensor::scalar(-0.5, dt), iota(s, dt));
      if (s.rank() == 2) check_binary(iota(s, dt), iota({s[0], 1}, dt, 4.0));  // a column
    }
}

BOOST_AUTO_TEST_CASE(binary_maps_match_a_plain_loop_for_strided_views) {
  for (DType dt : {DType::f32, DType::f64}) {
    const Tensor wide = iota({130, 2051}, dt);
    const Tensor slice = wide.slice(1, 512, 1024), other = wide.slice(1, 3, 515);  // contiguous rows, row stride 2051
    check_binary(slice, other);
    check_binary(slice, iota({131, 512}, dt).slice(0, 1, 131));  // row-offset view against a slice
    const Tensor t = iota({512, 130}, dt).permute({1, 0});           // [130, 512] transposed
    check_binary(t, slice);
    check_binary(t, iota({512}, dt));
    check_binary(wide.slice(1, 0, 2051, 3), iota({684}, dt));  // inner stride 3
  }
}

BOOST_AUTO_TEST_CASE(unary_maps_match_a_plain_loop_for_contiguous_sliced_and_transposed_inputs) {
  for (DType dt : {DType::f32, DType::f64}) {
    for (const Shape& s : kShapes) check_unary(iota(s, dt));
    const Tensor wide = iota({129, 2048}, dt);
    check_unary(wide.slice(1, 512, 1024));       // an LSTM gate block: contiguous rows
    check_unary(wide.slice(1, 1, 2048, 2));      // inner stride 2
    check_unary(wide.slice(0, 0, 129, 5));       // row step
    check_unary(wide.permute({1, 0}));           // a power-of-two transpose, [2048, 129]
    for (const Shape& s : kShapes)
      if (s.rank() == 2) check_unary(iota({s[1], s[0]}, dt).permute({1, 0}));  // tiled transpose, odd edges
    check_unary(iota({37, 53}, dt).permute({1, 0}).slice(0, 2, 51));           // a transpose with an offset
    check_unary(iota({4, 37, 53}, dt).permute({0, 2, 1}));                      // batched transpose (rank 3)
    check_unary(iota({5, 1}, dt).broadcast_to({5, 9}));                        // stride 0
  }
}

BOOST_AUTO_TEST_CASE(ternary_maps_match_a_plain_loop_for_sliced_operands) {
  for (DType dt : {DType::f32, DType::f64}) {
    const Tensor wide = iota({131, 1536}, dt);
    const Tensor a = wide.slice(1, 0, 512), b = wide.slice(1, 512, 1024), c = wide.slice(1, 1024, 1536);
    auto run = [&] { return map(a, b, c, "test", [](auto u, auto v, auto w) { return u * v + w; }); };
    const Tensor one = at_threads(1, run), two = at_threads(2, run);
    const std::vector<double> va = logical(a), vb = logical(b), vc = logical(c), got = logical(one);
    bool ok = true;
    for (size_t i = 0; i < got.size() && ok; ++i) {
      const double want = dispatch(dt, [&]<class T>(T) {
        return static_cast<double>(static_cast<T>(static_cast<T>(va[i]) * static_cast<T>(vb[i]) + static_cast<T>(vc[i])));
      });
      ok = got[i] == want;
    }
    BOOST_CHECK(ok);
    BOOST_CHECK(same_bits(one, two));
    check_unary(map(iota({131, 1}, dt), b, c, "test", [](auto u, auto v, auto w) { return u + v * w; }));
  }
}
