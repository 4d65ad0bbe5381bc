#include "app/app.hpp"

#include "api/api.hpp"
#include "api/endpoints.hpp"
#include "app/demo.hpp"
#include "core/log.hpp"
#include "domain/passwords.hpp"
#include "domain/secrets.hpp"
#include "http/server.hpp"
#include "mail/transport.hpp"
#include "mail/worker.hpp"
#include "store/postgres/postgres_database.hpp"
#include "store/sqlite/sqlite_database.hpp"

#include <algorithm>
#include <cstdint>
#include <condition_variable>
#include <mutex>
#include <filesystem>
#include <ostream>
#include <thread>

#include <malloc.h>

namespace guestd::app {
namespace {

unsigned cores() { return std::max(1u, std::thread::hardware_concurrency()); }

core::log_level parse_level(const std::string& s) {
    if (s == "debug") return core::log_level::debug;
    if (s == "warn") return core::log_level::warn;
    if (s == "error") return core::log_level::error;
    return core::log_level::info;
}

}  // namespace

bool is_postgres(std::string_view db) {
    return db.starts_with("postgresql://") || db.starts_with("postgres://") || db.find('=') != std::string_view::npos;
}

namespace {

std::unique_ptr<system> open_system(const std::string& db_path, unsigned connections,
                                    domain::recovery_settings recovery, unsigned cache_mib, bool bulk_writer) {
    domain::init_crypto();
    auto sys = std::make_unique<system>();
    // Each SQLite connection keeps its own page cache: share the budget out among them.
    const std::int64_t cache_kib = std::max<std::int64_t>(256, std::int64_t{cache_mib} * 1024 / std::max(1u, connections));
    sys->db = is_postgres(db_path)
                  ? store::postgres::open({.conninfo = db_path, .pool_size = connections}, sys->clock)
                  : store::sqlite::open({.path = db_path, .pool_size = connections, .cache_kib = cache_kib,
                                         .bulk_writer = bulk_writer},
                                        sys->clock);
    sys->services = std::make_unique<domain::services>(*sys->db, sys->clock, std::make_unique<domain::passwords>(),
                                                       std::move(recovery));
    return sys;
}

}  // namespace

std::unique_ptr<system> open(const std::string& db_path, unsigned connections, domain::recovery_settings recovery,
                             unsigned cache_mib) {
    return open_system(db_path, connections, std::move(recovery), cache_mib, false);
}

std::unique_ptr<system> open_bulk_writer(const std::string& db_path, unsigned connections) {
    return open_system(db_path, connections, {}, 32, true);
}

namespace {

/// SMTP when configured, else the spool directory.
std::unique_ptr<mail::transport> make_transport(const core::serve_config& c) {
    if (c.smtp_url.empty()) return mail::make_spool(c.mail_spool);
    return mail::make_smtp({.url = c.smtp_url, .username = c.smtp_user, .password = c.smtp_password,
                            .starttls = c.smtp_starttls, .verify_tls = !c.smtp_no_verify});
}

/// Keeps the heap the request threads have grown mapped instead of handing it back to the kernel after each burst.
/// Growing, trimming and unmapping heap memory (mprotect, madvise, munmap) take the process's mmap lock, which the
/// hashing threads also take to map and unmap argon2id's 19 MiB for every hash (libsodium maps it afresh, with
/// MAP_POPULATE): under a login flood, an I/O thread whose free() trimmed an arena waited 1 to 4 ms behind them
/// (perf sched timehist: rwsem_down_write_slowpath, six times in four seconds; none with this). Memory is kept at
/// its peak rather than given back, so peak RSS is unchanged; allocations up to 8 MiB come from the heap.
void keep_heap_mapped() {
    (void)mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);
    (void)mallopt(M_TOP_PAD, 2 * 1024 * 1024);
    (void)mallopt(M_MMAP_THRESHOLD, 8 * 1024 * 1024);
}

}  // namespace

