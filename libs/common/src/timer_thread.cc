#include "llmgw/common/timer_thread.h"

#include <algorithm>

namespace llmgw {

TimerThread::TimerThread(size_t max_pending)
    : max_pending_(max_pending), thread_([this] { Run(); }) {}

TimerThread::~TimerThread() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

TimerThread::TimerId TimerThread::Schedule(std::chrono::steady_clock::duration delay,
                                           std::function<void()> fn) {
  auto deadline = std::chrono::steady_clock::now() + delay;
  TimerId id;
  bool notify;
  {
    std::lock_guard lock(mu_);
    if (stopping_ || timers_.size() >= max_pending_) return 0;
    id = next_id_++;
    timers_.emplace(std::make_pair(deadline, id), std::move(fn));
    deadlines_.emplace(id, deadline);
    // The thread wakes by wake_at_ anyway and plans again: only an earlier timer needs a
    // wake-up (a futex call and a context switch, which most timers, deadlines far off,
    // do not pay).
    notify = deadline < wake_at_;
  }
  if (notify) cv_.notify_one();
  return id;
}

bool TimerThread::Cancel(TimerId id) {
  std::lock_guard lock(mu_);
  auto it = deadlines_.find(id);
  if (it == deadlines_.end()) return false;
  timers_.erase(std::make_pair(it->second, id));
  deadlines_.erase(it);
  return true;
}

size_t TimerThread::pending() const {
  std::lock_guard lock(mu_);
  return timers_.size();
}

void TimerThread::Run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    auto now = std::chrono::steady_clock::now();
    if (timers_.empty() || timers_.begin()->first.first > now) {
      wake_at_ = now + kMaxSleep;
      if (!timers_.empty()) wake_at_ = std::min(wake_at_, timers_.begin()->first.first);
      cv_.wait_until(lock, wake_at_);
      continue;
    }
    auto first = timers_.begin();
    auto fn = std::move(first->second);
    deadlines_.erase(first->first.second);
    timers_.erase(first);
    lock.unlock();
    fn();
    lock.lock();
  }
}

}  // namespace llmgw
