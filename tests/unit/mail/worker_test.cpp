// The delivery worker on the in-memory outbox: the shared suite, plus store failures only a fake can inject.
#include "mail/worker.hpp"

#include "unit/mail/fake_outbox.hpp"
#include "unit/mail/worker_suite.hpp"

namespace guestd::testing {
namespace {

std::unique_ptr<store::database> open_fake(const std::filesystem::path&, const core::clock&) {
    return std::make_unique<fake_outbox_database>();
}

INSTANTIATE_TEST_SUITE_P(Fake, WorkerSuite, ::testing::Values(worker_backend{"fake", &open_fake}),
                         [](const auto& p) { return p.param.name; });

class WorkerOnFake : public WorkerSuite {
protected:
    std::unique_ptr<store::database> open_database() override { return open_fake(dir_, clock_); }
    fake_outbox_database& fake() { return static_cast<fake_outbox_database&>(*db_); }
};

TEST_F(WorkerOnFake, AStoreFailureWhileClaimingIsSurvivedAndRetriedNextRound) {
    const auto id = enqueue("jane@example.com");
    mail::worker w(*db_, clock_, transport_);
    fake().fail_begin(1);

    EXPECT_EQ(w.run_once(), 0);
    EXPECT_TRUE(transport_.attempts().empty());

    EXPECT_EQ(w.run_once(), 1);
    EXPECT_EQ(find(id).status, "sent");
}

TEST_F(WorkerOnFake, AMessageWhoseOutcomeWasNotRecordedIsSentAgainAfterItsLease) {
    const auto id = enqueue("jane@example.com");
    mail::worker_options options;
    mail::worker w(*db_, clock_, transport_, options);

    // Sent, but the store fails before mark_sent: as after a crash between sending and recording.
    fake().fail_begin(2);
    EXPECT_EQ(w.run_once(), 1);
    EXPECT_EQ(find(id).status, "pending");

    // The lease keeps it from going out again at once; after the lease it is sent again, not lost.
    EXPECT_EQ(w.run_once(), 0);
    clock_.advance(options.lease);
    EXPECT_EQ(w.run_once(), 1);
    EXPECT_EQ(find(id).status, "sent");
    ASSERT_EQ(transport_.attempts().size(), 2u);
    EXPECT_EQ(transport_.attempts()[0].message_id, transport_.attempts()[1].message_id);
}

}  // namespace
}  // namespace guestd::testing
