// The reset page's pure pieces: what each page shows (and never shows), escaping, the security headers and the
// form-body parser.
#include "api/web/page.hpp"
#include "core/text.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace guestd::api::web {
namespace {

bool contains(std::string_view haystack, std::string_view needle) { return haystack.find(needle) != std::string_view::npos; }

std::string_view header(const response& r, std::string_view name) {
    for (const auto& h : r.headers) {
        if (h.name == name) return h.value;
    }
    return {};
}

TEST(HtmlEscape, EscapesEveryCharacterThatCouldOpenMarkupOrCloseAnAttribute) {
    EXPECT_EQ(core::html_escape(R"(<a href="x">Tom & Jerry's</a>)"),
              "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
    EXPECT_EQ(core::html_escape("Hôtel Plage"), "Hôtel Plage");
}

TEST(RenderForm, PutsTheMerchantAndTheCodeInHiddenFieldsAndTheMinimumLengthOnBothInputs) {
    const std::string html = render_form({.merchant = core::merchant_id{1234}, .code = "abc-123",
                                          .merchant_name = "Hotel Test", .password_min_length = 12});
    EXPECT_TRUE(contains(html, R"(<input type="hidden" name="merchant" value="1234">)")) << html;
    EXPECT_TRUE(contains(html, R"(<input type="hidden" name="code" value="abc-123">)")) << html;
    EXPECT_TRUE(contains(html, R"(<form method="post" action="reset-password">)")) << html;
    EXPECT_TRUE(contains(html, R"(name="password" type="password" autocomplete="new-password" required minlength="12")"));
    EXPECT_TRUE(contains(html, R"(name="password_confirm" type="password" autocomplete="new-password" required minlength="12")"));
    EXPECT_TRUE(contains(html, "At least 12 characters"));
    EXPECT_TRUE(contains(html, "<strong>Hotel Test</strong>"));
}

TEST(RenderForm, IsAnAccessibleDocumentWithoutScriptsOrExternalAssets) {
    const std::string html = render_form({.code = "c", .merchant_name = "M"});
    EXPECT_TRUE(html.starts_with("<!doctype html>\n<html lang=\"en\">"));
    EXPECT_TRUE(contains(html, R"(<meta name="viewport" content="width=device-width, initial-scale=1">)"));
    EXPECT_TRUE(contains(html, R"(<label for="password">)"));
    EXPECT_TRUE(contains(html, R"(<label for="password_confirm">)"));
    EXPECT_TRUE(contains(html, R"(id="password_confirm")"));
    EXPECT_TRUE(contains(html, R"(<link rel="stylesheet" href="reset-password.css">)"));
    EXPECT_FALSE(contains(html, "<script"));
    EXPECT_FALSE(contains(html, "http:"));
    EXPECT_FALSE(contains(html, "https:"));
    EXPECT_FALSE(contains(html, " style="));
    EXPECT_FALSE(contains(html, "role=\"alert\"")) << "no alert without an error";
}

TEST(RenderForm, EscapesTheMerchantNameAndTheCode) {
    const std::string html =
        render_form({.code = R"("><script>x</script>)", .merchant_name = "<b>Bad & \"Co\"</b>"});
    EXPECT_FALSE(contains(html, "<script>"));
    EXPECT_FALSE(contains(html, "<b>"));
    EXPECT_TRUE(contains(html, "&lt;b&gt;Bad &amp; &quot;Co&quot;&lt;/b&gt;"));
    EXPECT_TRUE(contains(html, R"(value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;")"));
}

TEST(RenderForm, ShowsTheErrorAsAnAlertTiedToTheInputs) {
    const std::string html = render_form({.code = "c", .error = "The two passwords <do not> match."});
    EXPECT_TRUE(contains(html, R"(<div class="alert" id="form-error" role="alert"><p>The two passwords &lt;do not&gt; match.</p></div>)"))
        << html;
    EXPECT_TRUE(contains(html, R"(aria-describedby="form-error password-hint" aria-invalid="true")"));
    EXPECT_TRUE(contains(html, R"(<input type="hidden" name="code" value="c">)")) << "the form stays for a retry";
}

TEST(RenderOutcome, ShowsNoFormForCodesThatCannotBeUsed) {
    for (const outcome o : {outcome::success, outcome::expired, outcome::used, outcome::unknown,
                            outcome::too_many_attempts, outcome::unreadable_form, outcome::unavailable}) {
        const std::string html = render_outcome(o, "Hotel Test", 120);
        EXPECT_FALSE(contains(html, "<form")) << static_cast<int>(o);
        EXPECT_FALSE(contains(html, "<input")) << static_cast<int>(o);
        EXPECT_TRUE(contains(html, "<h1>")) << static_cast<int>(o);
    }
}

TEST(RenderOutcome, SaysWhatHappened) {
    EXPECT_TRUE(contains(render_outcome(outcome::success), "Your password has been changed"));
    EXPECT_TRUE(contains(render_outcome(outcome::success), R"(role="status")"));
    EXPECT_TRUE(contains(render_outcome(outcome::expired), "This link has expired"));
    EXPECT_TRUE(contains(render_outcome(outcome::used), "This link has already been used"));
    EXPECT_TRUE(contains(render_outcome(outcome::used), R"(role="alert")"));
    EXPECT_TRUE(contains(render_outcome(outcome::unknown), "This link is not valid"));
    EXPECT_TRUE(contains(render_outcome(outcome::too_many_attempts, {}, 125), "Wait about 3 minutes"));
    EXPECT_TRUE(contains(render_outcome(outcome::too_many_attempts, {}, 30), "Wait about 1 minute,"));
}

TEST(RenderOutcome, EscapesTheMerchantName) {
    const std::string html = render_outcome(outcome::used, "<i>Evil</i>");
    EXPECT_FALSE(contains(html, "<i>"));
    EXPECT_TRUE(contains(html, "<strong>&lt;i&gt;Evil&lt;/i&gt;</strong>"));
    EXPECT_TRUE(contains(html, "<title>This link has already been used - &lt;i&gt;Evil&lt;/i&gt;</title>"));
}

TEST(Stylesheet, HasAVisibleFocusRingAndFitsNarrowScreens) {
    EXPECT_TRUE(contains(stylesheet(), ":focus-visible { outline: 3px solid"));
    EXPECT_TRUE(contains(stylesheet(), "@media (max-width: 30rem)"));
    EXPECT_FALSE(contains(stylesheet(), "url("));
    EXPECT_FALSE(contains(stylesheet(), "@import"));
}

TEST(PageResponse, CarriesTheSecurityHeaders) {
    const response r = page_response(200, "<p>x</p>");
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
    EXPECT_EQ(header(r, "Content-Security-Policy"),
              "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    EXPECT_EQ(header(r, "Referrer-Policy"), "no-referrer");
    EXPECT_EQ(header(r, "X-Frame-Options"), "DENY");
    EXPECT_EQ(header(r, "Cache-Control"), "no-store");

    const response css = page_response(200, std::string(stylesheet()), "text/css; charset=utf-8");
    EXPECT_EQ(css.content_type, "text/css; charset=utf-8");
    EXPECT_EQ(header(css, "X-Frame-Options"), "DENY");
}

TEST(ParseForm, DecodesPlusAndPercentEscapes) {
    const auto f = parse_form("code=a%2Bb%26c&password=two+words%21&password_confirm=%C3%A9t%C3%A9");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->at("code"), "a+b&c");
    EXPECT_EQ(f->at("password"), "two words!");
    EXPECT_EQ(f->at("password_confirm"), "\xC3\xA9t\xC3\xA9");
}

TEST(ParseForm, KeepsTheFirstOfRepeatedNamesAndToleratesEmptyPairs) {
    const auto f = parse_form("&code=first&&code=second&flag&empty=");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->at("code"), "first");
    EXPECT_EQ(f->at("flag"), "");
    EXPECT_EQ(f->at("empty"), "");
    EXPECT_EQ(f->size(), 3u);
    EXPECT_TRUE(parse_form("")->empty());
}

TEST(ParseForm, RejectsBrokenPercentEscapes) {
    EXPECT_FALSE(parse_form("code=%"));
    EXPECT_FALSE(parse_form("code=%4"));
    EXPECT_FALSE(parse_form("code=%zz"));
    EXPECT_FALSE(parse_form("co%g0de=x"));
    EXPECT_TRUE(parse_form("code=%4a"));
}

TEST(IsFormContentType, AcceptsTheMediaTypeWithParametersInAnyCase) {
    EXPECT_TRUE(is_form_content_type("application/x-www-form-urlencoded"));
    EXPECT_TRUE(is_form_content_type("Application/X-WWW-Form-URLEncoded; charset=UTF-8"));
    EXPECT_TRUE(is_form_content_type(" application/x-www-form-urlencoded ;charset=utf-8"));
    EXPECT_FALSE(is_form_content_type(""));
    EXPECT_FALSE(is_form_content_type("multipart/form-data; boundary=x"));
    EXPECT_FALSE(is_form_content_type("application/json"));
    EXPECT_FALSE(is_form_content_type("application/x-www-form-urlencodedx"));
}

}  // namespace
}  // namespace guestd::api::web
