// JSON Lines, one physical line at a time: a byte order mark at the start and a CR before the LF are dropped,
// blank lines are skipped, and a line longer than the record limit is cut short and flagged instead of being
// held in memory whole. The importer parses each line as one push item.
#pragma once

#include "import/input.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace guestd::import {

/// The longest record (a CSV record or a JSON line) the readers hold in memory; the API's batch limit is 2 MiB.
inline constexpr std::size_t max_record_bytes = std::size_t{1} << 20;

struct jsonl_line {
    std::uint64_t line = 0;  // the physical line number, from 1
    std::string_view text;   // without its line end; the first max_record_bytes when too_long
    bool too_long = false;
};

class jsonl_reader {
public:
    explicit jsonl_reader(input_buffer& in, std::size_t max_bytes = max_record_bytes) : in_(in), max_(max_bytes) {}

    /// The next non-blank line; false at the end of the input. out.text is valid until the next call.
    bool next(jsonl_line& out);

private:
    input_buffer& in_;
    std::size_t max_;
    std::uint64_t line_ = 0;
    std::size_t pending_ = 0;  // bytes of the previous line still to consume
    bool skipping_ = false;    // the previous line was too long: discard up to its line end first
    bool started_ = false;
};

}  // namespace guestd::import
