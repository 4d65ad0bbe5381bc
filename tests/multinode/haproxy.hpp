// haproxy (Debian's /usr/sbin/haproxy) in front of several guestd nodes for the multi-node suite: a generated
// configuration on a free loopback port, run in the foreground (-db), with an admin socket the tests read to know
// which nodes haproxy holds for up.
#pragma once

#include "integration/harness.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace guestd::itest {

/// A free TCP port on 127.0.0.1 (bound, read and released: another process may take it meanwhile).
int free_loopback_port();

/// The haproxy.cfg the suite runs, for a frontend on 127.0.0.1:port and one backend server per node address
/// ("127.0.0.1:<port>", named a, b, c...), with an admin socket at socket_path. The operator's sample,
/// packaging/haproxy.cfg.example, makes the same choices with production timeouts.
std::string haproxy_config(int port, const std::vector<std::string>& nodes, const std::filesystem::path& socket_path);

class haproxy_process {
public:
    /// Writes the configuration under dir and starts haproxy on 127.0.0.1:port (see free_loopback_port()); throws
    /// std::runtime_error with haproxy's stderr when it does not come up.
    haproxy_process(const std::filesystem::path& dir, const std::vector<std::string>& nodes, int port);
    ~haproxy_process();
    haproxy_process(const haproxy_process&) = delete;
    haproxy_process& operator=(const haproxy_process&) = delete;

    /// "http://127.0.0.1:<port>".
    std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

    /// Each backend server's status as the admin socket's `show stat` says it ("UP", "DOWN", "UP 1/2"...);
    /// empty when the socket does not answer.
    std::map<std::string, std::string> server_status() const;

    /// Waits at most timeout until server `name` has status `status` exactly; whether it did.
    bool wait_for_status(const std::string& name, const std::string& status,
                         std::chrono::milliseconds timeout = std::chrono::seconds(20)) const;

    std::string stderr_text() const { return process_ ? process_->stderr_text() : std::string(); }

private:
    std::filesystem::path socket_path_;
    int port_ = 0;
    std::unique_ptr<background_process> process_;
};

}  // namespace guestd::itest
