#include "integration/harness.hpp"

#include "core/text.hpp"

#include <boost/json/parse.hpp>
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

extern char** environ;

namespace guestd::itest {

using namespace std::chrono_literals;

namespace {

/// Turns a waitpid status into an exit code: the process's own, or 128 + the signal that ended it.
int exit_code_of(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

/// Waits at most timeout for pid to end; the exit code, or nothing when it is still running.
std::optional<int> wait_for_exit(pid_t pid, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int status = 0;
        const pid_t got = ::waitpid(pid, &status, WNOHANG);
        if (got == pid) return exit_code_of(status);
        if (got < 0 && errno != EINTR) return -1;
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(5ms);
    }
}

/// Kills pid and reaps it; returns its exit code.
int kill_and_reap(pid_t pid) {
    ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return exit_code_of(status);
}

/// Spawns program with args; stdin is /dev/null, stdout and stderr are the given open descriptors.
pid_t spawn_program(const std::string& binary, const std::vector<std::string>& args, int out_fd, int err_fd) {
    std::vector<std::string> storage;
    storage.reserve(args.size() + 1);
    storage.push_back(binary);
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : storage) argv.push_back(a.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
    posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        throw std::runtime_error("cannot start " + binary + ": " + std::strerror(rc));
    }
    return pid;
}

/// Spawns guestd with args; stdin is /dev/null, stdout and stderr are the given open descriptors.
pid_t spawn_guestd(const std::vector<std::string>& args, int out_fd, int err_fd) {
    const std::string binary = guestd_binary();
    if (binary.empty()) {
        throw std::runtime_error("no guestd binary: build the guestd target or set GUESTD_BINARY");
    }
    return spawn_program(binary, args, out_fd, err_fd);
}

/// Opens `<log_stem>.stdout` and `<log_stem>.stderr` for a child's output; throws when either cannot be made.
std::pair<int, int> open_log_files(const std::filesystem::path& out_path, const std::filesystem::path& err_path) {
    const int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out_fd < 0 || err_fd < 0) {
        if (out_fd >= 0) ::close(out_fd);
        if (err_fd >= 0) ::close(err_fd);
        throw std::runtime_error("cannot create log files " + out_path.string());
    }
    return {out_fd, err_fd};
}

/// Reads everything from fd, from its start.
std::string read_fd(int fd) {
    std::string text;
    ::lseek(fd, 0, SEEK_SET);
    char buf[8192];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) {
            text.append(buf, static_cast<std::size_t>(n));
        } else if (n == 0 || errno != EINTR) {
            break;
        }
    }
    return text;
}

/// An anonymous temporary file (already unlinked), closed on destruction.
class scratch_file {
public:
    scratch_file() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "guestd-itest-XXXXXX").string();
        fd_ = ::mkostemp(tmpl.data(), O_CLOEXEC);
        if (fd_ < 0) throw std::runtime_error("mkostemp failed: " + std::string(std::strerror(errno)));
        ::unlink(tmpl.c_str());
    }
    ~scratch_file() { ::close(fd_); }
    scratch_file(const scratch_file&) = delete;
    scratch_file& operator=(const scratch_file&) = delete;
    int fd() const { return fd_; }

private:
    int fd_ = -1;
};

void curl_init_once() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
    static_cast<std::string*>(user)->append(data, size * count);
    return size * count;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
    auto* headers = static_cast<header_list*>(user);
    std::string_view line(data, size * count);
    // Start over at each status line, so an interim 100 Continue leaves no headers behind.
    if (line.starts_with("HTTP/")) {
        headers->clear();
        return size * count;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return size * count;
    std::string name(line.substr(0, colon));
    std::ranges::transform(name, name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
        value.remove_suffix(1);
    }
    headers->emplace_back(std::move(name), std::string(value));
    return size * count;
}

