#include "api/validate.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>

namespace guestd::api {
namespace {

using field_errors = std::vector<core::field_error>;

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// The value of n ASCII digits at s[at...], or -1 when one of them is not a digit.
int digits(std::string_view s, std::size_t at, std::size_t n) noexcept {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
        if (i >= s.size() || !is_digit(s[i])) return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

bool leap_year(int y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) noexcept {
    static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap_year(y) ? 29 : days[m - 1];
}

// YYYY-MM-DD, a day that exists in the proleptic Gregorian calendar (year 0001 to 9999).
bool is_date(std::string_view s) noexcept {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
    const int y = digits(s, 0, 4);
    const int m = digits(s, 5, 2);
    const int d = digits(s, 8, 2);
    return y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

// HH:MM or HH:MM:SS on a 24-hour clock.
bool is_time(std::string_view s) noexcept {
    if (s.size() != 5 && s.size() != 8) return false;
    if (s[2] != ':') return false;
    const int h = digits(s, 0, 2);
    const int m = digits(s, 3, 2);
    if (h < 0 || h > 23 || m < 0 || m > 59) return false;
    if (s.size() == 5) return true;
    const int sec = digits(s, 6, 2);
    return s[5] == ':' && sec >= 0 && sec <= 59;
}

bool is_date_time(std::string_view s) noexcept {
    return s.size() == 19 && s[10] == ' ' && is_date(s.substr(0, 10)) && is_time(s.substr(11));
}

// One '@', a non-empty local part, a domain with an inner dot, no spaces or control characters, at most 254 bytes.
bool is_email(std::string_view s) noexcept {
    if (s.empty() || s.size() > 254) return false;
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f) return false;
    }
    const std::size_t at = s.find('@');
    if (at == std::string_view::npos || at == 0 || s.find('@', at + 1) != std::string_view::npos) return false;
    const std::string_view domain = s.substr(at + 1);
    const std::size_t dot = domain.find('.');
    return dot != std::string_view::npos && dot > 0 && domain.back() != '.' &&
           domain.find("..") == std::string_view::npos;
}

bool is_two_letters(std::string_view s) noexcept { return s.size() == 2 && is_alpha(s[0]) && is_alpha(s[1]); }

// '+' then 6 to 15 digits; spaces, dots and dashes between them are ignored.
bool is_phone(std::string_view s) noexcept {
    if (s.empty() || s[0] != '+') return false;
    std::size_t n = 0;
    for (const char c : s.substr(1)) {
        if (is_digit(c)) {
            ++n;
        } else if (c != ' ' && c != '.' && c != '-') {
            return false;
        }
    }
    return n >= 6 && n <= 15;
}

// [+-]digits[.digits]
bool is_decimal(std::string_view s) noexcept {
    std::size_t i = 0;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    const std::size_t int_start = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    if (i == int_start) return false;
    if (i == s.size()) return true;
    if (s[i] != '.') return false;
    const std::size_t frac_start = ++i;
    while (i < s.size() && is_digit(s[i])) ++i;
    return i > frac_start && i == s.size();
}

std::string out_of_range(integer_range r) {
    return "is out of range (" + std::to_string(r.minimum) + " to " + std::to_string(r.maximum) + ")";
}

// -2^63 and 2^63: exact as doubles, they bound every int64.
constexpr double int64_floor = -9223372036854775808.0;
constexpr double int64_ceiling = 9223372036854775808.0;

// Whether the finite double d lies within r. A double equal to -2^63 counts as below: it is as likely the rounding
// of a smaller integer (-9223372036854775809 reads as -2^63) as the int64 minimum written with a fraction.
bool within(double d, integer_range r) noexcept {
    if (d <= int64_floor || d >= int64_ceiling) return false;
    // Doubles this close to ±2^63 are whole numbers, so floor and ceil stay within int64
    return static_cast<std::int64_t>(std::floor(d)) >= r.minimum &&
           static_cast<std::int64_t>(std::ceil(d)) <= r.maximum;
}

// Why the JSON number v is not an integer within r written as one; nothing when it is. Boost.JSON reads a
// literal of digits as int64 whenever it fits, as uint64 from 2^63 to 2^64 - 1, and anything else as a double.
std::optional<std::string> integer_problem(const boost::json::value& v, integer_range r) {
    if (v.is_int64()) {
        if (v.get_int64() < r.minimum || v.get_int64() > r.maximum) return out_of_range(r);
        return std::nullopt;
    }
    if (v.is_uint64()) return out_of_range(r);
    const double d = v.get_double();
    if (!std::isfinite(d) || !within(d, r)) return out_of_range(r);
    if (std::trunc(d) != d) return "must be an integer";
    return "must be written as an integer (no fraction or exponent)";
}

const std::string decimal_out_of_range =
    "is out of range (at most " + std::to_string(decimal_integer_digits) + " digits before the decimal point)";

// Whether the JSON number v is a decimal in range (finite, |v| < 10^15).
bool decimal_in_range(const boost::json::value& v) noexcept {
    if (v.is_int64()) return v.get_int64() > -decimal_limit && v.get_int64() < decimal_limit;
    if (v.is_uint64()) return false;
    const double d = v.get_double();
    return std::isfinite(d) && std::fabs(d) < static_cast<double>(decimal_limit);
}

// Whether a text that matches string_format::decimal has at most decimal_integer_digits digits before the point,
// leading zeros aside.
bool decimal_text_in_range(std::string_view s) noexcept {
    if (!s.empty() && (s.front() == '+' || s.front() == '-')) s.remove_prefix(1);
    s = s.substr(0, s.find('.'));
    const std::size_t first = s.find_first_not_of('0');
    const std::size_t digits = first == std::string_view::npos ? 0 : s.size() - first;
    return digits <= static_cast<std::size_t>(decimal_integer_digits);
}

std::string type_reason(json_type t) {
    switch (t) {
        case json_type::string: return "must be a string";
        case json_type::integer: return "must be an integer";
        case json_type::number: return "must be a number";
        case json_type::boolean: return "must be a boolean";
        case json_type::object: return "must be an object";
        case json_type::array: return "must be an array";
        case json_type::scalar: return "must be a string or a number";
    }
    return "has the wrong type";
}

std::string too_long(std::size_t max) { return "is longer than " + std::to_string(max) + " bytes"; }
std::string too_many(std::size_t max) { return "has more than " + std::to_string(max) + " items"; }

// Where a value sits, as a chain of steps from the top: "bookings[3].customer.email" once spelled out. Spelled
// out only when a rule is broken there, so a valid value costs no string. The top is a member step with no
// parent and no key; a member of a value whose path is "" is named by its key alone.
struct path {
    const path* parent = nullptr;
    std::string_view key;    // a member step: the key
    std::size_t index = 0;   // an item step: the index
    bool item = false;

