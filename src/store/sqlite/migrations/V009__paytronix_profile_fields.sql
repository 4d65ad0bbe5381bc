-- guestd schema, version 9: the Paytronix profile fields the personal-space wire does not carry
-- (guest/userInformation.json reads them, the privacy export shows them). The two opt-ins are also kept as consent
-- events; email_verified turns true when the guest completes a flow through a link sent to that email (a reset)
-- and false when the email changes. Existing guests start unverified and opted out.
ALTER TABLE guests ADD COLUMN address2 TEXT;
ALTER TABLE guests ADD COLUMN address_label TEXT;
ALTER TABLE guests ADD COLUMN opt_in INTEGER NOT NULL DEFAULT 0 CHECK (opt_in IN (0, 1));
ALTER TABLE guests ADD COLUMN text_campaign_opt_in INTEGER NOT NULL DEFAULT 0 CHECK (text_campaign_opt_in IN (0, 1));
ALTER TABLE guests ADD COLUMN sms_opt_in_verified INTEGER NOT NULL DEFAULT 0 CHECK (sms_opt_in_verified IN (0, 1));
ALTER TABLE guests ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0 CHECK (email_verified IN (0, 1));
