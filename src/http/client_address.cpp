#include "http/client_address.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>

#include <algorithm>
#include <stdexcept>

namespace guestd::http {
namespace {

namespace ip = boost::asio::ip;
using boost::system::error_code;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

/// An address, IPv4-mapped IPv6 addresses as IPv4; nothing when s is not exactly an address.
std::optional<ip::address> parse_address(std::string_view s) {
    // Addresses are short; refusing long input early keeps garbage cheap.
    if (s.empty() || s.size() > 45) return std::nullopt;
    error_code ec;
    auto a = ip::make_address(std::string(s), ec);
    if (ec) return std::nullopt;
    if (a.is_v6() && a.to_v6().is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, a.to_v6());
    return a;
}

std::optional<trusted_proxies::range> parse_range(std::string_view s) {
    s = trim(s);
    if (s.empty() || s.size() > 49) return std::nullopt;
    trusted_proxies::range r;
    const auto slash = s.find('/');
    error_code ec;
    if (slash == std::string_view::npos) {
        const auto a = parse_address(s);
        if (!a) return std::nullopt;
        r.v4 = a->is_v4();
        if (r.v4) {
            const auto b = a->to_v4().to_bytes();
            std::copy(b.begin(), b.end(), r.bytes.begin());
            r.prefix = 32;
        } else {
            r.bytes = a->to_v6().to_bytes();
            r.prefix = 128;
        }
        return r;
    }
    const std::string text(s);
    if (s.find(':') == std::string_view::npos) {
        const auto n = ip::make_network_v4(text, ec);
        if (ec) return std::nullopt;
        const auto b = n.canonical().address().to_bytes();
        std::copy(b.begin(), b.end(), r.bytes.begin());
        r.prefix = static_cast<unsigned>(n.prefix_length());
    } else {
        const auto n = ip::make_network_v6(text, ec);
        if (ec) return std::nullopt;
        r.v4 = false;
        r.bytes = n.canonical().address().to_bytes();
        r.prefix = static_cast<unsigned>(n.prefix_length());
    }
    return r;
}

bool in_range(const trusted_proxies::range& r, const ip::address& a) {
    if (r.v4 != a.is_v4()) return false;
    std::array<unsigned char, 16> bytes{};
    if (a.is_v4()) {
        const auto b = a.to_v4().to_bytes();
        std::copy(b.begin(), b.end(), bytes.begin());
    } else {
        bytes = a.to_v6().to_bytes();
    }
    unsigned bits = r.prefix;
    for (std::size_t i = 0; bits > 0; ++i, bits = bits >= 8 ? bits - 8 : 0) {
        const auto mask = static_cast<unsigned char>(bits >= 8 ? 0xffu : 0xffu << (8 - bits));
        if ((bytes[i] & mask) != (r.bytes[i] & mask)) return false;
    }
    return true;
}

}  // namespace

trusted_proxies trusted_proxies::parse(const std::vector<std::string>& ranges) {
    trusted_proxies out;
    for (const auto& s : ranges) {
        if (s.empty()) continue;  // an empty setting names no proxy
        const auto r = parse_range(s);
        if (!r) throw std::invalid_argument("not an IP address range (CIDR): " + s);
        out.ranges_.push_back(*r);
    }
    return out;
}

bool trusted_proxies::valid_range(std::string_view range) { return parse_range(range).has_value(); }

bool trusted_proxies::contains(std::string_view address) const {
    const auto a = parse_address(trim(address));
    return a && std::any_of(ranges_.begin(), ranges_.end(), [&](const range& r) { return in_range(r, *a); });
}

std::string trusted_proxies::client_of(const std::string& peer,
                                       const std::vector<std::string_view>& forwarded_for) const {
    if (ranges_.empty() || forwarded_for.empty() || !contains(peer)) return peer;
    // Every hop of every header, left to right; any entry that is not an address makes the whole header unusable.
    std::vector<ip::address> hops;
    for (const auto value : forwarded_for) {
        std::string_view rest = value;
        while (true) {
            const auto comma = rest.find(',');
            const auto a = parse_address(trim(rest.substr(0, comma)));
            if (!a || hops.size() >= 64) return peer;
            hops.push_back(*a);
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
    }
    const auto trusted = [&](const ip::address& a) {
        return std::any_of(ranges_.begin(), ranges_.end(), [&](const range& r) { return in_range(r, a); });
    };
    for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
        if (!trusted(*it)) return it->to_string();
    }
    return hops.front().to_string();
}

}  // namespace guestd::http
