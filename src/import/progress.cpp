#include "import/progress.hpp"

#include "core/text.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace guestd::import {
namespace {

double rate(const progress_state& s) {
    return s.elapsed_seconds > 0 ? static_cast<double>(s.rows) / s.elapsed_seconds : 0.0;
}

/// The fraction of the file read, when its size is known.
std::optional<double> fraction(const progress_state& s) {
    if (!s.bytes_total || *s.bytes_total == 0) return std::nullopt;
    return std::min(1.0, static_cast<double>(s.bytes_read) / static_cast<double>(*s.bytes_total));
}

std::optional<double> eta_seconds(const progress_state& s) {
    const auto f = fraction(s);
    if (!f || *f <= 0 || s.elapsed_seconds <= 0) return std::nullopt;
    return s.elapsed_seconds * (1.0 - *f) / *f;
}

/// The facts after the bar: rows, rejects, speed, bytes, ETA.
std::string facts(const progress_state& s, bool with_percent) {
    std::string out = std::to_string(s.rows) + " rows";
    if (s.rejected > 0) out += ", " + std::to_string(s.rejected) + " rejected";
    out += ", " + std::to_string(static_cast<std::uint64_t>(rate(s))) + " rows/s, " + format_bytes(s.bytes_read);
    if (s.bytes_total) {
        out += " of " + format_bytes(*s.bytes_total);
        if (with_percent) {
            if (const auto f = fraction(s)) out += " (" + std::to_string(static_cast<int>(*f * 100)) + "%)";
        }
    }
    if (const auto eta = eta_seconds(s)) out += ", ETA " + format_duration(*eta);
    return out;
}

void write_all(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n <= 0) return;  // progress is best effort: a closed stderr must not stop the import
        done += static_cast<std::size_t>(n);
    }
}

std::size_t terminal_width(int fd) {
    winsize ws{};
    if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    return 80;
}

}  // namespace

std::string format_bytes(std::uint64_t n) {
    if (n < 1024) return std::to_string(n) + " B";
    static constexpr const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(n);
    int u = -1;
    do {
        v /= 1024;
        ++u;
    } while (v >= 1024 && u < 3);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
    return buf;
}

std::string format_duration(double seconds) {
    const auto total = static_cast<long long>(std::llround(std::max(0.0, seconds)));
    char buf[48];
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", total / 3600, total / 60 % 60, total % 60);
    return buf;
}

std::string progress_line(const progress_state& s) { return facts(s, true); }

std::string progress_bar(const progress_state& s, std::size_t width) {
    constexpr std::size_t bar_cells = 24;
    std::string out = "[";
    if (const auto f = fraction(s)) {
        const auto filled = static_cast<std::size_t>(*f * bar_cells);
        out.append(filled, '#');
        out.append(bar_cells - filled, '.');
        char pct[16];
        std::snprintf(pct, sizeof pct, "] %3d%% ", static_cast<int>(*f * 100));
        out += pct;
    } else {
        // Without a size, a marker that moves with the rows shows that work goes on
        const std::size_t at = static_cast<std::size_t>(s.rows / 1000) % bar_cells;
        for (std::size_t i = 0; i < bar_cells; ++i) out += i == at ? '#' : '.';
        out += "] ";
    }
    out += facts(s, false);
    if (width > 1 && out.size() > width - 1) out.resize(width - 1);
    return out;
}

progress_reporter::progress_reporter(int fd, bool terminal, std::optional<std::uint64_t> bytes_total)
    : fd_(fd),
      terminal_(terminal),
      total_(bytes_total),
      start_(std::chrono::steady_clock::now()),
      interval_(terminal ? std::chrono::milliseconds(200) : std::chrono::milliseconds(5000)) {
    next_ = start_ + interval_;
}

void progress_reporter::update(std::uint64_t rows, std::uint64_t rejected, std::uint64_t bytes_read) {
    const auto now = std::chrono::steady_clock::now();
    if (now < next_) return;
    next_ = now + interval_;
    draw(rows, rejected, bytes_read, false);
}

void progress_reporter::finish(std::uint64_t rows, std::uint64_t rejected, std::uint64_t bytes_read) {
    if (terminal_) draw(rows, rejected, bytes_read, true);
}

void progress_reporter::draw(std::uint64_t rows, std::uint64_t rejected, std::uint64_t bytes_read, bool last) {
    const progress_state s{rows, rejected, bytes_read, total_,
                           std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count()};
    if (terminal_) {
        // Redraw in place: carriage return, the bar, clear the rest of the line
        write_all(fd_, core::concat("\r", progress_bar(s, terminal_width(fd_)), "\x1b[K", last ? "\n" : ""));
    } else {
        write_all(fd_, "guestd import: " + progress_line(s) + "\n");
    }
}

}  // namespace guestd::import
