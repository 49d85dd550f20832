#include "lambda_emu/core/errc.hpp"

namespace lambda_emu::core {
namespace {

class LifecycleCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "lambda-emu.lifecycle"; }
  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::invalid_request_id:
        return "Invalid request ID";
      case errc::invalid_state_transition:
        return "State transition is not allowed";
      case errc::payload_too_large:
        return "Exceeded maximum allowed payload size";
      case errc::invalid_response_mode:
        return "Invalid function response mode";
      case errc::truncated_request:
        return "HTTP request detected as truncated";
      case errc::extension_invalid_event_type:
        return "Invalid event type";
      case errc::extension_invalid_state:
        return "Invalid extension state";
      case errc::extension_too_many:
        return "Extension limit reached";
      case errc::extension_registration_closed:
        return "Extension registration closed already";
      case errc::extension_unknown_identifier:
        return "Unknown extension identifier";
      case errc::telemetry_subscription_closed:
        return "Telemetry API subscription is closed";
      case errc::telemetry_logs_api_conflict:
        return "Logs API and Telemetry API subscriptions cannot be combined";
      case errc::too_many_requests:
        return "Rate Exceeded.";
    }
    return "unknown lifecycle error";
  }
};

}  // namespace

const std::error_category& lifecycle_category() {
  static const LifecycleCategory category;
  return category;
}

}  // namespace lambda_emu::core
