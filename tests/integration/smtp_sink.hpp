// A real SMTP server for the recovery suites: Debian's aiosmtpd (python3-aiosmtpd) running smtp_sink.py under
// /usr/bin/python3 (not whatever python3 is first on PATH), saving every message it accepts as a file in a
// directory that the tests read back with read_mails(). It can be stopped and started again on the same port.
#pragma once

#include "integration/harness.hpp"

#include <filesystem>
#include <memory>
#include <string>

namespace guestd::itest {

class smtp_sink {
public:
    /// Starts the sink on 127.0.0.1 (a free port), saving messages to dir and its output next to log_stem;
    /// throws std::runtime_error when it does not come up.
    smtp_sink(std::filesystem::path dir, std::filesystem::path log_stem);

    /// "smtp://127.0.0.1:<port>".
    std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }

    int port() const { return port_; }

    /// Stops the sink (SIGTERM); connections are refused until start().
    void stop();

    /// Starts the sink again on the same port; throws std::runtime_error when it does not come up.
    void start();

    /// The sink's stderr, from its latest start.
    std::string stderr_text() const { return process_ ? process_->stderr_text() : std::string(); }

private:
    std::filesystem::path dir_;
    std::filesystem::path log_stem_;
    int port_ = 0;
    int starts_ = 0;
    std::unique_ptr<background_process> process_;
};

}  // namespace guestd::itest
