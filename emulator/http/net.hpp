#pragma once
// The one place that includes Asio and Beast and names their namespaces.
// <utility> first: Boost 1.74's Asio does not build with g++ 12 without it.
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace lambda_emu {

namespace net = boost::asio;     // from <boost/asio.hpp>
namespace beast = boost::beast;  // from <boost/beast.hpp>
namespace http = beast::http;    // from <boost/beast/http.hpp>
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

}  // namespace lambda_emu
