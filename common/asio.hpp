// The one way intentq includes Boost.Asio.
//
// Boost 1.74's <boost/asio/awaitable.hpp> uses std::exchange without including <utility>, which
// g++ 12 rejects. Every file that needs Asio includes this header instead of Boost's directly.
#pragma once

#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace intentq {
namespace asio = boost::asio;
using tcp = boost::asio::ip::tcp;
template <typename T = void>
using awaitable = boost::asio::awaitable<T>;
}  // namespace intentq
