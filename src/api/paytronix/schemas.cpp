#include "api/paytronix/schemas.hpp"

namespace guestd::api::paytronix::schemas {
namespace {

using enum json_type;

// What `guestd merchant add` allows: a positive 32-bit integer.
constexpr integer_range merchant_ids{.minimum = 1, .maximum = 2'147'483'647};
// Account ids count up from 1000001; card numbers are digits.
constexpr integer_range account_ids{.minimum = 1};
constexpr integer_range card_numbers{.minimum = 0};

property text(std::string_view name, std::string_view description, std::size_t max = 0) {
    return {.name = name, .type = string, .max_length = max, .description = description};
}

/// Identifiers and verification fields: allowed flat in the body and inside userIdentity alike.
std::vector<property> identity_properties() {
    return {text("username", "The guest's username (case-insensitive)"),
            {.name = "accountId", .type = integer, .range = account_ids, .description = "The guest's account id"},
            {.name = "printedCardNumber", .type = scalar, .max_length = 64, .range = card_numbers,
             .description = "The printed card number; spaces are ignored"},
            text("email", "The guest's email (case-insensitive)", 254),
            text("firstName", "Verification field"),
            text("lastName", "Verification field"),
            text("postalCode", "Verification field"),
            text("phone", "Verification field"),
            text("mobilePhone", "Verification field"),
            text("dateOfBirth", "Verification field (YYYY-MM-DD)")};
}

}  // namespace

const schema user_identity{
    .name = "UserIdentity",
    .properties = identity_properties(),
    .additional_properties = true,
    .description = "Exactly one of username, accountId, printedCardNumber, email; plus verification fields.",
};

const schema reset_request{
    .name = "ResetPasswordRequest",
    .properties =
        [] {
            auto p = identity_properties();
            p.insert(p.begin(), {{.name = "merchantId", .type = integer, .required = true, .range = merchant_ids,
                                  .description = "The merchant (loyalty program)"},
                                 {.name = "authentication", .type = string, .allowed = {"anonymous", "b2b"},
                                  .description = "anonymous (default) or b2b"},
                                 {.name = "userIdentity", .type = object, .object = &user_identity}});
            p.push_back({.name = "resetCode", .type = string, .max_length = 128,
                         .description = "sendGuestResetPasswordCode only: the caller's own code (8-128 characters), "
                                        "from partners granted --caller-reset-codes"});
            return p;
        }(),
    .additional_properties = true,
    .example = R"({"authentication": "anonymous", "merchantId": 1234, "email": "guest@example.com"})",
};

const schema reset_answer{
    .name = "ResetPasswordAnswer",
    .properties = {{.name = "result", .type = string, .required = true,
                    .allowed = {"success", "more_info", "failure"}},
                   text("email", "success: where the email went (anonymous: the email sent, or \"\")"),
                   {.name = "fields", .type = array, .item_type = string,
                    .description = "more_info: the verification fields to send on the retry"},
                   text("errorCode", "failure: guestmanagement.<reason>"),
                   text("errorMessage", "failure: human readable")},
    .example = R"({"result": "success", "email": "guest@example.com"})",
};

const schema complete_request{
    .name = "CompleteResetRequest",
    .properties = {{.name = "merchantId", .type = integer, .required = true, .range = merchant_ids},
                   {.name = "resetCode", .type = string, .required = true, .max_length = 256},
                   {.name = "newPassword", .type = string, .required = true, .max_length = 1024}},
    .additional_properties = true,
};

const schema complete_answer{
    .name = "CompleteResetAnswer",
    .properties = {{.name = "result", .type = string, .required = true, .allowed = {"success", "failure"}},
                   text("errorCode", "failure: guestmanagement.<reason>"),
                   text("errorMessage", "failure: human readable")},
};

const schema token_request{
    .name = "GuestTokenRequest",
    .properties = {{.name = "grant_type", .type = string, .required = true, .allowed = {"password", "refresh_token"},
                    .description = "password (username + password) or refresh_token"},
                   {.name = "merchantId", .type = integer, .required = true, .range = merchant_ids,
                    .description = "The merchant (loyalty program)"},
                   text("username", "password grant: the guest's username or email (case-insensitive)", 254),
                   text("password", "password grant: the guest's password", 1024),
                   text("refresh_token", "refresh_token grant: the refresh token of the last answer", 256),
                   text("scope", "Space separated subset of user_read user_write account_read account_write; "
                                 "absent: all four", 256),
                   {.name = "authentication", .type = string, .allowed = {"anonymous"},
                    .description = "anonymous, or absent"},
                   text("client_id", "The partner's client id, when not in the Basic header", 256),
                   text("client_secret", "The partner's client secret, when not in the Basic header", 256)},
    .additional_properties = true,
    .example = R"({"grant_type": "password", "merchantId": 1234, "username": "guest@example.com", )"
               R"("password": "correct horse battery staple", "scope": "user_read user_write account_read account_write"})",
};

const schema token_answer{
    .name = "GuestTokenAnswer",
    .properties = {{.name = "result", .type = string, .required = true, .allowed = {"success", "failure"}},
                   text("access_token", "success: opaque, valid expires_in seconds"),
                   {.name = "token_type", .type = string, .allowed = {"bearer"}},
                   {.name = "expires_in", .type = integer, .description = "success: 1800"},
                   text("refresh_token", "success: single use; the family ends 30 days after the login"),
                   text("scope", "success: the granted scopes, space separated"),
                   text("username", "success: the guest's username"),
                   text("errorCode", "failure: could_not_authenticate or oauth.<reason>"),
                   text("errorMessage", "failure: human readable")},
    .example = R"({"result": "success", "access_token": "q8Yx...", "token_type": "bearer", "expires_in": 1800, )"
               R"("refresh_token": "Zr2c...", "scope": "user_read user_write account_read account_write", )"
               R"("username": "guest@example.com"})",
};

namespace {

const schema user_fields{
    .name = "UserInformationFields",
    .properties = {text("firstName", ""), text("lastName", ""), text("email", ""), text("mobilePhone", ""),
                   text("phone", ""), text("address1", ""), text("address2", ""), text("city", ""),
                   text("stateProvince", ""), text("postalCode", ""), text("country", ""),
                   text("dateOfBirth", "YYYY-MM-DD"), text("username", ""), text("addressLabel", ""),
                   {.name = "optIn", .type = boolean, .description = "Email marketing opt-in"},
                   {.name = "textCampaignOptIn", .type = boolean, .description = "SMS marketing opt-in"},
                   {.name = "smsOptInVerified", .type = boolean},
                   {.name = "emailVerified", .type = boolean,
                    .description = "The guest completed a flow through a link sent to this email"}},
};

const schema user_address{
    .name = "UserInformationAddress",
    .properties = {{.name = "addressId", .type = integer, .description = "Stable for the guest"},
                   text("label", ""), text("address1", ""), text("address2", ""), text("city", ""),
                   text("stateProvince", ""), text("postalCode", ""), text("country", "")},
};

const schema primary_card{
    .name = "PrimaryCard",
    .properties = {text("printedCardNumber", "16 digits"),
                   {.name = "status", .type = string, .allowed = {"ACTIVE"}}},
};

}  // namespace

const schema user_information{
    .name = "UserInformation",
    .properties = {{.name = "result", .type = string, .required = true, .allowed = {"success", "failure"}},
                   {.name = "fields", .type = object, .object = &user_fields,
                    .description = "success: Paytronix field names; blank fields are omitted"},
                   {.name = "accountIds", .type = array, .item_type = integer},
                   {.name = "primaryCardNumbers", .type = array, .item_type = string},
                   {.name = "addresses", .type = array, .items = &user_address,
                    .description = "success: the profile's address, when it has one"},
                   text("errorCode", "failure: user_info.not_found or user_info.<reason>"),
                   text("errorMessage", "failure: human readable")},
    .example = R"({"result": "success", "fields": {"firstName": "Ada", "lastName": "Lovelace", )"
               R"("email": "ada@example.com", "username": "ada@example.com", "optIn": true, )"
               R"("textCampaignOptIn": false, "smsOptInVerified": false, "emailVerified": true}, )"
               R"("accountIds": [1000001], "primaryCardNumbers": ["6006491234567897"], "addresses": []})",
};

const schema account_information{
    .name = "AccountInformation",
    .properties = {{.name = "result", .type = string, .required = true, .allowed = {"success", "failure"}},
                   {.name = "accountStatus", .type = string, .allowed = {"ACTIVE"}},
                   {.name = "registrationStatus", .type = string, .allowed = {"Registered"}},
                   {.name = "primaryCard", .type = object, .object = &primary_card},
                   text("printedCardNumber", "success: the account's card"),
                   text("errorCode", "failure: account_info.not_found or account_info.<reason>"),
                   text("errorMessage", "failure: human readable")},
    .example = R"({"result": "success", "accountStatus": "ACTIVE", "registrationStatus": "Registered", )"
               R"("primaryCard": {"printedCardNumber": "6006491234567897", "status": "ACTIVE"}, )"
               R"("printedCardNumber": "6006491234567897"})",
};

}  // namespace guestd::api::paytronix::schemas
