#include "integration/paytronix_fixture.hpp"

#include <algorithm>
#include <cctype>
#include <iostream>
#include <stdexcept>
#include <thread>
#include <tuple>
#include <utility>

namespace guestd::itest {
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return std::ranges::equal(a, b,
                              [](unsigned char x, unsigned char y) { return std::tolower(x) == std::tolower(y); });
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::ranges::transform(out, out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

std::string describe(const http_response& resp) {
    std::string body = resp.body.size() > 600 ? resp.body.substr(0, 600) + "..." : resp.body;
    return "status " + std::to_string(resp.status) + ", body: " + body +
           (resp.error.empty() ? "" : ", transport error: " + resp.error);
}

std::optional<json::value> try_json(std::string_view text) {
    try {
        return parse_json(text);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

/// Splits a message (or a MIME part) at its first empty line: the header block and the body.
std::pair<std::string_view, std::string_view> split_head(std::string_view raw) {
    const auto crlf = raw.find("\r\n\r\n");
    const auto lf = raw.find("\n\n");
    if (crlf != std::string_view::npos && (lf == std::string_view::npos || crlf < lf)) {
        return {raw.substr(0, crlf), raw.substr(crlf + 4)};
    }
    if (lf != std::string_view::npos) return {raw.substr(0, lf), raw.substr(lf + 2)};
    return {raw, {}};
}

/// Header lines with folded continuations joined; names lower-cased.
header_list parse_headers(std::string_view head) {
    header_list out;
    std::size_t pos = 0;
    while (pos < head.size()) {
        auto eol = head.find('\n', pos);
        if (eol == std::string_view::npos) eol = head.size();
        std::string_view line = head.substr(pos, eol - pos);
        if (line.ends_with('\r')) line.remove_suffix(1);
        pos = eol + 1;
        if (line.empty()) continue;
        if ((line.front() == ' ' || line.front() == '\t') && !out.empty()) {
            out.back().second += ' ';
            out.back().second += std::string(line.substr(line.find_first_not_of(" \t")));
            continue;
        }
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
        out.emplace_back(lower(line.substr(0, colon)), std::string(value));
    }
    return out;
}

std::string header_of(const header_list& headers, std::string_view name) {
    for (const auto& [n, v] : headers) {
        if (n == name) return v;
    }
    return {};
}

/// A parameter of a structured header value (`multipart/alternative; boundary="b1"`), unquoted.
std::string header_param(std::string_view value, std::string_view name) {
    const std::string low = lower(value);
    const std::string key = lower(name) + "=";
    std::size_t at = 0;
    while ((at = low.find(key, at)) != std::string::npos) {
        if (at == 0 || low[at - 1] == ';' || low[at - 1] == ' ' || low[at - 1] == '\t') break;
        ++at;
    }
    if (at == std::string::npos) return {};
    std::string_view rest = value.substr(at + key.size());
    if (!rest.empty() && rest.front() == '"') {
        rest.remove_prefix(1);
        return std::string(rest.substr(0, rest.find('"')));
    }
    rest = rest.substr(0, rest.find_first_of("; \t\r\n"));
    return std::string(rest);
}

std::string decode_base64(std::string_view text) {
    static constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (const char c : text) {
        const auto v = alphabet.find(c);
        if (v == std::string_view::npos) continue;  // line ends, padding
        buffer = (buffer << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xff);
        }
    }
    return out;
}

/// Fills m's text and html from one entity (the message or a part), descending into multiparts.
void collect_parts(mail_message& m, std::string_view entity, bool top_level) {
    const auto [head, body] = split_head(entity);
    const header_list headers = top_level ? m.headers : parse_headers(head);
    const std::string type = lower(header_of(headers, "content-type"));
    if (type.starts_with("multipart/")) {
        // Walk the parts between the boundary delimiter lines.
        const std::string delimiter = "--" + header_param(header_of(headers, "content-type"), "boundary");
        if (delimiter.size() <= 2) return;
        std::size_t pos = body.starts_with(delimiter) ? 0 : body.find("\n" + delimiter);
        while (pos != std::string_view::npos) {
            if (body[pos] == '\n') ++pos;
            pos += delimiter.size();
            if (body.substr(pos).starts_with("--")) return;  // the closing delimiter
            const auto line_end = body.find('\n', pos);
            if (line_end == std::string_view::npos) return;
            const auto start = line_end + 1;
            const auto next = body.find("\n" + delimiter, start);
            std::string_view part = body.substr(start, next == std::string_view::npos ? next : next - start);
            if (part.ends_with('\r')) part.remove_suffix(1);
            collect_parts(m, part, false);
            pos = next;
        }
        return;
    }
    // Undo the transfer encoding of a leaf part.
    const std::string encoding = lower(header_of(headers, "content-transfer-encoding"));
    std::string decoded = encoding == "quoted-printable" ? decode_quoted_printable(body)
                          : encoding == "base64"          ? decode_base64(body)
                                                          : std::string(body);
    if (type.starts_with("text/html")) {
        m.html += decoded;
    } else if (type.empty() || type.starts_with("text/plain")) {
        m.text += decoded;
    }
}

/// Sort key of a mail file: numeric stems by value (shorter first), others by name.
std::pair<std::size_t, std::string> arrival_key(const std::filesystem::path& p) {
    const std::string stem = p.stem().string();
    return {stem.size(), stem};
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
    for (std::size_t at = 0; (at = s.find(from, at)) != std::string::npos; at += to.size())
        s.replace(at, from.size(), to);
}

}  // namespace

std::optional<std::string> mail_message::header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
        if (iequals(n, name)) return v;
    }
    return std::nullopt;
}

