#include "api/router.hpp"

#include "api/errors.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace guestd::api {
namespace {

// Splits off the next '/'-separated segment of s (s loses it and its separator); s is empty afterwards when the
// segment was the last.
std::string_view next_segment(std::string_view& s, bool& done) noexcept {
    const std::size_t slash = s.find('/');
    const std::string_view seg = s.substr(0, slash);
    done = slash == std::string_view::npos;
    s = done ? std::string_view{} : s.substr(slash + 1);
    return seg;
}

bool is_param(std::string_view seg) noexcept { return seg.size() >= 2 && seg.front() == '{' && seg.back() == '}'; }

// Walks pattern and path together; calls on_param(name, value) for every `{name}` segment. False on mismatch.
template <class OnParam>
bool walk(std::string_view pattern, std::string_view path, OnParam&& on_param) noexcept {
    bool pattern_done = false;
    bool path_done = false;
    while (!pattern_done && !path_done) {
        const std::string_view want = next_segment(pattern, pattern_done);
        const std::string_view got = next_segment(path, path_done);
        if (is_param(want)) {
            if (got.empty()) return false;
            on_param(want.substr(1, want.size() - 2), got);
        } else if (want != got) {
            return false;
        }
    }
    return pattern_done && path_done;
}

}  // namespace

bool path_matches(std::string_view pattern, std::string_view path) noexcept {
    return walk(pattern, path, [](std::string_view, std::string_view) {});
}

std::optional<std::string_view> path_param(std::string_view pattern, std::string_view path,
                                           std::string_view name) noexcept {
    std::optional<std::string_view> found;
    const bool ok = walk(pattern, path, [&](std::string_view n, std::string_view v) {
        if (n == name && !found) found = v;
    });
    return ok ? found : std::nullopt;
}

route_result find_route(std::span<const endpoint> table, verb method, std::string_view path) {
    // Find the endpoint, remembering which other methods the path answers to
    std::vector<verb> allowed;
    for (const endpoint& ep : table) {
        if (!path_matches(ep.path, path)) continue;
        if (ep.method == method) return &ep;
        if (std::find(allowed.begin(), allowed.end(), ep.method) == allowed.end()) allowed.push_back(ep.method);
    }
    // Answer 404 for an unknown path, 405 with Allow for a known path and another method
    const dialect d = dialect_of_path(path);
    if (allowed.empty()) return status_response(d, error_style::fields, 404, "not found");
    response r = status_response(d, error_style::fields, 405, "method not allowed");
    std::string allow;
    for (const verb v : allowed) {
        if (!allow.empty()) allow += ", ";
        allow += to_string(v);
    }
    r.headers.push_back({"allow", std::move(allow)});
    return r;
}

}  // namespace guestd::api
