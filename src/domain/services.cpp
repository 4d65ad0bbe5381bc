#include "domain/services.hpp"

#include "domain/accounts.hpp"
#include "domain/credentials.hpp"
#include "domain/crm.hpp"
#include "domain/oauth.hpp"
#include "domain/passwords.hpp"

namespace guestd::domain {

services::services(store::database& db, const core::clock& clock, std::unique_ptr<passwords> hasher,
                   recovery_settings recovery)
    : db_(db),
      clock_(clock),
      passwords_(std::move(hasher)),
      credentials_(std::make_unique<domain::credentials>(db, clock)),
      accounts_(std::make_unique<domain::accounts>(db, clock, *passwords_)),
      crm_(std::make_unique<domain::crm>(db, clock)),
      recovery_(std::make_unique<domain::recovery>(db, clock, *passwords_, std::move(recovery))),
      privacy_(std::make_unique<domain::privacy>(db, clock)),
      oauth_(std::make_unique<domain::oauth>(db, clock, *accounts_)) {}

services::~services() = default;

}  // namespace guestd::domain
