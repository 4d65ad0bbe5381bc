// Credential stuffing (issue #6) with THC-hydra (Debian's `hydra`) against the Experience login endpoint, guestd
// reached directly: hydra's http-post-form module sends whatever body its form string holds, so the string is the
// JSON body, with H= headers replacing the Content-Type and adding the partner's Bearer credentials, and S=token
// as the success condition (a 200 carries {"token": ...}; a 401 or a 429 does not). The right password sits late
// in the list: the account lock (10 failures) stops hydra first, so it finds nothing even though it tries it.
// The real guest then resets the password through the email's link and the hosted page, and logs in.
// A second run guesses reset codes on the hosted page (a real form, hydra's home ground): the per-address
// completion throttle (10 per 10 minutes) stops it before the real code comes up, and the guest, from another
// address, still completes the reset with that code.
#include "attack/raw_socket.hpp"
#include "integration/paytronix_fixture.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace guestd::itest {
namespace {

constexpr std::string_view john = "john.doe@example.com";
constexpr std::string_view password = "correct horse battery staple";
constexpr std::string_view new_password = "a brand new passphrase 42";
constexpr int k_guesses = 60;
constexpr int k_right_at = 40;  // 1-based position of the right password in the list

/// Runs a shell command; its stdout and stderr together, and its exit code.
std::pair<std::string, int> run_shell(const std::string& command) {
    std::string out;
    int code = -1;
    if (FILE* p = ::popen((command + " 2>&1").c_str(), "r")) {
        char buf[4096];
        while (const std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
        const int status = ::pclose(p);
        code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    return {out, code};
}

/// How many access-log lines on stderr are for path with that status.
int logged(const std::string& log, std::string_view path, int status) {
    const std::string p = "\"path\":\"" + std::string(path) + "\"";
    const std::string s = "\"status\":" + std::to_string(status) + ",";
    int n = 0;
    std::size_t start = 0;
    while (start < log.size()) {
        std::size_t end = log.find('\n', start);
        if (end == std::string::npos) end = log.size();
        const std::string_view line(log.data() + start, end - start);
        if (line.find("\"event\":\"request\"") != std::string_view::npos && line.find(p) != std::string_view::npos &&
            line.find(s) != std::string_view::npos)
            ++n;
        start = end + 1;
    }
    return n;
}

/// True when hydra went through its whole list against the one target. hydra 9.4 sometimes exits 255 with
/// "[ERROR] 1 target did not resolve or could not be connected" after "1 of 1 target completed", when a worker is
/// still winding down at the end: its own counting bug (thc-hydra issue #1102, a counter reused for the active
/// heads), not a connection the server refused. Every other outcome still fails.
bool hydra_completed(const std::string& out, int code) {
    if (out.find("1 of 1 target completed") == std::string::npos) return false;
    const bool spurious_error = out.find("target did not resolve or could not be connected") != std::string::npos;
    return code == 0 || (code == 255 && spurious_error);
}

class CredentialStuffing : public paytronix_test {
protected:
    /// Runs hydra's http-post-form module against this server with the given list and form string (from the
    /// test's directory, so its restore file lands there); its output and exit code.
    std::pair<std::string, int> hydra(const std::filesystem::path& list, const std::string& login_name,
                                      const std::string& form) {
        const std::string port = server_->base_url().substr(server_->base_url().rfind(':') + 1);
        return run_shell("cd '" + dir_->path().string() + "' && timeout 150 /usr/bin/hydra -V -I -l '" + login_name +
                         "' -P '" + list.string() + "' -s " + port + " -t 4 -w 30 -o '" +
                         (dir_->path() / "hydra.found").string() + "' 127.0.0.1 http-post-form '" + form + "'");
    }
};

TEST_F(CredentialStuffing, HydraIsStoppedByTheLockAndTheGuestCanStillResetAndLogIn) {
    (void)make_account(john, password);
    ASSERT_FALSE(login(john, password).empty());

    // The password list: guesses, with the right one late.
    const auto list = dir_->path() / "passwords.txt";
    {
        std::ofstream out(list);
        for (int i = 1; i <= k_guesses; ++i) out << (i == k_right_at ? std::string(password) : "guess-" + std::to_string(i) + "-x") << '\n';
    }

    // hydra's form string: path, body, options; colons inside are escaped. Tokens are base64url (no quotes).
    const std::string bearer = default_auth().substr(std::string("Bearer ").size());
    std::string bearer_escaped;
    for (char c : bearer) bearer_escaped += c == ':' ? std::string("\\:") : std::string(1, c);
    const std::string form = "/api/xp-guest-account/login:"
                             "{\"email\"\\:\"^USER^\",\"password\"\\:\"^PASS^\"}:"
                             "H=Authorization\\: Bearer " + bearer_escaped + ":"
                             "H=Content-Type\\: application/json:"
                             "S=token";
    const auto [out, code] = hydra(list, std::string(john), form);
    SCOPED_TRACE("hydra said:\n" + out);

    // hydra ran to the end of the list, tried the right password, and found nothing.
    EXPECT_TRUE(hydra_completed(out, code)) << "exit code " << code;
    EXPECT_NE(out.find("0 valid password found"), std::string::npos);
    EXPECT_NE(out.find("pass \"" + std::string(password) + "\""), std::string::npos) << "hydra tried the right one";
    EXPECT_EQ(out.find("password: " + std::string(password)), std::string::npos);
    EXPECT_EQ(read_file(dir_->path() / "hydra.found").find(std::string(password)), std::string::npos);

    // The server saw the attack: at most the threshold (plus hydra's in-flight tries) got a verdict; the rest, the
    // right password among them, met the lock.
    const std::string log = server_->stderr_text();
    const int refused = logged(log, "/api/xp-guest-account/login", 429);
    const int wrong = logged(log, "/api/xp-guest-account/login", 401);
    EXPECT_GE(refused, k_guesses - k_right_at) << "the lock answered 429";
    EXPECT_GE(wrong, 10);
    EXPECT_EQ(logged(log, "/api/xp-guest-account/login", 200), 1) << "only the test's own login before the attack";

    // The real guest is locked out of login too...
    const http_response locked = login_call(john, password);
    EXPECT_TRUE(has_status(locked, 429));
    EXPECT_TRUE(locked.header("Retry-After").has_value());

    // ...but can reset the password: request, email, the hosted page, a new password, and log in.
    EXPECT_TRUE(is_reset_success(request_reset({{"authentication", "anonymous"}, {"merchantId", 1234}, {"email", john}}),
                                 john));
    const auto mails = wait_for_mails(1);
    ASSERT_EQ(mails.size(), 1u);
    const std::string link = reset_link(mails[0]);
    ASSERT_FALSE(link.empty());
    EXPECT_TRUE(has_status(open_page(link), 200));
    const http_response done = submit_page(code_of(link), new_password, new_password);
    EXPECT_TRUE(has_status(done, 200));
    EXPECT_FALSE(login(john, new_password).empty()) << "a completed reset lifts the lock";
    EXPECT_TRUE(has_status(login_call(john, password), 401)) << "the old password is gone";
}

TEST_F(CredentialStuffing, HydraGuessingResetCodesIsThrottledAndTheGuestStillCompletesFromItsOwnAddress) {
    (void)make_account(john, password);
    const std::string real_code = reset_code_for(john);
    ASSERT_FALSE(real_code.empty());

    // Codes to try on the hosted page's form, the real one 25th.
    const auto list = dir_->path() / "codes.txt";
    {
        std::ofstream out(list);
        for (int i = 1; i <= 30; ++i) out << (i == 25 ? real_code : "guessed-code-" + std::to_string(i) + "-abcdefgh") << '\n';
    }
    const std::string chosen = "Brand-new-pass-77";
    const auto [out, code] = hydra(list, "guest",
                                   "/reset-password:merchant=1234&code=^PASS^&password=" + chosen +
                                       "&password_confirm=" + chosen + ":S=has been changed");
    SCOPED_TRACE("hydra said:\n" + out);
    EXPECT_TRUE(hydra_completed(out, code)) << "exit code " << code;
    EXPECT_NE(out.find("0 valid password found"), std::string::npos);
    EXPECT_NE(out.find("pass \"" + real_code + "\""), std::string::npos) << "hydra tried the real code";
    EXPECT_GT(logged(server_->stderr_text(), "/reset-password", 429), 0) << "the throttle answered";
    EXPECT_TRUE(has_status(login_call(john, chosen), 401)) << "hydra's password was never set";

    // The guest, on another address, completes the reset with the code from the email.
    raw_socket guest_socket(port_of(server_->base_url()), "127.0.0.2");
    const std::string form = "merchant=1234&code=" + url_encode(real_code) + "&password=" + url_encode(new_password) +
                             "&password_confirm=" + url_encode(new_password);
    ASSERT_TRUE(guest_socket.send("POST /reset-password HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                                  "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
                                  std::to_string(form.size()) + "\r\n\r\n" + form));
    const std::string page = guest_socket.read_until_closed(std::chrono::seconds(30));
    EXPECT_EQ(status_of(page), 200) << page;
    EXPECT_NE(page.find("has been changed"), std::string::npos) << page;
    EXPECT_FALSE(login(john, new_password).empty());
}

}  // namespace
}  // namespace guestd::itest
