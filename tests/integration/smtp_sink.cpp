#include "integration/smtp_sink.hpp"

#include <chrono>
#include <stdexcept>
#include <utility>
#include <vector>

namespace guestd::itest {
namespace {

/// Debian's interpreter, which has python3-aiosmtpd; a pyenv python3 earlier on PATH does not.
constexpr const char* python = "/usr/bin/python3";

std::string script_path() {
#ifdef SMTP_SINK_SCRIPT
    return SMTP_SINK_SCRIPT;
#else
    return (std::filesystem::path(__FILE__).parent_path() / "smtp_sink.py").string();
#endif
}

}  // namespace

smtp_sink::smtp_sink(std::filesystem::path dir, std::filesystem::path log_stem)
    : dir_(std::move(dir)), log_stem_(std::move(log_stem)) {
    start();
}

void smtp_sink::start() {
    // Launch the script; port 0 the first time, the same port afterwards.
    ++starts_;
    const std::vector<std::string> args{script_path(), "--port", std::to_string(port_), "--dir", dir_.string()};
    process_ = std::make_unique<background_process>(python, args,
                                                    log_stem_.string() + "-" + std::to_string(starts_));

    // Wait for the line that announces the bound address.
    const auto bound = process_->wait_for_line("smtp sink listening on 127.0.0.1:", std::chrono::seconds(20));
    if (!bound) {
        const std::string err = process_->stderr_text();
        process_->stop(SIGKILL);
        throw std::runtime_error(std::string("the SMTP sink (") + python + " " + script_path() +
                                 ") did not start; stderr:\n" + err);
    }
    port_ = std::stoi(*bound);
}

void smtp_sink::stop() {
    if (process_) process_->stop(SIGTERM);
}

}  // namespace guestd::itest