std::string decode_quoted_printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '=') {
            out += text[i];
            continue;
        }
        // A soft line break: "=" at the end of a line.
        if (text.substr(i + 1).starts_with("\r\n")) {
            i += 2;
            continue;
        }
        if (text.substr(i + 1).starts_with("\n")) {
            i += 1;
            continue;
        }
        // An encoded byte.
        if (i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
            i += 2;
            continue;
        }
        out += '=';
    }
    return out;
}

mail_message parse_mail(std::string raw) {
    mail_message m;
    m.raw = std::move(raw);
    m.headers = parse_headers(split_head(m.raw).first);
    collect_parts(m, m.raw, true);
    return m;
}

std::vector<mail_message> read_mails(const std::filesystem::path& dir) {
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        const auto& p = entry.path();
        if (p.extension() == ".eml" && !p.filename().string().starts_with('.')) files.push_back(p);
    }
    std::ranges::sort(files, {}, arrival_key);
    std::vector<mail_message> mails;
    for (const auto& p : files) {
        mail_message m = parse_mail(read_file(p));
        m.file = p;
        // The SMTP sink writes the envelope beside the message.
        auto envelope_path = p;
        envelope_path.replace_extension(".json");
        if (const auto envelope = try_json(read_file(envelope_path)); envelope && envelope->is_object()) {
            if (const auto* to = envelope->as_object().if_contains("rcpt_tos"); to != nullptr && to->is_array()) {
                for (const auto& r : to->as_array()) {
                    if (r.is_string()) m.envelope_to.emplace_back(r.as_string());
                }
            }
        }
        mails.push_back(std::move(m));
    }
    return mails;
}

std::optional<std::string> find_link(const mail_message& m, std::string_view needle) {
    for (const std::string* part : {&m.text, &m.html}) {
        const std::string& s = *part;
        for (std::size_t at = s.find("http"); at != std::string::npos; at = s.find("http", at + 1)) {
            if (!s.substr(at).starts_with("http://") && !s.substr(at).starts_with("https://")) continue;
            const auto end = s.find_first_of(" \t\r\n\"'<>", at);
            std::string link = s.substr(at, end == std::string::npos ? std::string::npos : end - at);
            replace_all(link, "&amp;", "&");
            if (link.find(needle) != std::string::npos) return link;
        }
    }
    return std::nullopt;
}

