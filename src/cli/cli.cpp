#include "cli/cli.hpp"

#include "cli/import_command.hpp"
#include "cli/migrate_command.hpp"

#include "api/endpoints.hpp"
#include "api/experience/mapping.hpp"
#include "app/app.hpp"
#include "core/config.hpp"
#include "domain/accounts.hpp"
#include "domain/credentials.hpp"
#include "domain/privacy.hpp"
#include "http/client_address.hpp"

#include <CLI/CLI.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>

namespace guestd::cli {
namespace {

namespace json = boost::json;

/// Thrown by a subcommand for an expected failure: the message goes to stderr, the exit code is 1.
struct command_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

void print(const json::value& v) { std::cout << json::serialize(v) << std::endl; }

template <class T>
T value_or_fail(core::result<T> r) {
    if (!r) {
        std::string msg = r.error().message;
        for (const auto& f : r.error().fields) msg += "; " + f.field + " " + f.reason;
        throw command_error(msg);
    }
    if constexpr (!std::is_void_v<T>) return std::move(*r);
}

void add_db_option(CLI::App& cmd, std::string& db) {
    cmd.add_option("--db", db, "SQLite database file")->envname("GUESTD_DB")->capture_default_str();
}

/// Applies the TOML file's settings to the options that neither a flag nor a GUESTD_* variable set, so the
/// precedence is flags, then environment, then file. Keys are long option names, flat or under [serve].
void apply_config_file(CLI::App& serve, const std::string& path) {
    for (const auto& item : CLI::ConfigTOML().from_file(path)) {
        if (item.name == "++" || item.name == "--") continue;  // CLI11's markers of a section's start and end
        const bool in_scope = item.parents.empty() || (item.parents.size() == 1 && item.parents[0] == "serve");
        CLI::Option* opt = in_scope ? serve.get_option_no_throw("--" + item.name) : nullptr;
        if (opt == nullptr || item.name == "config")
            throw command_error(path + ": unknown setting '" + item.fullname() + "'");
        if (opt->count() > 0) continue;
        opt->add_result(item.inputs);
        opt->run_callback();
    }
}

json::value nullable_int(const std::optional<std::int64_t>& v) { return v ? json::value(*v) : json::value(nullptr); }

std::vector<std::string> split_list(const std::string& s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= s.size() && !s.empty()) {
        const auto comma = s.find(',', start);
        std::string item = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        item.erase(0, item.find_first_not_of(' '));
        item.erase(item.find_last_not_of(' ') + 1);
        if (!item.empty()) out.push_back(item);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw command_error("cannot read " + path);
    std::ostringstream text;
    text << in.rdbuf();
    return std::move(text).str();
}

json::object settings_json(const store::merchant& m) {
    json::array fields;
    for (const auto& f : m.reset_verification_fields) fields.push_back(json::value(f));
    return {{"merchant_id", m.id.value},
            {"name", m.name},
            {"password_min_length", m.password_min_length},
            {"reset_verification_fields", std::move(fields)},
            {"reset_link_template", m.reset_link_template},
            {"reset_code_ttl", m.reset_code_ttl},
            {"mail_from", m.mail_from},
            {"audit_retention_days", m.audit_retention_days}};
}

/// "0", "90s", "30m", "24h", "7d" as seconds.
core::unix_seconds parse_duration(const std::string& text) {
    if (text == "0") return 0;
    std::size_t used = 0;
    long long n = -1;
    try {
        n = std::stoll(text, &used);
    } catch (const std::exception&) {
    }
    const std::string unit = text.substr(used);
    const long long scale = unit == "s" || unit.empty() ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : unit == "d" ? 86400 : 0;
    if (n < 0 || scale == 0) throw command_error("bad duration '" + text + "' (use 0, 90s, 30m, 24h or 7d)");
    return n * scale;
}

/// "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ" (UTC) as Unix seconds.
core::unix_seconds parse_time(const std::string& text) {
    std::tm tm{};
    const char* end = strptime(text.c_str(), text.size() > 10 ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d", &tm);
    if (end == nullptr || *end != '\0') throw command_error("bad time '" + text + "' (use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)");
    return timegm(&tm);
}

json::value optional_time(const std::optional<core::unix_seconds>& t) {
    return t ? json::value(core::format_iso8601(*t)) : json::value(nullptr);
}

json::object outbox_json(const store::outbox_message& m) {
    return {{"id", m.id},
            {"message_id", m.message_id},
            {"recipient", m.recipient},
            {"subject", m.subject},
            {"status", m.status},
            {"attempts", m.attempts},
            {"created_at", core::format_iso8601(m.created_at)},
            {"next_attempt_at", m.status == "pending" ? json::value(core::format_iso8601(m.next_attempt_at)) : json::value(nullptr)},
            {"sent_at", optional_time(m.sent_at)},
            {"last_error", m.last_error}};
}

}  // namespace

int run(int argc, char** argv) {
    CLI::App app{"guestd: self-hosted guest accounts for hospitality loyalty programs, speaking the Experience CRM "
                 "and Paytronix Guest Management wire dialects."};
    app.require_subcommand(1);
    app.set_help_all_flag("--help-all", "Every subcommand's help");

    // serve
    core::serve_config serve_config;
    auto* serve = app.add_subcommand("serve", "Run the HTTP service");
    std::string config_file;
    serve->add_option("--config", config_file, "TOML file with any of these settings (keys = long option names)")
        ->envname("GUESTD_CONFIG")->check(CLI::ExistingFile);
    add_db_option(*serve, serve_config.db);
    serve->add_option("--listen", serve_config.listen, "HOST:PORT to listen on; port 0 picks a free one")
        ->envname("GUESTD_LISTEN")->capture_default_str();
    serve->add_option("--public-url", serve_config.public_url, "How guestd is reached from outside (used in links)")
        ->envname("GUESTD_PUBLIC_URL");
    serve->add_option("--threads", serve_config.threads, "Request workers; 0 = 2 x cores, at least 4")
        ->envname("GUESTD_THREADS")->check(CLI::Range(0u, 1024u));
    serve->add_option("--io-threads", serve_config.io_threads, "Network I/O threads; 0 = cores")
        ->envname("GUESTD_IO_THREADS")->check(CLI::Range(0u, 256u));
    serve->add_option("--hash-threads", serve_config.hash_threads, "Password hashing threads; 0 = cores")
        ->envname("GUESTD_HASH_THREADS")->check(CLI::Range(0u, 256u));
    serve->add_option("--db-pool", serve_config.db_pool,
                      "Database connections per node, 2 to 1000; 0 = threads + hash-threads + 2 (PostgreSQL), "
                      "2 x (threads + hash-threads) + io-threads + 2 (SQLite)")
        ->envname("GUESTD_DB_POOL")
        ->check(CLI::Validator([](const std::string& s) -> std::string {
            unsigned n = 0;
            const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
            if (ec != std::errc{} || end != s.data() + s.size() || (n != 0 && (n < 2 || n > 1000)))
                return "--db-pool must be 0 (automatic) or 2 to 1000, not " + s;
            return {};
        }, "0|2..1000"));
    serve->add_option("--trusted-proxy", serve_config.trusted_proxies,
                      "CIDR range of a reverse proxy whose X-Forwarded-For names the client; repeatable, \"\" = none")
        ->envname("GUESTD_TRUSTED_PROXY")->delimiter(',')
        ->check(CLI::Validator([](const std::string& s) -> std::string {
            // "" names no proxy, so an empty setting (GUESTD_TRUSTED_PROXY="", trusted-proxy = "") trusts none.
            return s.empty() || http::trusted_proxies::valid_range(s) ? std::string{}
                                                                       : "not an IP address range (CIDR): " + s;
        }, "CIDR"));
    serve->add_option("--hash-queue", serve_config.hash_queue, "Hashing requests that may wait; past it 503")
        ->envname("GUESTD_HASH_QUEUE")->check(CLI::Range(1u, 100000u))->capture_default_str();
    serve->add_option("--db-cache-mib", serve_config.db_cache_mib, "SQLite page cache, all connections together (MiB)")
        ->envname("GUESTD_DB_CACHE_MIB")->check(CLI::Range(1u, 65536u))->capture_default_str();
    serve->add_option("--log-level", serve_config.log_level, "debug, info, warn or error")
        ->envname("GUESTD_LOG_LEVEL")->check(CLI::IsMember({"debug", "info", "warn", "error"}))->capture_default_str();
    serve->add_option("--smtp", serve_config.smtp_url, "Deliver mail over SMTP: smtp://host:port or smtps://host:port")
        ->envname("GUESTD_SMTP");
    serve->add_option("--smtp-user", serve_config.smtp_user, "SMTP AUTH user")->envname("GUESTD_SMTP_USER");
    serve->add_option("--smtp-password", serve_config.smtp_password, "SMTP AUTH password (prefer the variable)")
        ->envname("GUESTD_SMTP_PASSWORD");
    serve->add_flag("--smtp-starttls", serve_config.smtp_starttls, "Require STARTTLS on smtp://")
        ->envname("GUESTD_SMTP_STARTTLS");
    serve->add_flag("--smtp-no-verify", serve_config.smtp_no_verify, "Accept any TLS certificate (test servers only)")
        ->envname("GUESTD_SMTP_NO_VERIFY");
    serve->add_option("--mail-spool", serve_config.mail_spool, "Without --smtp: write each email to DIR/<id>.eml")
        ->envname("GUESTD_MAIL_SPOOL")->capture_default_str();
    serve->add_option("--mail-from", serve_config.mail_from, "Default sender, \"Name <address>\"")
        ->envname("GUESTD_MAIL_FROM")->capture_default_str();
    serve->add_option("--mail-retry-for", serve_config.mail_retry_for, "Seconds a message is retried before it is dead")
        ->envname("GUESTD_MAIL_RETRY_FOR")->check(CLI::Range(60u, 30u * 24 * 3600))->capture_default_str();
    serve->add_option("--mail-poll-ms", serve_config.mail_poll_ms, "How often the mailer looks for due mail")
        ->envname("GUESTD_MAIL_POLL_MS")->check(CLI::Range(10u, 600000u))->capture_default_str();
    serve->add_flag("--demo", serve_config.demo, "Create a demo merchant and partner and print curl commands");

    // merchant add
    std::string db = "guestd.db";
    auto* merchant = app.add_subcommand("merchant", "Manage merchants (loyalty programs)");
    merchant->require_subcommand(1);
    std::int64_t merchant_id = 0;
    std::string merchant_name;
    auto* merchant_add = merchant->add_subcommand("add", "Add a merchant; prints its hotel token once");
    add_db_option(*merchant_add, db);
    merchant_add->add_option("--id", merchant_id, "Merchant id (Paytronix merchantId)")->required()
        ->check(CLI::Range(std::int64_t{1}, std::int64_t{2147483647}));
    merchant_add->add_option("--name", merchant_name, "Merchant name (the hotel_name of its reservations)")->required();

    // merchant set
    auto* merchant_set = merchant->add_subcommand("set", "Change a merchant's settings; prints them");
    add_db_option(*merchant_set, db);
    std::int64_t set_id = 0;
    merchant_set->add_option("id", set_id, "Merchant id")->required();
    std::optional<std::string> verification_fields, link_template, mail_from;
    std::optional<int> code_ttl, min_length, retention_days;
    merchant_set->add_option("--reset-verification-fields", verification_fields,
                             "Comma-separated Paytronix names a reset must also carry (\"\" clears)");
    merchant_set->add_option("--reset-link-template", link_template,
                             "Reset link with {code}, and {merchant} for the id (\"\" = guestd's page)");
    merchant_set->add_option("--reset-code-ttl", code_ttl, "Seconds a reset code lives (60 to 86400)");
    merchant_set->add_option("--mail-from", mail_from, "From of the merchant's emails (\"\" = the server default)");
    merchant_set->add_option("--password-min-length", min_length, "Shortest password accepted (8 to 128)");
    merchant_set->add_option("--audit-retention-days", retention_days, "Days audit events are kept (0 = forever)");

    // merchant rotate-token
    auto* merchant_rotate = merchant->add_subcommand("rotate-token", "New hotel token; the old one works for --overlap");
    add_db_option(*merchant_rotate, db);
    std::int64_t rotate_merchant = 0;
    std::string merchant_overlap = "24h";
    merchant_rotate->add_option("id", rotate_merchant, "Merchant id")->required();
    merchant_rotate->add_option("--overlap", merchant_overlap, "How long the old token keeps working (0, 90s, 30m, 24h, 7d)")
        ->capture_default_str();

    // merchant template
    auto* merchant_template = merchant->add_subcommand("template", "Set or remove a merchant's own email wording");
    add_db_option(*merchant_template, db);
    std::int64_t template_merchant = 0;
    store::mail_template tmpl;
    std::string text_file, html_file;
    bool remove_template = false;
    merchant_template->add_option("id", template_merchant, "Merchant id")->required();
    merchant_template->add_option("--kind", tmpl.kind, "reset or password_changed")->required();
    merchant_template->add_option("--language", tmpl.language, "Two-letter language (en, fr, ...)")->required();
    merchant_template->add_option("--subject", tmpl.subject, "Subject; placeholders {merchant} {firstname} {hello}");
    merchant_template->add_option("--text-file", text_file, "Plain-text body; {link} {code} {minutes} too")
        ->check(CLI::ExistingFile);
    merchant_template->add_option("--html-file", html_file, "HTML body (values are HTML-escaped)")
        ->check(CLI::ExistingFile);
    merchant_template->add_flag("--remove", remove_template, "Remove the template instead");

    // outbox
    auto* outbox = app.add_subcommand("outbox", "Look at and retry queued emails");
    outbox->require_subcommand(1);
    auto* outbox_list = outbox->add_subcommand("list", "Print queued, sent and dead emails (newest first)");
    add_db_option(*outbox_list, db);
    std::string outbox_status;
    int outbox_limit = 100;
    outbox_list->add_option("--status", outbox_status, "pending, sent or dead")
        ->check(CLI::IsMember({"pending", "sent", "dead"}));
    outbox_list->add_option("--limit", outbox_limit, "At most this many")->check(CLI::Range(1, 100000))
        ->capture_default_str();
    auto* outbox_retry = outbox->add_subcommand("retry", "Make a dead or pending email due now");
    add_db_option(*outbox_retry, db);
    std::int64_t retry_id = 0;
    outbox_retry->add_option("id", retry_id, "The email's id (outbox list)")->required();

    // partner add
    auto* partner = app.add_subcommand("partner", "Manage partners (integrators)");
    partner->require_subcommand(1);
    std::string partner_name;
    std::vector<std::int64_t> partner_merchants;
    bool b2b = false;
    auto* partner_add = partner->add_subcommand("add", "Add a partner; prints its secrets once");
    add_db_option(*partner_add, db);
    partner_add->add_option("--name", partner_name, "Partner name")->required();
    partner_add->add_option("--merchant", partner_merchants, "A merchant the partner may act for (repeatable)")
        ->required()->check(CLI::Range(std::int64_t{1}, std::int64_t{2147483647}));
    partner_add->add_flag("--b2b", b2b, "Grant Paytronix b2b authentication");
    bool caller_reset_codes = false;
    partner_add->add_flag("--caller-reset-codes", caller_reset_codes,
                          "Let it send its own resetCode (only the holder of the account of record)");
    auto* partner_set = partner->add_subcommand("set", "Change a partner's rights");
    add_db_option(*partner_set, db);
    std::int64_t set_partner = 0;
    std::optional<bool> set_caller_reset_codes;
    partner_set->add_option("id", set_partner, "Partner id")->required();
    partner_set->add_option("--caller-reset-codes", set_caller_reset_codes,
                            "true or false: may it send its own resetCode")
        ->required();
    auto* partner_rotate = partner->add_subcommand("rotate", "New partner token and client secret; old ones work for --overlap");
    add_db_option(*partner_rotate, db);
    std::int64_t rotate_partner = 0;
    std::string partner_overlap = "24h";
    partner_rotate->add_option("id", rotate_partner, "Partner id")->required();
    partner_rotate->add_option("--overlap", partner_overlap, "How long the old secrets keep working (0, 90s, 30m, 24h, 7d)")
        ->capture_default_str();
    auto* partner_disable = partner->add_subcommand("disable", "Refuse every call with the partner's credentials, now");
    add_db_option(*partner_disable, db);
    std::int64_t disable_partner = 0;
    partner_disable->add_option("id", disable_partner, "Partner id")->required();

    // sessions
    auto* sessions = app.add_subcommand("sessions", "List or revoke a guest's sessions");
    sessions->require_subcommand(1);
    std::int64_t sessions_merchant = 0;
    std::string sessions_email;
    auto* sessions_list = sessions->add_subcommand("list", "Print the guest's sessions (no secrets)");
    auto* sessions_revoke = sessions->add_subcommand("revoke", "Revoke every session of the guest");
    for (auto* cmd : {sessions_list, sessions_revoke}) {
        add_db_option(*cmd, db);
        cmd->add_option("--merchant", sessions_merchant, "Merchant id")->required();
        cmd->add_option("--email", sessions_email, "The guest's email")->required();
    }

    // export, erase, audit
    std::int64_t subject_merchant = 0;
    std::string subject_email, erase_reason;
    auto* export_cmd = app.add_subcommand("export", "Everything guestd holds about a guest, as one JSON document");
    auto* erase_cmd = app.add_subcommand("erase", "Erase a guest's personal data (GDPR art. 17)");
    for (auto* cmd : {export_cmd, erase_cmd}) {
        add_db_option(*cmd, db);
        cmd->add_option("--merchant", subject_merchant, "Merchant id")->required();
        cmd->add_option("--email", subject_email, "The guest's email")->required();
    }
    erase_cmd->add_option("--reason", erase_reason, "Why (kept in the audit trail; no personal data please)");
    auto* audit_cmd = app.add_subcommand("audit", "Print the audit trail as JSON Lines, oldest first");
    add_db_option(*audit_cmd, db);
    std::int64_t audit_merchant = 0;
    std::optional<std::string> audit_email, audit_kind, audit_since;
    int audit_limit = 100000;
    audit_cmd->add_option("--merchant", audit_merchant, "Merchant id")->required();
    audit_cmd->add_option("--email", audit_email, "Only events about this guest");
    audit_cmd->add_option("--since", audit_since, "Only events at or after (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)");
    audit_cmd->add_option("--kind", audit_kind, "Only this kind (login, password.set, reset.requested, ...)");
    audit_cmd->add_option("--limit", audit_limit, "At most this many")->check(CLI::Range(1, 10000000));

    // guest show
    auto* guest = app.add_subcommand("guest", "Look at guests");
    guest->require_subcommand(1);
    std::int64_t guest_merchant = 0;
    std::string guest_email;
    auto* guest_show = guest->add_subcommand("show", "Print a guest's profile and account facts");
    add_db_option(*guest_show, db);
    guest_show->add_option("--merchant", guest_merchant, "Merchant id")->required();
    guest_show->add_option("--email", guest_email, "The guest's email")->required();

    // import (src/cli/import_command.cpp)
    auto import = add_import_command(app);

    // migrate-data (src/cli/migrate_command.cpp): runs inside app.parse() and ends it with its exit code
    auto migrate_data = add_migrate_command(app);

    // openapi
    auto* openapi = app.add_subcommand("openapi", "Print the OpenAPI 3.1 document (docs/openapi.yaml)");
    add_db_option(*openapi, db);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        // import documents 2 for every bad flag; serve too, so a service manager sees a configuration error
        return (import->parsed() || serve->parsed()) && code != 0 ? 2 : code;
    }

