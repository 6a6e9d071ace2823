// What every llmgwctl command shares: connecting with a deadline, the call context (with
// the master key for operator RPCs), mapping a failed RPC to an exit code, JSON output.
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <memory>
#include <ostream>

#include "apps/llmgwctl/commands.h"
#include "google/protobuf/message.h"

namespace llmgw::ctl {

std::chrono::system_clock::time_point Deadline(const Options& o);
// A connected channel, or nullptr after printing why (the caller exits kCannotConnect).
std::shared_ptr<grpc::Channel> Connect(const Options& o, std::ostream& err);
std::unique_ptr<grpc::ClientContext> Context(const Options& o, bool operator_call);
// Prints the failure; kCannotConnect for UNAVAILABLE, else kRpcFailed.
int RpcFailed(const Options& o, const char* what, const grpc::Status& s, std::ostream& err);
void PrintJson(const google::protobuf::Message& m, std::ostream& out);
// kOk when a master key is set, else kUsage after saying so.
int NeedMasterKey(const Options& o, std::ostream& err);

}  // namespace llmgw::ctl
