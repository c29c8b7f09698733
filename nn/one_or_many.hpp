#pragma once
// OneOrMany<T>: one value or a list of them, where an API takes either: a model's inputs and outputs
// (Model(x, y) or Model({a, b}, {y1, y2})), the data fit, evaluate and predict take.
#include <initializer_list>
#include <vector>

namespace nn {

template <class T>
struct OneOrMany {
  OneOrMany(T one) : items{std::move(one)} {}                          // NOLINT: implicit by design
  OneOrMany(std::vector<T> many) : items(std::move(many)) {}           // NOLINT
  OneOrMany(std::initializer_list<T> many) : items(many) {}            // NOLINT
  std::vector<T> items;
};

}  // namespace nn
