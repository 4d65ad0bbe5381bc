#include "api/endpoints.hpp"

#include "api/errors.hpp"
#include "api/experience/handlers.hpp"
#include "api/experience/schemas.hpp"
#include "api/openapi.hpp"
#include "api/ops/handlers.hpp"
#include "api/paytronix/guest.hpp"
#include "api/paytronix/handlers.hpp"
#include "api/paytronix/oauth.hpp"
#include "api/paytronix/schemas.hpp"
#include "api/web/handlers.hpp"

#include <deque>
#include <string>
#include <vector>

namespace guestd::api {
namespace {

namespace xp = experience;
namespace xs = experience::schemas;
namespace px = paytronix;
namespace ps = paytronix::schemas;
using enum verb;
using enum auth_kind;

constexpr std::string_view personal_space = "Guests Personal Space";
constexpr std::string_view pms = "PMS push";
constexpr std::string_view crm = "CRM";
constexpr std::string_view ops_tag = "Ops";
constexpr std::string_view guest_management = "Guest Management (Paytronix)";
constexpr std::string_view oauth_service = "OAuth (Paytronix)";
constexpr std::string_view guest_service = "Guest (Paytronix)";
constexpr std::string_view reset_page = "Reset page";

// Batches of up to 1000 items need more than the default 64 KiB: a full booking is about 1 KiB.
constexpr std::size_t batch_body_limit = 2 * 1024 * 1024;

// The error answers every partner-authenticated Experience call can give.
response_spec unauthorized{401, nullptr, "Missing or wrong partner credentials"};
response_spec bad_request{400, nullptr, "A field is missing, has the wrong type or breaks its rule"};

std::vector<endpoint> build() {
    return {
        // Guests Personal Space
        {.method = get, .path = "/api/xp-guest-account/account-exists", .speaks = dialect::experience,
         .auth = partner_bearer, .summary = "Does the guest have an account?",
         .description = "200 with account-exists true or false for a known guest, 404 for an unknown email.",
         .query = {{"email", true, string_format::email, "The guest's email, compared case-insensitively"}},
         .responses = {{200, &xs::account_exists, "The guest is known"}, bad_request, unauthorized,
                       {404, nullptr, "No guest of this merchant has that email"}},
         .handler = &xp::account_exists, .tag = personal_space, .read_only = true},
        {.method = post, .path = "/api/xp-guest-account/update-password", .speaks = dialect::experience,
         .auth = partner_bearer, .pool = pool_kind::hashing, .summary = "Create the account or change its password",
         .description = "Creates the loyalty account of a qualifying guest, or replaces its password; revokes "
                        "every guest token of the account.",
         .request_body = &xs::credentials,
         .responses = {{200, nullptr, "Done; empty body"}, bad_request, unauthorized,
                       {404, nullptr, "Unknown guest, or a guest that does not qualify"},
                       {503, nullptr, "Hashing capacity exhausted; retry after Retry-After"}},
         .handler = &xp::update_password, .tag = personal_space},
        {.method = post, .path = "/api/xp-guest-account/login", .speaks = dialect::experience,
         .auth = partner_bearer, .pool = pool_kind::hashing, .summary = "Log the guest in",
         .description = "Checks the password and returns a guest token valid 30 days for this merchant and "
                        "partner. 10 consecutive failures lock the account (1 minute, doubling up to an hour).",
         .request_body = &xs::credentials,
         .responses = {{200, &xs::token, "The guest token"}, bad_request,
                       {401, nullptr, "Wrong password, no account yet, or wrong partner credentials"},
                       {404, nullptr, "No guest of this merchant has that email"},
                       {429, nullptr, "The account is locked; retry after Retry-After"},
                       {503, nullptr, "Hashing capacity exhausted; retry after Retry-After"}},
         .handler = &xp::login, .tag = personal_space},
        {.method = get, .path = "/api/xp-guest-account/guest-informations", .speaks = dialect::experience,
         .auth = partner_bearer_and_guest_token, .summary = "Read the guest's profile",
         .description = "Every profile field (null when unknown), custom fields and badges, with an ETag.",
         .responses = {{200, &xs::guest_information, "The profile"},
                       {401, nullptr, "Wrong partner credentials or guest token"}},
         .handler = &xp::get_guest_information, .tag = personal_space, .read_only = true},
        {.method = put, .path = "/api/xp-guest-account/guest-informations", .speaks = dialect::experience,
         .auth = partner_bearer_and_guest_token, .summary = "Update the guest's profile",
         .description = "Partial and all-or-nothing; null clears a field except mobile, birthdate and email. "
                        "Honours If-Match with the ETag of GET.",
         .request_body = &xs::guest_information_update,
         .responses = {{200, &xs::guest_information, "The whole updated profile"}, bad_request,
                       {401, nullptr, "Wrong partner credentials or guest token"},
                       {409, nullptr, "The email belongs to another guest"},
                       {412, nullptr, "If-Match does not match the current ETag"}},
         .handler = &xp::put_guest_information, .tag = personal_space},
        {.method = get, .path = "/api/xp-guest-account/guest-reservations", .speaks = dialect::experience,
         .auth = partner_bearer_and_guest_token, .summary = "List the guest's reservations",
         .description = "Non-cancelled reservations, newest arrival first.",
         .responses = {{200, &xs::reservations, "The reservations"},
                       {401, nullptr, "Wrong partner credentials or guest token"}},
         .handler = &xp::guest_reservations, .tag = personal_space, .read_only = true},

        // PMS push
        {.method = post, .path = "/api/xp-store-bookings/bookings", .speaks = dialect::experience,
         .auth = partner_bearer, .summary = "Create or replace bookings",
         .description = "An atomic batch of 1 to 1000 bookings; each replaces the stored booking with the same "
                        "reference, and its customer the guest's PMS fields.",
         .request_body = &xs::bookings_push,
         .responses = {{200, &xs::batch_success, "Every booking stored"},
                       {400, nullptr, "An item breaks a rule; nothing was stored"}, unauthorized},
         .handler = &xp::push_bookings, .errors = error_style::batch, .body_limit = batch_body_limit, .tag = pms},
        {.method = post, .path = "/api/xp-store-bookings/customers", .speaks = dialect::experience,
         .auth = partner_bearer, .summary = "Create or replace customers",
         .description = "An atomic batch of 1 to 1000 PMS customers; each replaces the guest's PMS fields.",
         .request_body = &xs::customers_push,
         .responses = {{200, &xs::batch_success, "Every customer stored"},
                       {400, nullptr, "An item breaks a rule; nothing was stored"}, unauthorized},
         .handler = &xp::push_customers, .errors = error_style::batch, .body_limit = batch_body_limit, .tag = pms},

        // Email lists and custom fields
        {.method = post, .path = "/api/xp-email-lists/members", .speaks = dialect::experience,
         .auth = partner_bearer, .summary = "Add members to an email list",
         .description = "Unknown emails become guests; membership makes a guest eligible for an account.",
         .request_body = &xs::list_add,
         .responses = {{200, &xs::list_add_result, "added: new memberships; updated: already members"},
                       bad_request, unauthorized},
         .handler = &xp::add_list_members, .body_limit = batch_body_limit, .tag = crm},
        {.method = del, .path = "/api/xp-email-lists/members", .speaks = dialect::experience,
         .auth = partner_bearer, .summary = "Remove a member from an email list",
         .query = {{"list", true, string_format::non_empty, "The list's name"},
                   {"email", true, string_format::email, "The member's email"}},
         .responses = {{200, &xs::list_remove_result, "Removed"}, bad_request, unauthorized,
                       {404, nullptr, "That email is not on that list"}},
         .handler = &xp::remove_list_member, .tag = crm},
        {.method = post, .path = "/api/xp-customs-fields", .speaks = dialect::experience, .auth = partner_bearer,
         .summary = "Set a guest's custom fields",
         .description = "Replaces the named customer custom fields and the named stay custom fields of the "
                        "guest's reservations.",
         .query = {{"email", true, string_format::email, "The guest's email"}},
         .request_body = &xs::custom_fields_update,
         .responses = {{200, &xs::custom_fields_result, "What was set, and the stay references that were not"},
                       bad_request, unauthorized, {404, &xs::customer_not_found, "Unknown email"}},
         .handler = &xp::set_custom_fields, .tag = crm},
        {.method = get, .path = "/api/xp-customs-fields", .speaks = dialect::experience, .auth = partner_bearer,
         .summary = "Read a guest's custom fields",
         .query = {{"email", true, string_format::email, "The guest's email"}},
         .responses = {{200, &xs::custom_fields, "The customer and stay custom fields"}, bad_request, unauthorized,
                       {404, &xs::customer_not_found, "Unknown email"}},
         .handler = &xp::get_custom_fields, .tag = crm, .read_only = true},

        // Ops
        {.method = get, .path = "/healthz", .speaks = dialect::ops, .pool = pool_kind::io, .summary = "Liveness",
         .responses = {{200, nullptr, "The process serves"}}, .handler = &ops::healthz, .tag = ops_tag},
        {.method = get, .path = "/readyz", .speaks = dialect::ops, .summary = "Readiness",
         .responses = {{200, nullptr, "The store answers"}, {503, nullptr, "The store does not answer"}},
         .handler = &ops::readyz, .tag = ops_tag},
        {.method = get, .path = "/metrics", .speaks = dialect::ops, .pool = pool_kind::io,
         .summary = "Prometheus metrics",
         .responses = {{200, nullptr, "Prometheus text format 0.0.4"}}, .handler = &ops::metrics, .tag = ops_tag},
        {.method = get, .path = "/openapi.yaml", .speaks = dialect::ops, .summary = "This document",
         .responses = {{200, nullptr, "OpenAPI 3.1 YAML"}}, .handler = &ops::openapi, .tag = ops_tag},
    };
}

/// The Paytronix endpoints, each under /rest/{release}/guestmanagement/ and under /guestmanagement/.
void add_guest_management(std::vector<endpoint>& table) {
    const std::vector<endpoint> base = {
        {.method = post, .path = "generateAndSendGuestResetPasswordCode.json", .speaks = dialect::paytronix,
         .auth = basic, .summary = "Email the guest a reset link with a generated code",
         .description = "Exactly one of username, accountId, printedCardNumber, email (flat or in userIdentity). "
                        "Anonymous callers get the same answer whether or not the account exists.",
         .request_body = &ps::reset_request,
         .responses = {{200, &ps::reset_answer, "success, more_info or failure in result"},
                       {400, nullptr, "Not JSON, or wrong types"}, {401, nullptr, "Wrong Basic credentials"}},
         .handler = &px::generate_and_send_reset_code, .tag = guest_management},
        {.method = post, .path = "sendGuestResetPasswordCode.json", .speaks = dialect::paytronix, .auth = basic,
         .summary = "Email the guest a reset link, with the caller's code or a generated one",
         .description = "As generateAndSendGuestResetPasswordCode, plus an optional resetCode chosen by the caller "
                        "(partners the operator granted --caller-reset-codes only).",
         .request_body = &ps::reset_request,
         .responses = {{200, &ps::reset_answer, "success, more_info or failure in result"},
                       {400, nullptr, "Not JSON, or wrong types"}, {401, nullptr, "Wrong Basic credentials"}},
         .handler = &px::send_reset_code, .tag = guest_management},
        {.method = post, .path = "completeGuestResetPassword.json", .speaks = dialect::paytronix, .auth = basic,
         .pool = pool_kind::hashing, .summary = "Complete a reset (guestd extension)",
         .description = "Sets the new password with the code from the email, revokes every session, spends the "
                        "code. Not part of Paytronix's public API.",
         .request_body = &ps::complete_request,
         .responses = {{200, &ps::complete_answer, "success or failure in result"},
                       {400, nullptr, "Not JSON, or wrong types"}, {401, nullptr, "Wrong Basic credentials"}},
         .handler = &px::complete_reset, .tag = guest_management},
    };
    // The table holds string_views: the composed paths live in a static store.
    static std::deque<std::string> paths;  // a deque never moves its elements
    for (const char* prefix : {"/rest/{release}/guestmanagement/", "/guestmanagement/"}) {
        for (const auto& ep : base) {
            paths.push_back(std::string(prefix) + std::string(ep.path));
            endpoint copy = ep;
            copy.path = paths.back();
            table.push_back(std::move(copy));
        }
    }
}

/// The release prefixes a Paytronix call answers under: /rest/{release}/ (the docs), /api/rest/{release}/ (seen
/// in a real client) and none.
constexpr std::string_view paytronix_prefixes[] = {"/rest/{release}/", "/api/rest/{release}/", "/"};

/// Adds each endpoint of base (path relative to the release, e.g. "oauth/requestGuestToken.json") under every
/// Paytronix prefix.
void add_paytronix(std::vector<endpoint>& table, const std::vector<endpoint>& base) {
    // The table holds string_views: the composed paths live in a static store.
    static std::deque<std::string> paths;  // a deque never moves its elements
    for (const auto prefix : paytronix_prefixes) {
        for (const auto& ep : base) {
            paths.push_back(std::string(prefix) + std::string(ep.path));
            endpoint copy = ep;
            copy.path = paths.back();
            table.push_back(std::move(copy));
        }
    }
}

/// The Paytronix OAuth service.
void add_oauth(std::vector<endpoint>& table) {
    add_paytronix(table, {
        {.method = post, .path = "oauth/requestGuestToken.json", .speaks = dialect::paytronix, .auth = basic,
         .pool = pool_kind::hashing, .summary = "Log the guest in: access and refresh tokens",
         .description = "grant_type password (username, password) or refresh_token. Partner credentials in the "
                        "Basic header or as client_id/client_secret in the body (both: they must agree). Access "
                        "tokens live 1800 s; refresh tokens rotate on every use, a reused one revokes its family, "
                        "and a family ends 30 days after the login. The Experience login's lock applies.",
         .request_body = &ps::token_request,
         .responses = {{200, &ps::token_answer, "The tokens"},
                       {400, nullptr, "Not JSON, wrong types, a missing field or an unknown scope"},
                       {401, nullptr, "Wrong partner credentials (oauth: could_not_authenticate for wrong guest "
                                      "credentials, oauth.invalid_grant for a bad refresh token)"},
                       {403, nullptr, "The partner is not granted the merchant"},
                       {429, nullptr, "The account is locked; retry after Retry-After"},
                       {503, nullptr, "Hashing capacity exhausted; retry after Retry-After"}},
         .handler = &px::request_guest_token, .tag = oauth_service},
    });
}

/// The query parameters of the Guest Service reads: authentication=oauth (the token's own guest) or b2b (any guest
/// of the merchant, by one identifier).
std::vector<query_param> guest_read_query() {
    return {{"merchantId", true, string_format::none, "The merchant (loyalty program)", json_type::integer,
             {.minimum = 1, .maximum = 2'147'483'647}},
            {"authentication", true, string_format::none, "oauth or b2b"},
            {"access_token", false, string_format::none, "oauth: the access token of requestGuestToken"},
            {"client_id", false, string_format::none, "oauth: ignored; the partner authenticates with Basic"},
            {"username", false, string_format::none, "b2b: the guest's username (case-insensitive); oauth: ignored"},
            {"printedCardNumber", false, string_format::none, "b2b: the guest's card; spaces are ignored"},
            {"accountId", false, string_format::none, "b2b: the guest's account id", json_type::integer,
             {.minimum = 1}}};
}

/// The Paytronix Guest Service: the reads of a guest's profile and account.
void add_guest_service(std::vector<endpoint>& table) {
    const std::vector<response_spec> refusals = {
        {400, nullptr, "A query parameter is missing or malformed, authentication is neither oauth nor b2b, or b2b "
                       "names the guest by other than exactly one identifier"},
        {401, nullptr, "Wrong partner credentials, or (oauth.invalid_token) an unknown, expired or revoked access "
                       "token: refresh it"},
        {403, nullptr, "The partner is not granted the merchant, has no b2b rights, or (oauth.insufficient_scope) "
                       "the token lacks the scope"}};
    auto responses = [&](response_spec ok) {
        std::vector<response_spec> all{ok};
        all.insert(all.end(), refusals.begin(), refusals.end());
        return all;
    };
    add_paytronix(table, {
        {.method = get, .path = "guest/userInformation.json", .speaks = dialect::paytronix, .auth = basic,
         .summary = "Read a guest's profile",
         .description = "authentication=oauth with an access token of scope user_read reads the token's own guest; "
                        "authentication=b2b (a partner with b2b rights) any guest of the merchant by username, "
                        "printedCardNumber or accountId. Blank fields are omitted. An unknown guest is HTTP 200 "
                        "with result failure and errorCode user_info.not_found.",
         .query = guest_read_query(),
         .responses = responses({200, &ps::user_information, "success, or failure user_info.not_found"}),
         .handler = &px::user_information, .tag = guest_service, .read_only = true},
        {.method = get, .path = "guest/accountInformation.json", .speaks = dialect::paytronix, .auth = basic,
         .summary = "Read a guest's account and card",
         .description = "authentication=oauth (scope account_read) or b2b, as userInformation. Balances are not "
                        "served yet. An unknown guest is HTTP 200 with errorCode account_info.not_found.",
         .query = guest_read_query(),
         .responses = responses({200, &ps::account_information, "success, or failure account_info.not_found"}),
         .handler = &px::account_information, .tag = guest_service, .read_only = true},
    });
}

void add_reset_page(std::vector<endpoint>& table) {
    table.push_back({.method = get, .path = "/reset-password", .speaks = dialect::web,
                     .summary = "The hosted reset-password page",
                     .description = "An HTML form for the code from the email; no JavaScript needed.",
                     .query = {{"merchant", false, string_format::none, "The merchant the code was issued for"},
                               {"code", false, string_format::none, "The reset code from the email"}},
                     .responses = {{200, nullptr, "text/html"}}, .handler = &web::reset_page, .tag = reset_page});
    table.push_back({.method = post, .path = "/reset-password", .speaks = dialect::web,
                     .pool = pool_kind::hashing, .summary = "Submit the reset-password form",
                     .description = "application/x-www-form-urlencoded: merchant, code, password, password_confirm.",
                     .responses = {{200, nullptr, "text/html: the outcome"}}, .handler = &web::reset_submit,
                     .tag = reset_page});
    table.push_back({.method = get, .path = "/reset-password.css", .speaks = dialect::web,
                     .summary = "The reset page's stylesheet", .responses = {{200, nullptr, "text/css"}},
                     .handler = &web::reset_stylesheet, .tag = reset_page});
}

}  // namespace

std::span<const endpoint> endpoints() {
    static const std::vector<endpoint> table = [] {
        auto t = build();
        add_guest_management(t);
        add_oauth(t);
        add_guest_service(t);
        add_reset_page(t);
        return t;
    }();
    return table;
}

const std::string& openapi_document() {
    static const std::string doc = render_openapi(endpoints(), version);
    return doc;
}

}  // namespace guestd::api
