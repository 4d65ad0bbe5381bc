// The reject file of an import: one CSV row per bad input row, with the line it started on, why it was refused
// and its original text (cut to a few KiB), so an operator can fix the rows and import the file again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace guestd::import {

/// How much of a rejected row's text the reject file keeps.
inline constexpr std::size_t max_reject_raw_bytes = 4096;

class reject_file {
public:
    /// Nothing is created until the first reject, so a clean import leaves no file behind.
    explicit reject_file(std::string path) : path_(std::move(path)) {}
    ~reject_file();
    reject_file(const reject_file&) = delete;
    reject_file& operator=(const reject_file&) = delete;

    /// Appends the row `line,reason,raw` (creating the file with its header first); throws std::system_error
    /// when the file cannot be written, since a reject that is not recorded would be a row silently lost.
    void write(std::uint64_t line, std::string_view reason, std::string_view raw);

    /// Flushes and closes the file; throws std::system_error when the data did not reach it.
    void close();

    const std::string& path() const noexcept { return path_; }
    std::uint64_t count() const noexcept { return count_; }

private:
    std::string path_;
    std::FILE* file_ = nullptr;
    std::uint64_t count_ = 0;
    std::string row_;
};

/// Appends s to out as one CSV cell: quoted (inner quotes doubled) when it holds a comma, a quote, CR or LF.
void append_csv_cell(std::string& out, std::string_view s);

/// At most max bytes of s, not cutting a UTF-8 sequence in two.
std::string_view truncate_utf8(std::string_view s, std::size_t max) noexcept;

}  // namespace guestd::import
