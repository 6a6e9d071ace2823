// Writes ledger entries off the hot path in group commits: Settle enqueues and is
// acknowledged once its entry is durable, either committed to the database or (while the
// database is unavailable) appended to a local spool file and fdatasync'd. The spool is
// replayed into the database when it is back (idempotent by request id), and everything
// queued is flushed on shutdown. A row is never dropped.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "services/spend/ledger_store.h"

namespace llmgw::spend {

struct LedgerWriterOptions {
  std::string spool_path;  // e.g. data_dir/spend.spool
  std::chrono::milliseconds max_delay{20};  // a batch waits at most this long for company
  size_t max_batch = 500;
  size_t max_queued = 100'000;  // past it, Enqueue refuses (the caller answers 503)
  std::chrono::milliseconds replay_interval{1000};
};

class LedgerWriter {
 public:
  // Replays a spool left by an earlier process before anything else (its rows must be in
  // the database before counters are rebuilt); UNAVAILABLE if that is impossible now.
  static absl::StatusOr<std::unique_ptr<LedgerWriter>> Create(LedgerStore& store, LedgerWriterOptions options);
  ~LedgerWriter();  // Flush, then stop

  // `durable` runs once, on the writer thread, when the entry is committed or spooled
  // (OK), or if neither was possible (the error).
  bool Enqueue(LedgerEntry entry, std::function<void(absl::Status)> durable);
  // Writes everything queued (database, else spool) and returns when it is durable.
  void Flush();

  size_t queued() const;
  size_t spooled() const;  // entries waiting in the spool file for the database

 private:
  static constexpr size_t kRowsPerCommit = 8;

  LedgerWriter(LedgerStore& store, LedgerWriterOptions options);
  void Run();
  absl::Status Spool(const std::vector<LedgerEntry>& batch);  // append + fdatasync
  absl::Status Replay();                                      // spool -> database, then truncate

  LedgerStore& store_;
  LedgerWriterOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  std::deque<std::pair<LedgerEntry, std::function<void(absl::Status)>>> queue_;
  bool stopping_ = false;
  bool writing_ = false;
  size_t spooled_ = 0;
  std::chrono::steady_clock::time_point next_replay_{};
  std::thread thread_;
};

}  // namespace llmgw::spend
