#include "llmgw/http/client.h"

#include <curl/curl.h>

#include <atomic>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"

namespace llmgw::http {

namespace {

class Call;

}  // namespace

struct Client::Impl {
  ClientOptions options;
  CURLM* multi = nullptr;
  std::thread thread;
  std::atomic<bool> stopping{false};
  std::atomic<size_t> in_flight{0};
  std::mutex mu;
  std::deque<std::function<void()>> commands;  // run on the I/O thread
  std::unordered_map<CURL*, std::shared_ptr<Call>> active;  // I/O thread only
  // Easy handles of finished calls, reset for the next: curl_easy_init allocates and
  // fills its buffers and state anew each time. I/O thread only.
  std::vector<CURL*> spare;
  static constexpr size_t kMaxSpare = 256;

  bool closed = false;  // guarded by mu: the multi handle is gone

  void Post(std::function<void()> fn) {
    std::lock_guard lock(mu);
    if (closed) return;
    commands.push_back(std::move(fn));
    curl_multi_wakeup(multi);
  }
  void Run();
  void Finish(CURL* easy, absl::Status status);
};

namespace {

std::once_flag g_curl_init;

class Call final : public ClientCall, public std::enable_shared_from_this<Call> {
 public:
  Call(std::shared_ptr<Client::Impl> impl, ClientRequest request, ClientCallbacks callbacks)
      : impl_(std::move(impl)), request_(std::move(request)), cb_(std::move(callbacks)) {}

  ~Call() override {
    if (headers_ != nullptr) curl_slist_free_all(headers_);
    if (easy_ != nullptr) curl_easy_cleanup(easy_);
  }

  void Cancel() override {
    auto self = shared_from_this();
    impl_->Post([self] {
      if (self->added_ && !self->done_) {
        self->impl_->Finish(self->easy_, absl::CancelledError("upstream call cancelled"));
      } else if (!self->done_) {
        self->cancel_before_start_ = true;
      }
    });
  }

  void Pause() override { paused_.store(true); }

  void Resume() override {
    auto self = shared_from_this();
    impl_->Post([self] {
      if (!self->paused_.exchange(false)) return;
      if (self->added_ && !self->done_) curl_easy_pause(self->easy_, CURLPAUSE_CONT);
    });
  }

  // I/O thread: configure and hand to the multi handle.
  void Begin() {
    if (cancel_before_start_) {
      Done(absl::CancelledError("upstream call cancelled"));
      return;
    }
    if (!impl_->spare.empty()) {
      easy_ = impl_->spare.back();
      impl_->spare.pop_back();
    } else {
      easy_ = curl_easy_init();
    }
    if (easy_ == nullptr) {
      Done(absl::ResourceExhaustedError("cannot create a curl handle"));
      return;
    }
    curl_easy_setopt(easy_, CURLOPT_URL, request_.url.c_str());
    curl_easy_setopt(easy_, CURLOPT_PRIVATE, this);
    curl_easy_setopt(easy_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy_, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(easy_, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(easy_, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(easy_, CURLOPT_ACCEPT_ENCODING, "");  // gzip/deflate/br as offered
    curl_easy_setopt(easy_, CURLOPT_PROTOCOLS_STR, "http,https");
    if (std::getenv("no_proxy") == nullptr && std::getenv("NO_PROXY") == nullptr) {
      // A proxy variable must never reroute loopback calls (tests, local model servers).
      curl_easy_setopt(easy_, CURLOPT_NOPROXY, "localhost,127.0.0.1,::1");
    }
    if (request_.method == "GET") {
      curl_easy_setopt(easy_, CURLOPT_HTTPGET, 1L);
    } else {
      curl_easy_setopt(easy_, CURLOPT_CUSTOMREQUEST, request_.method.c_str());
      curl_easy_setopt(easy_, CURLOPT_POSTFIELDS, request_.body.data());
      curl_easy_setopt(easy_, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request_.body.size()));
    }
    for (const auto& [k, v] : request_.headers) {
      headers_ = curl_slist_append(headers_, absl::StrCat(k, ": ", v).c_str());
    }
    // No "Expect: 100-continue" round trip before large bodies.
    headers_ = curl_slist_append(headers_, "Expect:");
    curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, headers_);
    if (request_.timeout.count() > 0) {
      curl_easy_setopt(easy_, CURLOPT_TIMEOUT_MS, static_cast<long>(request_.timeout.count()));
    }
    if (request_.idle_timeout.count() > 0) {
      long secs = static_cast<long>((request_.idle_timeout.count() + 999) / 1000);
      curl_easy_setopt(easy_, CURLOPT_LOW_SPEED_LIMIT, 1L);
      curl_easy_setopt(easy_, CURLOPT_LOW_SPEED_TIME, secs);
    }
    curl_easy_setopt(easy_, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(request_.connect_timeout.count()));
    curl_easy_setopt(easy_, CURLOPT_HEADERFUNCTION, &Call::OnHeaderLine);
    curl_easy_setopt(easy_, CURLOPT_HEADERDATA, this);
    curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &Call::OnBody);
    curl_easy_setopt(easy_, CURLOPT_WRITEDATA, this);
    impl_->active[easy_] = shared_from_this();
    added_ = true;
    curl_multi_add_handle(impl_->multi, easy_);
  }

  // I/O thread, once.
  void Done(absl::Status status) {
    if (done_) return;
    done_ = true;
    if (status.ok() && !head_sent_) {
      status = absl::UnavailableError("upstream closed the connection before answering");
    }
    if (cb_.on_done) cb_.on_done(std::move(status));
    cb_ = {};
  }

  bool done() const { return done_; }
  // After the end: the easy handle, for reuse (this call no longer touches it).
  CURL* TakeEasy() { return std::exchange(easy_, nullptr); }
  const std::string& error_buffer() const { return error_; }