    static path member(const path& of, std::string_view key) { return {&of, key, 0, false}; }
    static path item_of(const path& of, std::size_t i) { return {&of, {}, i, true}; }

    std::string text() const {
        std::string base = parent != nullptr ? parent->text() : std::string();
        if (item) return base + "[" + std::to_string(index) + "]";
        return base.empty() ? std::string(key) : base + "." + std::string(key);
    }
};

// Rules for values that come with none of their own (schema-level scalars, additional properties).
const property no_rules{};

// Walks a value and its schema, appending every broken rule.
class checker {
public:
    field_errors take() { return std::move(out_); }

    // Checks v against a schema reached from a property, an array or the top.
    void check_schema(const boost::json::value& v, const schema& s, const path& at) {
        switch (s.type) {
            case json_type::object:
                if (!v.is_object()) return add(at, type_reason(s.type));
                return check_object(v.get_object(), s, at);
            case json_type::array:
                if (!v.is_array()) return add(at, type_reason(s.type));
                return check_items(v.get_array(), s.items, nullptr, s.max_items, at);
            case json_type::string:
            case json_type::integer:
            case json_type::number:
            case json_type::boolean:
            case json_type::scalar:
                return check_scalar(v, s.type, no_rules, at);
        }
    }

private:
    void add(const path& at, std::string reason) { out_.push_back({at.text(), std::move(reason)}); }

    void check_object(const boost::json::object& o, const schema& s, const path& of) {
        // Check the declared properties in schema order
        for (const property& p : s.properties) {
            const path at = path::member(of, p.name);
            const auto it = o.find(p.name);
            if (it == o.end()) {
                if (p.required) add(at, "is required");
            } else if (it->value().is_null()) {
                if (!p.nullable) add(at, "must not be null");
            } else {
                check_property(it->value(), p, at);
            }
        }
        // Then every key the schema does not declare, in body order
        for (const auto& kv : o) {
            const bool known = std::any_of(s.properties.begin(), s.properties.end(),
                                           [&](const property& p) { return p.name == kv.key(); });
            if (known) continue;
            const path at = path::member(of, kv.key());
            if (!s.additional_properties) {
                add(at, "is not allowed");
            } else if (s.string_values) {
                check_scalar(kv.value(), json_type::string, no_rules, at);
            }
        }
    }

