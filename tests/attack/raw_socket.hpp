// A raw TCP client for the attack suite: the requests it sends are ones libcurl refuses to write (trickled heads,
// lying lengths, conflicting framing), so it speaks bytes, and reports what came back and whether the server
// closed the connection.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace guestd::itest {

/// The port in "http://127.0.0.1:<port>".
int port_of(const std::string& base_url);

class raw_socket {
public:
    /// Connects to 127.0.0.1:port (blocking) from source_address (another loopback address, to be another
    /// client to the server's per-address throttles), or from any; throws std::runtime_error when it cannot.
    explicit raw_socket(int port, const char* source_address = nullptr);
    ~raw_socket();
    raw_socket(const raw_socket&) = delete;
    raw_socket& operator=(const raw_socket&) = delete;

    /// Sends all of bytes; false when the connection is gone (reset or closed).
    bool send(std::string_view bytes);

    /// Stops sending (the client's FIN).
    void shutdown_write();

    /// Reads what arrives until the server closes the connection or timeout passes; returns it. closed() tells
    /// which of the two ended the read.
    std::string read_until_closed(std::chrono::milliseconds timeout);

    /// Reads whatever is already waiting, without blocking; notes a close. For polling many sockets.
    std::string read_available();

    /// Whether the server closed (EOF or reset) the connection.
    bool closed() const { return closed_; }

    int fd() const { return fd_; }

private:
    int fd_ = -1;
    bool closed_ = false;
};

/// The status code of the first response in text ("HTTP/1.1 400 ..."), 0 when there is none.
int status_of(std::string_view text);

/// How many HTTP responses text holds (status lines).
int response_count(std::string_view text);  // status lines anywhere: guestd never echoes one in a body

}  // namespace guestd::itest
