#include "store/sqlite/turnstile.hpp"

#include "core/log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace guestd::store::sqlite {

namespace {

/// Open-file-description locks: held per open file, not per process, so the connections of one process stand
/// in line independently, and closing one connection's file never drops another's lock (POSIX record locks would).
bool lock(int fd, short type) noexcept {
    struct flock request {};
    request.l_type = type;
    request.l_whence = SEEK_SET;
    request.l_start = 0;
    request.l_len = 1;
    return fcntl(fd, F_OFD_SETLK, &request) == 0;
}

}  // namespace

turnstile::turnstile(const std::string& db_path) {
    // Share the database file's permissions, as SQLite does for its -wal and -shm files.
    struct stat db {};
    const bool known = ::stat(db_path.c_str(), &db) == 0;
    const mode_t mode = known ? (db.st_mode & 0666) : 0600;
    const std::string path = db_path + "-writers";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd_ < 0) {
        core::log(core::log_level::warn, "sqlite_turnstile_unavailable", {{"path", path}, {"what", std::strerror(errno)}});
        return;
    }
    // Root (guestd's CLI run by an operator) hands the file to the database's owner, who runs the server.
    if (known && ::geteuid() == 0 && ::fchown(fd_, db.st_uid, db.st_gid) != 0)
        core::log(core::log_level::warn, "sqlite_turnstile_chown_failed", {{"path", path}, {"what", std::strerror(errno)}});
}

turnstile::~turnstile() {
    if (fd_ >= 0) ::close(fd_);  // releases this file's lock, if held
}

void turnstile::wait_in_line() noexcept {
    if (in_line_ || fd_ < 0) return;
    in_line_ = lock(fd_, F_RDLCK);
}

void turnstile::release() noexcept {
    (void)lock(fd_, F_UNLCK);
    in_line_ = false;
}

bool turnstile::let_waiters_pass(clock::time_point deadline) noexcept {
    if (fd_ < 0) return true;
    // The exclusive lock is free only when no writer is in line. Hold it for no longer than the probe: a writer
    // that comes to wait meanwhile simply tries again on its next turn in SQLite's busy handler.
    for (;;) {
        if (lock(fd_, F_WRLCK)) {
            (void)lock(fd_, F_UNLCK);
            return true;
        }
        if (clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

}  // namespace guestd::store::sqlite
