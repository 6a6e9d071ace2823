// fake_provider: an OpenAI-compatible fake for tests, benchmarks and drills.
//   fake_provider --listen 127.0.0.1:9000 [--threads 2] [--models a,b] [--port-file F]
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>

#include "absl/strings/str_split.h"
#include "llmgw/common/signals.h"
#include "apps/fake_provider/fake_provider.h"

int main(int argc, char** argv) {
  CLI::App app{"fake_provider: a scriptable OpenAI-compatible fake"};
  std::string listen = "127.0.0.1:0";
  std::string models = "fake-model";
  std::string port_file;
  int threads = 2;
  app.add_option("--listen", listen, "host:port (port 0 picks a free one)")->capture_default_str();
  app.add_option("--threads", threads, "event-loop threads")->capture_default_str();
  app.add_option("--models", models, "comma-separated ids for GET /v1/models")->capture_default_str();
  app.add_option("--port-file", port_file, "write the port here once listening");
  CLI11_PARSE(app, argc, argv);

  const sigset_t signals = llmgw::BlockTerminationSignals();

  llmgw::fake::FakeOptions options{.listen_address = listen, .threads = threads,
                                   .models = absl::StrSplit(models, ',', absl::SkipEmpty())};
  auto fake = llmgw::fake::FakeProvider::Start(options);
  if (!fake.ok()) {
    std::cerr << "fake_provider: " << fake.status().message() << "\n";
    return 1;
  }
  std::cout << "fake_provider listening on port " << (*fake)->port() << std::endl;
  if (!port_file.empty()) {
    std::ofstream(port_file + ".tmp") << (*fake)->port() << "\n";
    std::rename((port_file + ".tmp").c_str(), port_file.c_str());
  }
  llmgw::WaitForTerminationSignal(signals);
  return 0;
}
