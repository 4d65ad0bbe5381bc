// The client address behind trusted reverse proxies: X-Forwarded-For counts only from a trusted peer, walked from
// the right past trusted hops; anything malformed falls back to the peer.
#include "http/client_address.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace guestd::http {
namespace {

using hops = std::vector<std::string_view>;

TEST(TrustedProxies, ParsesRangesAndBareAddresses) {
    EXPECT_TRUE(trusted_proxies::valid_range("10.0.0.0/8"));
    EXPECT_TRUE(trusted_proxies::valid_range("192.168.1.7"));
    EXPECT_TRUE(trusted_proxies::valid_range("fd00::/8"));
    EXPECT_TRUE(trusted_proxies::valid_range("::1"));
    EXPECT_TRUE(trusted_proxies::valid_range("10.1.2.3/8")) << "host bits are ignored";
    for (const char* bad : {"", "10.0.0.0/33", "fd00::/129", "10.0.0/8", "example.com", "10.0.0.0/", "/8",
                            "10.0.0.0/8/8", "10.0.0.0/-1", "1.2.3.4:80"})
        EXPECT_FALSE(trusted_proxies::valid_range(bad)) << bad;
    EXPECT_THROW(trusted_proxies::parse({"10.0.0.0/8", "nope"}), std::invalid_argument);
    EXPECT_TRUE(trusted_proxies::parse({""}).empty()) << "an empty setting trusts none";
}

TEST(TrustedProxies, ContainsMatchesThePrefixOnly) {
    const auto p = trusted_proxies::parse({"10.0.0.0/8", "192.168.1.7", "fd00:1::/32"});
    EXPECT_TRUE(p.contains("10.255.0.1"));
    EXPECT_FALSE(p.contains("11.0.0.1"));
    EXPECT_TRUE(p.contains("192.168.1.7"));
    EXPECT_FALSE(p.contains("192.168.1.8"));
    EXPECT_TRUE(p.contains("fd00:1:ffff::1"));
    EXPECT_FALSE(p.contains("fd00:2::1"));
    EXPECT_TRUE(p.contains("::ffff:10.1.1.1")) << "an IPv4-mapped peer counts as its IPv4 address";
    EXPECT_FALSE(p.contains("garbage"));
    EXPECT_FALSE(p.contains(""));
}

TEST(TrustedProxies, WithoutRangesTheHeaderIsIgnored) {
    const trusted_proxies none;
    EXPECT_EQ(none.client_of("127.0.0.1", hops{"203.0.113.7"}), "127.0.0.1");
}

TEST(TrustedProxies, AnUntrustedPeerCannotNameAClient) {
    const auto p = trusted_proxies::parse({"10.0.0.0/8"});
    EXPECT_EQ(p.client_of("198.51.100.9", hops{"203.0.113.7"}), "198.51.100.9");
    EXPECT_EQ(p.client_of("198.51.100.9", hops{"10.0.0.1"}), "198.51.100.9");
}

TEST(TrustedProxies, ATrustedPeerNamesTheClient) {
    const auto p = trusted_proxies::parse({"10.0.0.0/8"});
    EXPECT_EQ(p.client_of("10.0.0.2", hops{"203.0.113.7"}), "203.0.113.7");
    EXPECT_EQ(p.client_of("10.0.0.2", hops{" 203.0.113.7 "}), "203.0.113.7");
    EXPECT_EQ(p.client_of("10.0.0.2", hops{}), "10.0.0.2") << "no header: the peer";
}

TEST(TrustedProxies, TheRightmostUntrustedHopWins) {
    const auto p = trusted_proxies::parse({"10.0.0.0/8"});
    // The client may put anything on the left; only what trusted proxies appended counts.
    EXPECT_EQ(p.client_of("10.0.0.2", hops{"1.1.1.1, 203.0.113.7, 10.0.0.5"}), "203.0.113.7");
    EXPECT_EQ(p.client_of("10.0.0.2", hops{"1.1.1.1,203.0.113.7"}), "203.0.113.7");
    // Several headers are one list, in order.
    EXPECT_EQ(p.client_of("10.0.0.2", hops{"1.1.1.1", "203.0.113.7, 10.9.9.9"}), "203.0.113.7");
    // Every hop trusted: the leftmost.
    EXPECT_EQ(p.client_of("10.0.0.2", hops{"10.0.0.7, 10.0.0.8"}), "10.0.0.7");
}

TEST(TrustedProxies, IPv6PeersAndHops) {
    const auto p = trusted_proxies::parse({"::1", "fd00::/8", "127.0.0.0/8"});
    EXPECT_EQ(p.client_of("::1", hops{"2001:db8::7"}), "2001:db8::7");
    EXPECT_EQ(p.client_of("::1", hops{"2001:DB8:0::7, fd00::3"}), "2001:db8::7") << "canonical spelling";
    EXPECT_EQ(p.client_of("::ffff:127.0.0.1", hops{"203.0.113.7"}), "203.0.113.7");
    EXPECT_EQ(p.client_of("::1", hops{"::ffff:203.0.113.7"}), "203.0.113.7") << "a mapped hop as IPv4";
    EXPECT_EQ(p.client_of("2001:db8::1", hops{"203.0.113.7"}), "2001:db8::1");
}

TEST(TrustedProxies, AMalformedHeaderFallsBackToThePeer) {
    const auto p = trusted_proxies::parse({"10.0.0.0/8"});
    for (const char* bad : {"", " ", "unknown", "203.0.113.7,", ",203.0.113.7", "203.0.113.7,,1.1.1.1",
                            "203.0.113.7:4711", "[2001:db8::7]", "203.0.113.7 1.1.1.1", "300.1.1.1",
                            "203.0.113.7\r\nX-Evil: 1", "for=203.0.113.7", "\xff\xfe"})
        EXPECT_EQ(p.client_of("10.0.0.2", hops{bad}), "10.0.0.2") << bad;
    EXPECT_EQ(p.client_of("10.0.0.2", hops{"203.0.113.7", "garbage"}), "10.0.0.2");
    const std::string long_list = [] {
        std::string s = "203.0.113.7";
        for (int i = 0; i < 10000; ++i) s += ",10.0.0.1";
        return s;
    }();
    EXPECT_EQ(p.client_of("10.0.0.2", hops{long_list}), "10.0.0.2") << "a list past 64 hops is not believed";
    EXPECT_EQ(p.client_of("", hops{"203.0.113.7"}), "") << "an unknown peer is never trusted";
}

}  // namespace
}  // namespace guestd::http
