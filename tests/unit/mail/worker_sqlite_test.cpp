// The delivery worker on the real SQLite store: the shared suite, including two workers on one database file,
// where only the store's lease keeps them from sending a message twice.
#include "mail/worker.hpp"

#include "store/sqlite/sqlite_database.hpp"
#include "unit/mail/worker_suite.hpp"

namespace guestd::testing {
namespace {

std::unique_ptr<store::database> open_sqlite(const std::filesystem::path& dir, const core::clock& clock) {
    auto db = store::sqlite::open({.path = (dir / "guestd.db").string()}, clock);
    // Outbox messages belong to a merchant (present already when a second node opens the same file).
    auto uow = db->begin(store::tx::write);
    const auto added = uow->merchants().insert({.id = core::merchant_id{1}, .name = "Hotel Test"},
                                               std::string(32, 'h'));
    if (!added && added.error().code != core::errc::already_exists)
        throw std::runtime_error("cannot add the test merchant: " + added.error().message);
    uow->commit();
    return db;
}

INSTANTIATE_TEST_SUITE_P(Sqlite, WorkerSuite, ::testing::Values(worker_backend{"sqlite", &open_sqlite}),
                         [](const auto& p) { return p.param.name; });

class WorkerOnSqlite : public WorkerSuite {
protected:
    std::unique_ptr<store::database> open_database() override { return open_sqlite(dir_, clock_); }
};

TEST_F(WorkerOnSqlite, TwoNodesOnOneDatabaseFileDeliverEachMessageOnce) {
    // A second node: its own connections to the same file.
    auto other = open_sqlite(dir_, clock_);
    expect_two_workers_deliver_each_once(*other);
}

}  // namespace
}  // namespace guestd::testing
