// Fairness for SQLite's one writer across processes. SQLite lets a writer that finds the write lock taken wait in
// its busy handler, which polls; a bulk writer (guestd import) that commits batch after batch takes the lock back
// within microseconds of each commit, so a poller almost never finds it free, and an API write of the server
// could wait out its whole busy timeout behind an import. The turnstile is a lock file beside the database
// (`<db>-writers`): a writer that waits for the write lock holds a shared lock on it for as long as it waits, and
// a bulk writer, before each transaction, waits until nobody holds one. An API write then waits at most about one
// batch, however long the import runs. File locks end with their process, so a killed waiter leaves nothing
// behind.
#pragma once

#include <chrono>
#include <string>

namespace guestd::store::sqlite {

/// One connection's handle on the database's turnstile. Inert (every call does nothing) when the lock file cannot
/// be opened, for example in a directory guestd may read but not write: fairness is then SQLite's own.
class turnstile {
public:
    using clock = std::chrono::steady_clock;

    /// Opens (creating if needed) the lock file of the database at db_path, with the database file's mode and,
    /// when run as root, its owner, so that the service and an operator's CLI share it.
    explicit turnstile(const std::string& db_path);
    ~turnstile();
    turnstile(const turnstile&) = delete;
    turnstile& operator=(const turnstile&) = delete;

    /// Says this connection is waiting for the write lock: takes the shared lock, if no bulk writer is probing it
    /// at this very moment (the next call tries again). Cheap once in line.
    void wait_in_line() noexcept;
    /// Says this connection no longer waits (it got the lock, or gave up). Cheap when not in line.
    void leave() noexcept {
        if (in_line_) release();
    }
    bool in_line() const noexcept { return in_line_; }

    /// For a bulk writer before it starts a transaction: waits until no writer is in line, or until deadline.
    /// True when it found the line empty; false when it gave up (a waiter stopped without ending, say).
    bool let_waiters_pass(clock::time_point deadline) noexcept;

private:
    void release() noexcept;

    int fd_ = -1;
    bool in_line_ = false;
};

}  // namespace guestd::store::sqlite
