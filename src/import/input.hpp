// The bytes of an import file, a window at a time: the CSV and JSON Lines readers scan the window and ask for
// more, so a 10 GB file costs no more memory than a small one. Reads from a file descriptor or, in tests, from
// a string handed over in small pieces.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace guestd::import {

class input_buffer {
public:
    /// Copies at most max bytes to dst and returns how many; 0 at the end. Throws std::system_error on a failure.
    using read_fn = std::function<std::size_t(char* dst, std::size_t max)>;

    /// Reads through read in chunks of `chunk` bytes.
    explicit input_buffer(read_fn read, std::size_t chunk = std::size_t{1} << 20);

    /// Reads the open file descriptor fd (not closed here).
    static input_buffer from_fd(int fd, std::size_t chunk = std::size_t{1} << 20);

    /// Serves text, at most `chunk` bytes per read (tests use tiny chunks to cross every boundary).
    static input_buffer from_string(std::string text, std::size_t chunk = std::size_t{1} << 20);

    /// The bytes read and not consumed yet; valid until the next more() or consume().
    std::string_view data() const noexcept { return {buf_.data() + begin_, end_ - begin_}; }

    /// Drops the first n bytes of data().
    void consume(std::size_t n) noexcept { begin_ += n; }

    /// Appends the next chunk to data(), keeping what was not consumed; false at the end of the input.
    bool more();

    /// True once more() has met the end of the input.
    bool at_end() const noexcept { return eof_; }

    /// Bytes read from the input so far (consumed or not).
    std::uint64_t bytes_read() const noexcept { return read_; }

private:
    read_fn read_fn_;
    std::size_t chunk_;
    std::string buf_;
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
    std::uint64_t read_ = 0;
    bool eof_ = false;
};

/// The size of the regular file behind fd, or nothing for pipes and devices.
std::optional<std::uint64_t> file_size(int fd);

/// True when s is a UTF-8 byte order mark or starts with one.
bool starts_with_bom(std::string_view s) noexcept;

/// True when s is well-formed UTF-8; an ASCII fast path in front of api::valid_utf8.
bool valid_utf8(std::string_view s) noexcept;

}  // namespace guestd::import
