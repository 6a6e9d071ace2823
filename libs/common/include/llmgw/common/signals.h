// SIGTERM/SIGINT for servers: blocked in every thread (call before starting any) and taken
// synchronously by one thread with WaitForTerminationSignal. SIGPIPE is ignored so a peer
// that closes never kills the process.
#pragma once

#include <signal.h>

namespace llmgw {

inline sigset_t BlockTerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return set;
}

// Blocks until SIGTERM or SIGINT arrives; returns which.
inline int WaitForTerminationSignal(const sigset_t& set) {
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

}  // namespace llmgw
