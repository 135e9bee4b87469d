// when_all: results, argument order, exceptions (first one wins, the others still finish or are
// cancelled through on_first_error), overlap in time, and teardown of a context mid-wait.
#include "common/when_all.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace intentq {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A task that waits `delay` on a timer and then returns `value`; logs its completion order.
template <typename T>
awaitable<T> after(std::chrono::milliseconds delay, T value,
                   std::vector<std::string>* log = nullptr, std::string name = {}) {
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  co_await timer.async_wait(asio::use_awaitable);
  if (log) log->push_back(name);
  co_return value;
}

awaitable<void> sleep_then(std::chrono::milliseconds delay, bool* done) {
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  co_await timer.async_wait(asio::use_awaitable);
  *done = true;
}

awaitable<int> fail_after(std::chrono::milliseconds delay, std::string message) {
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  co_await timer.async_wait(asio::use_awaitable);
  throw std::runtime_error(message);
}

// Waits on a timer that only a cancel() wakes; throws when woken that way (as a gateway request
// does when its session is aborted).
awaitable<int> wait_until_cancelled(asio::steady_timer* timer, bool* cancelled) {
  boost::system::error_code ec;
  co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  if (ec == asio::error::operation_aborted) {
    *cancelled = true;
    throw std::runtime_error("cancelled");
  }
  co_return 0;
}

// Runs `body` as a coroutine on a fresh io_context to completion; rethrows what it throws.
template <typename F>
void run_coro(F body) {
  asio::io_context io;
  std::exception_ptr error;
  asio::co_spawn(io, body(), [&](std::exception_ptr e) { error = e; });
  io.run();
  if (error) std::rethrow_exception(error);
}

TEST(WhenAll, ReturnsResultsInArgumentOrderWhateverTheCompletionOrder) {
  std::vector<std::string> log;
  run_coro([&]() -> awaitable<void> {
    auto [a, b, c] =
        co_await when_all(after(30ms, 1, &log, "a"), after(1ms, std::string("two"), &log, "b"),
                          after(15ms, 3.5, &log, "c"));
    EXPECT_EQ(a, 1);
    EXPECT_EQ(b, "two");
    EXPECT_DOUBLE_EQ(c, 3.5);
  });
  EXPECT_EQ(log, (std::vector<std::string>{"b", "c", "a"}));
}

TEST(WhenAll, VoidTasksContributeMonostate) {
  bool first = false, second = false;
  run_coro([&]() -> awaitable<void> {
    auto [x, y, z] =
        co_await when_all(sleep_then(5ms, &first), after(2ms, 7), sleep_then(1ms, &second));
    static_assert(std::is_same_v<decltype(x), std::monostate>);
    EXPECT_EQ(y, 7);
  });
  EXPECT_TRUE(first);
  EXPECT_TRUE(second);
}

TEST(WhenAll, TasksOverlapInTime) {
  // Four 100 ms waits: sequential would take >= 400 ms, concurrent about 100 ms.
  Clock::duration elapsed{};
  run_coro([&]() -> awaitable<void> {
    auto start = Clock::now();
    auto [a, b, c, d] =
        co_await when_all(after(100ms, 1), after(100ms, 2), after(100ms, 3), after(100ms, 4));
    elapsed = Clock::now() - start;
    EXPECT_EQ(a + b + c + d, 10);
  });
  EXPECT_GE(elapsed, 100ms);
  EXPECT_LT(elapsed, 300ms) << "the waits did not overlap (sequential would be >= 400 ms)";
}

TEST(WhenAll, RethrowsTheFirstErrorAfterTheOthersFinished) {
  bool slow_done = false;
  std::string caught;
  run_coro([&]() -> awaitable<void> {
    try {
      co_await when_all(fail_after(20ms, "second failure"), fail_after(5ms, "first failure"),
                        sleep_then(40ms, &slow_done));
      ADD_FAILURE() << "when_all did not throw";
    } catch (const std::runtime_error& e) {
      caught = e.what();
      // The caller resumes only after every task has finished, the slow one included.
      EXPECT_TRUE(slow_done);
    }
  });
  EXPECT_EQ(caught, "first failure");
}

