#include "import/importer.hpp"

#include "api/experience/mapping.hpp"
#include "api/experience/schemas.hpp"
#include "api/json_body.hpp"
#include "api/validate.hpp"
#include "import/csv_reader.hpp"
#include "import/jsonl_reader.hpp"
#include "import/reject_file.hpp"
#include "import/row_builder.hpp"

#include <boost/json/array.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <iterator>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

namespace guestd::import {
namespace {

namespace json = boost::json;
namespace xp = api::experience;

/// A field path as the item sees it: "bookings[3].customer.email" -> "customer.email" (and the domain's
/// "customers[3]email" -> "email").
std::string_view relative_field(std::string_view field, std::string_view list) {
    if (field.size() > list.size() && field.starts_with(list) && field[list.size()] == '[') {
        const std::size_t close = field.find(']');
        if (close != std::string_view::npos) {
            field.remove_prefix(close + 1);
            if (field.starts_with('.')) field.remove_prefix(1);
        }
    }
    return field;
}

/// The reason a reject row gives: "customer.email: must be an email address; arrival: ...".
std::string describe(const std::vector<core::field_error>& fields, std::string_view list) {
    std::string out;
    for (const auto& f : fields) {
        if (!out.empty()) out += "; ";
        const std::string_view at = relative_field(f.field, list);
        if (!at.empty()) {
            out += at;
            out += ": ";
        }
        out += f.reason;
    }
    return out;
}

std::string describe(const core::error& e, std::string_view list) {
    return e.fields.empty() ? e.message : describe(e.fields, list);
}

/// The index of the batch item an error names ("bookings[i]...."), when it names one below n.
std::optional<std::size_t> failing_index(const core::error& e, std::string_view list, std::size_t n) {
    if (e.code != core::errc::invalid_argument) return std::nullopt;
    for (const auto& f : e.fields) {
        const std::string_view field = f.field;
        if (field.size() <= list.size() + 1 || !field.starts_with(list) || field[list.size()] != '[') continue;
        const char* const last = field.data() + field.size();
        std::size_t i = 0;
        const auto [end, ec] = std::from_chars(field.data() + list.size() + 1, last, i);
        if (ec == std::errc{} && end != last && *end == ']' && i < n) return i;
    }
    return std::nullopt;
}

std::string text_or(std::string_view prefix, const std::string& detail) {
    return detail.empty() ? std::string(prefix) : std::string(prefix) + ": " + detail;
}

// What differs between the three kinds: the item schema, the JSON mapping and the domain batch call.

struct bookings_kind {
    using item = domain::pms_booking;
    static constexpr std::string_view list = "bookings";
    static const api::schema& schema() { return xp::schemas::booking; }

    static core::result<item> map(json::value&& v) {
        json::array one(v.storage());
        one.push_back(std::move(v));
        auto mapped = xp::bookings_from_json(one);
        if (!mapped) return std::unexpected(std::move(mapped.error()));
        item b = std::move(mapped->front());
        // domain::crm refuses this inside the batch too; checking here lets --dry-run report it
        if (b.arrival && b.departure && *b.departure < *b.arrival)
            return core::invalid("invalid request", {{"bookings[0].departure", "must not be before arrival"}});
        return b;
    }

    core::result<domain::batch_counts> push(domain::crm& crm, core::merchant_id m, const std::vector<item>& items) const {
        return crm.push_bookings(m, items);
    }
};

struct customers_kind {
    using item = domain::pms_customer;
    static constexpr std::string_view list = "customers";
    static const api::schema& schema() { return xp::schemas::pms_customer; }

    static core::result<item> map(json::value&& v) { return xp::customer_from_json(v.get_object()); }

    core::result<domain::batch_counts> push(domain::crm& crm, core::merchant_id m, const std::vector<item>& items) const {
        return crm.push_customers(m, items);
    }
};

struct members_kind {
    using item = domain::list_member;
    static constexpr std::string_view list = "members";
    static const api::schema& schema() { return xp::schemas::list_member; }

    static core::result<item> map(json::value&& v) {
        // As the email-list handler maps a member
        const auto& o = v.get_object();
        auto text = [&](std::string_view key) -> store::opt_string {
            const auto* f = o.if_contains(key);
            return f && f->is_string() ? store::opt_string(std::string(f->get_string())) : std::nullopt;
        };
        return item{std::string(o.at("email").get_string()), text("firstname"), text("lastname"), text("language")};
    }

    core::result<domain::batch_counts> push(domain::crm& crm, core::merchant_id m, const std::vector<item>& items) const {
        return crm.add_to_list(m, list_name, items);
    }

