#pragma once
// The MNIST Transformer of examples/mnist_transformer.cpp, built with the functional API; bench/train_bench
// times the same model against PyTorch's TransformerEncoderLayer(norm_first=True).
//   each image as 28 tokens of 28 pixels → Dense(64) + a learned position embedding →
//   2 pre-norm encoder blocks: x + MultiHeadAttention(LayerNorm(x)), then x + Dense(64)(Dense(128, gelu)(LayerNorm(x)))
//   → LayerNorm → GlobalAveragePooling1D → Dense(10)+softmax
#include "nn/nn.hpp"

namespace examples {

struct TransformerSize {
  int64_t dim = 64, heads = 4, mlp = 128, blocks = 2;
};

/// Pre-norm: the residual stream stays unnormalised; each sublayer reads a normalised copy.
inline nn::SymbolicTensor encoder_block(const nn::SymbolicTensor& x, const TransformerSize& size) {
  using namespace nn;
  const SymbolicTensor h = LayerNormalization()(x);
  const SymbolicTensor attended = Add()({x, MultiHeadAttention(size.heads, size.dim / size.heads)({h, h})});
  const SymbolicTensor g = LayerNormalization()(attended);
  return Add()({attended, Dense(size.dim)(Dense(size.mlp, {.activation = "gelu"})(g))});
}

/// The classifier of [28, 28] images, uncompiled.
inline nn::Model mnist_transformer(const TransformerSize& size = {}) {
  using namespace nn;
  const SymbolicTensor tokens = Input({28, 28}, {.name = "rows"});
  SymbolicTensor x = Dense(size.dim)(tokens);
  x = Add()({x, PositionEmbedding(28)(x)});
  for (int64_t b = 0; b < size.blocks; ++b) x = encoder_block(x, size);
  x = GlobalAveragePooling1D()(LayerNormalization()(x));
  return Model(tokens, Dense(10, {.activation = "softmax"})(x), "mnist_transformer");
}

}  // namespace examples
