// The simulator on HTTP/1.1 over loopback (cpp-httplib).
//
// Thread-safety: Start/Stop from one thread; requests are served on
// httplib's worker threads.
#ifndef FLIGHTPLAN_CLOUDSIM_SERVER_H_
#define FLIGHTPLAN_CLOUDSIM_SERVER_H_

#include <memory>
#include <string>
#include <thread>

#include "base/error.h"
#include "cloudsim/simulator.h"

namespace httplib {
class Server;
}

namespace flightplan::cloudsim {

class HttpServer {
 public:
  explicit HttpServer(Simulator* simulator);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds `host` ("127.0.0.1" or "::1") and `port` (0: any free port).
  // Errors: kInvalidInput for a non-loopback host; kStateFile when the port
  // cannot be bound.
  Result<int> Bind(const std::string& host, int port);
  // Serves until Stop(); blocks.
  void Serve();
  // Serves on a background thread (for tests); returns once accepting.
  void ServeInBackground();
  void Stop();
  int port() const { return port_; }

 private:
  Simulator* simulator_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace flightplan::cloudsim

#endif  // FLIGHTPLAN_CLOUDSIM_SERVER_H_
