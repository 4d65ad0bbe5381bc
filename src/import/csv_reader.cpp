#include "import/csv_reader.hpp"

#include <algorithm>

namespace guestd::import {
namespace {

std::string_view without_cr(std::string_view s) noexcept {
    if (s.ends_with('\r')) s.remove_suffix(1);
    return s;
}

std::uint64_t line_breaks(std::string_view s) noexcept {
    return static_cast<std::uint64_t>(std::count(s.begin(), s.end(), '\n'));
}

}  // namespace

bool csv_reader::next(csv_record& out) {
    // Drop the previous record, or what is left of a line that was too long to hold
    in_.consume(pending_);
    pending_ = 0;
    if (skipping_) {
        skipping_ = false;
        for (;;) {
            const std::string_view data = in_.data();
            if (const std::size_t nl = data.find('\n'); nl != std::string_view::npos) {
                in_.consume(nl + 1);
                break;
            }
            in_.consume(data.size());
            if (!in_.more()) break;
        }
    }
    if (!started_) {
        started_ = true;
        while (in_.data().size() < 3 && in_.more()) {
        }
        if (starts_with_bom(in_.data())) in_.consume(3);
    }
    out.cells.clear();
    out.error.clear();

    // Find the record's end: the first LF outside quotes (a doubled quote toggles twice, so parity is enough)
    std::size_t scanned = 0;
    bool quoted = false;
    for (;;) {
        const std::string_view data = in_.data();
        std::size_t end = std::string_view::npos;
        for (std::size_t i = scanned; i < data.size(); ++i) {
            const char c = data[i];
            if (c == '"') {
                quoted = !quoted;
            } else if (c == '\n' && !quoted) {
                end = i;
                break;
            }
        }
        if (end != std::string_view::npos && end <= max_) {
            const std::string_view text = without_cr(data.substr(0, end));
            if (text.empty()) {
                ++line_;
                in_.consume(end + 1);
                scanned = 0;
                continue;
            }
            out.line = line_ + 1;
            parse(text, out);
            if (!out.error.empty() && text.find('\n') != std::string_view::npos) {
                resync(text, out);
                return true;
            }
            out.raw = text;
            line_ += 1 + line_breaks(text);
            pending_ = end + 1;
            return true;
        }
        scanned = data.size();

        // A record past the limit: give up its first line when quotes made it span lines, else skip its line
        if (data.size() > max_) {
            out.line = line_ + 1;
            const std::string_view head = data.substr(0, max_);
            if (head.find('\n') != std::string_view::npos) {
                out.error = "broken quoting: unclosed quote";
                resync(head, out);
                return true;
            }
            out.error = "longer than " + std::to_string(max_) + " bytes";
            out.raw = head;
            ++line_;
            skipping_ = true;
            return true;
        }

        if (!in_.more()) {
            // The last record may lack its line end; an open quote at the end of the input is broken
            const std::string_view rest = in_.data();
            const std::string_view text = without_cr(rest);
            if (text.empty()) {
                in_.consume(rest.size());
                return false;
            }
            out.line = line_ + 1;
            if (quoted) {
                out.error = "broken quoting: unclosed quote";
            } else {
                parse(text, out);
            }
            if (!out.error.empty() && text.find('\n') != std::string_view::npos) {
                resync(text, out);
                return true;
            }
            out.raw = text;
            line_ += 1 + line_breaks(text);
            pending_ = rest.size();
            return true;
        }
    }
}

void csv_reader::parse(std::string_view text, csv_record& out) {
    // Unescaped cells live in unescaped_, reserved up front so the views into it never move
    unescaped_.clear();
    unescaped_.reserve(text.size());
    auto fail = [&](std::string reason) {
        out.cells.clear();
        out.error = std::move(reason);
    };

    std::size_t pos = 0;
    for (;;) {
        if (pos < text.size() && text[pos] == '"') {
            // A quoted cell: up to the closing quote, undoing doubled quotes; then a comma or the end
            const std::size_t start = ++pos;
            const std::size_t first = unescaped_.size();
            bool escaped = false;
            std::string_view cell;
            for (;;) {
                const std::size_t q = text.find('"', pos);
                if (q == std::string_view::npos) return fail("broken quoting: unclosed quote");
                if (q + 1 < text.size() && text[q + 1] == '"') {
                    unescaped_.append(text.substr(escaped ? pos : start, q + 1 - (escaped ? pos : start)));
                    escaped = true;
                    pos = q + 2;
                    continue;
                }
                if (escaped) {
                    unescaped_.append(text.substr(pos, q - pos));
                    cell = std::string_view(unescaped_).substr(first);
                } else {
                    cell = text.substr(start, q - start);
                }
                pos = q + 1;
                break;
            }
            out.cells.push_back(cell);
            if (pos == text.size()) break;
            if (text[pos] != ',') return fail("broken quoting: text after a closing quote");
            ++pos;
        } else {
            // An unquoted cell: up to the next comma; a quote inside it is broken quoting
            const std::size_t comma = text.find(',', pos);
            const std::string_view cell = text.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
            if (cell.find('"') != std::string_view::npos)
                return fail("broken quoting: a quote inside an unquoted cell (quote the cell and double the quote)");
            out.cells.push_back(cell);
            if (comma == std::string_view::npos) break;
            pos = comma + 1;
        }
    }

    if (expected_ != 0 && out.cells.size() != expected_)
        fail("has " + std::to_string(out.cells.size()) + " cells, the header has " + std::to_string(expected_));
}

void csv_reader::resync(std::string_view text, csv_record& out) {
    const std::size_t nl = text.find('\n');
    out.cells.clear();
    out.raw = without_cr(text.substr(0, nl));
    ++line_;
    pending_ = nl + 1;
}

}  // namespace guestd::import
