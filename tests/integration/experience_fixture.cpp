#include "integration/experience_fixture.hpp"

#include <algorithm>
#include <cctype>
#include <iostream>
#include <stdexcept>
#include <tuple>
#include <utility>

namespace guestd::itest {
namespace json = boost::json;

namespace {

/// Parses a CLI command's stdout as one JSON object; records a failure and returns {} when it is not one.
json::object cli_object(const run_result& run, std::string_view what) {
    if (run.exit_code != 0) {
        ADD_FAILURE() << what << " exited with " << run.exit_code << "; stderr: " << run.err;
        return {};
    }
    try {
        json::value v = parse_json(run.out);
        if (v.is_object()) return std::move(v.as_object());
    } catch (const std::exception&) {
    }
    ADD_FAILURE() << what << " did not print one JSON object; stdout: " << run.out;
    return {};
}

std::string string_or_empty(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::int64_t int_or_zero(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_int64() ? v->as_int64() : 0;
}

/// The response, shortened for failure messages.
std::string describe(const http_response& resp) {
    std::string body = resp.body.size() > 600 ? resp.body.substr(0, 600) + "..." : resp.body;
    return "status " + std::to_string(resp.status) + ", body: " + body +
           (resp.error.empty() ? "" : ", transport error: " + resp.error);
}

/// The body as JSON, or nothing when it is not JSON.
std::optional<json::value> try_json(const http_response& resp) {
    try {
        return parse_json(resp.body);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

}  // namespace

merchant_info add_merchant(const std::filesystem::path& db, std::int64_t id, const std::string& name) {
    const run_result run =
        run_guestd({"merchant", "add", "--db", db.string(), "--id", std::to_string(id), "--name", name});
    const json::object o = cli_object(run, "guestd merchant add");
    return {.id = int_or_zero(o, "merchant_id"), .name = string_or_empty(o, "name"),
            .hotel_token = string_or_empty(o, "hotel_token")};
}

partner_info add_partner(const std::filesystem::path& db, const std::string& name,
                         const std::vector<std::int64_t>& merchants) {
    std::vector<std::string> args{"partner", "add", "--db", db.string(), "--name", name};
    for (const auto m : merchants) {
        args.emplace_back("--merchant");
        args.push_back(std::to_string(m));
    }
    const json::object o = cli_object(run_guestd(args), "guestd partner add");
    return {.id = int_or_zero(o, "partner_id"), .name = string_or_empty(o, "name"),
            .token = string_or_empty(o, "partner_token"), .client_id = string_or_empty(o, "client_id"),
            .client_secret = string_or_empty(o, "client_secret")};
}

::testing::AssertionResult has_status(const http_response& resp, long status) {
    if (resp.status == status) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "expected status " << status << ", got " << describe(resp);
}

::testing::AssertionResult is_json(const http_response& resp, long status, std::string_view expected_json) {
    if (resp.status != status) {
        return ::testing::AssertionFailure() << "expected status " << status << " with " << expected_json
                                             << ", got " << describe(resp);
    }
    const auto actual = try_json(resp);
    const json::value expected = parse_json(expected_json);
    if (!actual || *actual != expected) {
        return ::testing::AssertionFailure() << "expected body " << json::serialize(expected) << ", got "
                                             << describe(resp);
    }
    return ::testing::AssertionSuccess();
}

::testing::AssertionResult has_field_error(const http_response& resp, long status, std::string_view field) {
    const auto body = try_json(resp);
    const json::object* o = body && body->is_object() ? &body->as_object() : nullptr;
    const json::value* message = o != nullptr ? o->if_contains("message") : nullptr;
    const json::value* errors = o != nullptr ? o->if_contains("errors") : nullptr;
    const json::value* reason =
        errors != nullptr && errors->is_object() ? errors->as_object().if_contains(field) : nullptr;
    if (resp.status == status && message != nullptr && message->is_string() && reason != nullptr &&
        reason->is_string()) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << "expected " << status << " with errors." << field << ", got "
                                         << describe(resp);
}

::testing::AssertionResult is_unauthorized(const http_response& resp) {
    const auto body = try_json(resp);
    const json::value* message =
        body && body->is_object() ? body->as_object().if_contains("message") : nullptr;
    if (resp.status == 401 && message != nullptr && message->is_string() && !message->as_string().empty()) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << "expected 401 {\"message\": ...}, got " << describe(resp);
}

::testing::AssertionResult is_batch_error(const http_response& resp, std::int64_t index, std::string_view field) {
    const auto body = try_json(resp);
    auto fail = [&] {
        return ::testing::AssertionFailure() << "expected 400 batch error at index " << index << " field " << field
                                             << ", got " << describe(resp);
    };
    if (resp.status != 400 || !body || !body->is_object()) return fail();
    const json::object& o = body->as_object();
    const json::value* success = o.if_contains("success");
    const json::value* message = o.if_contains("message");
    const json::value* errors = o.if_contains("errors");
    if (success == nullptr || *success != json::value(false) || message == nullptr ||
        *message != json::value("invalid request") || errors == nullptr || !errors->is_array() ||
        errors->as_array().empty() || !errors->as_array()[0].is_object()) {
        return fail();
    }
    const json::object& first = errors->as_array()[0].as_object();
    const json::value* i = first.if_contains("index");
    const json::value* f = first.if_contains("field");
    const json::value* r = first.if_contains("reason");
    if (i == nullptr || !i->is_number() || i->to_number<std::int64_t>() != index || f == nullptr ||
        !f->is_string() || f->as_string() != field || r == nullptr || !r->is_string() || r->as_string().empty()) {
        return fail();
    }
    return ::testing::AssertionSuccess();
}

::testing::AssertionResult is_batch_success(const http_response& resp, std::int64_t created, std::int64_t updated) {
    json::object expected{{"success", true}, {"message", {{"created", created}, {"updated", updated}}}};
    return is_json(resp, 200, json::serialize(expected));
}

const std::vector<std::string>& guest_information_keys() {
    static const std::vector<std::string> keys{
        "title",   "firstname", "lastname", "phone",     "mobile",   "email",       "street",        "zip_code",
        "city",    "state",     "country",  "birthdate", "language", "nationality", "custom_fields", "privilege_badges"};
    return keys;
}

namespace {

/// The world every experience test starts from, made by the first test of the process and copied for the rest:
/// five CLI commands cost about 0.4 s on SQLite and 1.6 s on PostgreSQL, a copy a few milliseconds and 0.5 s.
struct experience_world {
    std::unique_ptr<temp_dir> dir;
    std::unique_ptr<test_database> database;  // never opened: only copied
    merchant_info hotel_a;
    merchant_info hotel_b;
    partner_info acme;
    partner_info beta;
    partner_info gamma;
};

experience_world& saved_world() {
    static experience_world world;
    return world;
}

}  // namespace

void experience_test::SetUp() {
    try {
        dir_ = std::make_unique<temp_dir>();
        auto& world = saved_world();
        if (world.database) {
            database_ = std::make_unique<test_database>(dir_->path(), *world.database);
            db_ = database_->arg();
            std::tie(hotel_a_, hotel_b_, acme_, beta_, gamma_) =
                std::tie(world.hotel_a, world.hotel_b, world.acme, world.beta, world.gamma);
        } else {
            // Make the world through the operator CLI, before the server opens the database, and keep a copy.
            database_ = std::make_unique<test_database>(dir_->path());
            db_ = database_->arg();
            hotel_a_ = add_merchant(db_, 1234, "Hotel Test");
            hotel_b_ = add_merchant(db_, 5678, "Hotel Other");
            acme_ = add_partner(db_, "Acme", {1234, 5678});
            beta_ = add_partner(db_, "Beta", {1234});
            gamma_ = add_partner(db_, "Gamma", {5678});
            if (HasFailure()) GTEST_FAIL() << "the operator CLI could not set up merchants and partners";
            world.dir = std::make_unique<temp_dir>();
            world.database = std::make_unique<test_database>(world.dir->path(), *database_);
            std::tie(world.hotel_a, world.hotel_b, world.acme, world.beta, world.gamma) =
                std::tie(hotel_a_, hotel_b_, acme_, beta_, gamma_);
        }
        start_server();
    } catch (const std::exception& e) {
        GTEST_FAIL() << e.what();
    }
}

void experience_test::TearDown() {
    if (!server_) return;
    server_->stop();
    // Show the server's last words when the test failed: they usually say why.
    if (HasFailure()) {
        std::string err = server_->stderr_text();
        if (err.size() > 4000) err = "..." + err.substr(err.size() - 4000);
        std::cerr << "---- guestd stderr (tail) ----\n" << err << "\n------------------------------\n";
    }
}

void experience_test::start_server() {
    ++server_starts_;
    server_ = std::make_unique<server_process>(db_, dir_->path() / ("server-" + std::to_string(server_starts_)));
    client_ = std::make_unique<http_client>(server_->base_url());
}

void experience_test::restart_server() {
    EXPECT_EQ(server_->stop(SIGTERM), 0) << "guestd serve should exit 0 on SIGTERM";
    start_server();
}

std::string experience_test::bearer(const partner_info& partner, const merchant_info& merchant) {
    return "Bearer " + partner.token + ":" + merchant.hotel_token;
}

http_response experience_test::call(const std::string& method, const std::string& target,
                                    const std::optional<std::string>& body, header_list headers) {
    const bool has_auth = std::ranges::any_of(headers, [](const auto& h) {
        return std::ranges::equal(h.first, std::string_view("authorization"), [](unsigned char a, unsigned char b) {
            return std::tolower(a) == b;
        });
    });
    if (!has_auth) headers.emplace_back("Authorization", default_auth());
    return client_->send({.method = method, .target = target, .headers = std::move(headers), .body = body});
}

http_response experience_test::get(const std::string& target, header_list headers) {
    return call("GET", target, std::nullopt, std::move(headers));
}

http_response experience_test::post(const std::string& target, const json::value& body, header_list headers) {
    return call("POST", target, json::serialize(body), std::move(headers));
}

http_response experience_test::put(const std::string& target, const json::value& body, header_list headers) {
    return call("PUT", target, json::serialize(body), std::move(headers));
}

http_response experience_test::del(const std::string& target, header_list headers) {
    return call("DELETE", target, std::nullopt, std::move(headers));
}

json::object experience_test::booking(std::string_view reference, std::string_view email, std::string_view arrival) {
    return {{"reference", reference},
            {"status", "valid"},
            {"creation", "2021-06-01 15:22:00"},
            {"arrival", arrival},
            {"departure", arrival},
            {"totalamount", "460"},
            {"currency", "EUR"},
            {"rooms", json::array{json::object{{"type", "DBL"}, {"name", "Double"}, {"number", 16}}}},
            {"extra_attributes", {{"Payment", "pending"}}},
            {"customer", customer(email)}};
}

json::object experience_test::customer(std::string_view email) {
    return {{"reference", "C-" + std::string(email)}, {"firstname", "John"}, {"lastname", "Doe"}, {"email", email}};
}

namespace {
header_list auth_header(const std::string& auth) {
    if (auth.empty()) return {};
    return {{"Authorization", auth}};
}
}  // namespace

http_response experience_test::push_bookings(const json::array& bookings, const std::string& auth) {
    return post("/api/xp-store-bookings/bookings", json::object{{"bookings", bookings}}, auth_header(auth));
}

http_response experience_test::push_customers(const json::array& customers, const std::string& auth) {
    return post("/api/xp-store-bookings/customers", json::object{{"customers", customers}}, auth_header(auth));
}

http_response experience_test::add_members(std::string_view list, const std::vector<std::string>& emails,
                                           const std::string& auth) {
    json::array members;
    for (const auto& e : emails) members.push_back(json::object{{"email", e}});
    return post("/api/xp-email-lists/members", json::object{{"list", list}, {"members", members}}, auth_header(auth));
}

http_response experience_test::account_exists(std::string_view email, const std::string& auth) {
    return get("/api/xp-guest-account/account-exists?email=" + url_encode(email), auth_header(auth));
}

http_response experience_test::update_password(std::string_view email, std::string_view password,
                                               const std::string& auth) {
    return post("/api/xp-guest-account/update-password", json::object{{"email", email}, {"password", password}},
                auth_header(auth));
}

http_response experience_test::login_call(std::string_view email, std::string_view password,
                                          const std::string& auth) {
    return post("/api/xp-guest-account/login", json::object{{"email", email}, {"password", password}},
                auth_header(auth));
}

void experience_test::set_password(std::string_view email, std::string_view password, const std::string& auth) {
    const http_response r = update_password(email, password, auth);
    EXPECT_TRUE(has_status(r, 200)) << "update-password for " << email;
}

std::string experience_test::login(std::string_view email, std::string_view password, const std::string& auth) {
    const http_response r = login_call(email, password, auth);
    EXPECT_TRUE(has_status(r, 200)) << "login for " << email;
    const auto body = try_json(r);
    if (body && body->is_object()) {
        if (const auto* t = body->as_object().if_contains("token"); t != nullptr && t->is_string()) {
            return std::string(t->as_string());
        }
    }
    ADD_FAILURE() << "login answered no token: " << describe(r);
    return {};
}

std::string experience_test::guest_with_token(std::string_view email, std::string_view password,
                                              std::string_view reference) {
    EXPECT_TRUE(is_batch_success(push_bookings(json::array{booking(reference, email)}), 1, 0));
    set_password(email, password);
    return login(email, password);
}

http_response experience_test::guest_info(const std::string& token, const std::string& auth) {
    header_list h = auth_header(auth);
    h.emplace_back("x-guest-token", token);
    return get("/api/xp-guest-account/guest-informations", std::move(h));
}

http_response experience_test::put_guest_info(const std::string& token, const json::value& body, header_list extra) {
    extra.emplace_back("x-guest-token", token);
    return put("/api/xp-guest-account/guest-informations", body, std::move(extra));
}

http_response experience_test::guest_reservations(const std::string& token, const std::string& auth) {
    header_list h = auth_header(auth);
    h.emplace_back("x-guest-token", token);
    return get("/api/xp-guest-account/guest-reservations", std::move(h));
}

run_result experience_test::guest_show_raw(std::string_view email, std::int64_t merchant) {
    return run_guestd({"guest", "show", "--db", db_.string(), "--merchant", std::to_string(merchant), "--email",
                       std::string(email)});
}

json::object experience_test::guest_show(std::string_view email, std::int64_t merchant) {
    return cli_object(guest_show_raw(email, merchant), "guestd guest show");
}

}  // namespace guestd::itest
