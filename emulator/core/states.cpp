#include "lambda_emu/core/states.hpp"

#include "lambda_emu/core/invoke.hpp"

namespace lambda_emu::core {

std::string_view to_string(SandboxPhase p) {
  switch (p) {
    case SandboxPhase::idle:
      return "Idle";
    case SandboxPhase::initializing:
      return "Initializing";
    case SandboxPhase::ready:
      return "Ready";
    case SandboxPhase::invoking:
      return "Invoking";
    case SandboxPhase::resetting:
      return "Resetting";
    case SandboxPhase::stopped:
      return "Stopped";
  }
  return "?";
}

// RIE's names, as they appear in InvalidStateTransition messages (section 2.1).
std::string_view to_string(RuntimeState s) {
  switch (s) {
    case RuntimeState::none:
      return "None";
    case RuntimeState::started:
      return "Started";
    case RuntimeState::ready:
      return "Ready";
    case RuntimeState::running:
      return "Running";
    case RuntimeState::response_sent:
      return "RuntimeResponseSentState";
    case RuntimeState::init_error:
      return "InitError";
  }
  return "?";
}

std::string_view to_string(RuntimeTarget t) {
  switch (t) {
    case RuntimeTarget::ready:
      return "Ready";
    case RuntimeTarget::invocation_response:
      return "InvocationResponse";
    case RuntimeTarget::invocation_error_response:
      return "InvocationErrorResponse";
    case RuntimeTarget::init_error:
      return "InitError";
  }
  return "?";
}

std::string_view to_string(InitPhase p) {
  return p == InitPhase::init ? "init" : "invoke";
}

std::string_view to_string(InitializationType t) {
  switch (t) {
    case InitializationType::on_demand:
      return "on-demand";
    case InitializationType::provisioned_concurrency:
      return "provisioned-concurrency";
    case InitializationType::snap_start:
      return "snap-start";
  }
  return "?";
}

std::string_view to_string(ExtensionState s) {
  switch (s) {
    case ExtensionState::launched:
      return "Started";
    case ExtensionState::registered:
      return "Registered";
    case ExtensionState::ready:
      return "Ready";
    case ExtensionState::running:
      return "Running";
    case ExtensionState::init_error:
      return "InitError";
    case ExtensionState::exit_error:
      return "ExitError";
    case ExtensionState::exited:
      return "Exited";
    case ExtensionState::shutdown_failed:
      return "ShutdownFailed";
    case ExtensionState::launch_error:
      return "LaunchError";
  }
  return "?";
}

std::string_view to_string(ShutdownReason r) {
  switch (r) {
    case ShutdownReason::spindown:
      return "spindown";
    case ShutdownReason::timeout:
      return "timeout";
    case ShutdownReason::failure:
      return "failure";
  }
  return "?";
}

const char* to_string(Status s) {
  switch (s) {
    case Status::success:
      return "success";
    case Status::error:
      return "error";
    case Status::failure:
      return "failure";
    case Status::timeout:
      return "timeout";
  }
  return "?";
}

}  // namespace lambda_emu::core
