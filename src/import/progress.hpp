// Progress of a long import on stderr: on a terminal a bar redrawn a few times a second (rows, rows/s, bytes of
// the file read, ETA), otherwise (a log, a pipe) one plain line every few seconds. The formatting is pure so it
// can be tested; the reporter only decides when to write.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace guestd::import {

struct progress_state {
    std::uint64_t rows = 0;
    std::uint64_t rejected = 0;
    std::uint64_t bytes_read = 0;
    std::optional<std::uint64_t> bytes_total;  // unknown for pipes
    double elapsed_seconds = 0;
};

/// "1234567 rows, 12 rejected, 123456 rows/s, 1.2 GiB of 2.4 GiB (50%), ETA 0:00:12".
std::string progress_line(const progress_state& s);

/// The terminal form, at most width columns: "[#####.....]  50% " then progress_line's facts.
std::string progress_bar(const progress_state& s, std::size_t width);

/// "512 B", "1.5 KiB", "12.0 MiB", "2.4 GiB".
std::string format_bytes(std::uint64_t n);

/// "0:00:12", "1:02:03".
std::string format_duration(double seconds);

class progress_reporter {
public:
    /// Writes to the file descriptor fd; `terminal` picks the bar (redrawn every 200 ms) over a line every 5 s.
    progress_reporter(int fd, bool terminal, std::optional<std::uint64_t> bytes_total);

    /// Cheap enough to call for every few hundred rows; writes only when the next report is due.
    void update(std::uint64_t rows, std::uint64_t rejected, std::uint64_t bytes_read);

    /// Draws the last state and ends the bar's line (a terminal only).
    void finish(std::uint64_t rows, std::uint64_t rejected, std::uint64_t bytes_read);

private:
    void draw(std::uint64_t rows, std::uint64_t rejected, std::uint64_t bytes_read, bool last);

    int fd_;
    bool terminal_;
    std::optional<std::uint64_t> total_;
    std::chrono::steady_clock::time_point start_;
    std::chrono::steady_clock::time_point next_;
    std::chrono::milliseconds interval_;
};

}  // namespace guestd::import