    std::string list_name;
};

/// Where a row came from: its first line and its text in the batch's arena.
struct origin {
    std::uint64_t line = 0;
    std::size_t raw_at = 0;
    std::size_t raw_size = 0;
};

/// A refused row and why.
struct refusal {
    origin from;
    std::string reason;
};

/// Rows on their way from the reader to the domain: the items that passed the schema and the mapping, and the
/// rows refused before reaching the domain, with the running totals at the batch's end.
template <class Item>
struct batch {
    std::vector<Item> items;
    std::vector<origin> origins;     // one per item
    std::vector<refusal> refused;    // in line order
    std::string raws;                // the rows' texts (cut to max_reject_raw_bytes), back to back
    std::uint64_t rows = 0;          // rows read up to this batch's end
    std::uint64_t bytes = 0;         // bytes read up to this batch's end

    origin keep(std::uint64_t line, std::string_view raw) {
        const std::string_view kept = truncate_utf8(raw, max_reject_raw_bytes);
        const origin o{line, raws.size(), kept.size()};
        raws += kept;
        return o;
    }
};

/// Hands batches from the reading thread to the committing one, at most `capacity` waiting, so reading stays a
/// little ahead of the store and memory stays flat. Either side may stop the other.
template <class T>
class handoff {
public:
    explicit handoff(std::size_t capacity) : capacity_(capacity) {}

    /// Waits for room; false when the consumer has gone.
    bool push(T&& v) {
        std::unique_lock lock(mutex_);
        room_.wait(lock, [&] { return queue_.size() < capacity_ || cancelled_; });
        if (cancelled_) return false;
        queue_.push_back(std::move(v));
        ready_.notify_one();
        return true;
    }

    /// Waits for a batch; nothing once the producer has finished and everything was taken.
    std::optional<T> pop() {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return !queue_.empty() || finished_; });
        if (queue_.empty()) return std::nullopt;
        T v = std::move(queue_.front());
        queue_.pop_front();
        room_.notify_one();
        return v;
    }

    /// The producer is done (normally or not).
    void finish() {
        std::lock_guard lock(mutex_);
        finished_ = true;
        ready_.notify_all();
    }

    /// The consumer stops taking; a waiting producer returns.
    void cancel() {
        std::lock_guard lock(mutex_);
        cancelled_ = true;
        room_.notify_all();
    }

    bool cancelled() {
        std::lock_guard lock(mutex_);
        return cancelled_;
    }

private:
    std::mutex mutex_;
    std::condition_variable ready_;
    std::condition_variable room_;
    std::deque<T> queue_;
    std::size_t capacity_;
    bool finished_ = false;
    bool cancelled_ = false;
};

/// The reading side: checks each record as the push API would check an item and cuts the rows into batches.
template <class Kind>
class batcher {
public:
    using item = typename Kind::item;

    batcher(const import_options& options, const Kind& kind, handoff<batch<item>>& out)
        : options_(options), kind_(kind), out_(out) {}

    /// Counts one record read from the file.
    void count_row() noexcept { ++rows_; }

    /// Refuses a record before it became an item.
    void refuse(std::uint64_t line, std::string reason, std::string_view raw) {
        current_.refused.push_back({current_.keep(line, raw), std::move(reason)});
    }

    /// Checks a parsed record as the push API checks each item of its array, and queues the mapped item.
    void add(json::value&& v, std::uint64_t line, std::string_view raw) {
        // The schema, exactly as the API applies it
        if (auto fields = api::validate(v, Kind::schema()); !fields.empty())
            return refuse(line, describe(fields, Kind::list), raw);

        // The mapping, with the value rules the schema cannot express
        auto mapped = kind_.map(std::move(v));
        if (!mapped) return refuse(line, describe(mapped.error(), Kind::list), raw);
        if (options_.dry_run) return;
        current_.origins.push_back(current_.keep(line, raw));
        current_.items.push_back(std::move(*mapped));
    }

    /// Hands the batch over when it is full (or, with `last`, whatever it holds); false when the committing
    /// side has stopped.
    bool cut(const input_buffer& in, bool last = false) {
        if (!last && rows_ - cut_at_ < options_.batch) return true;
        cut_at_ = rows_;
        current_.rows = rows_;
        current_.bytes = in.bytes_read() - in.data().size();  // up to the current record, not the read-ahead
        const bool taken = out_.push(std::move(current_));
        current_ = {};
        current_.items.reserve(std::min(options_.batch, std::size_t{1000}));
        return taken;
    }

private:
    const import_options& options_;
    const Kind& kind_;
    handoff<batch<item>>& out_;
    batch<item> current_;
    std::uint64_t rows_ = 0;
    std::uint64_t cut_at_ = 0;  // rows_ when the last batch was handed over
};

