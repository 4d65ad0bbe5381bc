-- guestd schema for PostgreSQL, version 4, as SQLite's V007: the operator's grant that lets a partner choose its
-- own reset codes (sendGuestResetPasswordCode's resetCode; `guestd partner add --caller-reset-codes`, `guestd
-- partner set`). A code the caller chose lets it complete the reset without the guest's mailbox, so no partner
-- holds the right unless granted: existing partners get false.
ALTER TABLE partners ADD COLUMN caller_reset_codes BOOLEAN NOT NULL DEFAULT false;
