#include "import/row_builder.hpp"

#include "api/validate.hpp"
#include "import/input.hpp"

#include <boost/json/array.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <charconv>

namespace guestd::import {
namespace {

namespace json = boost::json;

/// Where a path segment lands in the schema: an object with known fields, a list, a single value, or anywhere
/// below a field the schema lets through unchecked.
struct position {
    enum kind_t { object, array, value, free } kind = free;
    const api::schema* object_schema = nullptr;  // kind == object
    const api::schema* items = nullptr;          // kind == array: the item schema (nullptr: single values)
    std::size_t max_items = 0;                   // kind == array
};

position of_property(const api::property& p) {
    switch (p.type) {
        case api::json_type::object:
            return p.object != nullptr ? position{position::object, p.object} : position{};
        case api::json_type::array:
            return {position::array, nullptr, p.items, p.max_items == 0 ? api::default_max_items : p.max_items};
        case api::json_type::string:
        case api::json_type::integer:
        case api::json_type::number:
        case api::json_type::boolean:
        case api::json_type::scalar:
            return {position::value};
    }
    return {};
}

position of_schema(const api::schema* s) {
    if (s == nullptr) return {position::value};
    switch (s->type) {
        case api::json_type::object: return {position::object, s};
        case api::json_type::array:
            return {position::array, nullptr, s->items, s->max_items == 0 ? api::default_max_items : s->max_items};
        case api::json_type::string:
        case api::json_type::integer:
        case api::json_type::number:
        case api::json_type::boolean:
        case api::json_type::scalar:
            return {position::value};
    }
    return {};
}

std::vector<std::string_view> split(std::string_view path) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (;;) {
        const std::size_t dot = path.find('.', start);
        parts.push_back(path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
        if (dot == std::string_view::npos) return parts;
        start = dot + 1;
    }
}

core::result<std::size_t> parse_index(std::string_view s) {
    std::size_t n = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return core::fail(core::errc::invalid_argument, "");
    return n;
}

std::unexpected<core::error> bad_column(std::string_view column, std::string reason) {
    return core::invalid("bad CSV header", {{std::string(column), std::move(reason)}});
}

}  // namespace

core::result<row_builder> row_builder::compile(const std::vector<std::string_view>& header, const api::schema& item) {
    row_builder b;
    b.columns_ = header.size();
    b.nodes_.push_back({.kind = node_kind::object});
    for (std::size_t column = 0; column < header.size(); ++column) {
        const std::string_view path = header[column];
        if (path.empty()) return bad_column(path, "is an empty column name");
        if (!valid_utf8(path)) return bad_column("#" + std::to_string(column + 1), "is not valid UTF-8");

        // Walk the schema and the tree side by side, one segment at a time
        position at{position::object, &item};
        std::size_t n = 0;
        const auto parts = split(path);
        for (std::size_t k = 0; k < parts.size(); ++k) {
            const std::string_view part = parts[k];
            if (part.empty()) return bad_column(path, "has an empty part");
            if (b.nodes_[n].kind == node_kind::value) return bad_column(path, "goes inside another column's value");

            // Where this segment lands
            node child;
            position next;
            switch (at.kind) {
                case position::object: {
                    const auto& props = at.object_schema->properties;
                    const auto p = std::find_if(props.begin(), props.end(), [&](const api::property& q) { return q.name == part; });
                    if (p != props.end()) {
                        next = of_property(*p);
                    } else if (at.object_schema->additional_properties) {
                        next = at.object_schema->string_values ? position{position::value} : position{};
                        if (next.kind == position::free) b.unknown_.emplace_back(path);
                    } else {
                        return bad_column(path, "'" + std::string(part) + "' is not a field here");
                    }
                    child.key = part;
                    break;
                }
                case position::array: {
                    const auto index = parse_index(part);
                    if (!index) return bad_column(path, "'" + std::string(part) + "' must be a list index (0, 1, ...)");
                    if (*index >= at.max_items)
                        return bad_column(path, "index " + std::string(part) + " is past the list's limit of " +
                                                    std::to_string(at.max_items));
                    child.index = *index;
                    next = of_schema(at.items);
                    break;
                }
                case position::value:
                    return bad_column(path, "goes inside a single value");
                case position::free:
                    child.key = part;
                    next = position{};
                    break;
            }
            const bool last = k + 1 == parts.size();
            if (last && (next.kind == position::object || next.kind == position::array))
                return bad_column(path, "names an object or a list; name a field inside it");
            child.kind = last ? node_kind::value : next.kind == position::array ? node_kind::array : node_kind::object;

            // Find or add the node
            const bool in_array = b.nodes_[n].kind == node_kind::array;
            std::size_t found = 0;
            for (const std::size_t c : b.nodes_[n].children) {
                const node& existing = b.nodes_[c];
                if (in_array ? existing.index == child.index : existing.key == child.key) {
                    found = c;
                    break;
                }
            }
            if (found != 0) {
                if (last) return bad_column(path, b.nodes_[found].kind == node_kind::value ? "is repeated" : "is the parent of another column");
                n = found;
            } else {
                if (last) child.column = column;
                b.nodes_.push_back(std::move(child));
                const std::size_t added = b.nodes_.size() - 1;
                auto& kids = b.nodes_[n].children;
                kids.push_back(added);
                if (in_array)
                    std::sort(kids.begin(), kids.end(), [&](std::size_t x, std::size_t y) { return b.nodes_[x].index < b.nodes_[y].index; });
                n = added;
            }
            at = next;
        }
    }
    return b;
}

json::object row_builder::build(const std::vector<std::string_view>& cells, const json::storage_ptr& sp) const {
    json::object item(sp);
    item.reserve(nodes_[0].children.size());
    json::value v(sp);
    for (const std::size_t c : nodes_[0].children)
        if (build_node(c, cells, sp, v)) item.emplace(nodes_[c].key, std::move(v));
    return item;
}

bool row_builder::build_node(std::size_t n, const std::vector<std::string_view>& cells, const json::storage_ptr& sp,
                             json::value& out) const {
    const node& nd = nodes_[n];
    switch (nd.kind) {
        case node_kind::value: {
            const std::string_view cell = cells[nd.column];
            if (cell.empty()) return false;
            out.emplace_string().assign(cell);
            return true;
        }
        case node_kind::object: {
            json::object o(sp);
            json::value v(sp);
            for (const std::size_t c : nd.children)
                if (build_node(c, cells, sp, v)) o.emplace(nodes_[c].key, std::move(v));
            if (o.empty()) return false;
            out = std::move(o);
            return true;
        }
        case node_kind::array: {
            json::array a(sp);
            json::value v(sp);
            for (const std::size_t c : nd.children)
                if (build_node(c, cells, sp, v)) a.push_back(std::move(v));
            if (a.empty()) return false;
            out = std::move(a);
            return true;
        }
    }
    return false;
}

}  // namespace guestd::import
