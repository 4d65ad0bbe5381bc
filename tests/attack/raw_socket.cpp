#include "attack/raw_socket.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace guestd::itest {

int port_of(const std::string& base_url) {
    const auto colon = base_url.rfind(':');
    return colon == std::string::npos ? 0 : std::stoi(base_url.substr(colon + 1));
}

raw_socket::raw_socket(int port, const char* source_address) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    if (source_address != nullptr) {
        sockaddr_in local{};
        local.sin_family = AF_INET;
        if (::inet_pton(AF_INET, source_address, &local.sin_addr) != 1 ||
            ::bind(fd_, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) {
            const std::string why = std::strerror(errno);
            ::close(fd_);
            fd_ = -1;
            throw std::runtime_error("bind " + std::string(source_address) + ": " + why);
        }
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        const std::string why = std::strerror(errno);
        ::close(fd_);
        fd_ = -1;
        throw std::runtime_error("connect: " + why);
    }
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

raw_socket::~raw_socket() {
    if (fd_ >= 0) ::close(fd_);
}

bool raw_socket::send(std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

void raw_socket::shutdown_write() { ::shutdown(fd_, SHUT_WR); }

std::string raw_socket::read_until_closed(std::chrono::milliseconds timeout) {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!closed_) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                                 std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pollfd p{fd_, POLLIN, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) break;
        out += read_available();
    }
    return out;
}

std::string raw_socket::read_available() {
    std::string out;
    char buf[8192];
    for (;;) {
        const ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) {
            out.append(buf, static_cast<std::size_t>(n));
            continue;
        }
        if (n == 0) {
            closed_ = true;
        } else if (errno == EINTR) {
            continue;
        } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
            closed_ = true;  // reset: the server dropped us
        }
        return out;
    }
}

int status_of(std::string_view text) {
    if (text.size() < 12 || text.substr(0, 5) != "HTTP/") return 0;
    const auto space = text.find(' ');
    if (space == std::string_view::npos || space + 4 > text.size()) return 0;
    int status = 0;
    for (std::size_t i = space + 1; i < space + 4; ++i) {
        if (text[i] < '0' || text[i] > '9') return 0;
        status = status * 10 + (text[i] - '0');
    }
    return status;
}

int response_count(std::string_view text) {
    int n = 0;
    for (std::size_t at = 0; (at = text.find("HTTP/1.", at)) != std::string_view::npos; ++at)
        if (status_of(text.substr(at)) != 0) ++n;
    return n;
}

}  // namespace guestd::itest
