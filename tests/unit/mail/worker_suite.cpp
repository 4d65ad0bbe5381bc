#include "unit/mail/worker_suite.hpp"

#include "core/metrics.hpp"
#include "mail/worker.hpp"

#include <atomic>
#include <functional>
#include <set>
#include <thread>

namespace guestd::testing {

void WorkerSuite::SetUp() {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("guestd-mail-worker-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    db_ = open_database();
}

void WorkerSuite::TearDown() {
    db_.reset();
    std::filesystem::remove_all(dir_);
}

std::string sample_content(const std::string& recipient, const std::string& message_id) {
    return "From: Hotel Test <no-reply@hotel.example>\r\n"
           "To: " + recipient + "\r\n"
           "Subject: Reset your password\r\n"
           "Message-ID: " + message_id + "\r\n"
           "MIME-Version: 1.0\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n"
           "\r\n"
           "Follow this link to choose a new password:\r\n"
           "https://guestd.example/reset?code=123\r\n"
           ".a line that starts with a dot\r\n";
}

std::int64_t WorkerSuite::enqueue(const std::string& recipient, store::unix_seconds due_in) {
    static std::atomic<int> counter{0};
    store::outbox_message m;
    m.merchant = core::merchant_id{1};
    m.message_id = "<" + std::to_string(counter++) + ".test@guestd.example>";
    m.recipient = recipient;
    m.sender = "Hotel Test <no-reply@hotel.example>";
    m.subject = "Reset your password";
    m.content = sample_content(recipient, m.message_id);
    m.created_at = clock_.now();  // what the stores stamp from their clock
    m.next_attempt_at = clock_.now() + due_in;
    auto uow = db_->begin(store::tx::write);
    const auto id = uow->outbox().enqueue(m);
    uow->commit();
    return id;
}

store::outbox_message WorkerSuite::find(std::int64_t id) {
    auto uow = db_->begin(store::tx::read);
    auto m = uow->outbox().find(id);
    if (!m) throw std::runtime_error("no outbox message " + std::to_string(id));
    return *m;
}

void WorkerSuite::expect_two_workers_deliver_each_once(store::database& other) {
    constexpr int count = 60;
    std::set<std::int64_t> ids;
    for (int i = 0; i < count; ++i) ids.insert(enqueue("guest" + std::to_string(i) + "@example.com"));
    mail::worker_options options;
    options.poll = std::chrono::milliseconds(5);
    options.batch = 3;
    mail::worker a(*db_, clock_, transport_, options);
    mail::worker b(other, clock_, transport_, options);

    a.start();
    b.start();
    ASSERT_TRUE(transport_.wait_for_attempts(count, std::chrono::seconds(120)));
    // Let both finish recording, then stop them: nothing is pending, so no send can follow.
    for (int i = 0; i < 12000; ++i) {
        auto uow = db_->begin(store::tx::read);
        if (uow->outbox().backlog() == 0) break;
        uow.reset();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    a.stop();
    b.stop();

    const auto attempts = transport_.attempts();
    std::multiset<std::int64_t> delivered;
    for (const auto& m : attempts) delivered.insert(m.id);
    EXPECT_EQ(attempts.size(), static_cast<std::size_t>(count));
    for (const auto id : ids) {
        EXPECT_EQ(delivered.count(id), 1u) << "message " << id;
        EXPECT_EQ(find(id).status, "sent");
    }
}

double metric_value(const std::string& name) {
    const auto text = "\n" + core::metrics::render();
    const auto at = text.find("\n" + name + " ");
    if (at == std::string::npos) return 0;
    return std::stod(text.substr(at + name.size() + 2));
}

namespace {

const mail::delivery_error busy{"451 4.3.0 try again later", false};
const mail::delivery_error unknown_user{"550 5.1.1 no such user", true};

TEST_P(WorkerSuite, DeliversADueMessageAndMarksItSent) {
    const auto id = enqueue("jane@example.com");
    const auto sent_before = metric_value("guestd_mail_sent_total");
    mail::worker w(*db_, clock_, transport_);

    EXPECT_EQ(w.run_once(), 1);

    const auto attempts = transport_.attempts();
    ASSERT_EQ(attempts.size(), 1u);
    EXPECT_EQ(attempts[0].id, id);
    EXPECT_EQ(attempts[0].content, sample_content("jane@example.com", attempts[0].message_id));
    const auto m = find(id);
    EXPECT_EQ(m.status, "sent");
    EXPECT_EQ(m.sent_at, clock_.now());
    EXPECT_EQ(metric_value("guestd_mail_sent_total"), sent_before + 1);
    EXPECT_EQ(metric_value("guestd_outbox_backlog"), 0);
}

TEST_P(WorkerSuite, LeavesMessagesThatAreNotDueAndCountsThemInTheBacklog) {
    const auto id = enqueue("later@example.com", 60);
    mail::worker w(*db_, clock_, transport_);

    EXPECT_EQ(w.run_once(), 0);

    EXPECT_TRUE(transport_.attempts().empty());
    EXPECT_EQ(find(id).status, "pending");
    EXPECT_EQ(metric_value("guestd_outbox_backlog"), 1);
}

TEST_P(WorkerSuite, RetriesATransientFailureAfterABackoff) {
    const auto id = enqueue("busy@example.com");
    transport_.fail("busy@example.com", busy, 1);
    const auto failures_before = metric_value("guestd_mail_delivery_failures_total");
    mail::worker_options options;
    mail::worker w(*db_, clock_, transport_, options);

    // The first attempt fails: the message stays pending, due again within the first retry's window.
    const auto failed_at = clock_.now();
    EXPECT_EQ(w.run_once(), 1);
    auto m = find(id);
    EXPECT_EQ(m.status, "pending");
    EXPECT_EQ(m.attempts, 1);
    EXPECT_EQ(m.last_error, busy.message);
    EXPECT_GE(m.next_attempt_at, failed_at + options.first_retry / 2);
    EXPECT_LE(m.next_attempt_at, failed_at + options.first_retry);
    EXPECT_EQ(metric_value("guestd_mail_delivery_failures_total"), failures_before + 1);

    // Not before then.
    EXPECT_EQ(w.run_once(), 0);

    // Then it goes out.
    clock_.set(m.next_attempt_at);
    EXPECT_EQ(w.run_once(), 1);
    EXPECT_EQ(find(id).status, "sent");
    EXPECT_EQ(transport_.attempts().size(), 2u);
}

TEST_P(WorkerSuite, APermanentFailureIsDeadAtOnce) {
    const auto id = enqueue("nobody@example.com");
    transport_.fail("nobody@example.com", unknown_user);
    mail::worker w(*db_, clock_, transport_);

    EXPECT_EQ(w.run_once(), 1);

    const auto m = find(id);
    EXPECT_EQ(m.status, "dead");
    EXPECT_EQ(m.attempts, 1);
    EXPECT_EQ(m.last_error, unknown_user.message);
    clock_.advance(24 * 3600);
    EXPECT_EQ(w.run_once(), 0);
}

TEST_P(WorkerSuite, ATransientFailurePastTheGiveUpPeriodIsDead) {
    mail::worker_options options;
    const auto old = enqueue("busy@example.com");
    clock_.advance(1);
    const auto fresh = enqueue("busy@example.com");
    clock_.advance(options.give_up_after - 1);
    transport_.fail("busy@example.com", busy);
    mail::worker w(*db_, clock_, transport_, options);

    EXPECT_EQ(w.run_once(), 2);

    EXPECT_EQ(find(fresh).status, "pending");
    EXPECT_EQ(find(old).status, "dead");
    EXPECT_EQ(find(old).last_error, busy.message);
}

TEST_P(WorkerSuite, TakesAtMostABatchPerRound) {
    for (int i = 0; i < 5; ++i) enqueue("guest" + std::to_string(i) + "@example.com");
    mail::worker_options options;
    options.batch = 2;
    mail::worker w(*db_, clock_, transport_, options);

    EXPECT_EQ(w.run_once(), 2);
    EXPECT_EQ(w.run_once(), 2);
    EXPECT_EQ(w.run_once(), 1);
    EXPECT_EQ(w.run_once(), 0);
}

TEST_P(WorkerSuite, ATransportThatThrowsCountsAsATransientFailure) {
    class throwing_transport final : public mail::transport {
    public:
        std::optional<mail::delivery_error> send(const store::outbox_message&) override {
            throw std::runtime_error("boom");
        }
        std::string describe() const override { return "throwing:"; }
    } throwing;
    const auto id = enqueue("jane@example.com");
    mail::worker w(*db_, clock_, throwing);

    EXPECT_EQ(w.run_once(), 1);

    const auto m = find(id);
    EXPECT_EQ(m.status, "pending");
    EXPECT_EQ(m.attempts, 1);
    EXPECT_NE(m.last_error.find("boom"), std::string::npos);
}

TEST_P(WorkerSuite, WakeDeliversBeforeThePollInterval) {
    mail::worker_options options;
    options.poll = std::chrono::minutes(1);
    mail::worker w(*db_, clock_, transport_, options);
    enqueue("first@example.com");
    w.start();

    // The first round runs at start; once it has delivered, the worker sleeps for a whole minute.
    ASSERT_TRUE(transport_.wait_for_attempts(1, std::chrono::seconds(30)));

    // Mail queued now goes out on wake(), long before the next poll.
    enqueue("second@example.com");
    w.wake();
    ASSERT_TRUE(transport_.wait_for_attempts(2, std::chrono::seconds(30)));
    EXPECT_EQ(transport_.attempts()[1].recipient, "second@example.com");
    w.stop();
    w.stop();  // idempotent
}

TEST_P(WorkerSuite, TwoWorkersDeliverEachMessageExactlyOnce) { expect_two_workers_deliver_each_once(*db_); }

TEST_P(WorkerSuite, AMailServerSlowerThanTheLeaseNeverGetsAMessageTwice) {
    // A mail server that takes 30 s per message: while worker A goes through its batch, the lease of the messages
    // it has not sent yet runs out and worker B (another node) claims them. A must leave those to B.
    class slow_transport final : public mail::transport {
    public:
        slow_transport(core::manual_clock& clock, recording_transport& inner, std::function<void()> meanwhile)
            : clock_(clock), inner_(inner), meanwhile_(std::move(meanwhile)) {}
        std::optional<mail::delivery_error> send(const store::outbox_message& m) override {
            clock_.advance(30);
            meanwhile_();
            return inner_.send(m);
        }
        std::string describe() const override { return "slow:"; }

    private:
        core::manual_clock& clock_;
        recording_transport& inner_;
        std::function<void()> meanwhile_;
    };

    constexpr int count = 10;
    std::set<std::int64_t> ids;
    for (int i = 0; i < count; ++i) ids.insert(enqueue("guest" + std::to_string(i) + "@example.com"));
    const mail::worker_options options;  // a 120 s lease, a batch of 20
    recording_transport other;
    mail::worker b(*db_, clock_, other, options);
    slow_transport slow(clock_, transport_, [&] { b.run_once(); });
    mail::worker a(*db_, clock_, slow, options);

    a.run_once();
    clock_.advance(options.lease);
    b.run_once();

    std::multiset<std::int64_t> delivered;
    for (const auto& m : transport_.attempts()) delivered.insert(m.id);
    for (const auto& m : other.attempts()) delivered.insert(m.id);
    EXPECT_FALSE(transport_.attempts().empty());
    EXPECT_FALSE(other.attempts().empty()) << "worker B had nothing left to claim: the test proves nothing";
    for (const auto id : ids) {
        EXPECT_EQ(delivered.count(id), 1u) << "message " << id;
        EXPECT_EQ(find(id).status, "sent");
    }
}

}  // namespace
}  // namespace guestd::testing
