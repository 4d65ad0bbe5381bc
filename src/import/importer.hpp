// Bulk import of bookings, PMS customers or email-list members from a CSV or JSON Lines file, through exactly
// what the push APIs use: the same schema validation and JSON mapping (api/experience), then the same domain
// batch calls (domain::crm), one transaction per batch. A row the schema, the mapping or the domain refuses is
// handed to the reject callback with its line and the reason; the rows around it are still imported.
#pragma once

#include "core/error.hpp"
#include "core/ids.hpp"
#include "domain/crm.hpp"
#include "import/input.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace guestd::import {

enum class item_kind { bookings, customers, email_list };
enum class file_format { csv, jsonl };

/// "bookings", "customers", "email-list" as the kind; nothing for another word.
std::optional<item_kind> parse_kind(std::string_view s) noexcept;

/// "csv", "jsonl" (or "ndjson") as the format; nothing for another word.
std::optional<file_format> parse_format(std::string_view s) noexcept;

/// The format a file name's extension says (.csv, .jsonl, .ndjson; any case); nothing for another one.
std::optional<file_format> format_of_path(std::string_view path) noexcept;

/// The most items one batch may hold.
inline constexpr std::size_t max_batch = 100000;

struct import_options {
    core::merchant_id merchant{0};
    item_kind kind = item_kind::bookings;
    file_format format = file_format::csv;
    std::string list;        // email_list: the list the members join
    std::size_t batch = 1000;  // items per domain call (and transaction), 1 to max_batch
    bool dry_run = false;      // validate and map only: no domain call, nothing written
};

struct import_counts {
    std::uint64_t created = 0;   // reservations (bookings), guests (customers) or memberships (email lists)
    std::uint64_t updated = 0;
    std::uint64_t rejected = 0;
    std::uint64_t rows = 0;      // records read, the header and blank lines aside
};

/// Receives each refused row: its first physical line, why, and its original text.
using reject_fn = std::function<void(std::uint64_t line, std::string_view reason, std::string_view raw)>;

/// Receives the counts and the bytes read so far, after each batch.
using progress_fn = std::function<void(const import_counts& counts, std::uint64_t bytes_read)>;

/// Receives a warning about the file that does not stop the import (a CSV column naming no known field).
using warning_fn = std::function<void(std::string_view message)>;

/// Imports every record of `in`: one thread reads, checks and maps while the calling one commits, each batch
/// (options.batch rows) in one domain call; the callbacks run on the calling thread, except on_warning, which
/// runs on the reading thread before the first row. invalid_argument "bad CSV header" (fields naming the column) before anything is
/// written when the header does not fit the item schema; invalid_argument for an email list name the API would
/// refuse. Store faults that outlast a few retries throw core::backend_error; batches committed before stay.
core::result<import_counts> run_import(domain::crm& crm, input_buffer& in, const import_options& options,
                                       const reject_fn& on_reject, const progress_fn& on_progress = {},
                                       const warning_fn& on_warning = {});

}  // namespace guestd::import