TEST(WhenAll, OnFirstErrorCancelsTheOthersAndTheOriginalErrorWins) {
  bool cancelled_a = false, cancelled_b = false;
  int callbacks = 0;
  std::string caught;
  Clock::duration elapsed{};
  run_coro([&]() -> awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    // Stand-in for a session: the requests wait on it until it is aborted.
    asio::steady_timer session(ex, Clock::time_point::max());
    auto start = Clock::now();
    try {
      co_await when_all(
          [&](std::exception_ptr) {
            ++callbacks;
            session.cancel();
          },
          wait_until_cancelled(&session, &cancelled_a), fail_after(10ms, "gateway said no"),
          wait_until_cancelled(&session, &cancelled_b));
      ADD_FAILURE() << "when_all did not throw";
    } catch (const std::runtime_error& e) {
      caught = e.what();
    }
    elapsed = Clock::now() - start;
  });
  EXPECT_EQ(caught, "gateway said no");
  EXPECT_EQ(callbacks, 1);
  EXPECT_TRUE(cancelled_a);
  EXPECT_TRUE(cancelled_b);
  EXPECT_LT(elapsed, 1s);
}

TEST(WhenAll, OnFirstErrorIsNotCalledWhenAllSucceed) {
  int callbacks = 0;
  run_coro([&]() -> awaitable<void> {
    auto [a, b] =
        co_await when_all([&](std::exception_ptr) { ++callbacks; }, after(1ms, 1), after(2ms, 2));
    EXPECT_EQ(a + b, 3);
  });
  EXPECT_EQ(callbacks, 0);
}

TEST(WhenAll, VectorFormKeepsInputOrderAndOverlaps) {
  std::vector<int> got;
  Clock::duration elapsed{};
  run_coro([&]() -> awaitable<void> {
    std::vector<awaitable<int>> tasks;
    for (int i = 0; i < 20; ++i) tasks.push_back(after(std::chrono::milliseconds(50 - 2 * i), i));
    auto start = Clock::now();
    got = co_await when_all(std::move(tasks));
    elapsed = Clock::now() - start;
  });
  ASSERT_EQ(got.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(got[i], i);
  EXPECT_LT(elapsed, 500ms) << "20 waits of <= 50 ms did not overlap";
}

TEST(WhenAll, EmptyVectorCompletesImmediately) {
  bool done = false;
  run_coro([&]() -> awaitable<void> {
    auto got = co_await when_all(std::vector<awaitable<int>>{});
    EXPECT_TRUE(got.empty());
    done = true;
  });
  EXPECT_TRUE(done);
}

TEST(WhenAll, VectorFormRethrowsFirstError) {
  std::string caught;
  run_coro([&]() -> awaitable<void> {
    std::vector<awaitable<int>> tasks;
    tasks.push_back(after(5ms, 1));
    tasks.push_back(fail_after(3ms, "boom"));
    tasks.push_back(fail_after(8ms, "later"));
    try {
      co_await when_all(std::move(tasks));
    } catch (const std::runtime_error& e) {
      caught = e.what();
    }
  });
  EXPECT_EQ(caught, "boom");
}

awaitable<int> hold_forever(std::shared_ptr<int> hold) {
  asio::steady_timer never(co_await asio::this_coro::executor, Clock::time_point::max());
  co_await never.async_wait(asio::use_awaitable);
  co_return *hold;
}

awaitable<void> wait_for_both(std::shared_ptr<int> hold, bool* finished) {
  co_await when_all(after(1ms, 1), hold_forever(hold));
  *finished = true;
}

TEST(WhenAll, DestroyingTheContextMidWaitReleasesEverything) {
  // The job runner destroys a job's io_context at its deadline. Everything the wait holds must go
  // with it: the shared object below is released only if every frame was destroyed.
  auto token = std::make_shared<int>(42);
  std::weak_ptr<int> watch = token;
  bool finished = false;
  {
    asio::io_context io;
    asio::co_spawn(io, wait_for_both(std::move(token), &finished), asio::detached);
    io.run_for(50ms);
    EXPECT_FALSE(io.stopped()) << "the wait should still be pending";
    EXPECT_FALSE(watch.expired());
  }
  EXPECT_FALSE(finished);
  EXPECT_TRUE(watch.expired()) << "a coroutine frame leaked past the io_context";
}

}  // namespace
}  // namespace intentq
