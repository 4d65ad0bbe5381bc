// bench_dataset: fills a guestd SQLite database for bench/run.sh with rows written directly, in big transactions
// through prepared statements, instead of through the API (a million argon2id hashes would take hours):
//   merchant --merchant (created beforehand by `guestd merchant add`, so the schema is guestd's own) gets --guests
//   guests, each with 2 reservations made at different times, and every other guest (the odd ids) an account and a
//   live session; --small-merchants more merchants get a handful of guests each.
// Every account shares one argon2id hash, computed once at guestd's parameters, of the password "bench passphrase".
// Guest i's session token is token(i) below, so wrk's Lua scripts can pick a random guest and present its token;
// it is stored as guestd stores tokens (the BLAKE2b-256 digest).
// Usage: bench_dataset --db FILE --partner ID [--merchant 1] [--guests 1000000] [--small-merchants 1000]
//        bench_dataset --version   (the cache key of generated files: bump k_version when the output changes)
#include "domain/passwords.hpp"
#include "domain/secrets.hpp"

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <string>
#include <string_view>

namespace {

constexpr int k_version = 1;
constexpr std::string_view k_password = "bench passphrase";

// Guest tokens: "gt" and the guest id on 41 digits, 43 characters like guestd's own (string.format("gt%041d", i)).
std::string token(std::int64_t guest) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "gt%041lld", static_cast<long long>(guest));
    return buf;
}

void check(sqlite3* db, int rc, const char* what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        throw std::runtime_error(std::string(what) + ": " + sqlite3_errmsg(db));
}

void exec(sqlite3* db, const char* sql) { check(db, sqlite3_exec(db, sql, nullptr, nullptr, nullptr), sql); }

