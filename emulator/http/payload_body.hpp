#pragma once
// PayloadBody: a Beast body that either owns a string or shares one kept alive elsewhere.
//
// An invoke's payload travels caller -> core -> runtime without a copy: the /next response
// shares the core's Invoke instead of duplicating megabytes per event.
//
//   Response res;
//   res.body().assign(std::string("{}"));
//   res.body().share(std::shared_ptr<const std::string>(invoke, &invoke->payload));
#include <memory>
#include <string>
#include <string_view>

#include "http/net.hpp"

namespace lambda_emu {

struct PayloadBody {
  class value_type {
   public:
    void assign(std::string s) {
      owned_ = std::move(s);
      shared_.reset();
    }
    void share(std::shared_ptr<const std::string> s) {
      shared_ = std::move(s);
      owned_.clear();
    }
    [[nodiscard]] std::string_view view() const {
      return shared_ ? std::string_view(*shared_) : std::string_view(owned_);
    }

   private:
    std::string owned_;
    std::shared_ptr<const std::string> shared_;
  };

  static std::uint64_t size(const value_type& v) { return v.view().size(); }

  // Serializes the whole body as one buffer.
  class writer {
   public:
    using const_buffers_type = net::const_buffer;

    template <bool isRequest, class Fields>
    writer(const http::header<isRequest, Fields>&, const value_type& body) : body_(body) {}

    void init(error_code& ec) { ec = {}; }

    boost::optional<std::pair<const_buffers_type, bool>> get(error_code& ec) {
      ec = {};
      if (done_) {
        return boost::none;
      }
      done_ = true;
      const std::string_view v = body_.view();
      return {{net::const_buffer(v.data(), v.size()), false}};
    }

   private:
    const value_type& body_;
    bool done_ = false;
  };
};

using Request = http::request<http::string_body>;
using Response = http::response<PayloadBody>;

}  // namespace lambda_emu
