#include "llmgw/http/server.h"
#include "llmgw/http/sse.h"

#include <atomic>
#include <mutex>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "llmgw/testing/wait.h"
#include "test_socket.h"

namespace llmgw::http {
namespace {

using ::llmgw::http::testing::TestSocket;
using ::llmgw::testing::WaitFor;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(Handler handler, ServerOptions options = {}) {
    options.listen_address = "127.0.0.1:0";
    auto s = Server::Start(std::move(options), std::move(handler));
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }
  std::unique_ptr<Server> server_;
};

Handler Echo() {
  return [](std::shared_ptr<Exchange> ex) {
    Response r;
    r.content_type = "text/plain";
    r.body = ex->request().method + " " + ex->request().path + " " + ex->request().body;
    ex->Respond(std::move(r));
  };
}

TEST_F(ServerTest, AnswersSeveralRequestsOnOneKeptAliveConnection) {
  StartServer(Echo());
  TestSocket sock(server_->port());
  ASSERT_TRUE(sock.connected());
  sock.Send("POST /a?x=1 HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc");
  std::string first = sock.ReadUntil("POST /a abc");
  EXPECT_THAT(first, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(first, HasSubstr("Connection: keep-alive"));
  // Two pipelined requests in one write.
  sock.Send("GET /b HTTP/1.1\r\nHost: t\r\n\r\nGET /c HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_THAT(sock.ReadUntil("GET /b "), HasSubstr("200 OK"));
  EXPECT_THAT(sock.ReadUntil("GET /c "), HasSubstr("200 OK"));
}

TEST_F(ServerTest, BodyOverTheLimitGets413AndTheHandlerNeverRuns) {
  std::atomic<int> calls{0};
  ServerOptions o;
  o.max_body_bytes = 1024;
  o.error_response = [](int status, std::string message) {
    return Response{.status = status, .body = "{\"error\":\"" + message + "\"}"};
  };
  StartServer([&](std::shared_ptr<Exchange> ex) { ++calls; ex->Respond({}); }, o);
  TestSocket sock(server_->port());
  sock.Send("POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nContent-Length: 2048\r\n\r\n" +
            std::string(2048, 'x'));
  std::string r = sock.ReadUntil("}");
  EXPECT_THAT(r, StartsWith("HTTP/1.1 413 "));
  EXPECT_THAT(r, HasSubstr("request body is larger than 1024 bytes"));
  EXPECT_THAT(r, HasSubstr("Connection: close"));
  EXPECT_TRUE(sock.WaitClosed());
  EXPECT_EQ(calls.load(), 0);
}

TEST_F(ServerTest, ChunkedBodyOverTheLimitGets413Too) {
  ServerOptions o;
  o.max_body_bytes = 1024;
  StartServer(Echo(), o);
  TestSocket sock(server_->port());
  sock.Send("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" +
            std::string(2048, 'x') + "\r\n0\r\n\r\n");
  EXPECT_THAT(sock.ReadUntil("\r\n"), StartsWith("HTTP/1.1 413 "));
}

TEST_F(ServerTest, HeadOverTheLimitGets431) {
  ServerOptions o;
  o.max_header_bytes = 2048;
  StartServer(Echo(), o);
  TestSocket sock(server_->port());
  sock.Send("GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(4096, 'a') + "\r\n\r\n");
  EXPECT_THAT(sock.ReadUntil("\r\n"), StartsWith("HTTP/1.1 431 "));
}

TEST_F(ServerTest, MalformedRequestGets400) {
  StartServer(Echo());
  TestSocket sock(server_->port());
  sock.Send("THIS IS NOT HTTP\r\n\r\n");
  EXPECT_THAT(sock.ReadUntil("\r\n"), StartsWith("HTTP/1.1 400 "));
}

TEST_F(ServerTest, SlowHeadIsCutOffByTheHeaderTimeout) {
  ServerOptions o;
  o.header_timeout = std::chrono::milliseconds(150);
  StartServer(Echo(), o);
  TestSocket sock(server_->port());
  sock.Send("GET / HTTP/1.1\r\nHost:");
  EXPECT_TRUE(sock.WaitClosed(std::chrono::seconds(3)));
}

TEST_F(ServerTest, StreamChunksReachTheClientBeforeTheNextIsWritten) {
  std::mutex mu;
  std::shared_ptr<Exchange> held;
  StartServer([&](std::shared_ptr<Exchange> ex) {
    ex->BeginStream(200, {{"X-Test", "1"}});
    ex->Write(SseData("one"));
    std::lock_guard lock(mu);
    held = ex;
  });
  TestSocket sock(server_->port());
  sock.Send("POST /s HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
  std::string head_and_first = sock.ReadUntil("data: one\n\n");
  EXPECT_THAT(head_and_first, HasSubstr("Transfer-Encoding: chunked"));
  EXPECT_THAT(head_and_first, HasSubstr("Content-Type: text/event-stream"));
  EXPECT_THAT(head_and_first, HasSubstr("data: one\n\n"));
  std::shared_ptr<Exchange> ex;
  {
    std::lock_guard lock(mu);
    ex = held;
  }
  std::atomic<bool> written{false};
  ex->Write(SseData("two"), [&](bool ok) { written = ok; });
  EXPECT_THAT(sock.ReadUntil("data: two\n\n"), HasSubstr("two"));
  EXPECT_TRUE(WaitFor([&] { return written.load(); }));
  ex->End();
  EXPECT_THAT(sock.ReadUntil("0\r\n\r\n"), HasSubstr("0\r\n\r\n"));
  EXPECT_TRUE(WaitFor([&] { return server_->active_exchanges() == 0; }));
}

TEST_F(ServerTest, ClientThatGoesAwayCancelsTheExchange) {
  std::atomic<bool> cancelled{false};
  std::mutex mu;
  std::shared_ptr<Exchange> held;
  StartServer([&](std::shared_ptr<Exchange> ex) {
    ex->OnCancel([&] { cancelled = true; });
    std::lock_guard lock(mu);
    held = ex;  // never answered: like a slow upstream
  });
  {
    TestSocket sock(server_->port());
    sock.Send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
    ASSERT_TRUE(WaitFor([&] { std::lock_guard l(mu); return held != nullptr; }));
  }
  EXPECT_TRUE(WaitFor([&] { return cancelled.load(); }));
  std::lock_guard lock(mu);
  EXPECT_TRUE(held->cancelled());
  held->Respond({});  // harmless after the client left
  held.reset();
  EXPECT_TRUE(WaitFor([&] { return server_->active_exchanges() == 0; }));
}

TEST_F(ServerTest, DroppedExchangeGets500) {
  StartServer([](std::shared_ptr<Exchange>) {});
  TestSocket sock(server_->port());
  sock.Send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_THAT(sock.ReadUntil("\r\n"), StartsWith("HTTP/1.1 500 "));
}

TEST_F(ServerTest, DrainRefusesNewRequestsAndLetsInFlightOnesFinish) {
  std::mutex mu;
  std::shared_ptr<Exchange> held;
  StartServer([&](std::shared_ptr<Exchange> ex) {
    if (ex->request().path == "/slow") {
      std::lock_guard lock(mu);
      held = ex;
      return;
    }
    ex->Respond({.body = "fast"});
  });
  TestSocket slow(server_->port());
  slow.Send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(WaitFor([&] { std::lock_guard l(mu); return held != nullptr; }));
  TestSocket idle(server_->port());
  TestSocket busy(server_->port());
  busy.Send("GET /fast HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_THAT(busy.ReadUntil("fast"), HasSubstr("200 OK"));

  // A request half sent when the drain starts is answered 503; idle connections just close.
  busy.Send("GET /fast HTTP/1.1\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  server_->BeginDrain();
  EXPECT_TRUE(idle.WaitClosed());
  busy.Send("Host: t\r\n\r\n");
  EXPECT_THAT(busy.ReadUntil("\r\n"), StartsWith("HTTP/1.1 503 "));
  EXPECT_EQ(server_->active_exchanges(), 1);
  EXPECT_FALSE(server_->WaitIdle(std::chrono::steady_clock::now() + std::chrono::milliseconds(20)));
  {
    std::lock_guard lock(mu);
    held->Respond({.body = "done"});
  }
  std::string last = slow.ReadUntil("done");
  EXPECT_THAT(last, HasSubstr("Connection: close"));
  EXPECT_TRUE(server_->WaitIdle(std::chrono::steady_clock::now() + std::chrono::seconds(5)));
  TestSocket refused(server_->port());
  EXPECT_TRUE(!refused.connected() || refused.WaitClosed());
}

}  // namespace
}  // namespace llmgw::http
