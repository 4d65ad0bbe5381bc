#include "harness/request_harness.hpp"

#include "api/api.hpp"
#include "api/endpoints.hpp"
#include "api/errors.hpp"
#include "api/experience/handlers.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/log.hpp"
#include "domain/accounts.hpp"
#include "domain/credentials.hpp"
#include "domain/crm.hpp"
#include "domain/passwords.hpp"
#include "domain/secrets.hpp"
#include "domain/services.hpp"
#include "store/sqlite/sqlite_database.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>

namespace guestd::fuzz {
namespace {

namespace bhttp = boost::beast::http;
using error_code = boost::system::error_code;

// The limits guestd serves with by default (core::serve_config), as the session applies them.
const core::serve_config k_config{};
// How many pipelined requests one input may carry.
constexpr int k_max_requests = 8;
// A fresh store after this many inputs, so the database stays small and the clock far from the token expiry.
constexpr unsigned k_inputs_per_store = 50'000;

[[noreturn]] void broken(std::string_view what, std::string_view detail) {
    std::fprintf(stderr, "fuzz_request: broken invariant: %.*s: %.*s\n", static_cast<int>(what.size()), what.data(),
                 static_cast<int>(detail.size()), detail.data());
    std::abort();
}

std::string base64(std::string_view s) {
    std::string out(sodium_base64_ENCODED_LEN(s.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(s.data()), s.size(),
                      sodium_base64_VARIANT_ORIGINAL);
    out.resize(out.size() - 1);  // the terminating NUL
    return out;
}

// A hashing handler costs an argon2id hash (tens of milliseconds): the fuzzer runs authentication and body
// validation of those endpoints and answers in their place. The reset completions stay real: they hash only
// after a valid reset code, which the fuzzer cannot guess.
core::result<api::response> hashing_stand_in(const api::call&) { return api::json_response(200, {}); }

bool is_stubbed(const api::endpoint& ep) {
    return ep.handler == &api::experience::login || ep.handler == &api::experience::update_password;
}

/// One store with a merchant, a partner (b2b), a guest with an account and a booking, and its credentials.
struct world {
    std::filesystem::path dir;
    core::manual_clock clock;
    std::unique_ptr<store::database> db;
    std::unique_ptr<domain::services> services;
    std::optional<api::dispatcher> dispatcher;
    std::vector<api::endpoint> stand_ins;  // the hashing endpoints, handler replaced
    std::vector<std::pair<std::string, std::string>> placeholders;
    unsigned inputs = 0;

    world() {
        domain::init_crypto();
        // Prefer a RAM-backed directory: SQLite syncs the WAL on every commit.
        const std::filesystem::path base =
            std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
        std::string tmpl = (base / "guestd-fuzz-XXXXXX").string();
        if (mkdtemp(tmpl.data()) == nullptr) broken("setup", "mkdtemp failed");
        dir = tmpl;
        db = store::sqlite::open({.path = (dir / "guestd.db").string(), .pool_size = 2}, clock);
        services = std::make_unique<domain::services>(*db, clock, std::make_unique<domain::passwords>());
        const auto merchant = services->credentials().add_merchant(core::merchant_id{1234}, "Hotel Fuzz").value();
        const auto partner = services->credentials().add_partner("Fuzz", {merchant.id}, true).value();
        const domain::bearer_identity by{partner.id, merchant.id};
        const std::string email = "john.doe@example.com";
        domain::pms_booking b{.reference = "B-1", .status = "valid", .arrival = "2026-12-01",
                              .departure = "2026-12-03", .payload = "{}"};
        b.customer.reference = "C-1";
        b.customer.fields.email = email;
        if (!services->crm().push_bookings(merchant.id, {b})) broken("setup", "push_bookings failed");
        if (!services->accounts().set_password(merchant.id, email, "correct horse battery staple"))
            broken("setup", "set_password failed");
        const auto token = services->accounts().login(by, email, "correct horse battery staple");
        if (!token) broken("setup", "login failed");
        placeholders = {{"@BEARER@", partner.partner_token + ":" + merchant.hotel_token},
                        {"@BASIC@", base64(partner.client_id + ":" + partner.client_secret)},
                        {"@GUEST@", *token}};
        dispatcher.emplace(api::endpoints(), *services);
        for (const auto& ep : api::endpoints()) {
            if (!is_stubbed(ep)) continue;
            api::endpoint copy = ep;
            copy.handler = &hashing_stand_in;
            stand_ins.push_back(copy);
        }
    }

    ~world() {
        dispatcher.reset();
        services.reset();
        db.reset();
        std::error_code ignored;
        std::filesystem::remove_all(dir, ignored);
    }

    world(const world&) = delete;
    world& operator=(const world&) = delete;

    const api::endpoint& runnable(const api::endpoint& ep) const {
        for (const auto& s : stand_ins)
            if (s.method == ep.method && s.path == ep.path) return s;
        return ep;
    }

    std::string substitute(std::string_view in) const {
        std::string out(in);
        for (const auto& [from, to] : placeholders) {
            for (std::size_t at = out.find(from); at != std::string::npos; at = out.find(from, at + to.size()))
                out.replace(at, from.size(), to);
        }
        return out;
    }
};

std::unique_ptr<world> g_world;

void drop_world() { g_world.reset(); }

world& the_world() {
    if (!g_world || g_world->inputs >= k_inputs_per_store) {
        static const bool once = [] {
            core::set_log_level(core::log_level::error);  // keep the fuzzer's output readable
            std::atexit(&drop_world);
            return true;
        }();
        (void)once;
        g_world.reset();
        g_world = std::make_unique<world>();
    }
    ++g_world->inputs;
    g_world->clock.advance(1);  // rate-limit windows move on
    return *g_world;
}

// The session's own helpers (src/http/session.cpp keeps them private).
std::optional<api::verb> to_verb(bhttp::verb v) {
    switch (v) {
        case bhttp::verb::get: return api::verb::get;
        case bhttp::verb::post: return api::verb::post;
        case bhttp::verb::put: return api::verb::put;
        case bhttp::verb::delete_: return api::verb::del;
        default: return std::nullopt;
    }
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

std::string_view query_of(std::string_view target) {
    const auto q = target.find('?');
    return q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
}

unsigned status_for_read_error(const error_code& ec) {
    if (ec == bhttp::error::body_limit) return 413;
    if (ec == bhttp::error::header_limit) return 431;
    if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) return 0;
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) return 400;
    return 0;
}

bool has_line_break(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

/// What the session checks and writes of an answer, with the invariants it relies on made fatal.
void check_and_write(const api::response& res, unsigned version, bool keep_alive) {
    static const bool verbose = std::getenv("GUESTD_FUZZ_VERBOSE") != nullptr;
    if (verbose) std::fprintf(stderr, "-> %u %.200s\n", res.status, res.body.c_str());
    if (res.status < 100 || res.status > 599) broken("status out of range", std::to_string(res.status));
    if (res.status == 500) broken("500 for a client's request", res.body);
    bhttp::response<bhttp::string_body> out;
    out.version(version);
    out.result(res.status);
    for (const auto& h : res.headers) {
        if (h.name.empty() || has_line_break(h.name) || has_line_break(h.value)) broken("response header", h.name);
        out.insert(h.name, h.value);
    }
    if (has_line_break(res.content_type)) broken("content type", res.content_type);
    if (res.content_type.starts_with("application/json") && !res.body.empty()) {
        error_code ec;
        (void)boost::json::parse(res.body, ec);
        if (ec) broken("JSON answer that is not JSON", res.body);
    }
    if (!res.content_type.empty()) out.set(bhttp::field::content_type, res.content_type);
    out.keep_alive(keep_alive);
    const bool bodiless = res.status < 200 || res.status == 204 || res.status == 304;
    if (!bodiless) out.body() = res.body;
    out.prepare_payload();
    std::ostringstream wire;
    wire << out;
}

/// Reads one request off the front of `rest` as the session does; false when the connection would close.
bool serve_one(world& w, std::string_view& rest) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(k_config.header_limit, std::numeric_limits<std::uint32_t>::max())));
    std::size_t body_limit = k_config.body_limit;
    for (const auto& ep : w.dispatcher->table()) body_limit = std::max(body_limit, ep.body_limit);
    parser.body_limit(body_limit);

