// Internal to libs/http: the server's shared state and one connection's state machine
// (read a request, watch for the client leaving, write the answer or a stream, keep alive
// or close). Only server.cc includes it; Boost stays out of the public headers.
#pragma once

#include <boost/asio.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "llmgw/http/server.h"
#include "llmgw/telemetry/log.h"

namespace llmgw::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

struct Server::Impl {
  ServerOptions options;
  Handler handler;
  std::atomic<bool> draining{false};
  std::atomic<int64_t> active_exchanges{0};
  std::atomic<int64_t> connections{0};
  int port = 0;
  std::mutex mu;
  std::unordered_map<uint64_t, std::weak_ptr<Session>> sessions;
  uint64_t next_session_id = 1;
  std::vector<std::thread> threads;
  bool stopped = false;
  // Sessions share ownership of this Impl; Stop() drops this self-reference.
  std::shared_ptr<Impl> self_for_sessions;
  // One event loop per thread, each run by that thread alone (no lock or wake-up shared
  // between threads); connections are dealt to them in turn. Declared last so they are
  // destroyed first, while the members above still exist.
  std::vector<std::unique_ptr<net::io_context>> loops;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> work;
  std::optional<tcp::acceptor> acceptor;
  size_t next_loop = 0;  // the acceptor's strand only

  explicit Impl(int threads) {
    for (int i = 0; i < threads; ++i) loops.push_back(std::make_unique<net::io_context>(1));
  }
  Response ErrorResponse(int status, std::string message) const {
    if (options.error_response) return options.error_response(status, std::move(message));
    return Response{.status = status, .content_type = "text/plain", .body = message + "\n"};
  }
  void DoAccept();
};

namespace internal {

inline std::string ReasonPhrase(int status) {
  auto r = bhttp::obsolete_reason(static_cast<bhttp::status>(status));
  return r.empty() ? "Unknown" : std::string(r);
}

inline std::string SerializeHead(int status, const std::string& content_type, const HeaderList& headers,
                          bool keep_alive, std::optional<size_t> content_length) {
  std::string head = absl::StrCat("HTTP/1.1 ", status, " ", ReasonPhrase(status), "\r\n");
  if (!content_type.empty()) absl::StrAppend(&head, "Content-Type: ", content_type, "\r\n");
  if (content_length) {
    absl::StrAppend(&head, "Content-Length: ", *content_length, "\r\n");
  } else {
    head += "Transfer-Encoding: chunked\r\n";
  }
  head += keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
  for (const auto& [k, v] : headers) {
    // Header injection guard: values with CR or LF never reach the wire.
    if (v.find_first_of("\r\n") != std::string::npos || k.find_first_of("\r\n:") != std::string::npos) {
      continue;
    }
    absl::StrAppend(&head, k, ": ", v, "\r\n");
  }
  head += "\r\n";
  return head;
}

}  // namespace internal