std::optional<std::string> query_param(std::string_view url, std::string_view name) {
    const auto q = url.find('?');
    if (q == std::string_view::npos) return std::nullopt;
    std::string_view query = url.substr(q + 1);
    query = query.substr(0, query.find('#'));
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        const auto eq = pair.find('=');
        if (pair.substr(0, eq) != name) continue;
        const std::string_view value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
        std::string out;
        for (std::size_t i = 0; i < value.size(); ++i) {
            if (value[i] == '%' && i + 2 < value.size() && hex_value(value[i + 1]) >= 0 &&
                hex_value(value[i + 2]) >= 0) {
                out += static_cast<char>(hex_value(value[i + 1]) * 16 + hex_value(value[i + 2]));
                i += 2;
            } else {
                out += value[i] == '+' ? ' ' : value[i];
            }
        }
        return out;
    }
    return std::nullopt;
}

std::string base64(std::string_view bytes) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const auto byte = [&](std::size_t k) -> unsigned { return static_cast<unsigned char>(bytes[k]); };
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const unsigned v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += alphabet[v & 63];
    }
    if (const auto left = bytes.size() - i; left > 0) {
        unsigned v = byte(i) << 16;
        if (left == 2) v |= byte(i + 1) << 8;
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += left == 2 ? alphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

::testing::AssertionResult is_reset_success(const http_response& resp, std::string_view email) {
    return is_json(resp, 200, json::serialize(json::object{{"result", "success"}, {"email", email}}));
}

::testing::AssertionResult is_completed(const http_response& resp) {
    return is_json(resp, 200, R"({"result": "success"})");
}

::testing::AssertionResult is_failure(const http_response& resp, long status, std::string_view error_code) {
    const auto body = try_json(resp.body);
    const json::object* o = body && body->is_object() ? &body->as_object() : nullptr;
    const json::value* result = o != nullptr ? o->if_contains("result") : nullptr;
    const json::value* code = o != nullptr ? o->if_contains("errorCode") : nullptr;
    const json::value* message = o != nullptr ? o->if_contains("errorMessage") : nullptr;
    if (resp.status == status && result != nullptr && *result == json::value("failure") && code != nullptr &&
        *code == json::value(error_code) && message != nullptr && message->is_string() &&
        !message->as_string().empty()) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << "expected " << status << " failure " << error_code << ", got "
                                         << describe(resp);
}

::testing::AssertionResult is_more_info(const http_response& resp, const std::vector<std::string>& fields) {
    json::array expected_fields;
    for (const auto& f : fields) expected_fields.emplace_back(f);
    return is_json(resp, 200, json::serialize(json::object{{"result", "more_info"}, {"fields", expected_fields}}));
}

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (done()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(25ms);
    }
}

header_list stable_headers(const http_response& resp) {
    header_list out;
    for (const auto& h : resp.headers) {
        if (h.first != "date" && h.first != "x-request-id") out.push_back(h);
    }
    return out;
}

namespace {

/// The world every Paytronix test starts from, made by the first test of the process and copied for the rest:
/// seven CLI commands cost about 0.6 s on SQLite and 2.3 s on PostgreSQL, a copy a few milliseconds and 0.5 s.
struct paytronix_world {
    std::unique_ptr<temp_dir> dir;
    std::unique_ptr<test_database> database;  // never opened: only copied
    merchant_info hotel_a;
    merchant_info hotel_b;
    partner_info acme;
    partner_info beta;
    partner_info bravo;
    partner_info holder;
    partner_info holder_b;
};

paytronix_world& saved_world() {
    static paytronix_world world;
    return world;
}

}  // namespace

