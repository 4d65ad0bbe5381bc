#include "api/paytronix/guest.hpp"

#include "api/errors.hpp"
#include "api/paytronix/oauth.hpp"
#include "domain/accounts.hpp"
#include "domain/services.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <charconv>
#include <utility>

namespace guestd::api::paytronix {
namespace {

namespace json = boost::json;
using domain::identifier_kind;

response failure(unsigned status, std::string_view code, std::string_view message) {
    return json_response(status, json::object{{"result", "failure"}, {"errorCode", code}, {"errorMessage", message}});
}

// The identifiers a b2b caller may name the guest by, as the query spells them.
constexpr std::pair<std::string_view, identifier_kind> b2b_identifiers[] = {
    {"username", identifier_kind::username},
    {"printedCardNumber", identifier_kind::printed_card_number},
    {"accountId", identifier_kind::account_id},
};

// Which service a read belongs to: its error prefix and the scope an oauth caller needs.
struct service {
    std::string_view prefix;  // "user_info" -> user_info.not_found
    domain::oauth_scope need;
};

std::string code(const service& s, std::string_view reason) { return std::string(s.prefix) + "." + std::string(reason); }

/// The guest the call reads, or the answer to send instead: oauth reads the token's own guest, b2b the one named
/// by exactly one identifier. The merchant must be granted to the calling partner either way.
std::expected<domain::account_holder, response> holder_for(const call& c, const service& s) {
    // The merchant: validated as an integer by the endpoint table
    const auto text = c.req.query("merchantId").value_or("");
    std::int64_t id = 0;
    std::from_chars(text.data(), text.data() + text.size(), id);
    const core::merchant_id m{id};
    const auto& grants = c.who.merchants;
    if (std::find(grants.begin(), grants.end(), m) == grants.end())
        return std::unexpected(failure(403, code(s, "permission_denied"), "merchant not available to this client"));

    core::result<domain::account_holder> found;
    const auto auth = c.req.query("authentication").value_or("");
    if (auth == "oauth") {
        // The token's own guest: nothing in the query can name another
        auto session = oauth_guest(c, m, s.need);
        if (!session) return std::unexpected(std::move(session.error()));
        found = c.services.accounts().holder(m, session->account);
    } else if (auth == "b2b") {
        // b2b: only partners the operator gave b2b rights, and exactly one identifier
        if (!c.who.b2b) return std::unexpected(failure(403, code(s, "b2b_not_allowed"), "this client has no b2b rights"));
        std::optional<std::pair<identifier_kind, std::string>> named;
        for (const auto& [name, kind] : b2b_identifiers) {
            auto v = c.req.query(name);
            if (!v || v->empty()) continue;  // as the query validation reads it: "?username=" names no one
            if (named)
                return std::unexpected(failure(400, code(s, "invalid_request"),
                                               "give exactly one of username, printedCardNumber, accountId"));
            named.emplace(kind, std::move(*v));
        }
        if (!named)
            return std::unexpected(failure(400, code(s, "invalid_request"),
                                           "give exactly one of username, printedCardNumber, accountId"));
        found = c.services.accounts().holder(m, named->first, named->second);
    } else {
        return std::unexpected(failure(400, code(s, "invalid_request"), "authentication must be oauth or b2b"));
    }
    if (found) return std::move(*found);
    // An oauth caller's account that vanished reads as unknown too: the token no longer names anyone
    if (found.error().code == core::errc::not_found)
        return std::unexpected(failure(200, code(s, "not_found"), s.prefix == "user_info" ? "The user was not found"
                                                                                          : "The account was not found"));
    return std::unexpected(failure(500, code(s, "system_error"), "internal error"));
}

void put_text(json::object& out, std::string_view name, const store::opt_string& value) {
    if (value && !value->empty()) out[name] = *value;
}

// The profile's address as Paytronix shows it; empty when the guest has none.
json::array addresses(const store::guest& g) {
    json::object a;
    put_text(a, "label", g.address_label);
    put_text(a, "address1", g.fields.street);
    put_text(a, "address2", g.address2);
    put_text(a, "city", g.fields.city);
    put_text(a, "stateProvince", g.fields.state);
    put_text(a, "postalCode", g.fields.zip_code);
    put_text(a, "country", g.fields.country);
    if (a.empty()) return {};
    // One address per guest: the guest's id is stable and never reused, so it serves as the address's id
    a["addressId"] = g.id.value;
    return json::array{std::move(a)};
}

}  // namespace

core::result<response> user_information(const call& c) {
    const auto holder = holder_for(c, {.prefix = "user_info", .need = domain::oauth_scope::user_read});
    if (!holder) return holder.error();
    const auto& g = holder->guest;
    const auto& p = g.fields;

    // Paytronix names onto guestd's profile; blank fields are omitted, flags always shown
    json::object fields;
    put_text(fields, "firstName", p.firstname);
    put_text(fields, "lastName", p.lastname);
    put_text(fields, "email", p.email);
    put_text(fields, "mobilePhone", p.mobile);
    put_text(fields, "phone", p.phone);
    put_text(fields, "address1", p.street);
    put_text(fields, "address2", g.address2);
    put_text(fields, "city", p.city);
    put_text(fields, "stateProvince", p.state);
    put_text(fields, "postalCode", p.zip_code);
    put_text(fields, "country", p.country);
    put_text(fields, "dateOfBirth", p.birthdate);
    put_text(fields, "username", holder->account.username);
    put_text(fields, "addressLabel", g.address_label);
    fields["optIn"] = g.opt_in;
    fields["textCampaignOptIn"] = g.text_campaign_opt_in;
    fields["smsOptInVerified"] = g.sms_opt_in_verified;
    fields["emailVerified"] = g.email_verified;

    return json_response(200, json::object{{"result", "success"},
                                           {"fields", std::move(fields)},
                                           {"accountIds", json::array{holder->account.id.value}},
                                           {"primaryCardNumbers", json::array{holder->account.printed_card_number}},
                                           {"addresses", addresses(g)}});
}

core::result<response> account_information(const call& c) {
    const auto holder = holder_for(c, {.prefix = "account_info", .need = domain::oauth_scope::account_read});
    if (!holder) return holder.error();
    const auto& card = holder->account.printed_card_number;
    // An account exists only once registered, and guestd has no way to suspend one or its card yet
    return json_response(200, json::object{{"result", "success"},
                                           {"accountStatus", "ACTIVE"},
                                           {"registrationStatus", "Registered"},
                                           {"primaryCard", json::object{{"printedCardNumber", card}, {"status", "ACTIVE"}}},
                                           {"printedCardNumber", card}});
}

}  // namespace guestd::api::paytronix