    try {
        if (serve->parsed()) {
            if (!config_file.empty()) apply_config_file(*serve, config_file);
            return app::serve(serve_config, std::cout);
        }
        if (import->parsed()) return import->run();
        if (openapi->parsed()) {
            std::cout << api::openapi_document();
            return 0;
        }
        auto sys = app::open(db);
        auto& services = *sys->services;
        if (merchant_add->parsed()) {
            auto m = value_or_fail(services.credentials().add_merchant(core::merchant_id{merchant_id}, merchant_name));
            print(json::object{{"merchant_id", m.id.value}, {"name", m.name}, {"hotel_token", m.hotel_token}});
        } else if (partner_add->parsed()) {
            std::vector<core::merchant_id> ids;
            for (auto id : partner_merchants) ids.emplace_back(id);
            auto p = value_or_fail(services.credentials().add_partner(partner_name, ids, b2b, caller_reset_codes));
            json::array merchants;
            for (auto id : p.merchants) merchants.push_back(id.value);
            print(json::object{{"partner_id", p.id.value}, {"name", p.name}, {"merchants", std::move(merchants)},
                               {"partner_token", p.partner_token}, {"client_id", p.client_id},
                               {"client_secret", p.client_secret}});
        } else if (merchant_set->parsed()) {
            domain::settings_change change{.reset_link_template = link_template, .reset_code_ttl = code_ttl,
                                           .mail_from = mail_from, .password_min_length = min_length,
                                           .audit_retention_days = retention_days};
            if (verification_fields) change.reset_verification_fields = split_list(*verification_fields);
            print(settings_json(value_or_fail(services.credentials().update_settings(core::merchant_id{set_id}, change))));
        } else if (merchant_template->parsed()) {
            if (!text_file.empty()) tmpl.text = read_file(text_file);
            if (!html_file.empty()) tmpl.html = read_file(html_file);
            value_or_fail(services.credentials().set_template(core::merchant_id{template_merchant}, tmpl, remove_template));
            print(json::object{{"merchant_id", template_merchant}, {"kind", tmpl.kind}, {"language", tmpl.language},
                               {"removed", remove_template}});
        } else if (outbox_list->parsed()) {
            auto uow = sys->db->begin(store::tx::read);
            std::optional<std::string_view> status;
            if (!outbox_status.empty()) status = outbox_status;
            json::array out;
            for (const auto& m : uow->outbox().list(status, outbox_limit)) out.push_back(outbox_json(m));
            print(out);
        } else if (outbox_retry->parsed()) {
            auto uow = sys->db->begin(store::tx::write);
            if (!uow->outbox().retry(retry_id, sys->clock.now()))
                throw command_error("no dead or pending email with id " + std::to_string(retry_id));
            uow->commit();
            print(json::object{{"id", retry_id}, {"status", "pending"}});
        } else if (merchant_rotate->parsed()) {
            const auto token = value_or_fail(services.credentials().rotate_hotel_token(
                core::merchant_id{rotate_merchant}, parse_duration(merchant_overlap)));
            print(json::object{{"merchant_id", rotate_merchant}, {"hotel_token", token},
                               {"old_token_valid_seconds", parse_duration(merchant_overlap)}});
        } else if (partner_rotate->parsed()) {
            auto p = value_or_fail(services.credentials().rotate_partner(core::partner_id{rotate_partner},
                                                                         parse_duration(partner_overlap)));
            print(json::object{{"partner_id", p.id.value}, {"partner_token", p.partner_token},
                               {"client_id", p.client_id}, {"client_secret", p.client_secret},
                               {"old_secrets_valid_seconds", parse_duration(partner_overlap)}});
        } else if (partner_set->parsed()) {
            value_or_fail(services.credentials().set_caller_reset_codes(core::partner_id{set_partner},
                                                                        *set_caller_reset_codes));
            print(json::object{{"partner_id", set_partner}, {"caller_reset_codes", *set_caller_reset_codes}});
        } else if (partner_disable->parsed()) {
            value_or_fail(services.credentials().disable_partner(core::partner_id{disable_partner}));
            print(json::object{{"partner_id", disable_partner}, {"disabled", true}});
        } else if (sessions_list->parsed()) {
            json::array out;
            for (const auto& s : value_or_fail(services.accounts().sessions(core::merchant_id{sessions_merchant}, sessions_email)))
                out.push_back(json::object{{"partner_id", s.partner.value},
                                           {"created_at", core::format_iso8601(s.created_at)},
                                           {"expires_at", core::format_iso8601(s.expires_at)},
                                           {"revoked_at", optional_time(s.revoked_at)},
                                           {"live", !s.revoked_at && s.expires_at > sys->clock.now()}});
            print(out);
        } else if (sessions_revoke->parsed()) {
            const int n = value_or_fail(services.accounts().revoke_sessions(core::merchant_id{sessions_merchant}, sessions_email));
            print(json::object{{"revoked", n}});
        } else if (export_cmd->parsed()) {
            print(value_or_fail(services.privacy().export_guest(core::merchant_id{subject_merchant}, subject_email)));
        } else if (erase_cmd->parsed()) {
            const auto id = value_or_fail(
                services.privacy().erase_guest(core::merchant_id{subject_merchant}, subject_email, erase_reason));
            print(json::object{{"erased", true}, {"guest_id", id.value}});
        } else if (audit_cmd->parsed()) {
            std::optional<core::unix_seconds> since;
            if (audit_since) since = parse_time(*audit_since);
            for (const auto& e : value_or_fail(services.privacy().audit_events(core::merchant_id{audit_merchant},
                                                                               audit_email, since, audit_kind,
                                                                               audit_limit)))
                std::cout << json::serialize(domain::audit_to_json(e)) << '\n';
            std::cout.flush();
        } else if (guest_show->parsed()) {
            auto view = value_or_fail(services.accounts().show(core::merchant_id{guest_merchant}, guest_email));
            auto out = api::experience::guest_to_json(view.guest);
            const auto& a = view.account;
            out["has_account"] = a.has_value();
            out["account_id"] = nullable_int(a ? std::optional(a->id.value) : std::nullopt);
            out["printed_card_number"] = a ? json::value(a->printed_card_number) : json::value(nullptr);
            out["username"] = a ? json::value(a->username) : json::value(nullptr);
            out["reservations"] = view.reservation_count;
            print(out);
        }
        return 0;
    } catch (const command_error& e) {
        std::cerr << "guestd: " << e.what() << std::endl;
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "guestd: " << e.what() << std::endl;
        return 2;
    }
}

}  // namespace guestd::cli