bool iequals(std::string_view a, std::string_view b) {
    return std::ranges::equal(a, b, [](unsigned char x, unsigned char y) { return std::tolower(x) == std::tolower(y); });
}

}  // namespace

std::string guestd_binary() {
    if (const char* env = std::getenv("GUESTD_BINARY"); env != nullptr && *env != '\0') return env;
#ifdef GUESTD_BINARY
    return GUESTD_BINARY;
#else
    return {};
#endif
}

temp_dir::temp_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "guestd-itest-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed: " + std::string(std::strerror(errno)));
    }
    path_ = tmpl;
}

temp_dir::~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::optional<std::string> postgres_server_url() {
    const char* file = std::getenv("GUESTD_ITEST_PG_URL_FILE");
    if (file == nullptr || *file == '\0') return std::nullopt;
    std::ifstream in(file);
    std::string url;
    if (!std::getline(in, url) || url.empty()) {
        throw std::runtime_error(std::string("no PostgreSQL URL in ") + file +
                                 " (did scripts/pg-test-cluster.sh start run?)");
    }
    return url;
}

bool on_postgres() {
    const char* file = std::getenv("GUESTD_ITEST_PG_URL_FILE");
    return file != nullptr && *file != '\0';
}

namespace {

/// url with its database (the path after the authority, up to any query) replaced by name.
std::string url_with_database(const std::string& url, const std::string& name) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string::npos) throw std::runtime_error("the PostgreSQL server address is not a URL");
    const auto query = url.find('?', scheme_end + 3);
    const auto slash = url.find('/', scheme_end + 3);
    const auto path_start = (slash == std::string::npos || slash > query) ? std::min(query, url.size()) : slash;
    const auto path_end = std::min(query, url.size());
    return url.substr(0, path_start) + "/" + name + url.substr(path_end);
}

/// Runs one statement on the server's maintenance database; throws std::runtime_error with the server's message.
void exec_on_server(const std::string& server_url, const std::string& sql) {
    PGconn* conn = PQconnectdb(server_url.c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
        const std::string message = PQerrorMessage(conn);
        PQfinish(conn);
        throw std::runtime_error("cannot reach the PostgreSQL test server: " + message);
    }
    PGresult* result = PQexec(conn, sql.c_str());
    const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
    const std::string message = PQerrorMessage(conn);
    PQclear(result);
    PQfinish(conn);
    if (!ok) throw std::runtime_error(sql + ": " + message);
}

}  // namespace

namespace {

/// A database name no other test uses.
std::string fresh_database_name() {
    static std::mt19937_64 engine{std::random_device{}()};
    static std::mutex mutex;
    std::lock_guard lock(mutex);
    return "guestd_itest_" + std::to_string(engine());
}

}  // namespace

test_database::test_database(const std::filesystem::path& dir) {
    const auto server = postgres_server_url();
    if (!server) {
        arg_ = (dir / "guestd.db").string();
        return;
    }
    name_ = fresh_database_name();
    exec_on_server(*server, "CREATE DATABASE " + name_);
    server_url_ = *server;
    arg_ = url_with_database(server_url_, name_);
}

test_database::test_database(const std::filesystem::path& dir, const test_database& original) {
    if (original.name_.empty()) {
        // Every guestd that had the file open has exited, which checkpointed and removed its WAL; a WAL left
        // behind all the same is part of the database, so it is copied too.
        arg_ = (dir / "guestd.db").string();
        std::filesystem::copy_file(original.arg_, arg_);
        if (const std::filesystem::path wal = original.arg_ + "-wal"; std::filesystem::exists(wal)) {
            std::filesystem::copy_file(wal, arg_ + "-wal");
        }
        return;
    }
    name_ = fresh_database_name();
    exec_on_server(original.server_url_, "CREATE DATABASE " + name_ + " TEMPLATE " + original.name_);
    server_url_ = original.server_url_;
    arg_ = url_with_database(server_url_, name_);
}

