// The spool transport: each message becomes "<id>.eml" in a directory, written so that a reader (a person, a
// script, a mail client) never sees half a file and a crash never leaves a truncated one under the final name.
#include "mail/transport.hpp"

#include "core/text.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace guestd::mail {
namespace {

// Closes a file descriptor on scope exit.
class fd_guard {
public:
    explicit fd_guard(int fd) : fd_(fd) {}
    ~fd_guard() {
        if (fd_ >= 0) ::close(fd_);
    }
    fd_guard(const fd_guard&) = delete;
    fd_guard& operator=(const fd_guard&) = delete;
    int get() const { return fd_; }
    /// Closes now and reports whether close succeeded (it can report a deferred write error).
    bool close() {
        const int fd = fd_;
        fd_ = -1;
        return ::close(fd) == 0;
    }

private:
    int fd_;
};

std::string errno_text(std::string_view what, const std::filesystem::path& p) {
    return std::string(what) + " " + p.string() + ": " + std::strerror(errno);
}

bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

class spool_transport final : public transport {
public:
    explicit spool_transport(std::filesystem::path dir) : dir_(std::move(dir)) {}

    std::optional<delivery_error> send(const store::outbox_message& m) override {
        // Create the directory on first use, readable by guestd's user only: the messages hold reset links.
        std::error_code ec;
        if (!std::filesystem::is_directory(dir_, ec)) {
            std::filesystem::create_directories(dir_, ec);
            if (ec) return delivery_error{"cannot create " + dir_.string() + ": " + ec.message(), false};
            std::filesystem::permissions(dir_, std::filesystem::perms::owner_all, ec);
        }

        // Write under a hidden temporary name unique to this process and call, so "*.eml" never matches it.
        const auto final_path = dir_ / (std::to_string(m.id) + ".eml");
        const auto temp_path = dir_ / core::concat(".", std::to_string(m.id), ".eml.", std::to_string(::getpid()), ".",
                                                   std::to_string(counter_.fetch_add(1)), ".tmp");
        if (auto err = write_durably(temp_path, m.content)) {
            ::unlink(temp_path.c_str());
            return err;
        }

        // Publish it under its final name, then make the rename itself durable.
        if (::rename(temp_path.c_str(), final_path.c_str()) != 0) {
            auto err = delivery_error{errno_text("cannot rename to", final_path), false};
            ::unlink(temp_path.c_str());
            return err;
        }
        fd_guard dir_fd(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (dir_fd.get() < 0 || ::fsync(dir_fd.get()) != 0)
            return delivery_error{errno_text("cannot sync directory", dir_), false};
        return std::nullopt;
    }

    std::string describe() const override {
        std::error_code ec;
        const auto absolute = std::filesystem::absolute(dir_, ec);
        return "spool:" + (ec ? dir_ : absolute).string();
    }

private:
    static std::optional<delivery_error> write_durably(const std::filesystem::path& p, std::string_view content) {
        fd_guard fd(::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, S_IRUSR | S_IWUSR));
        if (fd.get() < 0) return delivery_error{errno_text("cannot create", p), false};
        if (!write_all(fd.get(), content)) return delivery_error{errno_text("cannot write", p), false};
        if (::fsync(fd.get()) != 0) return delivery_error{errno_text("cannot sync", p), false};
        if (!fd.close()) return delivery_error{errno_text("cannot close", p), false};
        return std::nullopt;
    }

    std::filesystem::path dir_;
    std::atomic<std::uint64_t> counter_{0};
};

}  // namespace

std::unique_ptr<transport> make_spool(const std::filesystem::path& dir) {
    return std::make_unique<spool_transport>(dir);
}

}  // namespace guestd::mail