    error_code ec;
    const auto feed = [&] {
        const std::size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
        rest.remove_prefix(used);
        // All the bytes there are were offered: "need more" is a client that stopped mid-request.
        // Nothing taken without an error would loop forever: treat it the same way.
        if (ec == bhttp::error::need_more) ec = rest.empty() || used == 0 ? bhttp::error::partial_message : error_code{};
        if (!ec && used == 0 && !parser.is_done()) ec = bhttp::error::partial_message;
    };
    if (rest.empty()) return false;
    feed();
    while (!ec && !parser.is_header_done()) feed();

    bool malformed = false;
    if (!ec) {
        const auto& head = parser.get();
        malformed = head.count(bhttp::field::transfer_encoding) > 0 && !parser.chunked();
        body_limit = k_config.body_limit;
        if (const auto verb = to_verb(head.method())) {
            const auto routed = w.dispatcher->route(*verb, path_of(head.target()));
            if (const auto* ep = std::get_if<const api::endpoint*>(&routed); ep && (*ep)->body_limit > 0)
                body_limit = (*ep)->body_limit;
        }
        parser.body_limit(body_limit);
        if (const auto length = parser.content_length(); length && *length > body_limit) ec = bhttp::error::body_limit;
        while (!malformed && !ec && !parser.is_done()) {
            if (rest.empty()) {
                ec = bhttp::error::partial_message;
                break;
            }
            feed();
        }
    }

