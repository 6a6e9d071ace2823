// Joins two events that race: "the caller went away" and "the work it started is ready to
// be cancelled". Whichever comes second runs the cancellation, exactly once.
#pragma once

#include <functional>
#include <mutex>

namespace llmgw {

class CancelLatch {
 public:
  // The started work's cancel; runs at once when the caller already went away.
  void Arm(std::function<void()> cancel) {
    std::unique_lock lock(mu_);
    if (fired_) {
      lock.unlock();
      cancel();
      return;
    }
    cancel_ = std::move(cancel);
  }
  // The caller went away: cancel the work if it is armed, else when it is.
  void Fire() {
    std::function<void()> cancel;
    {
      std::lock_guard lock(mu_);
      if (fired_) return;
      fired_ = true;
      cancel = std::move(cancel_);
    }
    if (cancel) cancel();
  }

 private:
  std::mutex mu_;
  bool fired_ = false;
  std::function<void()> cancel_;
};

}  // namespace llmgw
