#include "llmgw/http/client.h"

#include <atomic>
#include <future>
#include <mutex>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "llmgw/http/server.h"
#include "llmgw/http/sse.h"
#include "llmgw/testing/wait.h"

namespace llmgw::http {
namespace {

using ::llmgw::testing::WaitFor;
using ::testing::HasSubstr;

struct Result {
  int status = 0;
  HeaderList headers;
  std::string body;
  std::vector<std::string> pieces;
  absl::Status done = absl::UnknownError("not done");
};

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = Client::Create();
    ASSERT_TRUE(c.ok());
    client_ = std::move(*c);
  }
  void StartServer(Handler h) {
    auto s = Server::Start({.listen_address = "127.0.0.1:0"}, std::move(h));
    ASSERT_TRUE(s.ok());
    server_ = std::move(*s);
  }
  std::string Url(const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + path;
  }
  // Runs one call to completion.
  Result Fetch(ClientRequest req, std::shared_ptr<ClientCall>* call_out = nullptr) {
    auto result = std::make_shared<Result>();
    std::promise<void> done;
    auto call = client_->Start(std::move(req),
                               {.on_head = [result](int s, const HeaderList& h) {
                                  result->status = s;
                                  result->headers = h;
                                },
                                .on_data = [result](std::string_view d) {
                                  result->body.append(d);
                                  result->pieces.emplace_back(d);
                                },
                                .on_done = [result, &done](absl::Status s) {
                                  result->done = s;
                                  done.set_value();
                                }});
    if (call_out) *call_out = call;
    done.get_future().wait();
    return *result;
  }
  void TearDown() override {
    client_.reset();
    if (server_) server_->Stop();
  }
  std::unique_ptr<Client> client_;
  std::unique_ptr<Server> server_;
};

TEST_F(ClientTest, PostsAndReceivesStatusHeadersAndBody) {
  StartServer([](std::shared_ptr<Exchange> ex) {
    ex->Respond({.status = 201,
                 .headers = {{"X-Echo", std::string(ex->request().Header("x-in"))}},
                 .body = "got " + ex->request().body});
  });
  auto r = Fetch({.url = Url("/p"), .headers = {{"X-In", "hello"}}, .body = "payload"});
  EXPECT_TRUE(r.done.ok()) << r.done;
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(FindHeader(r.headers, "x-echo"), "hello");
  EXPECT_EQ(r.body, "got payload");
}

TEST_F(ClientTest, ReusesTheConnection) {
  StartServer([](std::shared_ptr<Exchange> ex) { ex->Respond({.body = ex->request().remote}); });
  auto first = Fetch({.method = "GET", .url = Url("/")});
  auto second = Fetch({.method = "GET", .url = Url("/")});
  EXPECT_EQ(first.body, second.body);  // same client port: same connection
}

TEST_F(ClientTest, DeliversAStreamPieceByPiece) {
  StartServer([](std::shared_ptr<Exchange> ex) {
    ex->BeginStream(200, {});
    ex->Write(SseData("1"), [ex](bool) {
      ex->Write(SseData("2"), [ex](bool) { ex->End(); });
    });
  });
  auto r = Fetch({.url = Url("/s")});
  EXPECT_TRUE(r.done.ok());
  EXPECT_EQ(r.body, "data: 1\n\ndata: 2\n\n");
}

TEST_F(ClientTest, TimeoutIsDeadlineExceeded) {
  std::mutex mu;
  std::vector<std::shared_ptr<Exchange>> held;
  StartServer([&](std::shared_ptr<Exchange> ex) {
    std::lock_guard lock(mu);
    held.push_back(ex);
  });
  auto r = Fetch({.url = Url("/hang"), .timeout = std::chrono::milliseconds(200)});
  EXPECT_EQ(r.done.code(), absl::StatusCode::kDeadlineExceeded) << r.done;
  std::lock_guard lock(mu);
  held.clear();
}

TEST_F(ClientTest, UnreachableServerIsUnavailable) {
  StartServer([](std::shared_ptr<Exchange> ex) { ex->Respond({}); });
  int port = server_->port();
  server_->Stop();
  server_.reset();
  auto r = Fetch({.url = "http://127.0.0.1:" + std::to_string(port) + "/"});
  EXPECT_EQ(r.done.code(), absl::StatusCode::kUnavailable) << r.done;
}

TEST_F(ClientTest, CancelClosesTheConnectionAndTheServerSeesIt) {
  std::atomic<bool> server_saw_cancel{false};
  std::mutex mu;
  std::shared_ptr<Exchange> held;
  StartServer([&](std::shared_ptr<Exchange> ex) {
    ex->OnCancel([&] { server_saw_cancel = true; });
    ex->BeginStream(200, {});
    ex->Write(SseData("first"));
    std::lock_guard lock(mu);
    held = ex;
  });
  std::promise<absl::Status> done;
  std::atomic<bool> got_first{false};
  auto call = client_->Start({.url = Url("/s")},
                             {.on_data = [&](std::string_view) { got_first = true; },
                              .on_done = [&](absl::Status s) { done.set_value(s); }});
  ASSERT_TRUE(WaitFor([&] { return got_first.load(); }));
  call->Cancel();
  EXPECT_EQ(done.get_future().get().code(), absl::StatusCode::kCancelled);
  EXPECT_TRUE(WaitFor([&] { return server_saw_cancel.load(); }));
  std::lock_guard lock(mu);
  held.reset();
}

TEST_F(ClientTest, PauseHoldsBackDataUntilResume) {
  std::mutex mu;
  std::shared_ptr<Exchange> held;
  StartServer([&](std::shared_ptr<Exchange> ex) {
    ex->BeginStream(200, {});
    ex->Write(SseData("a"));
    std::lock_guard lock(mu);
    held = ex;
  });
  std::mutex data_mu;
  std::string body;
  std::promise<void> done;
  std::shared_ptr<ClientCall> call;
  call = client_->Start({.url = Url("/s")},
                        {.on_data = [&](std::string_view d) {
                           std::lock_guard l(data_mu);
                           body.append(d);
                         },
                         .on_done = [&](absl::Status) { done.set_value(); }});
  ASSERT_TRUE(WaitFor([&] { std::lock_guard l(data_mu); return body == "data: a\n\n"; }));
  call->Pause();
  std::shared_ptr<Exchange> ex;
  {
    std::lock_guard lock(mu);
    ex = held;
  }
  std::atomic<bool> written{false};
  ex->Write(SseData("b"), [&](bool) { written = true; });
  ASSERT_TRUE(WaitFor([&] { return written.load(); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // would have arrived by now
  {
    std::lock_guard l(data_mu);
    EXPECT_EQ(body, "data: a\n\n");
  }
  call->Resume();
  EXPECT_TRUE(WaitFor([&] { std::lock_guard l(data_mu); return body == "data: a\n\ndata: b\n\n"; }));
  ex->End();
  done.get_future().wait();
  std::lock_guard lock(mu);
  held.reset();
}

TEST_F(ClientTest, RefusesPastMaxInFlight) {
  auto c = Client::Create({.max_in_flight = 0});
  ASSERT_TRUE(c.ok());
  std::promise<absl::Status> done;
  (*c)->Start({.url = "http://127.0.0.1:1/"},
              {.on_done = [&](absl::Status s) { done.set_value(s); }});
  EXPECT_EQ(done.get_future().get().code(), absl::StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace llmgw::http