void paytronix_test::SetUp() {
    try {
        dir_ = std::make_unique<temp_dir>();
        auto& world = saved_world();
        if (world.database) {
            database_ = std::make_unique<test_database>(dir_->path(), *world.database);
            db_ = database_->arg();
            std::tie(hotel_a_, hotel_b_, acme_, beta_, bravo_, holder_, holder_b_) = std::tie(
                world.hotel_a, world.hotel_b, world.acme, world.beta, world.bravo, world.holder, world.holder_b);
        } else {
            // Make the world through the operator CLI, before the server opens the database, and keep a copy.
            database_ = std::make_unique<test_database>(dir_->path());
            db_ = database_->arg();
            hotel_a_ = add_merchant(db_, 1234, "Hotel Test");
            hotel_b_ = add_merchant(db_, 5678, "Hotel Other");
            acme_ = add_partner(db_, "Acme", {1234, 5678});
            beta_ = add_partner(db_, "Beta", {1234});
            bravo_ = cli_partner("Bravo", {"--merchant", "1234", "--merchant", "5678", "--b2b"});
            holder_ = cli_partner("Holder", {"--merchant", "1234", "--caller-reset-codes"});
            holder_b_ = cli_partner("Holder B", {"--merchant", "5678", "--b2b", "--caller-reset-codes"});
            if (HasFailure()) GTEST_FAIL() << "the operator CLI could not set up merchants and partners";
            world.dir = std::make_unique<temp_dir>();
            world.database = std::make_unique<test_database>(world.dir->path(), *database_);
            std::tie(world.hotel_a, world.hotel_b, world.acme, world.beta, world.bravo, world.holder,
                     world.holder_b) = std::tie(hotel_a_, hotel_b_, acme_, beta_, bravo_, holder_, holder_b_);
        }

        // Start what the server talks to, then the server.
        before_server();
        if (HasFatalFailure()) return;
        ++server_starts_;
        server_ = std::make_unique<server_process>(db_, dir_->path() / ("server-" + std::to_string(server_starts_)),
                                                   server_args());
        client_ = std::make_unique<http_client>(server_->base_url());
    } catch (const std::exception& e) {
        GTEST_FAIL() << e.what();
    }
}

partner_info paytronix_test::cli_partner(const std::string& name, const std::vector<std::string>& flags) {
    std::vector<std::string> args{"partner", "add", "--name", name};
    args.insert(args.end(), flags.begin(), flags.end());
    partner_info p;
    p.name = name;
    const json::value out = cli_json(std::move(args));
    if (!out.is_object()) return p;
    const auto& o = out.as_object();
    if (const auto* v = o.if_contains("partner_id"); v != nullptr && v->is_int64()) p.id = v->as_int64();
    for (auto [key, field] : {std::pair{"partner_token", &p.token}, std::pair{"client_id", &p.client_id},
                              std::pair{"client_secret", &p.client_secret}}) {
        if (const auto* v = o.if_contains(key); v != nullptr && v->is_string()) *field = v->as_string();
    }
    return p;
}

std::vector<std::string> paytronix_test::server_args() const {
    return {"--mail-spool", inbox().string(), "--mail-poll-ms", "50", "--mail-from",
            "Guestd Tests <no-reply@guestd.test>"};
}

void paytronix_test::restart_guestd(const std::vector<std::string>& extra_args) {
    EXPECT_EQ(server_->stop(SIGTERM), 0) << "guestd serve should exit 0 on SIGTERM";
    std::vector<std::string> args = server_args();
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    ++server_starts_;
    server_ = std::make_unique<server_process>(db_, dir_->path() / ("server-" + std::to_string(server_starts_)), args);
    client_ = std::make_unique<http_client>(server_->base_url());
}

std::string paytronix_test::basic(const partner_info& partner) {
    return "Basic " + base64(partner.client_id + ":" + partner.client_secret);
}

http_response paytronix_test::pt_post(std::string_view endpoint, const json::value& body,
                                       const std::optional<std::string>& auth, std::string_view prefix) {
    const std::string target = std::string(prefix) + std::string(endpoint) + ".json";
    return call("POST", target, json::serialize(body), {{"Authorization", auth.value_or(basic(acme_))}});
}

http_response paytronix_test::request_reset(const json::value& body, const std::optional<std::string>& auth) {
    return pt_post("generateAndSendGuestResetPasswordCode", body, auth);
}

http_response paytronix_test::send_reset(const json::value& body, const std::optional<std::string>& auth) {
    return pt_post("sendGuestResetPasswordCode", body, auth);
}

http_response paytronix_test::complete_reset(std::string_view code, std::string_view new_password,
                                             std::int64_t merchant, const std::optional<std::string>& auth) {
    return pt_post("completeGuestResetPassword",
                   json::object{{"merchantId", merchant}, {"resetCode", code}, {"newPassword", new_password}}, auth);
}

