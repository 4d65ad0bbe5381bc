// The settings of `guestd serve`, filled by the CLI from flags, the TOML --config file and GUESTD_* variables.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace guestd::core {

struct serve_config {
    std::string db = "guestd.db";                 // SQLite file (PostgreSQL URLs come later)
    unsigned db_cache_mib = 32;                   // SQLite page cache of all connections together, MiB
    std::string listen = "127.0.0.1:8080";        // HOST:PORT; port 0 picks a free one
    std::string public_url;                       // how guestd is reached from outside; "" = http://<listen>
    unsigned threads = 0;                         // request workers (store calls); 0 = 2 x cores, at least 4
    unsigned io_threads = 0;                      // Asio I/O threads; 0 = cores
    unsigned hash_threads = 0;                    // argon2id workers; 0 = cores
    unsigned db_pool = 0;                         // store connections at most; 0 = every thread that may hold one + 2
    bool inline_reads = false;                    // read-only requests run on their I/O thread (set for SQLite)
    std::size_t hash_queue = 64;                  // hashing requests waiting at most; past that 503
    std::size_t body_limit = 64 * 1024;           // request body bytes; past that 413
    std::size_t header_limit = 8 * 1024;          // request header bytes; past that 431
    unsigned header_timeout_ms = 10'000;          // time to receive a whole request head
    unsigned idle_timeout_ms = 60'000;            // keep-alive idle time before closing
    std::vector<std::string> trusted_proxies;     // CIDR ranges whose X-Forwarded-For names the client
    // Mail: SMTP when smtp_url is set, else .eml files in mail_spool.
    std::string smtp_url;                         // smtp://host:port or smtps://host:port
    std::string smtp_user;
    std::string smtp_password;                    // prefer GUESTD_SMTP_PASSWORD to a flag
    bool smtp_starttls = false;                   // require STARTTLS on smtp://
    bool smtp_no_verify = false;                  // accept any TLS certificate (test servers only)
    std::string mail_spool = "mail";
    std::string mail_from = "guestd <no-reply@localhost>";  // the default sender
    unsigned mail_retry_for = 24 * 3600;          // seconds a message is retried before it is dead
    unsigned mail_poll_ms = 1000;                 // how often the worker looks for due mail
    bool demo = false;                            // create a demo merchant, partner and booking at start
    std::string log_level = "info";
};

}  // namespace guestd::core