test_database::~test_database() {
    if (name_.empty()) return;
    try {
        exec_on_server(server_url_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (const std::exception& e) {
        std::cerr << "[harness] could not drop " << name_ << ": " << e.what() << "\n";
    }
}

run_result run_guestd(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
    scratch_file out;
    scratch_file err;
    const pid_t pid = spawn_guestd(args, out.fd(), err.fd());
    run_result result;
    // Wait for the command, killing it when it overstays.
    if (auto code = wait_for_exit(pid, timeout)) {
        result.exit_code = *code;
    } else {
        result.exit_code = kill_and_reap(pid);
        result.err = "[harness: killed after timeout]\n";
    }
    result.out = read_fd(out.fd());
    result.err += read_fd(err.fd());
    return result;
}

server_process::server_process(const std::filesystem::path& db, const std::filesystem::path& log_stem,
                               std::chrono::milliseconds timeout)
    : server_process(db, log_stem, {}, timeout) {}

server_process::server_process(const std::filesystem::path& db, const std::filesystem::path& log_stem,
                               const std::vector<std::string>& extra_args, std::chrono::milliseconds timeout)
    : out_path_(log_stem.string() + ".stdout"), err_path_(log_stem.string() + ".stderr") {
    const int out_fd = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const int err_fd = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out_fd < 0 || err_fd < 0) {
        if (out_fd >= 0) ::close(out_fd);
        if (err_fd >= 0) ::close(err_fd);
        throw std::runtime_error("cannot create server log files next to " + log_stem.string());
    }
    try {
        std::vector<std::string> args{"serve", "--db", db.string(), "--listen", "127.0.0.1:0"};
        args.insert(args.end(), extra_args.begin(), extra_args.end());
        pid_ = spawn_guestd(args, out_fd, err_fd);
    } catch (...) {
        ::close(out_fd);
        ::close(err_fd);
        throw;
    }
    ::close(out_fd);
    ::close(err_fd);

    // Wait for the first stdout line, which announces the URL.
    constexpr std::string_view prefix = "guestd listening on ";
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const std::string out = stdout_text();
        if (const auto eol = out.find('\n'); eol != std::string::npos) {
            const std::string line = out.substr(0, eol);
            if (!line.starts_with(prefix) || !line.substr(prefix.size()).starts_with("http://127.0.0.1:")) {
                stop(SIGKILL, 1s);
                throw std::runtime_error("unexpected first stdout line from guestd serve: " + line);
            }
            base_url_ = line.substr(prefix.size());
            return;
        }
        if (auto code = wait_for_exit(pid_, 0ms)) {
            pid_ = -1;
            exit_code_ = *code;
            throw std::runtime_error("guestd serve exited with " + std::to_string(*code) +
                                     " before listening; stderr:\n" + stderr_text());
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            stop(SIGKILL, 1s);
            throw std::runtime_error("guestd serve did not announce its port in time; stderr:\n" + stderr_text());
        }
        std::this_thread::sleep_for(10ms);
    }
}

server_process::~server_process() {
    if (pid_ > 0) kill_and_reap(pid_);
}

int server_process::stop(int sig, std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return exit_code_;
    ::kill(pid_, sig);
    if (auto code = wait_for_exit(pid_, timeout)) {
        exit_code_ = *code;
    } else {
        exit_code_ = kill_and_reap(pid_);
    }
    pid_ = -1;
    return exit_code_;
}

std::string server_process::stderr_text() const { return read_file(err_path_); }

std::string server_process::stdout_text() const { return read_file(out_path_); }

background_process::background_process(const std::string& program, const std::vector<std::string>& args,
                                       const std::filesystem::path& log_stem)
    : out_path_(log_stem.string() + ".stdout"), err_path_(log_stem.string() + ".stderr") {
    const auto [out_fd, err_fd] = open_log_files(out_path_, err_path_);
    try {
        pid_ = spawn_program(program, args, out_fd, err_fd);
    } catch (...) {
        ::close(out_fd);
        ::close(err_fd);
        throw;
    }
    ::close(out_fd);
    ::close(err_fd);
}