/// Bytes each CSV row's JSON is built in before it spills to the heap.
constexpr std::size_t row_arena_bytes = 64 * 1024;

template <class Kind>
core::result<void> read_csv(batcher<Kind>& out, input_buffer& in, const warning_fn& on_warning) {
    csv_reader reader(in);
    csv_record rec;
    if (!reader.next(rec)) return {};

    // The header: every column a path into the item, checked against its schema before any row
    const std::string at = "line " + std::to_string(rec.line);
    if (!rec.error.empty()) return core::invalid("bad CSV header", {{at, rec.error}});
    if (!valid_utf8(rec.raw)) return core::invalid("bad CSV header", {{at, "invalid UTF-8"}});
    auto builder = row_builder::compile(rec.cells, Kind::schema());
    if (!builder) return std::unexpected(std::move(builder.error()));
    if (on_warning) {
        for (const auto& column : builder->unknown_columns())
            on_warning("column '" + column + "' is not a field guestd knows; the API passes such keys through "
                       "unchecked, so check its spelling");
    }
    reader.expect_cells(builder->columns());

    // Each row: cells to JSON in a reused arena, then the same checks as a JSON Lines item
    const auto arena = std::make_unique<unsigned char[]>(row_arena_bytes);
    while (reader.next(rec)) {
        out.count_row();
        if (!rec.error.empty()) {
            out.refuse(rec.line, rec.error, rec.raw);
        } else if (!valid_utf8(rec.raw)) {
            out.refuse(rec.line, "invalid UTF-8", rec.raw);
        } else {
            json::monotonic_resource mr(arena.get(), row_arena_bytes);
            const json::storage_ptr sp(&mr);
            out.add(json::value(builder->build(rec.cells, sp)), rec.line, rec.raw);
        }
        if (!out.cut(in)) return {};
    }
    return {};
}

template <class Kind>
core::result<void> read_jsonl(batcher<Kind>& out, input_buffer& in) {
    jsonl_reader reader(in);
    jsonl_line line;
    while (reader.next(line)) {
        out.count_row();
        if (line.too_long) {
            out.refuse(line.line, "longer than " + std::to_string(max_record_bytes) + " bytes", line.text);
        } else if (auto v = api::parse_json(line.text); !v) {
            // The API's parser refuses invalid UTF-8 too; name it, as it is the likelier fix
            out.refuse(line.line, valid_utf8(line.text) ? text_or("not valid JSON", v.error().detail) : "invalid UTF-8",
                       line.text);
        } else {
            out.add(std::move(*v), line.line, line.text);
        }
        if (!out.cut(in)) return {};
    }
    return {};
}

/// The committing side: each batch's items through the domain, refusals to the reject callback in line order.
template <class Kind>
class committer {
public:
    using item = typename Kind::item;

    committer(domain::crm& crm, const import_options& options, const Kind& kind, const reject_fn& on_reject,
              const progress_fn& on_progress)
        : crm_(crm), options_(options), kind_(kind), on_reject_(on_reject), on_progress_(on_progress) {}

    /// Commits a batch; rows the domain refuses join the batch's other refusals.
    void take(batch<item>& b) {
        refused_ = &b.refused;
        commit(b.items, b.origins);

        // Report the refusals in line order: the domain's come after the reader's otherwise
        std::stable_sort(b.refused.begin(), b.refused.end(),
                         [](const refusal& x, const refusal& y) { return x.from.line < y.from.line; });
        for (const auto& r : b.refused) {
            ++counts_.rejected;
            on_reject_(r.from.line, r.reason, std::string_view(b.raws).substr(r.from.raw_at, r.from.raw_size));
        }
        counts_.rows = b.rows;
        if (on_progress_) on_progress_(counts_, b.bytes);
    }

    const import_counts& counts() const noexcept { return counts_; }

private:
    static constexpr int max_attempts = 5;

    /// Commits items in one domain call; when the domain names a bad item, refuses it and commits the items
    /// before and after it, so one bad row costs only itself.
    void commit(std::vector<item>& items, std::span<const origin> from) {
        while (!items.empty()) {
            auto done = push(items);
            if (done) {
                counts_.created += static_cast<std::uint64_t>(done->created);
                counts_.updated += static_cast<std::uint64_t>(done->updated);
                return;
            }
            const auto bad = failing_index(done.error(), Kind::list, items.size());
            if (!bad) {
                // An error that names no item: one at a time, so it is pinned on the items it concerns
                if (items.size() == 1) return refused_->push_back({from[0], describe(done.error(), Kind::list)});
                for (std::size_t i = 0; i < items.size(); ++i) {
                    std::vector<item> one;
                    one.push_back(std::move(items[i]));
                    commit(one, from.subspan(i, 1));
                }
                return;
            }
            refused_->push_back({from[*bad], describe(done.error(), Kind::list)});
            // The items before the bad one passed in the failed transaction; commit them on their own
            if (*bad > 0) {
                std::vector<item> head(std::make_move_iterator(items.begin()),
                                       std::make_move_iterator(items.begin() + static_cast<std::ptrdiff_t>(*bad)));
                commit(head, from.first(*bad));
            }
            items.erase(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(*bad) + 1);
            from = from.subspan(*bad + 1);
        }
    }

