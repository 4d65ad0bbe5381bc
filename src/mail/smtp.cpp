// The SMTP transport: one libcurl transfer per message (MAIL FROM, RCPT TO, DATA), over smtp:// with optional
// STARTTLS or over smtps://, with optional AUTH. Failures are sorted into transient (retry later) and permanent
// (the server refused this sender or recipient for good); their text never holds the password.
#include "mail/transport.hpp"

#include "core/text.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace guestd::mail {
namespace {

void global_init_once() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("curl_global_init failed");
    });
}

/// The address inside "Name <a@b>" (or a bare "a@b"), as "<a@b>"; empty when it is not a usable address.
std::string envelope_address(std::string_view s) {
    if (const auto open = s.rfind('<'); open != std::string_view::npos) {
        const auto close = s.find('>', open);
        if (close == std::string_view::npos) return {};
        s = s.substr(open + 1, close - open - 1);
    }
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    // Refuse what would break the SMTP command line or smuggle another one into it.
    const bool usable = !s.empty() && s.find('@') != std::string_view::npos &&
                        std::none_of(s.begin(), s.end(), [](char c) {
                            const auto u = static_cast<unsigned char>(c);
                            return u < 0x20 || u == 0x7f || c == '<' || c == '>' || c == ' ';
                        });
    return usable ? core::concat("<", s, ">") : std::string{};
}

struct curl_url_deleter {
    void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

struct url_parts {
    std::string without_credentials;     // for describe() and error texts
    std::vector<std::string> passwords;  // a password written into the URL itself (raw, decoded), to scrub
};

url_parts split_url(const std::string& url) {
    // Unparsable, it is never echoed (it may hold credentials); the transfer will fail and say why.
    url_parts parts{"smtp:(unparsable URL)", {}};
    std::unique_ptr<CURLU, curl_url_deleter> u(curl_url());
    if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return parts;
    for (const unsigned flags : {0U, static_cast<unsigned>(CURLU_URLDECODE)}) {
        char* pw = nullptr;
        if (curl_url_get(u.get(), CURLUPART_PASSWORD, &pw, flags) == CURLUE_OK && pw)
            parts.passwords.emplace_back(pw);
        curl_free(pw);
    }
    curl_url_set(u.get(), CURLUPART_USER, nullptr, 0);
    curl_url_set(u.get(), CURLUPART_PASSWORD, nullptr, 0);
    curl_url_set(u.get(), CURLUPART_OPTIONS, nullptr, 0);
    char* clean = nullptr;
    if (curl_url_get(u.get(), CURLUPART_URL, &clean, 0) == CURLUE_OK && clean) parts.without_credentials = clean;
    curl_free(clean);
    // "smtp://host:25/" reads better as "smtp://host:25".
    char* path = nullptr;
    if (curl_url_get(u.get(), CURLUPART_PATH, &path, 0) == CURLUE_OK && path && std::string_view(path) == "/" &&
        parts.without_credentials.ends_with('/'))
        parts.without_credentials.pop_back();
    curl_free(path);
    return parts;
}

/// Replaces every occurrence of each secret in text. A belt to the braces of never putting one there: shorter
/// secrets would only match by coincidence and mangle the text.
void scrub(std::string& text, const std::vector<std::string>& secrets) {
    for (const auto& secret : secrets) {
        if (secret.size() < 4) continue;
        for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3))
            text.replace(at, secret.size(), "***");
    }
}

// State one transfer's callbacks share: the body still to upload and the server's last refusal.
struct transfer {
    std::string_view remaining;
    std::string last_refusal;
};

size_t read_body(char* buffer, size_t size, size_t count, void* user) {
    auto& t = *static_cast<transfer*>(user);
    const size_t n = std::min(size * count, t.remaining.size());
    std::memcpy(buffer, t.remaining.data(), n);
    t.remaining.remove_prefix(n);
    return n;
}

// Keeps the server's last refusal ("550 5.1.1 no such user") for the error text: the reply to QUIT that follows
// must not hide it. Ignores everything else verbose mode reports, including what we send (AUTH has the password).
int keep_refusal(CURL*, curl_infotype type, char* data, size_t size, void* user) {
    if (type != CURLINFO_HEADER_IN || size == 0 || (data[0] != '4' && data[0] != '5')) return 0;
    std::string_view line(data, size);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    auto& refusal = static_cast<transfer*>(user)->last_refusal;
    refusal.assign(line.substr(0, 200));
    std::replace_if(refusal.begin(), refusal.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }, ' ');
    return 0;
}

struct curl_easy_deleter {
    void operator()(CURL* c) const { curl_easy_cleanup(c); }
};

struct slist_deleter {
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

class smtp_transport final : public transport {
public:
    explicit smtp_transport(smtp_options options) : options_(std::move(options)) {
        auto parts = split_url(options_.url);
        described_ = std::move(parts.without_credentials);
        secrets_ = std::move(parts.passwords);
        secrets_.push_back(options_.password);
    }

    std::optional<delivery_error> send(const store::outbox_message& m) override {
        // Check both envelope addresses first: a broken one will never get better.
        const auto from = envelope_address(m.sender);
        if (from.empty()) return delivery_error{"invalid sender address", true};
        const auto to = envelope_address(m.recipient);
        if (to.empty()) return delivery_error{"invalid recipient address", true};

        std::unique_ptr<CURL, curl_easy_deleter> curl(curl_easy_init());
        if (!curl) return delivery_error{described_ + ": cannot create a libcurl handle", false};
        std::unique_ptr<curl_slist, slist_deleter> rcpt(curl_slist_append(nullptr, to.c_str()));
        if (!rcpt) return delivery_error{described_ + ": out of memory", false};

        // Describe the transfer: where, who, what, how securely, how long at most.
        transfer t{m.content, {}};
        char error_buffer[CURL_ERROR_SIZE] = {};
        CURL* c = curl.get();
        curl_easy_setopt(c, CURLOPT_URL, options_.url.c_str());
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
        curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
        curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt.get());
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, &read_body);
        curl_easy_setopt(c, CURLOPT_READDATA, &t);
        curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(m.content.size()));
        if (!options_.username.empty()) {
            curl_easy_setopt(c, CURLOPT_USERNAME, options_.username.c_str());
            curl_easy_setopt(c, CURLOPT_PASSWORD, options_.password.c_str());
        }
        if (options_.starttls) curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(options_.timeout.count()));
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options_.timeout.count()));
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer);
        curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, &keep_refusal);
        curl_easy_setopt(c, CURLOPT_DEBUGDATA, &t);
        curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);

        // Run the SMTP conversation.
        const CURLcode rc = curl_easy_perform(c);
        if (rc == CURLE_OK) return std::nullopt;

        // Sort the failure: a 5xx answer to MAIL, RCPT or DATA is final; anything else (refused or dropped
        // connections, timeouts, 4xx, TLS or AUTH trouble, which are configuration to fix) is worth retrying.
        long code = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
        const bool permanent = (rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR) && code >= 500 && code < 600;
        std::string detail = error_buffer[0] ? error_buffer : curl_easy_strerror(rc);
        if (!t.last_refusal.empty()) detail += " (server said: " + t.last_refusal + ")";
        scrub(detail, secrets_);
        return delivery_error{described_ + ": " + detail, permanent};
    }

    std::string describe() const override { return described_; }

private:
    smtp_options options_;
    std::string described_;
    std::vector<std::string> secrets_;
};

}  // namespace

std::unique_ptr<transport> make_smtp(const smtp_options& options) {
    global_init_once();
    return std::make_unique<smtp_transport>(options);
}

}  // namespace guestd::mail