 private:
  static size_t OnHeaderLine(char* data, size_t size, size_t n, void* user) {
    auto* self = static_cast<Call*>(user);
    absl::string_view line(data, size * n);
    absl::string_view trimmed = absl::StripTrailingAsciiWhitespace(line);
    if (absl::StartsWith(trimmed, "HTTP/")) {
      // A new status line: a 1xx interim or a fresh response; forget earlier headers.
      self->head_headers_.clear();
      auto sp = trimmed.find(' ');
      int status = 0;
      if (sp != absl::string_view::npos) {
        (void)absl::SimpleAtoi(trimmed.substr(sp + 1, 3), &status);
      }
      self->status_ = status;
    } else if (trimmed.empty()) {
      if (self->status_ >= 200 && !self->head_sent_) {
        self->head_sent_ = true;
        if (self->cb_.on_head) self->cb_.on_head(self->status_, self->head_headers_);
      }
    } else {
      auto colon = trimmed.find(':');
      if (colon != absl::string_view::npos) {
        self->head_headers_.emplace_back(
            absl::AsciiStrToLower(trimmed.substr(0, colon)),
            std::string(absl::StripAsciiWhitespace(trimmed.substr(colon + 1))));
      }
    }
    return size * n;
  }

  static size_t OnBody(char* data, size_t size, size_t n, void* user) {
    auto* self = static_cast<Call*>(user);
    if (self->paused_.load()) return CURL_WRITEFUNC_PAUSE;  // curl keeps the bytes
    if (self->cb_.on_data) self->cb_.on_data(std::string_view(data, size * n));
    return size * n;
  }

  friend struct Client::Impl;
  std::shared_ptr<Client::Impl> impl_;
  ClientRequest request_;
  ClientCallbacks cb_;
  CURL* easy_ = nullptr;
  curl_slist* headers_ = nullptr;
  HeaderList head_headers_;
  int status_ = 0;
  bool head_sent_ = false;
  bool added_ = false;
  bool done_ = false;
  bool cancel_before_start_ = false;
  std::atomic<bool> paused_{false};
  std::string error_;
};

absl::Status StatusFromCurl(CURLcode code) {
  std::string msg = curl_easy_strerror(code);
  switch (code) {
    case CURLE_OK:
      return absl::OkStatus();
    case CURLE_OPERATION_TIMEDOUT:
      return absl::DeadlineExceededError("upstream timed out: " + msg);
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
      return absl::UnavailableError("upstream unreachable: " + msg);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return absl::InvalidArgumentError("bad upstream URL: " + msg);
    default:
      return absl::UnavailableError("upstream connection failed: " + msg);
  }
}

}  // namespace

void Client::Impl::Finish(CURL* easy, absl::Status status) {
  auto it = active.find(easy);
  if (it == active.end()) return;
  auto call = it->second;
  active.erase(it);
  curl_multi_remove_handle(multi, easy);
  in_flight.fetch_sub(1);
  call->Done(std::move(status));
  CURL* e = call->TakeEasy();
  if (spare.size() < kMaxSpare) {
    curl_easy_reset(e);
    spare.push_back(e);
  } else {
    curl_easy_cleanup(e);
  }
}

void Client::Impl::Run() {
  while (true) {
    std::deque<std::function<void()>> batch;
    {
      std::lock_guard lock(mu);
      batch.swap(commands);
    }
    for (auto& fn : batch) fn();
    if (stopping.load() && active.empty()) {
      std::lock_guard lock(mu);
      if (commands.empty()) break;
      continue;
    }
    int running = 0;
    curl_multi_perform(multi, &running);
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
      if (msg->msg == CURLMSG_DONE) Finish(msg->easy_handle, StatusFromCurl(msg->data.result));
    }
    curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
  }
}

absl::StatusOr<std::unique_ptr<Client>> Client::Create(ClientOptions options) {
  std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  auto impl = std::make_shared<Impl>();
  impl->options = options;
  impl->multi = curl_multi_init();
  if (impl->multi == nullptr) return absl::InternalError("curl_multi_init failed");
  curl_multi_setopt(impl->multi, CURLMOPT_MAXCONNECTS, options.max_idle_connections);
  curl_multi_setopt(impl->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  impl->thread = std::thread([raw = impl.get()] { raw->Run(); });
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

Client::~Client() {
  impl_->Post([impl = impl_.get()] {
    impl->stopping = true;
    std::vector<CURL*> easies;
    for (auto& [easy, call] : impl->active) easies.push_back(easy);
    for (CURL* e : easies) impl->Finish(e, absl::CancelledError("client shutting down"));
  });
  impl_->thread.join();
  std::lock_guard lock(impl_->mu);
  impl_->closed = true;
  impl_->commands.clear();
  for (CURL* e : impl_->spare) curl_easy_cleanup(e);
  impl_->spare.clear();
  curl_multi_cleanup(impl_->multi);
}

std::shared_ptr<ClientCall> Client::Start(ClientRequest request, ClientCallbacks callbacks) {
  auto call = std::make_shared<Call>(impl_, std::move(request), std::move(callbacks));
  if (impl_->in_flight.fetch_add(1) >= impl_->options.max_in_flight || impl_->stopping.load()) {
    impl_->in_flight.fetch_sub(1);
    impl_->Post([call] {
      call->Done(absl::ResourceExhaustedError("too many upstream calls in flight"));
    });
    return call;
  }
  impl_->Post([call, impl = impl_.get()] {
    call->Begin();
    if (call->done()) impl->in_flight.fetch_sub(1);
  });
  return call;
}

size_t Client::in_flight() const { return impl_->in_flight.load(); }

}  // namespace llmgw::http