    auto& req = parser.get();
    const bool head_read = parser.is_header_done();
    std::optional<api::verb> method;
    std::string path;
    if (head_read) {
        path = path_of(req.target());
        method = to_verb(req.method());
    }
    if (ec || malformed) {
        const unsigned status = malformed ? 400 : status_for_read_error(ec);
        if (status == 0) return false;
        if (method) (void)api::dispatcher::label(w.dispatcher->route(*method, path));
        check_and_write(w.dispatcher->reject(path, status, status == 400 ? "malformed request" : "too large"),
                        head_read ? req.version() : 11, false);
        return false;
    }

    api::response res;
    if (!method) {
        res = w.dispatcher->reject(path, 405, "method not allowed");
    } else {
        api::request request;
        request.method = *method;
        request.path = path;
        request.query_string = query_of(req.target());
        for (const auto& field : req) request.headers.push_back({lower(field.name_string()), std::string(field.value())});
        request.body = std::move(req.body());
        request.client_address = "192.0.2.1";
        request.request_id = "fuzz";
        const auto routed = w.dispatcher->route(request.method, request.path);
        (void)api::dispatcher::label(routed);
        if (const auto* decided = std::get_if<api::response>(&routed)) {
            res = *decided;
        } else {
            // handle() never throws; an exception escaping it is a finding.
            res = w.dispatcher->handle(w.runnable(*std::get<const api::endpoint*>(routed)), request);
        }
    }
    const bool keep_alive = req.keep_alive();
    check_and_write(res, req.version(), keep_alive);
    return keep_alive;
}

}  // namespace

void run_request(const std::uint8_t* data, std::size_t size) {
    world& w = the_world();
    const std::string input = w.substitute({reinterpret_cast<const char*>(data), size});
    std::string_view rest = input;
    for (int i = 0; i < k_max_requests && serve_one(w, rest); ++i) {
    }
}

}  // namespace guestd::fuzz
