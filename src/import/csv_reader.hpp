// CSV as RFC 4180 writes it, one record at a time: comma-separated cells, a quoted cell may hold commas, doubled
// quotes and line breaks; CRLF or LF line ends; a byte order mark at the start is dropped; blank lines are
// skipped. A broken record (a stray quote, an unclosed quote, the wrong number of cells) is reported with its
// starting line, and when it spans several lines only its first line is given up: reading resumes on the next
// line, so one bad quote cannot swallow the good records after it.
#pragma once

#include "import/input.hpp"
#include "import/jsonl_reader.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace guestd::import {

struct csv_record {
    std::uint64_t line = 0;               // the physical line the record starts on, from 1
    std::vector<std::string_view> cells;  // unquoted and unescaped; empty when error is set
    std::string_view raw;                 // the record's text without its line end (its first line when broken)
    std::string error;                    // why the record is broken; empty for a good record
};

class csv_reader {
public:
    explicit csv_reader(input_buffer& in, std::size_t max_bytes = max_record_bytes) : in_(in), max_(max_bytes) {}

    /// Records after this call must have n cells (the header's); 0 accepts any number.
    void expect_cells(std::size_t n) noexcept { expected_ = n; }

    /// The next record, good or broken; false at the end of the input. Views stay valid until the next call.
    bool next(csv_record& out);

private:
    /// Fills out from the record text [0, size) of data(): cells, or an error.
    void parse(std::string_view text, csv_record& out);
    /// Gives up only the first line of a broken multi-line record; the next call starts on the line after it.
    void resync(std::string_view text, csv_record& out);

    input_buffer& in_;
    std::size_t max_;
    std::size_t expected_ = 0;
    std::uint64_t line_ = 0;
    std::size_t pending_ = 0;  // bytes of the previous record still to consume
    bool skipping_ = false;    // the previous record was one line too long: discard up to its line end first
    bool started_ = false;
    std::string unescaped_;    // cells whose doubled quotes had to be undone
};

}  // namespace guestd::import
