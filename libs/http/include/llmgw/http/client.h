// The async upstream HTTP client, on the libcurl multi interface: one I/O thread drives
// every transfer, connections are pooled and reused (HTTP/1.1 keep-alive, HTTP/2 where the
// server offers it over TLS), each request has its own timeouts, the body arrives in pieces
// as it comes (for streams), and a call can be paused (backpressure) or cancelled.
// Callbacks run on the client's thread and must not block.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "llmgw/http/message.h"

namespace llmgw::http {

struct ClientRequest {
  std::string method = "POST";
  std::string url;
  HeaderList headers;
  std::string body;
  // Whole transfer; 0 for none.
  std::chrono::milliseconds timeout{0};
  // Longest silence while receiving (rounded up to whole seconds); 0 for none.
  std::chrono::milliseconds idle_timeout{0};
  std::chrono::milliseconds connect_timeout{10'000};
};

struct ClientCallbacks {
  // The status and headers, once, before any body piece.
  std::function<void(int status, const HeaderList& headers)> on_head;
  // A piece of the body as it arrives.
  std::function<void(std::string_view data)> on_data;
  // Exactly once, last. OK when a response was received in full (whatever its HTTP status).
  // DEADLINE_EXCEEDED on timeouts, CANCELLED after Cancel(), UNAVAILABLE when the server
  // could not be reached or the connection broke, RESOURCE_EXHAUSTED when too many calls
  // are in flight.
  std::function<void(absl::Status status)> on_done;
};

class ClientCall {
 public:
  virtual ~ClientCall() = default;
  // Stops the transfer and closes its connection; on_done gets CANCELLED unless it already
  // ran. Safe from any thread, any number of times.
  virtual void Cancel() = 0;
  // Holds back on_data until Resume (the bytes wait in the kernel and in libcurl).
  virtual void Pause() = 0;
  virtual void Resume() = 0;
};

struct ClientOptions {
  size_t max_in_flight = 10'000;
  // Idle connections kept for reuse.
  long max_idle_connections = 1024;
};

class Client {
 public:
  static absl::StatusOr<std::unique_ptr<Client>> Create(ClientOptions options = {});
  ~Client();  // cancels what is still running and joins the thread
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  std::shared_ptr<ClientCall> Start(ClientRequest request, ClientCallbacks callbacks);
  size_t in_flight() const;

  struct Impl;

 private:
  explicit Client(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace llmgw::http
