#include "domain/mail.hpp"

#include "domain/secrets.hpp"

#include <gtest/gtest.h>

namespace guestd::domain {
namespace {

class Mail : public ::testing::Test {
protected:
    void SetUp() override { init_crypto(); }
    mail_context ctx_{.merchant_name = "Hôtel <Test>", .sender = "Hôtel Test <no-reply@hotel.example>",
                      .recipient = "jane@example.com", .firstname = "Jane", .language = "en",
                      .link = "https://hotel.example/reset?a=1&code=XYZ", .code = "XYZ", .minutes = 10};
};

TEST(QuotedPrintable, EncodesWhatMustBeAndKeepsLinesShort) {
    EXPECT_EQ(quoted_printable("a=b"), "a=3Db");
    EXPECT_EQ(quoted_printable("é"), "=C3=A9");
    EXPECT_EQ(quoted_printable("end \nnext"), "end=20\r\nnext");
    const auto long_line = quoted_printable(std::string(200, 'x'));
    for (std::size_t start = 0, end; start < long_line.size(); start = end + 2) {
        end = long_line.find("\r\n", start);
        if (end == std::string::npos) end = long_line.size();
        EXPECT_LE(end - start, 76u);
    }
}

TEST_F(Mail, AResetMessageIsMultipartWithStableHeaders) {
    const auto m = compose("reset", ctx_, 1'700'000'000, std::nullopt);
    EXPECT_EQ(m.recipient, "jane@example.com");
    EXPECT_TRUE(m.message_id.starts_with("<"));
    EXPECT_TRUE(m.message_id.ends_with("@hotel.example>"));
    EXPECT_NE(m.content.find("Message-ID: " + m.message_id + "\r\n"), std::string::npos);
    EXPECT_NE(m.content.find("Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"), std::string::npos);
    EXPECT_NE(m.content.find("From: =?UTF-8?B?"), std::string::npos);  // the accented name is encoded
    EXPECT_NE(m.content.find("Subject: =?UTF-8?B?"), std::string::npos);
    EXPECT_NE(m.content.find("multipart/alternative"), std::string::npos);
    EXPECT_NE(m.content.find("text/plain; charset=utf-8"), std::string::npos);
    EXPECT_NE(m.content.find("text/html; charset=utf-8"), std::string::npos);
    EXPECT_EQ(m.content.find("\n\n"), std::string::npos) << "bare LF line ends";
}

TEST_F(Mail, HtmlValuesAreEscaped) {
    const auto m = compose("reset", ctx_, 0, std::nullopt);
    EXPECT_NE(m.content.find("H=C3=B4tel &lt;Test&gt;"), std::string::npos);
    EXPECT_NE(m.content.find("a=3D1&amp;code=3DXYZ"), std::string::npos);
}

TEST_F(Mail, AMerchantTemplateReplacesTheBuiltInText) {
    const store::mail_template mine{"reset", "en", "Your code for {merchant}", "Code {code}, {minutes} min: {link}",
                                    "<b>{code}</b>"};
    const auto m = compose("reset", ctx_, 0, mine);
    EXPECT_EQ(m.subject, "Your code for Hôtel <Test>");
    EXPECT_NE(m.content.find("Code XYZ, 10 min"), std::string::npos);
}

TEST_F(Mail, FrenchAndEnglishBuiltIns) {
    EXPECT_EQ(builtin_template("reset", "fr").subject, "Réinitialisez votre mot de passe {merchant}");
    EXPECT_EQ(builtin_template("reset", "de").language, "en");
    EXPECT_NE(builtin_template("password_changed", "en").text.find("changed"), std::string::npos);
}

TEST(ResetLink, CarriesTheMerchantBesideTheEncodedCodeOnGuestdsPageAndInAMerchantsTemplate) {
    EXPECT_EQ(reset_link("", "https://guests.example", core::merchant_id{1234}, "a b&c=d"),
              "https://guests.example/reset-password?merchant=1234&code=a%20b%26c%3Dd");
    EXPECT_EQ(reset_link("https://hotel.example/r?hotel={merchant}&c={code}&again={code}", "https://unused.example",
                         core::merchant_id{7}, "k/1"),
              "https://hotel.example/r?hotel=7&c=k%2F1&again=k%2F1");
    EXPECT_EQ(reset_link("https://hotel.example/reset?resetCode={code}", "", core::merchant_id{7}, "{merchant}"),
              "https://hotel.example/reset?resetCode=%7Bmerchant%7D")
        << "a code is never read as a placeholder";
}

}  // namespace
}  // namespace guestd::domain
