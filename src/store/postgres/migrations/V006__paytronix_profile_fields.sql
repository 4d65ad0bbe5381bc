-- guestd schema, version 6: the Paytronix profile fields the personal-space wire does not carry
-- (guest/userInformation.json reads them, the privacy export shows them). The two opt-ins are also kept as consent
-- events; email_verified turns true when the guest completes a flow through a link sent to that email (a reset)
-- and false when the email changes. Existing guests start unverified and opted out.
ALTER TABLE guests ADD COLUMN address2 TEXT;
ALTER TABLE guests ADD COLUMN address_label TEXT;
ALTER TABLE guests ADD COLUMN opt_in BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE guests ADD COLUMN text_campaign_opt_in BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE guests ADD COLUMN sms_opt_in_verified BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE guests ADD COLUMN email_verified BOOLEAN NOT NULL DEFAULT false;