int serve(const core::serve_config& given, std::ostream& out) {
    keep_heap_mapped();
    core::set_log_level(parse_level(given.log_level));

    // Resolve the defaults that depend on the machine.
    core::serve_config config = given;
    if (config.threads == 0) config.threads = std::max(4u, 2 * cores());
    if (config.io_threads == 0) config.io_threads = cores();
    if (config.hash_threads == 0) config.hash_threads = cores();

    // Open the store with a connection for every unit of work that may be open at once (and the mailer's and the
    // audit purger's), unless --db-pool caps it: then units of work beyond it wait for a free connection. On
    // SQLite, where a connection is a file handle and a share of --db-cache-mib, a request thread counts twice
    // (a write may start while its read is open, as a refused reset does) and an I/O thread once (below).
    const bool sqlite = !is_postgres(config.db);
    const unsigned request_threads = config.threads + config.hash_threads;
    const unsigned sqlite_need = 2 * request_threads + config.io_threads + 2;
    const bool pool_below_sqlite_need = config.db_pool != 0 && config.db_pool < sqlite_need;
    if (config.db_pool == 0) config.db_pool = sqlite ? sqlite_need : request_threads + 2;

    // A read-only request on SQLite is a few B-tree lookups in its page cache and the OS cache, never a wait
    // on another process (WAL readers do not wait for the writer): its I/O thread runs it at once rather than
    // handing it to a worker and back, two thread wake-ups that cost more than the lookups. Not where it could
    // wait: PostgreSQL's reads are network round trips, and a capped pool may have no connection free, either of
    // which would stall the I/O thread's other connections.
    config.inline_reads = sqlite && !pool_below_sqlite_need;

    auto sys = open(config.db, config.db_pool, {}, config.db_cache_mib);
    api::dispatcher dispatcher(api::endpoints(), *sys->services);
    http::server server(config, dispatcher);
    const std::string url = config.public_url.empty() ? "http://" + server.local_endpoint() : config.public_url;
    sys->services->recovery().configure({.public_url = url, .default_sender = config.mail_from});

    // Deliver mail in the background; a transaction that queued some wakes the worker.
    auto transport = make_transport(config);
    mail::worker mailer(*sys->db, sys->clock, *transport,
                        {.poll = std::chrono::milliseconds(config.mail_poll_ms),
                         .give_up_after = static_cast<core::unix_seconds>(config.mail_retry_for)});
    sys->services->recovery().on_mail_queued([&mailer] { mailer.wake(); });
    mailer.start();
    // The log line first: whoever waits for the stdout line finds the log's settings already written.
    core::log(core::log_level::info, "listening",
              {{"address", server.local_endpoint()}, {"db", config.db}, {"threads", config.threads},
               {"hash_threads", config.hash_threads}, {"db_pool", config.db_pool},
               {"inline_reads", config.inline_reads}, {"mail", transport->describe()}});
    out << "guestd listening on http://" << server.local_endpoint() << std::endl;
    if (config.demo) {
        const std::string mail_location = config.smtp_url.empty()
                                              ? std::filesystem::absolute(config.mail_spool).string() + "/<id>.eml"
                                              : "the mailbox of john.doe@example.com on " + transport->describe();
        print_demo(*sys->services, url, mail_location, out);
    }

    // Apply each merchant's audit retention now and every hour.
    std::mutex purge_mutex;
    std::condition_variable purge_wake;
    bool stopping = false;
    std::thread purger([&] {
        std::unique_lock lock(purge_mutex);
        do {
            try {
                if (const int n = sys->services->privacy().purge_expired_audit(); n > 0)
                    core::log(core::log_level::info, "audit_purged", {{"events", n}});
            } catch (const std::exception& e) {
                core::log(core::log_level::warn, "audit_purge_failed", {{"what", e.what()}});
            }
        } while (!purge_wake.wait_for(lock, std::chrono::hours(1), [&] { return stopping; }));
    });

    server.run();
    {
        std::lock_guard lock(purge_mutex);
        stopping = true;
    }
    purge_wake.notify_all();
    purger.join();
    mailer.stop();
    sys->services->recovery().on_mail_queued({});
    core::log(core::log_level::info, "stopped");
    return 0;
}

}  // namespace guestd::app