using internal::SerializeHead;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<Server::Impl> impl, uint64_t id)
      : socket_(std::move(socket)),
        impl_(std::move(impl)),
        id_(id),
        read_timer_(socket_.get_executor()),
        write_timer_(socket_.get_executor()) {
    error_code ec;
    auto ep = socket_.remote_endpoint(ec);
    if (!ec) remote_ = absl::StrCat(ep.address().to_string(), ":", ep.port());
  }

  ~Session() {
    impl_->connections.fetch_sub(1);
    std::lock_guard lock(impl_->mu);
    impl_->sessions.erase(id_);
  }

  template <typename F>
  void Post(F&& f) {
    net::post(socket_.get_executor(), std::forward<F>(f));
  }

  void Start() {
    Post([self = shared_from_this()] { self->DoRead(/*first=*/true); });
  }

  void CloseIfIdle() {
    if (idle_ && buffer_.size() == 0 && !(parser_ && parser_->got_some())) Close();
  }

  // --- Exchange operations, on the strand ---

  void Respond(Exchange* ex, Response r) {
    if (!Claim(ex)) return;
    bool keep = KeepAlive(ex);
    std::string out = SerializeHead(r.status, r.content_type, r.headers, keep, r.body.size());
    if (ex->request_.method != "HEAD") out += r.body;
    Finish(ex);
    QueueWrite(std::move(out), nullptr);
    AfterResponse(keep);
  }

  void BeginStream(Exchange* ex, int status, HeaderList headers, std::string content_type) {
    if (ex->finished_ || stream_started_ || closed_ || client_gone_) return;
    stream_started_ = true;
    headers.emplace_back("Cache-Control", "no-cache");
    headers.emplace_back("X-Accel-Buffering", "no");
    stream_keep_alive_ = KeepAlive(ex);
    // The head waits for this strand turn to end: the first chunk, queued right behind it,
    // then goes out in the same write (one syscall, one segment the client reads at once).
    QueueWrite(SerializeHead(status, content_type, headers, stream_keep_alive_, std::nullopt),
               nullptr, /*start=*/false);
    Post([self = shared_from_this()] {
      if (!self->writing_ && !self->writes_.empty()) self->DoWrite();
    });
  }

  void Write(Exchange* ex, std::string data, std::function<void(bool)> written) {
    if (ex->finished_ || !stream_started_ || closed_ || client_gone_) {
      if (written) written(false);
      return;
    }
    if (data.empty()) {
      if (written) written(true);
      return;
    }
    char size[20];
    int n = std::snprintf(size, sizeof(size), "%zx\r\n", data.size());
    std::string chunk;
    chunk.reserve(n + data.size() + 2);
    chunk.append(size, n).append(data).append("\r\n");
    QueueWrite(std::move(chunk), std::move(written));
  }

  void End(Exchange* ex) {
    if (!stream_started_) {
      Respond(ex, impl_->ErrorResponse(500, "stream ended before it began"));
      return;
    }
    if (!Claim(ex)) return;
    Finish(ex);
    QueueWrite("0\r\n\r\n", nullptr);
    AfterResponse(stream_keep_alive_);
  }

  void Abort(Exchange* ex) {
    if (ex->finished_) return;
    Finish(ex);
    error_code ec;
    socket_.set_option(net::socket_base::linger(true, 0), ec);  // RST, like a crash
    Close();
  }

  void OnCancel(Exchange* ex, std::function<void()> cb) {
    if (ex->cancelled_) {
      cb();
      return;
    }
    ex->on_cancel_ = std::move(cb);
  }

  void Dropped(Exchange* ex) {
    // The handler let go of an exchange it never answered.
    if (current_ != ex) return;
    impl_->active_exchanges.fetch_sub(1);
    current_ = nullptr;
    if (stream_started_ || closed_ || client_gone_) {
      Close();
      return;
    }
    Response r = impl_->ErrorResponse(500, "the request was dropped without an answer");
    QueueWrite(SerializeHead(r.status, r.content_type, r.headers, false, r.body.size()) + r.body,
               nullptr);
    close_after_writes_ = true;
  }

 private:
  friend class Server;
  // Marks `ex` finished; false when it was already, or the client is gone.
  bool Claim(Exchange* ex) {
    if (ex->finished_) return false;
    if (closed_ || client_gone_) {
      Finish(ex);
      Close();
      return false;
    }
    return true;
  }

  void Finish(Exchange* ex) {
    if (ex->finished_) return;
    ex->finished_ = true;
    if (current_ == ex) {
      current_ = nullptr;
      impl_->active_exchanges.fetch_sub(1);
    }
  }

  bool KeepAlive(Exchange* ex) const {
    return ex->request_.keep_alive && !impl_->draining.load();
  }

  void AfterResponse(bool keep) {
    stream_started_ = false;
    if (keep) {
      read_after_writes_ = true;
    } else {
      close_after_writes_ = true;
    }
    if (!writing_) AfterWrites();
  }

  void ArmTimer(net::steady_timer& timer, std::chrono::milliseconds d) {
    timer.expires_after(d);
    timer.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec) self->Close();  // the deadline passed with the operation still pending
    });
  }

  void DoRead(bool first) {
    if (closed_) return;
    idle_ = true;
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(impl_->options.max_header_bytes));
    parser_->body_limit(impl_->options.max_body_bytes);
    ArmTimer(read_timer_, first ? impl_->options.header_timeout : impl_->options.idle_timeout);
    bhttp::async_read_header(socket_, buffer_, *parser_,
                             [self = shared_from_this()](error_code ec, size_t) {
                               self->OnHeader(ec);
                             });
  }

  void OnHeader(error_code ec) {
    idle_ = false;
    if (ec) return OnReadError(ec);
    if (impl_->draining.load()) {
      read_timer_.cancel();
      return SendErrorAndClose(503, "the server is shutting down; retry on another instance");
    }
    ArmTimer(read_timer_, impl_->options.header_timeout);
    auto& req = parser_->get();
    auto expect = req[bhttp::field::expect];
    if (beast::iequals(expect, "100-continue")) {
      // Answer before the body is read, or clients wait a second for nothing.
      static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      net::async_write(socket_, net::buffer(kContinue),
                       [self = shared_from_this()](error_code ec, size_t) {
                         if (ec) return self->Close();
                         self->ReadBody();
                       });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    bhttp::async_read(socket_, buffer_, *parser_,
                      [self = shared_from_this()](error_code ec, size_t) { self->OnBody(ec); });
  }

  void OnBody(error_code ec) {
    read_timer_.cancel();
    if (ec) return OnReadError(ec);
    auto msg = parser_->release();
    Request r;
    r.method = std::string(msg.method_string());
    r.target = std::string(msg.target());
    auto q = r.target.find('?');
    r.path = r.target.substr(0, q);
    if (q != std::string::npos) r.query = r.target.substr(q + 1);
    for (const auto& f : msg) r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    r.body = std::move(msg.body());
    r.keep_alive = msg.keep_alive();
    r.remote = remote_;
    parser_.reset();

    auto ex = std::make_shared<Exchange>(shared_from_this(), std::move(r));
    current_ = ex.get();
    impl_->active_exchanges.fetch_add(1);
    StartWatch();
    try {
      impl_->handler(ex);
    } catch (const std::exception& e) {
      log::Error("http handler threw", {{"error", e.what()}});
      Respond(ex.get(), impl_->ErrorResponse(500, "internal error"));
    }
  }

  void OnReadError(error_code ec) {
    if (ec == bhttp::error::body_limit) {
      return SendErrorAndClose(
          413, absl::StrCat("request body is larger than ", impl_->options.max_body_bytes, " bytes"));
    }
    if (ec == bhttp::error::header_limit) {
      return SendErrorAndClose(431, absl::StrCat("request head is larger than ",
                                                 impl_->options.max_header_bytes, " bytes"));
    }
    if (ec == bhttp::error::end_of_stream || ec == net::error::eof ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset ||
        ec == bhttp::error::partial_message || closed_) {
      return Close();
    }
    // Anything else is a malformed request.
    SendErrorAndClose(400, "malformed HTTP request");
  }

  void SendErrorAndClose(int status, std::string message) {
    Response r = impl_->ErrorResponse(status, std::move(message));
    QueueWrite(SerializeHead(r.status, r.content_type, r.headers, false, r.body.size()) + r.body,
               nullptr);
    close_after_writes_ = true;
  }

  // While an exchange is in progress, a pending read tells when the client goes away.
  void StartWatch() {
    if (watching_ || closed_) return;
    watching_ = true;
    socket_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](error_code ec, size_t n) {
                              self->OnWatch(ec, n);
                            });
  }

  void OnWatch(error_code ec, size_t n) {
    watching_ = false;
    if (!ec) {
      buffer_.commit(n);  // a pipelined request: kept for the next read
      if (current_ != nullptr) {
        if (buffer_.size() < impl_->options.max_header_bytes) StartWatch();
        return;
      }
    } else if (ec != net::error::operation_aborted) {
      client_gone_ = true;
      if (current_ != nullptr) {
        Exchange* ex = current_;
        ex->cancelled_ = true;
        if (ex->on_cancel_) {
          auto cb = std::move(ex->on_cancel_);
          cb();
        }
      }
      if (current_ == nullptr && !writing_) Close();
      return;
    }
    if (read_next_after_watch_) {
      read_next_after_watch_ = false;
      DoRead(false);
    }
  }

  // `start`: begin writing now if idle (else a later QueueWrite or a posted DoWrite does).
  void QueueWrite(std::string data, std::function<void(bool)> cb, bool start = true) {
    writes_.push_back({std::move(data), std::move(cb)});
    if (!writing_ && start) DoWrite();
  }

  // Everything queued goes out in one gathered write; what is queued meanwhile goes in the
  // next (a deque keeps the queued strings where they are while it grows).
  void DoWrite() {
    if (closed_) {
      FailWrites();
      return;
    }
    writing_ = true;
    in_write_ = writes_.size();
    gather_.clear();
    for (const auto& w : writes_) gather_.emplace_back(net::buffer(w.data));
    ArmTimer(write_timer_, impl_->options.write_timeout);
    net::async_write(socket_, gather_, [self = shared_from_this()](error_code ec, size_t) { self->OnWrite(ec); });
  }

  void OnWrite(error_code ec) {
    write_timer_.cancel();
    // A callback may close the session (FailWrites empties the queue): stop then.
    for (size_t i = 0; i < in_write_ && !writes_.empty(); ++i) {
      auto done = std::move(writes_.front());
      writes_.pop_front();
      if (done.cb) done.cb(!ec);
    }
    in_write_ = 0;
    if (ec) {
      writing_ = false;
      client_gone_ = true;
      if (current_ != nullptr) {
        current_->cancelled_ = true;
        if (current_->on_cancel_) {
          auto cb = std::move(current_->on_cancel_);
          cb();
        }
      }
      FailWrites();
      Close();
      return;
    }
    if (!writes_.empty()) return DoWrite();
    writing_ = false;
    AfterWrites();
  }

  void FailWrites() {
    while (!writes_.empty()) {
      auto w = std::move(writes_.front());
      writes_.pop_front();
      if (w.cb) w.cb(false);
    }
  }

  void AfterWrites() {
    if (current_ != nullptr) return;  // a stream is still being written
    if (close_after_writes_) {
      close_after_writes_ = false;
      error_code ec;
      socket_.shutdown(tcp::socket::shutdown_send, ec);
      Close();
    } else if (read_after_writes_) {
      read_after_writes_ = false;
      if (client_gone_) return Close();
      if (watching_) {
        read_next_after_watch_ = true;
        error_code ec;
        socket_.cancel(ec);  // ends the watch read; OnWatch starts the next request
      } else {
        DoRead(false);
      }
    }
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    read_timer_.cancel();
    write_timer_.cancel();
    if (current_ != nullptr) {
      current_->cancelled_ = true;
      if (current_->on_cancel_) {
        auto cb = std::move(current_->on_cancel_);
        cb();
      }
    }
    error_code ec;
    socket_.close(ec);
  }

  struct PendingWrite {
    std::string data;
    std::function<void(bool)> cb;
  };

  tcp::socket socket_;
  std::shared_ptr<Server::Impl> impl_;
  uint64_t id_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  net::steady_timer read_timer_;
  net::steady_timer write_timer_;
  Exchange* current_ = nullptr;
  std::deque<PendingWrite> writes_;
  size_t in_write_ = 0;                  // the first in_write_ of writes_ are on the wire
  std::vector<net::const_buffer> gather_;  // their buffers
  bool writing_ = false;
  bool watching_ = false;
  bool read_next_after_watch_ = false;
  bool read_after_writes_ = false;
  bool close_after_writes_ = false;
  bool stream_started_ = false;
  bool stream_keep_alive_ = true;
  bool client_gone_ = false;
  bool closed_ = false;
  bool idle_ = false;
};

}  // namespace llmgw::http
