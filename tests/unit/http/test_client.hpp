// A deliberately plain HTTP/1.1 client over POSIX sockets for the server tests: it sends raw bytes (so tests can
// send malformed or trickled requests) and parses just enough of a response to assert on it.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace guestd::http::test {

struct reply {
    int status = 0;
    std::map<std::string, std::string> headers;  // names lower case
    std::string body;

    /// The header's value, "" when absent.
    std::string header(const std::string& lower_name) const;
};

class client {
public:
    /// Connects to "HOST:PORT" (IPv4); throws std::runtime_error when it cannot.
    explicit client(const std::string& endpoint);
    ~client();
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    /// Sends every byte; false when the peer has gone.
    bool send(std::string_view bytes);
    /// Reads one response (for a HEAD request, without a body); nullopt on EOF, error or a 10 s silence.
    std::optional<reply> read_reply(bool head = false);
    /// True when the server closed the connection (EOF or reset) within timeout; bytes before it go to unread().
    bool closed_within(std::chrono::milliseconds timeout);
    /// Bytes received but not yet returned by read_reply().
    const std::string& unread() const { return buffer_; }
    /// True when a byte (or EOF) is ready to read within timeout.
    bool readable_within(std::chrono::milliseconds timeout);

private:
    bool fill();

    int fd_ = -1;
    std::string buffer_;
};

/// Sends a GET for target on a fresh connection and reads the reply.
std::optional<reply> get(const std::string& endpoint, const std::string& target);

}  // namespace guestd::http::test
