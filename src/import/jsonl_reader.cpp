#include "import/jsonl_reader.hpp"

#include <algorithm>

namespace guestd::import {
namespace {

bool blank(std::string_view s) noexcept {
    return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

}  // namespace

bool jsonl_reader::next(jsonl_line& out) {
    // Drop the previous line (or what is left of a line that was too long)
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

    std::size_t scanned = 0;
    for (;;) {
        const std::string_view data = in_.data();
        const std::size_t nl = data.find('\n', scanned);
        if (nl != std::string_view::npos && nl <= max_) {
            // A whole line: number it, drop its CR, skip it when blank
            ++line_;
            std::string_view text = data.substr(0, nl);
            if (text.ends_with('\r')) text.remove_suffix(1);
            if (blank(text)) {
                in_.consume(nl + 1);
                scanned = 0;
                continue;
            }
            out = {line_, text, false};
            pending_ = nl + 1;
            return true;
        }
        if (data.size() > max_) {
            // Too long to hold: hand out its start, then discard the rest up to its line end
            ++line_;
            out = {line_, data.substr(0, max_), true};
            skipping_ = true;
            return true;
        }
        scanned = data.size();
        if (!in_.more()) {
            // The last line may lack its LF
            const std::string_view rest = in_.data();
            if (rest.empty()) return false;
            ++line_;
            std::string_view text = rest;
            if (text.ends_with('\r')) text.remove_suffix(1);
            if (blank(text)) {
                in_.consume(rest.size());
                return false;
            }
            out = {line_, text, false};
            pending_ = rest.size();
            return true;
        }
    }
}

}  // namespace guestd::import
