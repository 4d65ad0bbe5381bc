// An in-memory store::database holding only an outbox, for the delivery worker's tests: transactions are
// serialised and roll back unless committed, like the real backends; a test can make the next begin() fail with
// a backend_error. Every other store of the unit of work throws.
#pragma once

#include "store/store.hpp"

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

namespace guestd::testing {

class fake_outbox_database final : public store::database {
public:
    std::unique_ptr<store::unit_of_work> start(store::tx mode) override;
    bool ping() override { return true; }
    void scrub() override {}

    /// Makes the n-th begin() from now (1 = the next one) throw a transient core::backend_error.
    void fail_begin(int n);
    /// Waits until backlog() has been called at least n times in all (each worker round ends with one), or
    /// until the deadline; true when it was.
    bool wait_for_rounds(int n, std::chrono::seconds deadline);

private:
    friend class fake_unit_of_work;
    friend class fake_outbox_store;

    std::mutex tx_mutex_;  // held by a unit of work for its whole life: one transaction at a time

    std::mutex state_mutex_;
    std::condition_variable rounds_cv_;
    std::map<std::int64_t, store::outbox_message> messages_;
    std::int64_t next_id_ = 1;
    int fail_in_ = 0;
    int rounds_ = 0;
};

}  // namespace guestd::testing