/// A prepared statement bound and stepped once per row.
class insert {
public:
    insert(sqlite3* db, const char* sql) : db_(db) { check(db, sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr), sql); }
    ~insert() { sqlite3_finalize(stmt_); }
    insert& i(int at, std::int64_t v) { return bound(sqlite3_bind_int64(stmt_, at, v)); }
    insert& t(int at, std::string_view v) {
        return bound(sqlite3_bind_text(stmt_, at, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    }
    insert& b(int at, std::string_view v) {
        return bound(sqlite3_bind_blob(stmt_, at, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    }
    insert& null(int at) { return bound(sqlite3_bind_null(stmt_, at)); }
    /// Runs it; returns the last rowid.
    std::int64_t run() {
        check(db_, sqlite3_step(stmt_), sqlite3_sql(stmt_));
        sqlite3_reset(stmt_);
        return sqlite3_last_insert_rowid(db_);
    }

private:
    insert& bound(int rc) {
        check(db_, rc, "bind");
        return *this;
    }
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

// Small deterministic mixing, so names, cities and dates vary without a random generator's state. The seeds are
// ids (positive), taken as the bits to mix.
std::uint64_t mix(std::int64_t seed) {
    auto x = static_cast<std::uint64_t>(seed);
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

template <std::size_t N>
const char* pick(const char* const (&list)[N], std::int64_t seed) {
    return list[mix(seed) % N];
}

const char* const k_first[] = {"Anna", "Louis", "Marie", "Jean", "Sofia", "Lucas", "Emma", "Hugo", "Chloe", "Noah",
                               "Lea", "Paul", "Ines", "Adam", "Julia", "Tom"};
const char* const k_last[] = {"Martin", "Bernard", "Dubois", "Durand", "Lefebvre", "Moreau", "Laurent", "Simon",
                              "Michel", "Garcia", "Muller", "Rossi", "Smith", "Jones", "Brown", "Schmidt"};
const char* const k_city[] = {"Paris", "Lyon", "Lille", "Nantes", "Berlin", "Madrid", "Rome", "London"};
const char* const k_country[] = {"FR", "FR", "FR", "FR", "DE", "ES", "IT", "GB"};
const char* const k_room[] = {"Double", "Twin", "Suite", "Single"};

// A Luhn-valid 16-digit card number unique to the guest: "6", 14 digits from the id, a check digit.
std::string card_number(std::int64_t guest) {
    char digits[32];
    std::snprintf(digits, sizeof digits, "6%014lld", static_cast<long long>(guest));
    int sum = 0;
    bool dbl = true;
    for (int at = 14; at >= 0; --at) {
        int d = digits[at] - '0';
        if (dbl && (d *= 2) > 9) d -= 9;
        sum += d;
        dbl = !dbl;
    }
    std::string out(digits);
    out.push_back(static_cast<char>('0' + (10 - sum % 10) % 10));
    return out;
}

std::string date(int day_offset) {
    // Days from 2024-01-01.
    std::tm tm{};
    tm.tm_year = 124;
    tm.tm_mon = 0;
    tm.tm_mday = 1 + day_offset;
    timegm(&tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

struct generator {
    sqlite3* db;
    std::string phc;
    std::int64_t partner;
    std::int64_t now = std::time(nullptr);
    insert guest{db, "INSERT INTO guests (id, merchant_id, title, firstname, lastname, phone, mobile, email, email_norm, "
                     "street, zip_code, city, state, country, birthdate, language, nationality, "
                     "identity_document_number, privilege_badges, version, created_at, updated_at) VALUES "
                     "(?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7, ?7, ?8, ?9, ?10, NULL, ?11, ?12, ?13, ?11, NULL, '[]', 1, "
                     "?14, ?14)"};
    insert reference{db, "INSERT INTO guest_references (merchant_id, reference, guest_id) VALUES (?1, ?2, ?3)"};
    insert reservation{db, "INSERT INTO reservations (merchant_id, reference, guest_id, status, creation, arrival, "
                           "departure, total_amount, currency, room_type, room_name, payload, updated_at) VALUES "
                           "(?1, ?2, ?3, 'valid', ?4, ?5, ?6, ?7, 'EUR', ?8, ?9, ?10, ?11)"};
    insert account{db, "INSERT INTO accounts (merchant_id, guest_id, username, username_norm, printed_card_number, "
                       "password_hash, created_at, password_changed_at) VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6, ?6)"};
    insert session{db, "INSERT INTO sessions (token_hash, merchant_id, partner_id, account_id, created_at, expires_at) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"};
    insert merchant{db, "INSERT INTO merchants (id, name, hotel_token_hash, created_at) VALUES (?1, ?2, ?3, ?4)"};

    std::string email(std::int64_t id) { return "guest" + std::to_string(id) + "@bench.example"; }

    void add_guest(std::int64_t m, std::int64_t id) {
        const auto e = email(id);
        char phone[32];
        std::snprintf(phone, sizeof phone, "+336%08lld", static_cast<long long>(id % 100000000));
        const auto city = mix(id + 7) % 8;
        guest.i(1, id).i(2, m).t(3, id % 2 ? "Mr" : "Ms").t(4, pick(k_first, id)).t(5, pick(k_last, id + 1))
            .t(6, phone).t(7, e).t(8, std::to_string(1 + id % 200) + " rue de la Paix")
            .t(9, std::to_string(10000 + id % 90000)).t(10, k_city[city]).t(11, k_country[city])
            .t(12, date(-15000 + static_cast<int>(mix(id) % 20000))).t(13, id % 3 ? "fr" : "en").i(14, now)
            .run();
        reference.i(1, m).t(2, "C" + std::to_string(id)).i(3, id).run();
    }

    void add_reservation(std::int64_t m, std::int64_t guest_id, int k) {
        const std::string ref = "R" + std::to_string(guest_id) + "-" + std::to_string(k);
        const int arrival = static_cast<int>(mix(guest_id * 4 + k) % 900);
        const int nights = 1 + static_cast<int>(mix(guest_id * 4 + k + 1) % 6);
        const auto a = date(arrival), d = date(arrival + nights), c = date(arrival - 30);
        const auto amount = std::to_string(80 * nights + guest_id % 100) + ".00";
        const char* room = pick(k_room, guest_id + k);
        const auto number = std::to_string(100 + mix(guest_id + k) % 400);
        const auto e = email(guest_id);
        const std::string payload =
            R"({"reference":")" + ref + R"(","status":"valid","creation":")" + c + R"(","arrival":")" + a +
            R"(","departure":")" + d + R"(","totalamount":")" + amount + R"(","currency":"EUR","rooms":[{"name":")" +
            room + R"(","number":)" + number + R"(}],"customer":{"reference":"C)" + std::to_string(guest_id) +
            R"(","firstname":")" + pick(k_first, guest_id) + R"(","lastname":")" + pick(k_last, guest_id + 1) +
            R"(","email":")" + e + R"("}})";
        reservation.i(1, m).t(2, ref).i(3, guest_id).t(4, c).t(5, a).t(6, d).t(7, amount).t(8, room).t(9, number)
            .t(10, payload).i(11, now).run();
    }

    void add_account(std::int64_t m, std::int64_t guest_id, bool with_session) {
        const auto e = email(guest_id);
        const auto id = account.i(1, m).i(2, guest_id).t(3, e).t(4, card_number(guest_id)).t(5, phc).i(6, now).run();
        if (with_session)
            session.b(1, guestd::domain::digest(token(guest_id))).i(2, m).i(3, partner).i(4, id).i(5, now)
                .i(6, now + 365 * 86400).run();
    }
};

void progress(const char* what, std::int64_t done, std::int64_t total) {
    if (done % 100000 == 0 || done == total) std::fprintf(stderr, "\r%s %lld/%lld", what, static_cast<long long>(done),
                                                          static_cast<long long>(total));
    if (done == total) std::fputc('\n', stderr);
}

}  // namespace

int main(int argc, char** argv) {
    std::string path;
    std::int64_t partner = 0, merchant = 1, guests = 1'000'000, small_merchants = 1000;
    constexpr std::int64_t small_guests = 20;
    for (int at = 1; at < argc; ++at) {
        const std::string_view arg = argv[at];
        const auto value = [&] {
            if (at + 1 >= argc) throw std::invalid_argument(std::string(arg) + " needs a value");
            return std::string(argv[++at]);
        };
        if (arg == "--version") {
            std::printf("%d\n", k_version);
            return 0;
        }
        if (arg == "--db") path = value();
        else if (arg == "--partner") partner = std::stoll(value());
        else if (arg == "--merchant") merchant = std::stoll(value());
        else if (arg == "--guests") guests = std::stoll(value());
        else if (arg == "--small-merchants") small_merchants = std::stoll(value());
        else throw std::invalid_argument("unknown argument " + std::string(arg));
    }
    if (path.empty() || partner <= 0) {
        std::fprintf(stderr, "usage: bench_dataset --db FILE --partner ID [--merchant 1] [--guests N] [--small-merchants N]\n");
        return 2;
    }

    const auto started = std::chrono::steady_clock::now();
    guestd::domain::init_crypto();
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
        std::fprintf(stderr, "cannot open %s\n", path.c_str());
        return 1;
    }
    try {
        // Bulk load: no journal, no syncs, a big cache; WAL again at the end, as guestd keeps it.
        exec(db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -2000000; "
                 "PRAGMA foreign_keys = OFF");
        generator g{db, guestd::domain::passwords{}.hash(k_password), partner};
        exec(db, "BEGIN");
        for (std::int64_t id = 1; id <= guests; ++id) {
            g.add_guest(merchant, id);
            if (id % 2 == 1) g.add_account(merchant, id, true);
            progress("guests", id, guests);
        }
        // Each guest's two stays come from two passes, a million rows apart as bookings made months apart are.
        for (int k = 1; k <= 2; ++k)
            for (std::int64_t id = 1; id <= guests; ++id) {
                g.add_reservation(merchant, id, k);
                progress(k == 1 ? "first stays" : "second stays", id, guests);
            }
        exec(db, "COMMIT; BEGIN");
        // Small merchants: ids after the big one, hotel token "small-hotel-<id>", 20 guests with a stay each and
        // accounts (no session) for half of them.
        std::int64_t next_guest = guests;
        for (std::int64_t m = merchant + 1; m <= merchant + small_merchants; ++m) {
            g.merchant.i(1, m).t(2, "Small Hotel " + std::to_string(m))
                .b(3, guestd::domain::digest("small-hotel-" + std::to_string(m))).i(4, g.now).run();
            for (std::int64_t n = 0; n < small_guests; ++n) {
                const auto id = ++next_guest;
                g.add_guest(m, id);
                g.add_reservation(m, id, 1);
                if (n % 2 == 0) g.add_account(m, id, false);
            }
        }
        exec(db, "COMMIT; PRAGMA journal_mode = WAL");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "\nbench_dataset: %s\n", e.what());
        sqlite3_close(db);
        return 1;
    }
    sqlite3_close(db);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    std::fprintf(stderr, "bench_dataset: %lld guests, %lld small merchants in %.1f s\n", static_cast<long long>(guests),
                 static_cast<long long>(small_merchants), took.count());
    return 0;
}
