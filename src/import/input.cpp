#include "import/input.hpp"

#include "api/validate.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <system_error>

namespace guestd::import {

input_buffer::input_buffer(read_fn read, std::size_t chunk) : read_fn_(std::move(read)), chunk_(std::max<std::size_t>(chunk, 1)) {}

input_buffer input_buffer::from_fd(int fd, std::size_t chunk) {
#ifdef POSIX_FADV_SEQUENTIAL
    (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    return input_buffer(
        [fd](char* dst, std::size_t max) -> std::size_t {
            for (;;) {
                const ssize_t n = ::read(fd, dst, max);
                if (n >= 0) return static_cast<std::size_t>(n);
                if (errno != EINTR) throw std::system_error(errno, std::generic_category(), "read");
            }
        },
        chunk);
}

input_buffer input_buffer::from_string(std::string text, std::size_t chunk) {
    auto source = std::make_shared<std::string>(std::move(text));
    auto at = std::make_shared<std::size_t>(0);
    return input_buffer(
        [source, at](char* dst, std::size_t max) {
            const std::size_t n = std::min(max, source->size() - *at);
            std::memcpy(dst, source->data() + *at, n);
            *at += n;
            return n;
        },
        chunk);
}

bool input_buffer::more() {
    if (eof_) return false;
    // Move what is left to the front, so the buffer only grows for a record longer than a chunk
    const std::size_t kept = end_ - begin_;
    if (begin_ > 0) {
        std::memmove(buf_.data(), buf_.data() + begin_, kept);
        begin_ = 0;
        end_ = kept;
    }
    if (buf_.size() < kept + chunk_) buf_.resize(kept + chunk_);

    // Read one chunk; a short read is fine, an empty one is the end
    const std::size_t n = read_fn_(buf_.data() + end_, chunk_);
    if (n == 0) {
        eof_ = true;
        return false;
    }
    end_ += n;
    read_ += n;
    return true;
}

std::optional<std::uint64_t> file_size(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    return static_cast<std::uint64_t>(st.st_size);
}

bool starts_with_bom(std::string_view s) noexcept { return s.starts_with("\xEF\xBB\xBF"); }

bool valid_utf8(std::string_view s) noexcept {
    // Skip the ASCII prefix eight bytes at a time; most import data is ASCII
    std::size_t i = 0;
    while (i + 8 <= s.size()) {
        std::uint64_t word;
        std::memcpy(&word, s.data() + i, 8);
        if ((word & 0x8080808080808080ULL) != 0) break;
        i += 8;
    }
    while (i < s.size() && static_cast<unsigned char>(s[i]) < 0x80) ++i;
    return i == s.size() || api::valid_utf8(s.substr(i));
}

}  // namespace guestd::import
