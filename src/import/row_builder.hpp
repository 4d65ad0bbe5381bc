// From a CSV row to the JSON item the push APIs take: each header cell is a dotted path into that item
// (`customer.email`, `rooms.0.number`, `extra_attributes.Payment`). The header is checked against the item's
// schema once, so a misspelt column fails the import at its first line rather than every row.
#pragma once

#include "api/schema.hpp"
#include "core/error.hpp"

#include <boost/json/object.hpp>
#include <boost/json/storage_ptr.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace guestd::import {

class row_builder {
public:
    /// Compiles the header against the item schema. invalid_argument naming the column when a path is empty or
    /// has an empty part, names a field the schema does not allow, goes through a single value, uses a name where
    /// a list index is expected (or an index past the list's limit), stops at an object or list, repeats a
    /// column, or is both a value and the parent of another column.
    static core::result<row_builder> compile(const std::vector<std::string_view>& header, const api::schema& item);

    /// The item of one row (cells as many as the header's): every cell is a JSON string; an empty cell is an
    /// absent field, and an object or list left empty is absent too (so `rooms.1.*` alone makes a one-room list).
    boost::json::object build(const std::vector<std::string_view>& cells, const boost::json::storage_ptr& sp = {}) const;

    /// How many columns the header has.
    std::size_t columns() const noexcept { return columns_; }

    /// The columns naming no declared field, where the schema lets unknown keys through unchecked (as the API
    /// does): most likely misspelt, so the command warns about them.
    const std::vector<std::string>& unknown_columns() const noexcept { return unknown_; }

private:
    enum class node_kind { value, object, array };
    struct node {
        node_kind kind = node_kind::value;
        std::string key;          // the member name, in an object
        std::size_t index = 0;    // the list position, in an array
        std::size_t column = 0;   // for a value: the cell it takes
        std::vector<std::size_t> children;  // into nodes_; arrays keep them sorted by index
    };

    /// Builds node n into out; false when everything under it is empty.
    bool build_node(std::size_t n, const std::vector<std::string_view>& cells, const boost::json::storage_ptr& sp,
                    boost::json::value& out) const;

    std::vector<node> nodes_;  // nodes_[0] is the item object
    std::size_t columns_ = 0;
    std::vector<std::string> unknown_;
};

}  // namespace guestd::import
