// Strong id types, so a merchant id can never be passed where an account id is expected.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

namespace guestd::core {

template <class Tag>
struct id {
    std::int64_t value = 0;
    constexpr explicit id(std::int64_t v = 0) noexcept : value(v) {}
    friend constexpr auto operator<=>(id, id) = default;
};

using merchant_id = id<struct merchant_tag>;
using partner_id = id<struct partner_tag>;
using guest_id = id<struct guest_tag>;
using account_id = id<struct account_tag>;
using reservation_id = id<struct reservation_tag>;

}  // namespace guestd::core

template <class Tag>
struct std::hash<guestd::core::id<Tag>> {
    std::size_t operator()(guestd::core::id<Tag> i) const noexcept { return std::hash<std::int64_t>{}(i.value); }
};
