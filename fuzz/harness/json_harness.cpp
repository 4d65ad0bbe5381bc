#include "harness/json_harness.hpp"

#include "api/endpoints.hpp"
#include "api/experience/mapping.hpp"
#include "api/experience/schemas.hpp"
#include "api/json_body.hpp"
#include "api/paytronix/schemas.hpp"
#include "api/validate.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace guestd::fuzz {
namespace {

[[noreturn]] void broken(std::string_view what, std::string_view detail) {
    std::fprintf(stderr, "fuzz_json_validate: broken invariant: %.*s: %.*s\n", static_cast<int>(what.size()),
                 what.data(), static_cast<int>(detail.size()), detail.data());
    std::abort();
}

const std::vector<const api::schema*>& schemas() {
    static const std::vector<const api::schema*> all = [] {
        std::vector<const api::schema*> out;
        for (const auto& ep : api::endpoints())
            if (ep.request_body && std::find(out.begin(), out.end(), ep.request_body) == out.end())
                out.push_back(ep.request_body);
        for (const api::schema* item : {&api::experience::schemas::booking, &api::experience::schemas::pms_customer,
                                        &api::experience::schemas::list_member,
                                        &api::paytronix::schemas::user_identity})
            if (std::find(out.begin(), out.end(), item) == out.end()) out.push_back(item);
        return out;
    }();
    return all;
}

// What the handlers do with a body the schema accepted: they trust its shape, so none of this may throw.
void map(const api::schema* s, const boost::json::value& v) {
    namespace xs = api::experience::schemas;
    namespace xp = api::experience;
    if (s == &xs::bookings_push) {
        (void)xp::bookings_from_json(v.as_object().at("bookings").as_array());
    } else if (s == &xs::booking) {
        (void)xp::bookings_from_json(boost::json::array{v});
    } else if (s == &xs::customers_push) {
        for (const auto& c : v.as_object().at("customers").as_array()) (void)xp::customer_from_json(c.as_object());
    } else if (s == &xs::pms_customer) {
        (void)xp::customer_from_json(v.as_object());
    } else if (s == &xs::guest_information_update) {
        (void)xp::profile_changes(v.as_object());
    }
}

}  // namespace

void run_json(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return;
    const auto& all = schemas();
    const api::schema* s = all[data[0] % all.size()];
    const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    auto body = api::read_body(text, *s);
    if (!body) {
        // A refusal names what is wrong; a parse failure has no fields, a validation failure at least one.
        if (body.error().message.empty()) broken("refusal without a message", text);
        return;
    }
    map(s, *body);
    const std::string again = boost::json::serialize(*body);
    if (!api::read_body(again, *s)) broken("accepted body refused after a round trip", again);
}

}  // namespace guestd::fuzz
