// Black-box harness for the integration suites: temp directories, the real guestd binary run as a child process
// (one-shot CLI commands and a `guestd serve` server), each test's database (a SQLite file, or a fresh PostgreSQL
// database when $GUESTD_ITEST_PG_URL_FILE is set), a small libcurl HTTP client and JSON helpers.
// Nothing here links guestd code: the suites see guestd only as a program and a port.
#pragma once

#include <boost/json/value.hpp>

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace guestd::itest {

/// Path of the guestd binary under test: $GUESTD_BINARY when set, else the build's GUESTD_BINARY definition,
/// else "" (the caller reports that no binary was configured).
std::string guestd_binary();

/// A fresh directory made with mkdtemp under $TMPDIR (or /tmp), removed with its contents on destruction.
class temp_dir {
public:
    temp_dir();
    ~temp_dir();
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    /// The directory's absolute path.
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

/// The URL of the PostgreSQL server's maintenance database, read from the file $GUESTD_ITEST_PG_URL_FILE names;
/// nothing when that variable is unset or empty (the suites then run on SQLite). Throws std::runtime_error when the
/// file holds no URL.
std::optional<std::string> postgres_server_url();

/// Whether the suites run on PostgreSQL ($GUESTD_ITEST_PG_URL_FILE is set).
bool on_postgres();

/// The database one test runs against. On SQLite, the file `<dir>/guestd.db` (created by guestd on first use); on
/// PostgreSQL, a fresh database guestd_itest_<random> on the test server, dropped on destruction whatever still
/// connects to it. Throws std::runtime_error when the PostgreSQL database cannot be created.
class test_database {
public:
    explicit test_database(const std::filesystem::path& dir);
    /// A copy of original, which no process may have open: on SQLite its file copied to `<dir>/guestd.db`, on
    /// PostgreSQL a fresh database created with original as its template. A fixture that makes the same world
    /// through the operator CLI before every test makes it once and starts each later test from such a copy.
    test_database(const std::filesystem::path& dir, const test_database& original);
    ~test_database();
    test_database(const test_database&) = delete;
    test_database& operator=(const test_database&) = delete;

    /// What `--db` takes: the SQLite file's path or the PostgreSQL database's URL.
    const std::string& arg() const { return arg_; }

private:
    std::string server_url_;  // the maintenance database's URL; empty on SQLite
    std::string name_;        // the PostgreSQL database's name; empty on SQLite
    std::string arg_;
};

/// What a finished child process left: its exit code (128 + signal when a signal ended it) and its output.
struct run_result {
    int exit_code = -1;
    std::string out;
    std::string err;
};

/// Runs guestd with args, waits at most timeout (then SIGKILL), and returns its exit code, stdout and stderr.
run_result run_guestd(const std::vector<std::string>& args,
                      std::chrono::milliseconds timeout = std::chrono::seconds(30));

/// A `guestd serve` child process bound to a free loopback port; its stdout and stderr go to files.
class server_process {
public:
    /// Starts `guestd serve --db db --listen 127.0.0.1:0`, writing `<log_stem>.stdout` and `<log_stem>.stderr`,
    /// and waits at most timeout for the listening line; throws std::runtime_error (with its stderr) on failure.
    server_process(const std::filesystem::path& db, const std::filesystem::path& log_stem,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// The same, with extra_args appended to the command line (e.g. {"--smtp", "smtp://127.0.0.1:2525"}).
    server_process(const std::filesystem::path& db, const std::filesystem::path& log_stem,
                   const std::vector<std::string>& extra_args,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// Kills the process (SIGKILL) if it is still running.
    ~server_process();
    server_process(const server_process&) = delete;
    server_process& operator=(const server_process&) = delete;

    /// "http://127.0.0.1:<port>", as the listening line announced it.
    const std::string& base_url() const { return base_url_; }

    /// Sends sig, waits at most timeout for the exit (then SIGKILL) and returns the exit code (128 + signal when
    /// a signal ended it); returns the recorded code when the process already stopped.
    int stop(int sig = SIGTERM, std::chrono::milliseconds timeout = std::chrono::seconds(10));

    /// Whether the process has not been reaped yet.
    bool running() const { return pid_ > 0; }

    /// Everything the server has written to stderr so far.
    std::string stderr_text() const;

    /// Everything the server has written to stdout so far.
    std::string stdout_text() const;

private:
    pid_t pid_ = -1;
    int exit_code_ = -1;
    std::filesystem::path out_path_;
    std::filesystem::path err_path_;
    std::string base_url_;
};

/// Any other program run in the background (e.g. a mail server the suites talk to); stdin is /dev/null, stdout
/// and stderr go to `<log_stem>.stdout` and `<log_stem>.stderr`.
class background_process {
public:
    /// Starts program (an absolute path) with args; throws std::runtime_error when it cannot start.
    background_process(const std::string& program, const std::vector<std::string>& args,
                       const std::filesystem::path& log_stem);
    /// Kills the process (SIGKILL) if it is still running.
    ~background_process();
    background_process(const background_process&) = delete;
    background_process& operator=(const background_process&) = delete;

    /// Waits at most timeout for a stdout line starting with prefix and returns the rest of that line; nothing
    /// when the process exits first or the time runs out.
    std::optional<std::string> wait_for_line(std::string_view prefix, std::chrono::milliseconds timeout);

    /// Sends sig, waits at most timeout for the exit (then SIGKILL) and returns the exit code (128 + signal when
    /// a signal ended it); returns the recorded code when the process already stopped.
    int stop(int sig = SIGTERM, std::chrono::milliseconds timeout = std::chrono::seconds(10));

    /// Whether the process has not been reaped yet.
    bool running() const { return pid_ > 0; }

    std::string stdout_text() const;
    std::string stderr_text() const;

private:
    pid_t pid_ = -1;
    int exit_code_ = -1;
    std::filesystem::path out_path_;
    std::filesystem::path err_path_;
};

/// Header name/value pairs, in order.
using header_list = std::vector<std::pair<std::string, std::string>>;

/// One HTTP request: method, target (path and query) relative to the base URL, headers and an optional body.
/// With a body and no Content-Type header, Content-Type: application/json is sent; a header with an empty
/// value is removed from the request instead (e.g. {"Content-Type", ""} sends no Content-Type at all).
struct http_request {
    std::string method = "GET";
    std::string target;
    header_list headers;
    std::optional<std::string> body;
};

/// One HTTP response; header names are lower-cased. status is 0 when no response arrived (error says why).
struct http_response {
    long status = 0;
    header_list headers;
    std::string body;
    std::string error;

    /// The first header with that name (case-insensitive), if any.
    std::optional<std::string> header(std::string_view name) const;

    /// The body parsed as JSON; records a test failure and returns null when it is not JSON.
    boost::json::value json() const;
};

/// What one request through http_client was and what status came back.
struct exchange {
    std::string method;
    std::string target;
    long status = 0;
};

/// A blocking HTTP/1.1 client for one server, on libcurl; every request is bounded by a 30 s timeout.
class http_client {
public:
    explicit http_client(std::string base_url);

    /// Sends the request and returns the response (status 0 and error set when none arrived).
    http_response send(const http_request& req);

    /// Every request this client has sent, in order, with the status it got.
    const std::vector<exchange>& history() const { return history_; }

    const std::string& base_url() const { return base_url_; }

private:
    std::string base_url_;
    std::vector<exchange> history_;
};

/// Percent-encodes s for use in a query string.
std::string url_encode(std::string_view s);

/// Parses text as JSON; throws std::system_error (boost) when it is not JSON.
boost::json::value parse_json(std::string_view text);

/// Whether the digits pass the Luhn check (the last digit is the check digit).
bool luhn_valid(std::string_view digits);

/// Reads a whole file; "" when it cannot be read.
std::string read_file(const std::filesystem::path& path);

}  // namespace guestd::itest
