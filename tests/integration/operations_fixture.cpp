#include "integration/operations_fixture.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>
#include <utility>

namespace guestd::itest {
namespace json = boost::json;

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::ranges::transform(out, out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

void collect_keys(const json::value& v, const std::string& path, const std::vector<std::string>& fragments,
                  const std::vector<std::string>& allowed, std::vector<std::string>& out) {
    if (v.is_object()) {
        for (const auto& [key, child] : v.as_object()) {
            const std::string name(key);
            const std::string child_path = path + "/" + name;
            const std::string lowered = lower(name);
            const bool suspicious = std::ranges::any_of(
                fragments, [&](const std::string& f) { return lowered.find(lower(f)) != std::string::npos; });
            if (suspicious && std::ranges::find(allowed, name) == allowed.end()) out.push_back(child_path);
            collect_keys(child, child_path, fragments, allowed, out);
        }
    } else if (v.is_array()) {
        const auto& a = v.as_array();
        for (std::size_t i = 0; i < a.size(); ++i) collect_keys(a[i], path + "/" + std::to_string(i), fragments, allowed, out);
    }
}

json::object object_or_fail(json::value v, std::string_view what) {
    if (v.is_object()) return std::move(v.as_object());
    ADD_FAILURE() << what << " did not print an object: " << json::serialize(v);
    return {};
}

json::array array_or_fail(json::value v, std::string_view what) {
    if (v.is_array()) return std::move(v.as_array());
    ADD_FAILURE() << what << " did not print an array: " << json::serialize(v);
    return {};
}

}  // namespace

std::vector<std::string> keys_like(const json::value& v, const std::vector<std::string>& fragments,
                                   const std::vector<std::string>& allowed) {
    std::vector<std::string> out;
    collect_keys(v, "", fragments, allowed, out);
    return out;
}

std::vector<std::string> secrets_in(std::string_view text, const std::vector<std::string>& secrets) {
    std::vector<std::string> found;
    for (std::size_t i = 0; i < secrets.size(); ++i) {
        if (!secrets[i].empty() && text.find(secrets[i]) != std::string_view::npos) {
            found.push_back("secret #" + std::to_string(i) + " (" + std::to_string(secrets[i].size()) + " bytes)");
        }
    }
    return found;
}

std::vector<json::object> events_of(const std::vector<json::object>& events, std::string_view kind,
                                    std::string_view outcome) {
    std::vector<json::object> out;
    for (const auto& e : events) {
        if (string_at(e, "kind") == kind && (outcome.empty() || string_at(e, "outcome") == outcome)) out.push_back(e);
    }
    return out;
}

std::string string_at(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::int64_t int_at(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_int64() ? v->as_int64() : -1;
}

json::object operations_test::export_guest(std::string_view email, std::int64_t merchant) {
    return object_or_fail(
        cli_json({"export", "--merchant", std::to_string(merchant), "--email", std::string(email)}), "guestd export");
}

json::object operations_test::erase_guest(std::string_view email, std::string_view reason) {
    return object_or_fail(cli_json({"erase", "--merchant", "1234", "--email", std::string(email), "--reason",
                                    std::string(reason)}),
                          "guestd erase");
}

run_result operations_test::cli_raw(std::vector<std::string> args) {
    args.emplace_back("--db");
    args.push_back(db_.string());
    return run_guestd(args);
}

run_result operations_test::audit_raw(const std::vector<std::string>& filters, std::int64_t merchant) {
    std::vector<std::string> args{"audit", "--merchant", std::to_string(merchant)};
    args.insert(args.end(), filters.begin(), filters.end());
    return cli_raw(std::move(args));
}

std::vector<json::object> operations_test::audit(const std::vector<std::string>& filters, std::int64_t merchant) {
    const run_result run = audit_raw(filters, merchant);
    if (run.exit_code != 0) {
        ADD_FAILURE() << "guestd audit exited with " << run.exit_code << "; stderr: " << run.err;
        return {};
    }
    // One JSON object per line.
    std::vector<json::object> events;
    std::istringstream lines(run.out);
    for (std::string line; std::getline(lines, line);) {
        if (line.empty()) continue;
        try {
            json::value v = parse_json(line);
            if (v.is_object()) {
                events.push_back(std::move(v.as_object()));
                continue;
            }
        } catch (const std::exception&) {
        }
        ADD_FAILURE() << "guestd audit printed a line that is not a JSON object: " << line;
    }
    return events;
}

json::array operations_test::sessions_list(std::string_view email) {
    return array_or_fail(cli_json({"sessions", "list", "--merchant", "1234", "--email", std::string(email)}),
                         "guestd sessions list");
}

json::object operations_test::sessions_revoke(std::string_view email) {
    return object_or_fail(cli_json({"sessions", "revoke", "--merchant", "1234", "--email", std::string(email)}),
                          "guestd sessions revoke");
}

json::object operations_test::rotate_partner(const partner_info& partner, std::string_view overlap) {
    return object_or_fail(
        cli_json({"partner", "rotate", std::to_string(partner.id), "--overlap", std::string(overlap)}),
        "guestd partner rotate");
}

json::object operations_test::rotate_hotel_token(const merchant_info& merchant, std::string_view overlap) {
    return object_or_fail(
        cli_json({"merchant", "rotate-token", std::to_string(merchant.id), "--overlap", std::string(overlap)}),
        "guestd merchant rotate-token");
}

json::object operations_test::disable_partner(const partner_info& partner) {
    return object_or_fail(cli_json({"partner", "disable", std::to_string(partner.id)}), "guestd partner disable");
}

std::vector<std::filesystem::path> operations_test::db_files() const {
    std::vector<std::filesystem::path> files;
    for (const char* suffix : {"", "-wal", "-shm"}) {
        std::filesystem::path p = db_.string() + suffix;
        std::error_code ec;
        if (std::filesystem::exists(p, ec)) files.push_back(std::move(p));
    }
    return files;
}

std::vector<std::string> operations_test::db_files_holding(std::string_view needle) const {
    std::vector<std::string> holding;
    if (needle.empty()) return holding;
    for (const auto& p : db_files()) {
        if (read_file(p).find(needle) != std::string::npos) holding.push_back(p.filename().string());
    }
    return holding;
}

long operations_test::bearer_status(const std::string& authorization, std::string_view email) {
    return account_exists(email, authorization).status;
}

long operations_test::basic_status(const std::string& authorization) {
    return request_reset(json::object{{"merchantId", 1234}, {"email", "probe.nobody@example.com"}}, authorization)
        .status;
}

std::string operations_test::bearer_of(std::string_view partner_token, std::string_view hotel_token) {
    return "Bearer " + std::string(partner_token) + ":" + std::string(hotel_token);
}

std::string operations_test::basic_of(std::string_view client_id, std::string_view client_secret) {
    return "Basic " + base64(std::string(client_id) + ":" + std::string(client_secret));
}

http_response operations_test::pt_post_as(std::string_view endpoint, const json::value& body,
                                          std::string_view request_id) {
    return call("POST", "/rest/25.33/guestmanagement/" + std::string(endpoint) + ".json", json::serialize(body),
                {{"Authorization", basic(acme_)}, {"X-Request-Id", std::string(request_id)}});
}

}  // namespace guestd::itest
