// The delivery worker's behaviour, written once and run on every outbox it may meet: the in-memory fake here and
// the real SQLite store. Each instantiation supplies a way to open an empty database on a clock.
#pragma once

#include "core/clock.hpp"
#include "store/store.hpp"
#include "unit/mail/recording_transport.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

namespace guestd::testing {

struct worker_backend {
    std::string name;
    /// An empty database in dir, with merchant 1 present, stamping times from clock.
    std::function<std::unique_ptr<store::database>(const std::filesystem::path& dir, const core::clock& clock)> open;
};

/// Names the backend in test output, instead of gtest's byte dump.
inline void PrintTo(const worker_backend& b, std::ostream* os) { *os << b.name; }

class WorkerSuite : public ::testing::TestWithParam<worker_backend> {
protected:
    void SetUp() override;
    void TearDown() override;
    /// The database under test; the parameter's by default.
    virtual std::unique_ptr<store::database> open_database() { return GetParam().open(dir_, clock_); }

    /// Queues a message to recipient, created now and due in `due_in` seconds; returns its id.
    std::int64_t enqueue(const std::string& recipient, store::unix_seconds due_in = 0);
    store::outbox_message find(std::int64_t id);
    /// Queues messages, runs one worker on db_ and one on other at once, and expects each message delivered
    /// exactly once: only the claim's lease keeps the two apart.
    void expect_two_workers_deliver_each_once(store::database& other);

    std::filesystem::path dir_;
    core::manual_clock clock_;
    std::unique_ptr<store::database> db_;
    recording_transport transport_;
};

/// A whole RFC 5322 message with CRLF line ends, as domain::compose makes them.
std::string sample_content(const std::string& recipient, const std::string& message_id);

/// The value of an unlabelled metric in core::metrics::render(), 0 when absent.
double metric_value(const std::string& name);

}  // namespace guestd::testing