background_process::~background_process() {
    if (pid_ > 0) kill_and_reap(pid_);
}

std::optional<std::string> background_process::wait_for_line(std::string_view prefix,
                                                              std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        // Look at every complete line written so far.
        std::istringstream lines(stdout_text());
        for (std::string line; std::getline(lines, line);) {
            if (lines.eof()) break;  // not yet terminated: it may still grow
            if (line.starts_with(prefix)) return line.substr(prefix.size());
        }
        if (pid_ <= 0) return std::nullopt;
        if (auto code = wait_for_exit(pid_, 0ms)) {
            pid_ = -1;
            exit_code_ = *code;
            return std::nullopt;
        }
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(10ms);
    }
}

int background_process::stop(int sig, std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return exit_code_;
    ::kill(pid_, sig);
    if (auto code = wait_for_exit(pid_, timeout)) {
        exit_code_ = *code;
    } else {
        exit_code_ = kill_and_reap(pid_);
    }
    pid_ = -1;
    return exit_code_;
}

std::string background_process::stdout_text() const { return read_file(out_path_); }

std::string background_process::stderr_text() const { return read_file(err_path_); }

std::optional<std::string> http_response::header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
        if (iequals(n, name)) return v;
    }
    return std::nullopt;
}

boost::json::value http_response::json() const {
    try {
        return parse_json(body);
    } catch (const std::exception& e) {
        ADD_FAILURE() << "response body is not JSON (" << e.what() << "), status " << status << ", body: " << body
                      << (error.empty() ? "" : ", error: " + error);
        return nullptr;
    }
}

http_client::http_client(std::string base_url) : base_url_(std::move(base_url)) { curl_init_once(); }

http_response http_client::send(const http_request& req) {
    http_response resp;
    CURL* curl = curl_easy_init();
    if (curl == nullptr) {
        resp.error = "curl_easy_init failed";
        return resp;
    }
    const std::string url = base_url_ + req.target;
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(curl, CURLOPT_PROXY, "");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &resp.body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &resp.headers);

    // Set the method and body; curl would pick a form Content-Type for a body, so default to JSON.
    if (req.body) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req.body->data());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body->size()));
    }
    if (req.method == "GET" && !req.body) {
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    } else if (req.method != "POST") {
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    }
    curl_slist* list = nullptr;
    bool has_content_type = false;
    for (const auto& [name, value] : req.headers) {
        if (iequals(name, "content-type")) has_content_type = true;
        const std::string line = value.empty() ? name + ":" : name + ": " + value;
        list = curl_slist_append(list, line.c_str());
    }
    if (req.body && !has_content_type) list = curl_slist_append(list, "Content-Type: application/json");
    list = curl_slist_append(list, "Expect:");
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);

    // Send it; a response that arrived before a send error (e.g. an early 413) still counts.
    const CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    resp.status = status;
    if (rc != CURLE_OK) resp.error = curl_easy_strerror(rc);
    curl_slist_free_all(list);
    curl_easy_cleanup(curl);
    history_.push_back({.method = req.method, .target = req.target, .status = resp.status});
    return resp;
}

std::string url_encode(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (const unsigned char c : core::bytes(s)) {
        if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0x0f];
        }
    }
    return out;
}

boost::json::value parse_json(std::string_view text) { return boost::json::parse(text); }

bool luhn_valid(std::string_view digits) {
    if (digits.empty()) return false;
    int sum = 0;
    bool twice = false;
    for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
        if (*it < '0' || *it > '9') return false;
        int d = *it - '0';
        if (twice) {
            d *= 2;
            if (d > 9) d -= 9;
        }
        sum += d;
        twice = !twice;
    }
    return sum % 10 == 0;
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace guestd::itest