    // A non-null value of a declared property.
    void check_property(const boost::json::value& v, const property& p, const path& at) {
        switch (p.type) {
            case json_type::object:
                if (!v.is_object()) return add(at, type_reason(p.type));
                if (p.object != nullptr) check_object(v.get_object(), *p.object, at);
                return;
            case json_type::array:
                if (!v.is_array()) return add(at, type_reason(p.type));
                return check_items(v.get_array(), p.items, &p, p.max_items, at);
            case json_type::string:
            case json_type::integer:
            case json_type::number:
            case json_type::boolean:
            case json_type::scalar:
                return check_scalar(v, p.type, p, at);
        }
    }

    // Array items: against item_schema when given, else the owning property's item_type and string rules.
    void check_items(const boost::json::array& a, const schema* item_schema, const property* owner,
                     std::size_t max_items, const path& of) {
        const std::size_t max = max_items == 0 ? default_max_items : max_items;
        if (a.size() > max) return add(of, too_many(max));
        for (std::size_t i = 0; i < a.size(); ++i) {
            const path at = path::item_of(of, i);
            if (item_schema != nullptr) {
                check_schema(a[i], *item_schema, at);
            } else if (owner != nullptr) {
                if (a[i].is_null()) {
                    add(at, "must not be null");
                } else {
                    check_scalar(a[i], owner->item_type, *owner, at);
                }
            }
        }
    }

    // A value that must be of type t; strings then meet the length, enum and format rules of `rules`.
    void check_scalar(const boost::json::value& v, json_type t, const property& rules, const path& at) {
        switch (t) {
            case json_type::string:
                if (!v.is_string()) return add(at, type_reason(t));
                return check_string(v.get_string(), rules, at);
            case json_type::integer:
                if (!v.is_number()) return add(at, type_reason(t));
                if (auto problem = integer_problem(v, rules.range)) add(at, std::move(*problem));
                return;
            case json_type::number:
                if (!v.is_number()) return add(at, type_reason(t));
                if (!decimal_in_range(v)) add(at, decimal_out_of_range);
                return;
            case json_type::boolean:
                if (!v.is_bool()) add(at, type_reason(t));
                return;
            case json_type::object:
                if (!v.is_object()) add(at, type_reason(t));
                return;
            case json_type::array:
                if (!v.is_array()) add(at, type_reason(t));
                return;
            case json_type::scalar:
                if (v.is_string()) return check_string(v.get_string(), rules, at);
                if (!v.is_number()) return add(at, type_reason(t));
                // A number is a decimal where the format says so, else an integer; the other formats want
                // their string form
                if (rules.format == string_format::decimal) {
                    if (!decimal_in_range(v)) add(at, decimal_out_of_range);
                    return;
                }
                if (rules.format != string_format::none && rules.format != string_format::non_empty)
                    return add(at, std::string(format_reason(rules.format)));
                if (auto problem = integer_problem(v, rules.range)) add(at, std::move(*problem));
                return;
        }
    }

    void check_string(std::string_view s, const property& rules, const path& at) {
        const std::size_t max = rules.max_length == 0 ? default_max_length : rules.max_length;
        if (s.size() > max) return add(at, too_long(max));
        if (!rules.allowed.empty() && std::find(rules.allowed.begin(), rules.allowed.end(), s) == rules.allowed.end()) {
            std::string reason = "must be one of: ";
            for (std::size_t i = 0; i < rules.allowed.size(); ++i) {
                if (i > 0) reason += ", ";
                reason += rules.allowed[i];
            }
            return add(at, std::move(reason));
        }
        if (!matches(rules.format, s)) return add(at, std::string(format_reason(rules.format)));
        if (rules.format == string_format::decimal && !decimal_text_in_range(s)) add(at, decimal_out_of_range);
    }

