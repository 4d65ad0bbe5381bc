#include "cli/cli.hpp"

#include "api/endpoints.hpp"
#include "api/experience/mapping.hpp"
#include "app/app.hpp"
#include "core/config.hpp"
#include "domain/accounts.hpp"
#include "domain/credentials.hpp"

#include <CLI/CLI.hpp>
#include <boost/json/serialize.hpp>

#include <iostream>

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
    return std::move(*r);
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
    serve->add_option("--hash-queue", serve_config.hash_queue, "Hashing requests that may wait; past it 503")
        ->envname("GUESTD_HASH_QUEUE")->check(CLI::Range(1u, 100000u))->capture_default_str();
    serve->add_option("--log-level", serve_config.log_level, "debug, info, warn or error")
        ->envname("GUESTD_LOG_LEVEL")->check(CLI::IsMember({"debug", "info", "warn", "error"}))->capture_default_str();
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

    // guest show
    auto* guest = app.add_subcommand("guest", "Look at guests");
    guest->require_subcommand(1);
    std::int64_t guest_merchant = 0;
    std::string guest_email;
    auto* guest_show = guest->add_subcommand("show", "Print a guest's profile and account facts");
    add_db_option(*guest_show, db);
    guest_show->add_option("--merchant", guest_merchant, "Merchant id")->required();
    guest_show->add_option("--email", guest_email, "The guest's email")->required();

    // openapi
    auto* openapi = app.add_subcommand("openapi", "Print the OpenAPI 3.1 document (docs/openapi.yaml)");
    add_db_option(*openapi, db);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }

    try {
        if (serve->parsed()) {
            if (!config_file.empty()) apply_config_file(*serve, config_file);
            return app::serve(serve_config, std::cout);
        }
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
            auto p = value_or_fail(services.credentials().add_partner(partner_name, ids, b2b));
            json::array merchants;
            for (auto id : p.merchants) merchants.push_back(id.value);
            print(json::object{{"partner_id", p.id.value}, {"name", p.name}, {"merchants", std::move(merchants)},
                               {"partner_token", p.partner_token}, {"client_id", p.client_id},
                               {"client_secret", p.client_secret}});
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
