// The client address of a request behind trusted reverse proxies (issue #5): when the TCP peer is one of the
// operator's proxies (--trusted-proxy), the address comes from X-Forwarded-For, else it is the peer. Public to the
// CLI (which validates the ranges) without Asio: ranges are kept as plain bytes.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace guestd::http {

/// The address ranges whose connections may name the client in X-Forwarded-For.
class trusted_proxies {
public:
    trusted_proxies() = default;

    /// Parses CIDR ranges ("10.0.0.0/8", "::1/128") or bare addresses (one host), skipping empty strings; throws std::invalid_argument
    /// naming the first one that is not a range.
    static trusted_proxies parse(const std::vector<std::string>& ranges);

    /// Whether range is an IPv4 or IPv6 CIDR range or a bare address.
    static bool valid_range(std::string_view range);

    bool empty() const { return ranges_.empty(); }

    /// Whether address (textual IPv4 or IPv6; an IPv4-mapped IPv6 address counts as its IPv4 address) is inside
    /// one of the ranges. False for anything that is not an address.
    bool contains(std::string_view address) const;

    /// The client address of a request from peer carrying the X-Forwarded-For values forwarded_for (every such
    /// header's value, in order). An untrusted peer, no header, or a header that is not a comma-separated list
    /// of addresses give the peer. Otherwise the list is walked from the right, skipping trusted proxies; the
    /// first untrusted address wins, or the leftmost when all are trusted. Never throws on hostile input.
    std::string client_of(const std::string& peer, const std::vector<std::string_view>& forwarded_for) const;

    /// One range: the network's first 16 bytes (IPv4 in the first 4) and its prefix length.
    struct range {
        bool v4 = true;
        std::array<unsigned char, 16> bytes{};
        unsigned prefix = 0;
    };

private:
    std::vector<range> ranges_;
};

}  // namespace guestd::http