    field_errors out_;
};

}  // namespace

std::vector<core::field_error> validate(const boost::json::value& v, const schema& s) {
    // Name the whole body when it is not even the right kind of value
    if (s.type == json_type::object && !v.is_object()) return {{"", "must be a JSON object"}};
    if (s.type == json_type::array && !v.is_array()) return {{"", "must be a JSON array"}};
    checker c;
    c.check_schema(v, s, path{});
    return c.take();
}

std::vector<core::field_error> validate_query(const request& req, const std::vector<query_param>& params) {
    std::vector<core::field_error> out;
    for (const query_param& p : params) {
        const std::optional<std::string> v = req.query(p.name);
        const std::string name(p.name);
        // An empty value counts as absent: "?email=" names no email
        if (!v || v->empty()) {
            if (p.required) out.push_back({name, "is required"});
            continue;
        }
        if (v->size() > default_max_length) {
            out.push_back({name, too_long(default_max_length)});
        } else if (!valid_utf8(*v)) {
            out.push_back({name, "must be valid UTF-8"});
        } else if (p.type == json_type::integer) {
            if (auto n = parse_integer(*v, p.range); !n) out.push_back({name, std::move(n.error())});
        } else if (!matches(p.format, *v)) {
            out.push_back({name, std::string(format_reason(p.format))});
        }
    }
    return out;
}

std::expected<std::int64_t, std::string> parse_integer(std::string_view text, integer_range r) {
    // from_chars takes an optional '-' and ASCII digits, and no '+', blank or other digit, as the rule wants
    std::int64_t n = 0;
    const char* last = text.data() + text.size();
    const auto [end, ec] = std::from_chars(text.data(), last, n);
    if (text.empty() || end != last) return std::unexpected(std::string("must be an integer"));
    if (ec == std::errc::result_out_of_range) return std::unexpected(out_of_range(r));
    if (ec != std::errc{}) return std::unexpected(std::string("must be an integer"));
    if (n < r.minimum || n > r.maximum) return std::unexpected(out_of_range(r));
    return n;
}

bool matches(string_format f, std::string_view s) noexcept {
    switch (f) {
        case string_format::none: return true;
        case string_format::email: return is_email(s);
        case string_format::date: return is_date(s);
        case string_format::date_time: return is_date_time(s);
        case string_format::time: return is_time(s);
        case string_format::country: return is_two_letters(s);
        case string_format::language: return is_two_letters(s);
        case string_format::phone: return is_phone(s);
        case string_format::decimal: return is_decimal(s);
        case string_format::non_empty: return std::any_of(s.begin(), s.end(), [](char c) { return !is_space(c); });
    }
    return false;
}

std::string_view format_reason(string_format f) noexcept {
    switch (f) {
        case string_format::none: return "is not valid";
        case string_format::email: return "must be an email address";
        case string_format::date: return "must be a date (YYYY-MM-DD)";
        case string_format::date_time: return "must be a date and time (YYYY-MM-DD HH:MM:SS)";
        case string_format::time: return "must be a time (HH:MM:SS)";
        case string_format::country: return "must be an ISO 3166-1 alpha-2 country code";
        case string_format::language: return "must be an ISO 639-1 language code";
        case string_format::phone: return "must be an international phone number (+33601020304)";
        case string_format::decimal: return "must be a decimal number";
        case string_format::non_empty: return "must not be empty";
    }
    return "is not valid";
}

bool valid_utf8(std::string_view s) noexcept {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto b0 = static_cast<unsigned char>(s[i]);
        if (b0 < 0x80) {
            ++i;
            continue;
        }
        // Lead byte: the sequence length and the range its second byte must fall in (no overlongs, surrogates
        // or code points above U+10FFFF)
        std::size_t n = 0;
        unsigned char lo = 0x80;
        unsigned char hi = 0xbf;
        if (b0 >= 0xc2 && b0 <= 0xdf) {
            n = 2;
        } else if (b0 >= 0xe0 && b0 <= 0xef) {
            n = 3;
            if (b0 == 0xe0) lo = 0xa0;
            if (b0 == 0xed) hi = 0x9f;
        } else if (b0 >= 0xf0 && b0 <= 0xf4) {
            n = 4;
            if (b0 == 0xf0) lo = 0x90;
            if (b0 == 0xf4) hi = 0x8f;
        } else {
            return false;
        }
        if (i + n > s.size()) return false;
        const auto b1 = static_cast<unsigned char>(s[i + 1]);
        if (b1 < lo || b1 > hi) return false;
        for (std::size_t k = 2; k < n; ++k) {
            const auto b = static_cast<unsigned char>(s[i + k]);
            if (b < 0x80 || b > 0xbf) return false;
        }
        i += n;
    }
    return true;
}

}  // namespace guestd::api
