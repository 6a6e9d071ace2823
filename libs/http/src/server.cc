#include "llmgw/http/server.h"

#include "session.h"

#include "absl/strings/numbers.h"

namespace llmgw::http {

// --- Exchange ---

Exchange::Exchange(std::shared_ptr<Session> session, Request request)
    : session_(std::move(session)), request_(std::move(request)) {}

Exchange::~Exchange() {
  // Runs wherever the last reference goes; the session finds out on its strand.
  if (!finished_) {
    session_->Post([s = session_, raw = this] { s->Dropped(raw); });
  }
}

void Exchange::Respond(Response response) {
  session_->Post([self = shared_from_this(), r = std::move(response)]() mutable {
    self->session_->Respond(self.get(), std::move(r));
  });
}

void Exchange::BeginStream(int status, HeaderList headers, std::string content_type) {
  session_->Post([self = shared_from_this(), status, h = std::move(headers),
                  ct = std::move(content_type)]() mutable {
    self->session_->BeginStream(self.get(), status, std::move(h), std::move(ct));
  });
}

void Exchange::Write(std::string data, std::function<void(bool)> written) {
  session_->Post([self = shared_from_this(), d = std::move(data), w = std::move(written)]() mutable {
    self->session_->Write(self.get(), std::move(d), std::move(w));
  });
}

void Exchange::End() {
  session_->Post([self = shared_from_this()] { self->session_->End(self.get()); });
}

void Exchange::Abort() {
  session_->Post([self = shared_from_this()] { self->session_->Abort(self.get()); });
}

void Exchange::OnCancel(std::function<void()> cb) {
  session_->Post([self = shared_from_this(), cb = std::move(cb)]() mutable {
    self->session_->OnCancel(self.get(), std::move(cb));
  });
}

// --- Server ---

void Server::Impl::DoAccept() {
  auto& loop = *loops[next_loop++ % loops.size()];
  acceptor->async_accept(net::make_strand(loop), [this](error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor->is_open()) return;
    if (!ec) {
      if (connections.load() >= static_cast<int64_t>(options.max_connections) || draining.load()) {
        socket.close(ec);
      } else {
        socket.set_option(tcp::no_delay(true), ec);
        connections.fetch_add(1);
        std::shared_ptr<Session> session;
        {
          std::lock_guard lock(mu);
          uint64_t id = next_session_id++;
          session = std::make_shared<Session>(std::move(socket), self_for_sessions, id);
          sessions[id] = session;
        }
        session->Start();
      }
    } else {
      log::Warn("http accept failed", {{"error", ec.message()}});
    }
    DoAccept();
  });
}

absl::StatusOr<std::unique_ptr<Server>> Server::Start(ServerOptions options, Handler handler) {
  auto colon = options.listen_address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(options.listen_address.substr(colon + 1), &port)) {
    return absl::InvalidArgumentError("listen address must be host:port: " + options.listen_address);
  }
  std::string host = options.listen_address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  error_code ec;
  auto address = net::ip::make_address(host, ec);
  if (ec) return absl::InvalidArgumentError("listen host must be an IP address: " + host);

  auto impl = std::make_shared<Impl>(options.threads);
  impl->options = std::move(options);
  impl->handler = std::move(handler);
  impl->acceptor.emplace(net::make_strand(*impl->loops.front()));
  tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  impl->acceptor->open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor->bind(endpoint, ec);
  if (!ec) impl->acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", impl->options.listen_address, ": ", ec.message()));
  }
  impl->port = impl->acceptor->local_endpoint().port();
  impl->self_for_sessions = impl;
  for (auto& loop : impl->loops) impl->work.push_back(net::make_work_guard(*loop));
  impl->DoAccept();
  for (auto& loop : impl->loops) {
    impl->threads.emplace_back([raw = loop.get()] { raw->run(); });
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

// The sessions still alive. Taken under the lock but released outside it: dropping the last
// reference runs ~Session, which takes the same lock.
static std::vector<std::shared_ptr<Session>> LiveSessions(Server::Impl& impl) {
  std::vector<std::shared_ptr<Session>> out;
  std::lock_guard lock(impl.mu);
  for (auto& [id, weak] : impl.sessions) {
    if (auto s = weak.lock()) out.push_back(std::move(s));
  }
  return out;
}

Server::~Server() { Stop(); }

int Server::port() const { return impl_->port; }

void Server::BeginDrain() {
  if (impl_->draining.exchange(true)) return;
  net::post(impl_->acceptor->get_executor(), [impl = impl_.get()] {
    error_code ec;
    impl->acceptor->close(ec);
  });
  for (auto& s : LiveSessions(*impl_)) s->Post([s] { s->CloseIfIdle(); });
}

bool Server::draining() const { return impl_->draining.load(); }

int64_t Server::active_exchanges() const { return impl_->active_exchanges.load(); }

bool Server::WaitIdle(std::chrono::steady_clock::time_point deadline) const {
  while (active_exchanges() > 0) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

void Server::Stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  BeginDrain();
  for (auto& s : LiveSessions(*impl_)) s->Post([s] { s->Close(); });
  impl_->work.clear();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  // Whatever is still queued belongs to closed sockets; run it down so sessions let go.
  for (auto& loop : impl_->loops) {
    loop->restart();
    loop->poll();
  }
  impl_->self_for_sessions.reset();
}

}  // namespace llmgw::http
