#include "app/demo.hpp"

#include "domain/credentials.hpp"

#include <ostream>
#include <stdexcept>

namespace guestd::app {
namespace {

constexpr core::merchant_id demo_merchant{1234};

/// The demo merchant's hotel token: a new merchant's, or a fresh one for the existing merchant (tokens are only
/// stored as digests, so an old one cannot be shown again).
std::string demo_hotel_token(domain::credentials& creds) {
    if (auto created = creds.add_merchant(demo_merchant, "Hotel Demo")) return created->hotel_token;
    auto rotated = creds.rotate_hotel_token(demo_merchant);
    if (!rotated) throw std::runtime_error("demo: " + rotated.error().message);
    return *rotated;
}

}  // namespace

void print_demo(domain::services& services, const std::string& base_url, const std::string& mail_location,
                std::ostream& out) {
    auto& creds = services.credentials();
    const std::string hotel_token = demo_hotel_token(creds);
    auto partner = creds.add_partner("Demo partner", {demo_merchant}, true);
    if (!partner) throw std::runtime_error("demo: " + partner.error().message);

    out << R"demo(
Demo merchant 1234 "Hotel Demo" and a demo partner are ready. These credentials are shown once; every
--demo start makes new ones.

  partner_token: )demo" << partner->partner_token << R"demo(
  hotel_token:   )demo" << hotel_token << R"demo(
  client_id:     )demo" << partner->client_id << R"demo(
  client_secret: )demo" << partner->client_secret << R"demo(

Paste these into another shell:

export BASE=)demo" << base_url << R"demo(
export AUTH="Authorization: Bearer )demo" << partner->partner_token << ':' << hotel_token << R"demo("

# 1. The hotel's PMS pushes a booking; its customer becomes a guest of the CRM
curl -s -H "$AUTH" -H 'Content-Type: application/json' "$BASE/api/xp-store-bookings/bookings" -d '{"bookings": [{"reference": "BK-1001", "status": "valid", "creation": "2026-06-01 15:22:00", "arrival": "2026-09-17", "departure": "2026-09-20", "totalamount": "460", "currency": "EUR", "rooms": [{"type": "DBL", "name": "Double", "number": 16}], "extra_attributes": {"Payment": "pending"}, "customer": {"reference": "C-1", "title": "Mr", "firstname": "John", "lastname": "Doe", "email": "john.doe@example.com", "country": "FR", "language": "en", "address_city": "Paris"}}]}'; echo

# 2. Does John have a loyalty account yet?
curl -s -H "$AUTH" "$BASE/api/xp-guest-account/account-exists?email=john.doe@example.com"; echo

# 3. Register him (creates the account)
curl -s -o /dev/null -w '%{http_code}\n' -H "$AUTH" -H 'Content-Type: application/json' "$BASE/api/xp-guest-account/update-password" -d '{"email": "john.doe@example.com", "password": "correct horse battery staple"}'

# 4. Log in and keep the guest token
TOKEN=$(curl -s -H "$AUTH" -H 'Content-Type: application/json' "$BASE/api/xp-guest-account/login" -d '{"email": "john.doe@example.com", "password": "correct horse battery staple"}' | sed 's/.*"token":"\([^"]*\)".*/\1/'); echo "$TOKEN"

# 5. Read, update, and list reservations
curl -s -H "$AUTH" -H "x-guest-token: $TOKEN" "$BASE/api/xp-guest-account/guest-informations"; echo
curl -s -X PUT -H "$AUTH" -H "x-guest-token: $TOKEN" -H 'Content-Type: application/json' "$BASE/api/xp-guest-account/guest-informations" -d '{"mobile": "+33601020304", "city": "Lyon"}'; echo
curl -s -H "$AUTH" -H "x-guest-token: $TOKEN" "$BASE/api/xp-guest-account/guest-reservations"; echo

# 6. John forgot his password: a partner asks for a reset (Paytronix dialect, HTTP Basic)
curl -s -u ')demo" << partner->client_id << ':' << partner->client_secret << R"demo(' -H 'Content-Type: application/json' "$BASE/rest/25.33/guestmanagement/generateAndSendGuestResetPasswordCode.json" -d '{"authentication": "anonymous", "merchantId": 1234, "email": "john.doe@example.com"}'; echo

# The email is in )demo" << mail_location << R"demo( : open its link in a browser to choose a new password.
)demo" << std::endl;
}

}  // namespace guestd::app
