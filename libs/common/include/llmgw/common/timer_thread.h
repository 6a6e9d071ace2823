// One thread that runs callbacks at given times. For work that must wait without
// blocking a reactor or an event loop (mock latency, delayed retries). Callbacks run on
// the timer thread and must be short.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace llmgw {

class TimerThread {
 public:
  using TimerId = uint64_t;

  // `max_pending` bounds the queue; Schedule fails (returns 0) past it.
  explicit TimerThread(size_t max_pending = 100'000);
  ~TimerThread();
  TimerThread(const TimerThread&) = delete;
  TimerThread& operator=(const TimerThread&) = delete;

  // Runs `fn` after `delay`. Returns an id for Cancel, or 0 when the queue is full or the
  // thread is stopping.
  TimerId Schedule(std::chrono::steady_clock::duration delay, std::function<void()> fn);
  // True when the timer was removed before it ran.
  bool Cancel(TimerId id);
  size_t pending() const;

 private:
  void Run();

  // The longest the thread sleeps before it looks at the queue again.
  static constexpr std::chrono::seconds kMaxSleep{1};

  const size_t max_pending_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  // When the sleeping thread wakes on its own; a timer due before it must notify.
  std::chrono::steady_clock::time_point wake_at_ = std::chrono::steady_clock::time_point::min();
  TimerId next_id_ = 1;
  // Ordered by (deadline, id) so equal deadlines keep scheduling order.
  std::map<std::pair<std::chrono::steady_clock::time_point, TimerId>, std::function<void()>>
      timers_;
  std::map<TimerId, std::chrono::steady_clock::time_point> deadlines_;
  std::thread thread_;
};

}  // namespace llmgw
