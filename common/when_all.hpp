// when_all: run several awaitables at once on the caller's executor and resume the caller when
// every one of them has finished. Boost 1.74 has no parallel_group (and intentq uses nothing from
// boost/asio/experimental), so this is ours.
//
//   auto [positions, orders] = co_await when_all(session->positions(), session->all_open_orders());
//
// Semantics
// - Each task is co_spawn'ed on the caller's executor, so all of them start before any result is
//   awaited: their waits overlap in time.
// - The caller resumes only when EVERY task has finished, successfully or not. No task is left
//   running with a reference into the caller's frame, so locals the tasks use stay valid.
// - Results come back as a std::tuple in argument order; a task returning void contributes a
//   std::monostate.
// - If tasks throw, the FIRST exception (in completion order) is rethrown after all have finished;
//   the later ones are dropped. To stop the others early instead of waiting for them, pass an
//   `on_first_error` callback: it runs once, right when the first task fails, and typically
//   aborts the resource the others wait on (e.g. gw::Session::abort(), which fails the remaining
//   requests with kCancelled). Because the callback runs after the first exception is recorded,
//   the caller still sees the original cause, not the cancellations it provoked.
// - If the io_context is destroyed while the caller waits (the job runner does this at a job's
//   deadline), the tasks' frames and the caller's frame are destroyed with it; the shared state is
//   owned only by those frames and the pending timer wait, so nothing dangles or leaks.
//
// g++ 12 caution: build the when_all awaitable (and its argument awaitables) as named locals and
// `co_await std::move(all)`. g++ 12 mis-destroys non-trivial temporaries (std::string,
// std::function, lambdas with captures) that live inside a co_await expression across a
// suspension; the summary intent crashed with a double free that way.
//
// Requirement: the executor runs handlers one at a time (a single-threaded io_context, as the
// worker's per-job context is, or a strand); the shared state is not otherwise synchronised.
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "common/asio.hpp"

namespace intentq {

namespace when_all_detail {

template <typename T>
using result_t = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

// The wake-up primitive: a timer that never expires on its own; the last task to finish cancels
// it. A pending wait is owned by the timer service, so destroying the io_context frees the
// caller's frame even if nothing ever cancels the timer. Both states (a fixed tuple of tasks, a
// vector of tasks) share it with the count of tasks still running and the first error (handed
// once to on_first_error).
struct Completion {
  Completion(const asio::any_io_executor& ex, std::size_t n)
      : timer(ex, asio::steady_timer::time_point::max()), remaining(n) {}
  asio::steady_timer timer;
  std::size_t remaining;
  std::exception_ptr first_error;
  std::function<void(std::exception_ptr)> on_first_error;

  void finished(std::exception_ptr error) {
    if (error && !first_error) {
      first_error = error;
      if (on_first_error) {
        // Move out first: the callback may trigger further completions that re-enter here.
        auto callback = std::move(on_first_error);
        on_first_error = nullptr;
        callback(error);
      }
    }
    if (--remaining == 0) timer.cancel();
  }
};

template <typename... T>
struct State : Completion {
  explicit State(const asio::any_io_executor& ex) : Completion(ex, sizeof...(T)) {}
  std::tuple<std::optional<result_t<T>>...> results;
};

// Starts `task`; its result goes to slot(*state), then it counts as finished.
template <typename StatePtr, typename T, typename Slot>
void spawn_into(const StatePtr& state, awaitable<T> task, Slot slot) {
  auto executor = state->timer.get_executor();
  if constexpr (std::is_void_v<T>) {
    asio::co_spawn(executor, std::move(task), [state, slot](std::exception_ptr error) {
      if (!error) slot(*state).emplace();
      state->finished(error);
    });
  } else {
    asio::co_spawn(executor, std::move(task), [state, slot](std::exception_ptr error, T value) {
      if (!error) slot(*state).emplace(std::move(value));
      state->finished(error);
    });
  }
}

// Waits until every task has finished; rethrows the first error.
inline awaitable<void> wait_all(Completion& state) {
  // co_spawn posts each task's start, so none can have finished yet; the check guards the
  // zero-task case and documents the invariant.
  if (state.remaining > 0) {
    boost::system::error_code ignored;  // operation_aborted is the expected wake-up
    co_await state.timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  if (state.first_error) std::rethrow_exception(state.first_error);
}

template <typename StateT, typename... T, std::size_t... I>
awaitable<std::tuple<result_t<T>...>> run(std::function<void(std::exception_ptr)> on_first_error,
                                          std::index_sequence<I...>, awaitable<T>... tasks) {
  auto executor = co_await asio::this_coro::executor;
  auto state = std::make_shared<StateT>(executor);
  state->on_first_error = std::move(on_first_error);
  (spawn_into(
       state, std::move(tasks), [](auto& s) -> auto& { return std::get<I>(s.results); }),
   ...);
  co_await wait_all(*state);
  co_return std::tuple<result_t<T>...>(std::move(*std::get<I>(state->results))...);
}

// Same idea for a runtime number of tasks of one type.
template <typename T>
struct VectorState : Completion {
  VectorState(const asio::any_io_executor& ex, std::size_t n) : Completion(ex, n), results(n) {}
  std::vector<std::optional<result_t<T>>> results;
};

}  // namespace when_all_detail

// Runs every task concurrently; returns their results in argument order once all have finished.
// Rethrows the first exception after all have finished.
template <typename... T>
awaitable<std::tuple<when_all_detail::result_t<T>...>> when_all(awaitable<T>... tasks) {
  using StateT = when_all_detail::State<T...>;
  return when_all_detail::run<StateT, T...>(nullptr, std::index_sequence_for<T...>{},
                                            std::move(tasks)...);
}

// As above; `on_first_error` runs once when the first task fails (before the caller resumes), so
// the caller can cancel what the remaining tasks wait on.
template <typename... T>
awaitable<std::tuple<when_all_detail::result_t<T>...>> when_all(
    std::function<void(std::exception_ptr)> on_first_error, awaitable<T>... tasks) {
  using StateT = when_all_detail::State<T...>;
  return when_all_detail::run<StateT, T...>(std::move(on_first_error),
                                            std::index_sequence_for<T...>{}, std::move(tasks)...);
}

// A runtime-sized set of tasks of one type; results in input order.
template <typename T>
awaitable<std::vector<when_all_detail::result_t<T>>> when_all(
    std::vector<awaitable<T>> tasks,
    std::function<void(std::exception_ptr)> on_first_error = nullptr) {
  auto executor = co_await asio::this_coro::executor;
  auto state = std::make_shared<when_all_detail::VectorState<T>>(executor, tasks.size());
  state->on_first_error = std::move(on_first_error);
  for (std::size_t i = 0; i < tasks.size(); ++i)
    spawn_into(
        state, std::move(tasks[i]), [i](auto& s) -> auto& { return s.results[i]; });
  co_await wait_all(*state);
  std::vector<when_all_detail::result_t<T>> out;
  out.reserve(state->results.size());
  for (auto& r : state->results) out.push_back(std::move(*r));
  co_return out;
}

}  // namespace intentq
