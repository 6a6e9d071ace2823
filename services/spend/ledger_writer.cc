#include "services/spend/ledger_writer.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <boost/json/value.hpp>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "llmgw/json/proto_json.h"
#include "llmgw/telemetry/log.h"

namespace llmgw::spend {
namespace {

// One spool line per entry: {"log": SpendLog, "charges": [[scope, start, end, cost], ...]}.
std::string SpoolLine(const LedgerEntry& e) {
  std::string charges;
  for (const auto& c : e.charges) {
    std::string scope;
    log::AppendJsonEscaped(scope, c.scope);
    absl::StrAppend(&charges, charges.empty() ? "" : ",", "[\"", scope, "\",", c.period_start, ",", c.period_end,
                    ",", c.cost_micros, "]");
  }
  return absl::StrCat("{\"log\":", json::ToJsonText(e.log), ",\"charges\":[", charges, "]}\n");
}

absl::StatusOr<LedgerEntry> ParseSpoolLine(const std::string& line) {
  boost::json::object o;
  if (auto s = json::ParseObject(line, o); !s.ok()) return s;
  LedgerEntry e;
  auto log = o.find("log");
  auto charges = o.find("charges");
  if (log == o.end() || !log->value().is_object() || charges == o.end() || !charges->value().is_array()) {
    return absl::DataLossError("spool line without log or charges");
  }
  if (auto s = json::FromJson(log->value().as_object(), e.log); !s.ok()) return s;
  for (const auto& c : charges->value().as_array()) {
    const auto& a = c.as_array();
    e.charges.push_back({std::string(a.at(0).as_string()), a.at(1).to_number<int64_t>(), a.at(2).to_number<int64_t>(),
                         a.at(3).to_number<int64_t>()});
  }
  return e;
}

}  // namespace

LedgerWriter::LedgerWriter(LedgerStore& store, LedgerWriterOptions options) : store_(store), options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<LedgerWriter>> LedgerWriter::Create(LedgerStore& store, LedgerWriterOptions options) {
  std::unique_ptr<LedgerWriter> w(new LedgerWriter(store, std::move(options)));
  if (auto s = w->Replay(); !s.ok()) return s;
  w->thread_ = std::thread([p = w.get()] { p->Run(); });
  return w;
}

LedgerWriter::~LedgerWriter() {
  Flush();
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool LedgerWriter::Enqueue(LedgerEntry entry, std::function<void(absl::Status)> durable) {
  bool wake;
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= options_.max_queued) return false;
    queue_.emplace_back(std::move(entry), std::move(durable));
    // The writer waits for the first entry, then for a full batch (or max_delay): waking
    // it for any entry in between only puts it back to sleep, a context switch each.
    wake = queue_.size() == 1 || queue_.size() >= options_.max_batch;
  }
  if (wake) cv_.notify_one();
  return true;
}

void LedgerWriter::Flush() {
  std::unique_lock lock(mu_);
  cv_.notify_one();
  idle_cv_.wait(lock, [&] { return queue_.empty() && !writing_; });
}

size_t LedgerWriter::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

size_t LedgerWriter::spooled() const {
  std::lock_guard lock(mu_);
  return spooled_;
}

absl::Status LedgerWriter::Spool(const std::vector<LedgerEntry>& batch) {
  std::string text;
  for (const auto& e : batch) text += SpoolLine(e);
  int fd = ::open(options_.spool_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return absl::InternalError(absl::StrCat("spend spool ", options_.spool_path, ": ", strerror(errno)));
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return absl::InternalError(absl::StrCat("spend spool write: ", strerror(err)));
    }
    off += static_cast<size_t>(n);
  }
  int rc = ::fdatasync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return absl::InternalError(absl::StrCat("spend spool fdatasync: ", strerror(err)));
  std::lock_guard lock(mu_);
  spooled_ += batch.size();
  return absl::OkStatus();
}

