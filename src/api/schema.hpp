// A small JSON-schema dialect for request and response bodies. The endpoint table points at these; the
// validator (validate.hpp) checks request bodies against them and openapi.hpp renders them into OpenAPI 3.1.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

namespace guestd::api {

enum class json_type {
    string,
    integer,
    number,
    boolean,
    object,
    array,
    scalar,  // a string or a number (PMS pushes send "2" and 2 alike); the number is an integer unless the
             // format is decimal
};

/// The integers a field accepts, both bounds included: the int64 its handler reads, narrowed to what the field
/// means (a merchantId is 1 to 2147483647). An integer must be written as one, digits with an optional '-': a
/// fraction or an exponent makes Boost.JSON read a double, whose text the value no longer tells (1e-400 reads
/// as 0, 1.00000000000000001 as 1), so such a number is refused even when its value is whole.
struct integer_range {
    std::int64_t minimum = std::numeric_limits<std::int64_t>::min();
    std::int64_t maximum = std::numeric_limits<std::int64_t>::max();
};

/// Decimals (json_type::number, and string_format::decimal as a string or a number) have at most this many
/// digits before the point, |x| < 10^15, so every whole amount survives the trip through a double (DBL_DIG is
/// 15). A decimal sent as a JSON number is read as a double and kept as the shortest text that reads back as it.
inline constexpr int decimal_integer_digits = 15;
/// 10^decimal_integer_digits: a decimal's magnitude stays below it.
inline constexpr std::int64_t decimal_limit = [] {
    std::int64_t n = 1;
    for (int i = 0; i < decimal_integer_digits; ++i) n *= 10;
    return n;
}();

/// Extra rules on strings, checked by the validator and named in OpenAPI as `format`.
enum class string_format {
    none,
    email,        // one '@', a dot in the domain, no spaces, at most 254 bytes
    date,         // YYYY-MM-DD, a real calendar day
    date_time,    // YYYY-MM-DD HH:MM:SS
    time,         // HH:MM:SS or HH:MM
    country,      // ISO 3166-1 alpha-2, upper or lower case
    language,     // ISO 639-1, two letters
    phone,        // international: '+' then 6 to 15 digits (spaces, dots and dashes ignored)
    decimal,      // [+-]digits[.digits]
    non_empty,    // at least one non-space character
};

struct schema;

struct property {
    std::string_view name;
    json_type type = json_type::string;
    bool required = false;
    bool nullable = false;
    std::size_t max_length = 0;             // strings: bytes; 0 = the validator's default (1024)
    string_format format = string_format::none;
    const schema* object = nullptr;         // type == object: its schema
    const schema* items = nullptr;          // type == array: the schema of each item
    json_type item_type = json_type::string;  // type == array and items == nullptr: scalar items
    std::size_t max_items = 0;              // arrays: 0 = the validator's default (1000)
    std::vector<std::string_view> allowed;  // strings: the only values allowed (an enum), empty = any
    integer_range range = {};               // integers, integer items, the number form of a scalar (not decimal)
    std::string_view description;
};

struct schema {
    std::string_view name;  // component name in OpenAPI ("GuestInformation")
    json_type type = json_type::object;
    std::vector<property> properties;  // type == object
    bool additional_properties = false;  // objects: unknown keys are an error unless true
    bool string_values = false;          // objects with additional_properties: every value must be a string
    const schema* items = nullptr;       // type == array: the item schema
    std::size_t max_items = 0;
    std::string_view description;
    std::string_view example;  // JSON text shown in OpenAPI
};

}  // namespace guestd::api