http_response paytronix_test::open_page(std::string_view link) {
    const auto path = link.find("/reset-password");
    EXPECT_NE(path, std::string_view::npos) << "not a link to the hosted page: " << link;
    const std::string target(path == std::string_view::npos ? link : link.substr(path));
    return client_->send({.method = "GET", .target = target});
}

http_response paytronix_test::submit_page(std::string_view code, std::string_view password, std::string_view confirm,
                                          std::int64_t merchant) {
    const std::string form = "merchant=" + std::to_string(merchant) + "&code=" + url_encode(code) +
                             "&password=" + url_encode(password) + "&password_confirm=" + url_encode(confirm);
    return client_->send({.method = "POST",
                          .target = "/reset-password",
                          .headers = {{"Content-Type", "application/x-www-form-urlencoded"}},
                          .body = form});
}

json::object paytronix_test::make_account(std::string_view email, std::string_view password,
                                          std::string_view reference) {
    json::object b = booking(reference, email);
    b["customer"].as_object()["address_postal_code"] = "75001";
    EXPECT_TRUE(is_batch_success(push_bookings(json::array{b}), 1, 0)) << "booking for " << email;
    set_password(email, password);
    return guest_show(email);
}

json::value paytronix_test::cli_json(std::vector<std::string> args) {
    const std::string what = "guestd " + args.at(0) + (args.size() > 1 ? " " + args[1] : "");
    args.emplace_back("--db");
    args.push_back(db_.string());
    const run_result run = run_guestd(args);
    if (run.exit_code != 0) {
        ADD_FAILURE() << what << " exited with " << run.exit_code << "; stderr: " << run.err;
        return nullptr;
    }
    if (auto v = try_json(run.out)) return std::move(*v);
    ADD_FAILURE() << what << " did not print JSON; stdout: " << run.out;
    return nullptr;
}

json::object paytronix_test::merchant_set(std::int64_t merchant, const std::vector<std::string>& options) {
    std::vector<std::string> args{"merchant", "set", std::to_string(merchant)};
    args.insert(args.end(), options.begin(), options.end());
    json::value v = cli_json(std::move(args));
    if (v.is_object()) return std::move(v.as_object());
    ADD_FAILURE() << "guestd merchant set did not print an object: " << json::serialize(v);
    return {};
}

json::array paytronix_test::outbox(std::string_view status) {
    std::vector<std::string> args{"outbox", "list"};
    if (!status.empty()) {
        args.emplace_back("--status");
        args.emplace_back(status);
    }
    json::value v = cli_json(std::move(args));
    if (v.is_array()) return std::move(v.as_array());
    ADD_FAILURE() << "guestd outbox list did not print an array: " << json::serialize(v);
    return {};
}

std::vector<mail_message> paytronix_test::wait_for_mails(std::size_t count, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto mails = read_mails(inbox());
        if (mails.size() >= count) return mails;
        if (std::chrono::steady_clock::now() >= deadline) {
            ADD_FAILURE() << "expected " << count << " email(s) in " << inbox() << ", found " << mails.size()
                          << "; outbox: " << json::serialize(outbox());
            return mails;
        }
        std::this_thread::sleep_for(25ms);
    }
}

std::string paytronix_test::reset_link(const mail_message& m) {
    for (const std::string_view needle : {"/reset-password?", "resetCode="}) {
        if (auto link = find_link(m, needle)) return *link;
    }
    ADD_FAILURE() << "no reset link in the email " << m.file << ":\n" << m.raw;
    return {};
}

std::string paytronix_test::code_of(std::string_view link) {
    if (auto code = query_param(link, "code"); code && !code->empty()) return *code;
    if (auto code = query_param(link, "resetCode"); code && !code->empty()) return *code;
    ADD_FAILURE() << "no code in the link " << link;
    return {};
}

std::string paytronix_test::reset_code_for(std::string_view email, std::size_t expected_count) {
    EXPECT_TRUE(is_reset_success(request_reset(json::object{{"merchantId", 1234}, {"email", email}}), email));
    const auto mails = wait_for_mails(expected_count);
    if (mails.size() < expected_count) return {};
    return code_of(reset_link(mails[expected_count - 1]));
}

}  // namespace guestd::itest