    /// One domain call; a busy store (past its own busy timeout) is retried a few times before giving up.
    core::result<domain::batch_counts> push(const std::vector<item>& items) {
        for (int attempt = 1;; ++attempt) {
            try {
                return kind_.push(crm_, options_.merchant, items);
            } catch (const core::backend_error& e) {
                if (!e.transient() || attempt == max_attempts) throw;
                std::this_thread::sleep_for(std::chrono::milliseconds(200 * attempt));
            }
        }
    }

    domain::crm& crm_;
    const import_options& options_;
    const Kind& kind_;
    const reject_fn& on_reject_;
    const progress_fn& on_progress_;
    import_counts counts_;
    std::vector<refusal>* refused_ = nullptr;  // the batch being committed's
};

/// Batches waiting between the reader and the store: enough to keep both busy, few enough to keep memory flat.
constexpr std::size_t batches_in_flight = 2;

template <class Kind>
core::result<import_counts> import_all(domain::crm& crm, input_buffer& in, const import_options& options, Kind kind,
                                       const reject_fn& on_reject, const progress_fn& on_progress,
                                       const warning_fn& on_warning) {
    using item = typename Kind::item;
    handoff<batch<item>> queue(batches_in_flight);

    // Read, check and map on one thread...
    core::result<void> read_result;
    std::exception_ptr read_failure;
    std::thread reader([&] {
        try {
            batcher<Kind> out(options, kind, queue);
            read_result = options.format == file_format::csv ? read_csv(out, in, on_warning) : read_jsonl(out, in);
            if (read_result) out.cut(in, true);
        } catch (...) {
            read_failure = std::current_exception();
        }
        queue.finish();
    });

    // ...and commit on this one; whatever stops this side stops the reader too
    committer<Kind> store(crm, options, kind, on_reject, on_progress);
    try {
        while (auto b = queue.pop()) store.take(*b);
    } catch (...) {
        queue.cancel();
        reader.join();
        throw;
    }
    reader.join();
    if (read_failure) std::rethrow_exception(read_failure);
    if (!read_result) return std::unexpected(std::move(read_result.error()));
    return store.counts();
}

}  // namespace

std::optional<item_kind> parse_kind(std::string_view s) noexcept {
    if (s == "bookings") return item_kind::bookings;
    if (s == "customers") return item_kind::customers;
    if (s == "email-list") return item_kind::email_list;
    return std::nullopt;
}

std::optional<file_format> parse_format(std::string_view s) noexcept {
    if (s == "csv") return file_format::csv;
    if (s == "jsonl" || s == "ndjson") return file_format::jsonl;
    return std::nullopt;
}

std::optional<file_format> format_of_path(std::string_view path) noexcept {
    const std::size_t dot = path.rfind('.');
    if (dot == std::string_view::npos || path.find('/', dot) != std::string_view::npos) return std::nullopt;
    std::string ext;
    for (const char c : path.substr(dot + 1)) ext += c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    return parse_format(ext);
}

core::result<import_counts> run_import(domain::crm& crm, input_buffer& in, const import_options& options,
                                       const reject_fn& on_reject, const progress_fn& on_progress,
                                       const warning_fn& on_warning) {
    switch (options.kind) {
        case item_kind::bookings: return import_all(crm, in, options, bookings_kind{}, on_reject, on_progress, on_warning);
        case item_kind::customers: return import_all(crm, in, options, customers_kind{}, on_reject, on_progress, on_warning);
        case item_kind::email_list: {
            // The list name meets the API's rule for it, or nothing is read
            const json::value probe = json::object{{"list", options.list}, {"members", json::array{}}};
            auto fields = api::validate(probe, xp::schemas::list_add);
            if (!valid_utf8(options.list)) fields.push_back({"list", "must be valid UTF-8"});
            if (!fields.empty()) return core::invalid("invalid list name", std::move(fields));
            return import_all(crm, in, options, members_kind{options.list}, on_reject, on_progress, on_warning);
        }
    }
    return core::fail(core::errc::internal, "unknown import kind");
}

}  // namespace guestd::import