absl::Status LedgerWriter::Replay() {
  std::ifstream in(options_.spool_path);
  if (!in) return absl::OkStatus();  // no spool
  std::vector<LedgerEntry> entries;
  std::string line;
  size_t bad = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto e = ParseSpoolLine(line);
    if (!e.ok()) {
      ++bad;  // a torn last line from a crash mid-append: that settle was never acknowledged
      continue;
    }
    entries.push_back(std::move(*e));
  }
  in.close();
  for (size_t i = 0; i < entries.size(); i += options_.max_batch) {
    std::vector<LedgerEntry> batch(entries.begin() + i, entries.begin() + std::min(entries.size(), i + options_.max_batch));
    if (auto s = store_.Append(batch); !s.ok()) return s;  // keep the spool; try again later
  }
  // Everything is committed (re-appending is harmless): the spool can go.
  if (::truncate(options_.spool_path.c_str(), 0) != 0 && errno != ENOENT) {
    return absl::InternalError(absl::StrCat("spend spool truncate: ", strerror(errno)));
  }
  {
    std::lock_guard lock(mu_);
    spooled_ = 0;
  }
  if (!entries.empty()) {
    log::Info("spend spool replayed", {{"rows", static_cast<int64_t>(entries.size())}, {"unreadable", static_cast<int64_t>(bad)}});
  }
  return absl::OkStatus();
}

void LedgerWriter::Run() {
  for (;;) {
    std::vector<std::pair<LedgerEntry, std::function<void(absl::Status)>>> batch;
    {
      std::unique_lock lock(mu_);
      auto replay_due = [&] { return spooled_ > 0 && std::chrono::steady_clock::now() >= next_replay_; };
      cv_.wait_for(lock, options_.replay_interval, [&] { return stopping_ || !queue_.empty() || replay_due(); });
      if (queue_.empty() && stopping_) return;
      if (!queue_.empty() && queue_.size() < options_.max_batch && !stopping_) {
        // Group commit: give concurrent settles a moment to join this batch.
        cv_.wait_for(lock, options_.max_delay, [&] { return stopping_ || queue_.size() >= options_.max_batch; });
      }
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      writing_ = true;
    }
    bool spool_waiting;
    {
      std::lock_guard lock(mu_);
      spool_waiting = spooled_ > 0;
    }
    if (spool_waiting && std::chrono::steady_clock::now() >= next_replay_) {
      if (!Replay().ok()) next_replay_ = std::chrono::steady_clock::now() + options_.replay_interval;
    }
    // Committed a few rows at a time, yielding between: a commit is CPU the request path
    // shares (under --target all, the same cores), and a long one stalls the requests that
    // arrive meanwhile (at one request in flight, a 500-row commit was half of p99).
    for (size_t from = 0; from < batch.size(); from += kRowsPerCommit) {
      size_t to = std::min(batch.size(), from + kRowsPerCommit);
      if (from > 0) sched_yield();
      std::vector<LedgerEntry> entries;
      entries.reserve(to - from);
      for (size_t i = from; i < to; ++i) entries.push_back(batch[i].first);
      // While a spool is waiting (left by an earlier batch or chunk), new rows join it: the
      // database sees them in order.
      bool spool_pending = spooled() > 0;
      absl::Status s = spool_pending ? absl::UnavailableError("spool pending") : store_.Append(entries);
      if (!s.ok()) {
        absl::Status spooled = Spool(entries);
        if (spooled.ok()) {
          if (!spool_pending) log::Warn("spend database unavailable; spooling ledger rows", {{"error", std::string(s.message())}});
          s = absl::OkStatus();
          next_replay_ = std::min(next_replay_, std::chrono::steady_clock::now() + options_.replay_interval);
        } else {
          log::Error("spend ledger rows could be neither committed nor spooled",
                     {{"error", std::string(spooled.message())}, {"rows", static_cast<int64_t>(entries.size())}});
          // Retryable: the settles come back (the gateway retries) and may find either up.
          s = absl::UnavailableError(absl::StrCat("ledger unavailable: ", s.message(), "; spool: ", spooled.message()));
        }
      }
      for (size_t i = from; i < to; ++i) batch[i].second(s);
    }
    {
      std::lock_guard lock(mu_);
      writing_ = false;
    }
    idle_cv_.notify_all();
  }
}

}  // namespace llmgw::spend
