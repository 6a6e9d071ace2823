// The async HTTP/1.1 server of the edge (and of the fake provider), on Boost.Beast/Asio.
// Keep-alive, a body limit (413), a head limit (431), read/idle/write timeouts, streamed
// responses written chunk by chunk (SSE), detection of clients that go away mid-request,
// and a graceful drain. Handlers run on the connection's strand and must not block; they
// may answer later from any thread through the Exchange.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "llmgw/http/message.h"

namespace llmgw::http {

class Session;

// One request and its response. Methods are thread-safe; each does its work on the
// connection's strand. Respond, or BeginStream + Write* + End, exactly once.
class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(std::shared_ptr<Session> session, Request request);
  ~Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  const Request& request() const { return request_; }

  void Respond(Response response);

  // Starts a chunked response (text/event-stream unless told otherwise).
  void BeginStream(int status, HeaderList headers,
                   std::string content_type = "text/event-stream");
  // Queues `data` as one chunk; `written(ok)` runs on the strand once it is on the wire (or
  // failed), which is how a producer paces itself to a slow client.
  void Write(std::string data, std::function<void(bool ok)> written = nullptr);
  // Ends a stream with the last chunk.
  void End();
  // Drops the connection without ending the response (fault injection).
  void Abort();

  // `cb` runs once, on the strand, if the client disconnects before the response is done.
  void OnCancel(std::function<void()> cb);
  bool cancelled() const { return cancelled_.load(); }

 private:
  friend class Session;
  std::shared_ptr<Session> session_;
  Request request_;
  std::atomic<bool> cancelled_{false};
  std::atomic<bool> finished_{false};  // written on the strand
  std::function<void()> on_cancel_;  // strand only
};

using Handler = std::function<void(std::shared_ptr<Exchange>)>;

struct ServerOptions {
  std::string listen_address = "127.0.0.1:0";
  int threads = 2;
  size_t max_body_bytes = 10 * 1024 * 1024;
  size_t max_header_bytes = 64 * 1024;
  size_t max_connections = 20'000;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds write_timeout{30'000};
  // Builds the responses the server itself sends (400, 408, 413, 431, 503 while draining),
  // so that the application decides their body. Null: a plain-text body.
  std::function<Response(int status, std::string message)> error_response;
};

class Server {
 public:
  static absl::StatusOr<std::unique_ptr<Server>> Start(ServerOptions options, Handler handler);
  ~Server();

  int port() const;
  // Stops accepting; idle connections close; requests that arrive on open connections get
  // 503 and `Connection: close`; exchanges in progress finish.
  void BeginDrain();
  bool draining() const;
  // Exchanges not yet answered in full.
  int64_t active_exchanges() const;
  // Waits until no exchange is active or `deadline` passes; true when idle.
  bool WaitIdle(std::chrono::steady_clock::time_point deadline) const;
  // Closes every connection and joins the threads.
  void Stop();

  struct Impl;

 private:
  explicit Server(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace llmgw::http
