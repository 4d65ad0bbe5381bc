#include "api/json_body.hpp"

#include "api/validate.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>

#include <cmath>

namespace guestd::api {
namespace {

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
        if (x != b[i]) return false;
    }
    return true;
}

// A number past the double range parses as infinity, which serializes as no JSON at all (a pushed booking's
// stored payload would not parse back, and a room number would read "inf"). Depth is bounded by the parser.
bool finite_numbers(const boost::json::value& v) noexcept {
    switch (v.kind()) {
        case boost::json::kind::double_: return std::isfinite(v.get_double());
        case boost::json::kind::array:
            for (const auto& e : v.get_array())
                if (!finite_numbers(e)) return false;
            return true;
        case boost::json::kind::object:
            for (const auto& m : v.get_object())
                if (!finite_numbers(m.value())) return false;
            return true;
        default: return true;
    }
}

}  // namespace

bool is_json_content_type(const request& req) {
    // An absent or blank Content-Type is taken as JSON; otherwise the media type must be application/json
    const auto type = req.header_value("content-type");
    if (!type || trim(*type).empty()) return true;
    const std::string_view media = trim(type->substr(0, type->find(';')));
    return iequals(media, "application/json");
}

core::result<boost::json::value> parse_json(std::string_view text) {
    // Strict JSON; the defaults already reject invalid UTF-8, and say so here so nobody relaxes it by accident
    boost::json::parse_options options;
    options.max_depth = max_json_depth;
    options.allow_comments = false;
    options.allow_trailing_commas = false;
    options.allow_invalid_utf8 = false;
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(text, ec, {}, options);
    if (ec) return core::fail(core::errc::invalid_argument, "request body is not valid JSON", ec.message());
    if (!finite_numbers(v))
        return core::fail(core::errc::invalid_argument, "request body is not valid JSON", "number out of range");
    return v;
}

core::result<boost::json::value> read_body(std::string_view text, const schema& s) {
    // Parse, then check every rule of the schema so the client learns all its mistakes at once
    auto v = parse_json(text);
    if (!v) return v;
    auto fields = validate(*v, s);
    if (!fields.empty()) return core::invalid("invalid request", std::move(fields));
    return v;
}

}  // namespace guestd::api
