// The domain's front door: one object that owns every use case and what they share (database, clock,
// password hasher). app/ builds it; api/ handlers and cli/ subcommands call it.
#pragma once

#include "core/clock.hpp"
#include "domain/privacy.hpp"
#include "domain/recovery.hpp"
#include "store/store.hpp"

#include <memory>

namespace guestd::domain {

class credentials;
class accounts;
class crm;
class oauth;

class services {
public:
    services(store::database& db, const core::clock& clock, std::unique_ptr<passwords> hasher,
             recovery_settings recovery = {});
    ~services();

    domain::credentials& credentials() { return *credentials_; }
    domain::accounts& accounts() { return *accounts_; }
    domain::crm& crm() { return *crm_; }
    domain::recovery& recovery() { return *recovery_; }
    domain::privacy& privacy() { return *privacy_; }
    domain::oauth& oauth() { return *oauth_; }
    store::database& db() { return db_; }
    const core::clock& clock() const { return clock_; }

private:
    store::database& db_;
    const core::clock& clock_;
    std::unique_ptr<passwords> passwords_;
    std::unique_ptr<domain::credentials> credentials_;
    std::unique_ptr<domain::accounts> accounts_;
    std::unique_ptr<domain::crm> crm_;
    std::unique_ptr<domain::recovery> recovery_;
    std::unique_ptr<domain::privacy> privacy_;
    std::unique_ptr<domain::oauth> oauth_;
};

}  // namespace guestd::domain
