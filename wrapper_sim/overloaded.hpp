#pragma once
// overloaded: one visitor from several lambdas, for std::visit over wrapper_sim's variants
// (stages, the core's actions).
//
//   std::visit(overloaded{[](const JsShim&) { ... }, [](const auto&) { ... }}, stage);

namespace lambda_emu::wrapper_sim {

template <class... Ts>
struct overloaded : Ts... {
  using Ts::operator()...;
};

}  // namespace lambda_emu::wrapper_sim
