-- bench/capacity.sh's dataset, generated in SQL into a database whose schema guestd created (merchant 1 and
-- partner 1 exist already, made by `guestd merchant add` / `partner add`). psql variables: guests, merchants.
--
-- The shape, per guest unless said otherwise (realistic value lengths, deterministic: every choice is a hash of
-- the row's id, so two runs build the same data):
--   merchants    ids 1..:merchants; guest i belongs to merchant 1 + floor(merchants * u^2): skewed, merchant 1
--                the largest (about 1/sqrt(merchants) of all guests), the median merchant about 0.7 x the mean
--   partners     50 more; merchant m is granted to partner 2 + m % 50 (merchant 1 to partner 1)
--   guests       95% with an email; PMS fields filled as a PMS sends them (names, address, phones, birthdate)
--   references   90% of guests came from a PMS push: one reference each, 10% of those a second one
--   reservations PMS guests only, 1 + floor(7 u v) each (about 2.3, so 2 per guest); 90% valid, 3% option, 7% cancelled; the
--                payload is the booking as pushed, customer included (about 750 bytes)
--   stay fields  40% of reservations, 1 or 2
--   guest fields 30% of guests, 1 to 3
--   accounts     half of the guests with an email; argon2id PHC strings as guestd writes them
--   sessions     1 or 2 per account (a login each; 10% revoked)
--   email lists  30% of guests with an email on 'newsletter', a third of those on 'offers' too
--   consents     one per list membership, one loyalty.granted per account
--   resets       5% of accounts, with their outbox emails (reset, and password_changed when used)
--   audit        per account: password.set, 1..6 logins, 20% a failed login, 15% a profile change, the resets
--   throttles    a row per client address that asked for or completed a reset
\set ON_ERROR_STOP on
SET max_parallel_workers_per_gather = 0;
SET synchronous_commit = off;

-- u(id, salt): a uniform number in [0, 1) drawn from the id; the same id and salt always give the same number.
CREATE FUNCTION pg_temp.u(bigint, integer) RETURNS double precision
    LANGUAGE sql IMMUTABLE AS $$ SELECT (hashint8extended($1, $2) & 1048575) / 1048576.0 $$;
CREATE FUNCTION pg_temp.pick(text[], double precision) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$ SELECT $1[1 + floor($2 * array_length($1, 1))::integer] $$;
CREATE FUNCTION pg_temp.partner_of(bigint) RETURNS bigint
    LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN $1 = 1 THEN 1 ELSE 2 + $1 % 50 END $$;
CREATE FUNCTION pg_temp.ip(bigint) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$ SELECT '198.51.' || ($1 % 200) || '.' || ($1 / 200 % 250 + 1) $$;
CREATE FUNCTION pg_temp.hex_id(bigint) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$ SELECT substr(md5($1::text), 1, 16) $$;

SELECT extract(epoch FROM now())::bigint AS now \gset

\echo merchants and partners
INSERT INTO merchants (id, name, hotel_token_hash, password_min_length, reset_verification_fields, mail_from,
                       created_at)
SELECT m, 'Hotel ' || pg_temp.pick(ARRAY['Le Grand', 'Bellevue', 'du Parc', 'Ritz', 'Marriott', 'Ibis', 'Mercure',
                                           'Novotel', 'Hilton', 'Radisson Blu'], pg_temp.u(m, 1)) || ' ' || m,
       sha256(('hotel-' || m)::bytea), 8,
       CASE WHEN m % 5 = 0 THEN '["lastName","postalCode"]' ELSE '[]' END,
       CASE WHEN m % 3 = 0 THEN 'reservations@hotel' || m || '.example' ELSE '' END,
       :now - 400 * 86400
FROM generate_series(2, :merchants) AS m;

INSERT INTO partners (id, name, token_hash, client_id, client_secret_hash, b2b, created_at)
SELECT p, 'Partner ' || p, sha256(('partner-' || p)::bytea), 'client-' || md5(p::text),
       sha256(('secret-' || p)::bytea), p % 10 = 0, :now - 400 * 86400
FROM generate_series(2, 51) AS p;
SELECT setval(pg_get_serial_sequence('partners', 'id'), 51);

INSERT INTO partner_merchants (partner_id, merchant_id)
SELECT pg_temp.partner_of(m), m FROM generate_series(2, :merchants) AS m;

INSERT INTO mail_templates (merchant_id, kind, language, subject, text_body, html_body)
SELECT m, 'reset', 'fr', 'Réinitialisez votre mot de passe',
       repeat('Bonjour {firstname}, cliquez sur le lien pour choisir un nouveau mot de passe. ', 6) || '{link}',
       '<html><body><p>' || repeat('Bonjour {firstname}, cliquez sur le lien. ', 12) ||
       '</p><p><a href="{link}">{link}</a></p></body></html>'
FROM generate_series(1, :merchants) AS m WHERE m % 10 = 0;

\echo guests
INSERT INTO guests (id, merchant_id, title, firstname, lastname, phone, mobile, email, email_norm, street, zip_code,
                    city, state, country, birthdate, language, nationality, identity_document_number,
                    privilege_badges, version, created_at, updated_at)
SELECT i, merchant, title, firstname, lastname, phone, mobile, email, lower(email), street, zip_code, city, state,
       country, birthdate, language, nationality, identity_document_number, badges, version, created, updated
FROM (
    SELECT i,
           least(:merchants, 1 + floor(:merchants * pg_temp.u(i, 1) ^ 2))::bigint AS merchant,
           CASE WHEN pg_temp.u(i, 2) < 0.8 THEN pg_temp.pick(ARRAY['Mr', 'Mrs', 'Ms', 'Dr'], pg_temp.u(i, 3)) END AS title,
           pg_temp.pick(ARRAY['Jean', 'Marie', 'Pierre', 'Sophie', 'Luc', 'Camille', 'Nicolas', 'Julie', 'Thomas',
                              'Emma', 'John', 'Sarah', 'Michael', 'Laura', 'David', 'Anna', 'Alexandre', 'Chloé',
                              'Maximilian', 'Isabella', 'Giovanni', 'Francesca', 'Hiroshi', 'Yuki', 'Olivia'],
                        pg_temp.u(i, 4)) AS firstname,
           pg_temp.pick(ARRAY['Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand',
                              'Leroy', 'Moreau', 'Smith', 'Johnson', 'Williams', 'Brown', 'Garcia', 'Müller',
                              'Schneider', 'Rossi', 'Bianchi', 'Tanaka', 'Fernández', 'Van der Berg', 'O''Connor',
                              'Lefebvre-Marchand', 'Nakamura'], pg_temp.u(i, 5)) AS lastname,
           CASE WHEN pg_temp.u(i, 6) < 0.6 THEN '+33 1 ' || lpad((i * 7919 % 100000000)::text, 8, '0') END AS phone,
           CASE WHEN pg_temp.u(i, 7) < 0.5 THEN '+336' || lpad((i * 104729 % 100000000)::text, 8, '0') END AS mobile,
           CASE WHEN pg_temp.u(i, 8) < 0.95
                THEN pg_temp.pick(ARRAY['jean', 'marie', 'pierre', 'sophie', 'luc', 'camille', 'nico', 'julie',
                                        'tom', 'emma', 'john', 'sarah', 'mike', 'laura', 'david'], pg_temp.u(i, 4)) ||
                     '.' || pg_temp.pick(ARRAY['martin', 'bernard', 'dubois', 'thomas', 'robert', 'richard',
                                               'petit', 'durand', 'leroy', 'moreau', 'smith', 'johnson'],
                                         pg_temp.u(i, 5)) || i || '@' ||
                     pg_temp.pick(ARRAY['gmail.com', 'yahoo.fr', 'orange.fr', 'hotmail.com', 'outlook.com',
                                        'free.fr', 'web.de', 'icloud.com', 'company-mail.example'], pg_temp.u(i, 9))
           END AS email,
           CASE WHEN pg_temp.u(i, 10) < 0.7
                THEN (1 + i % 180) || ' ' || pg_temp.pick(ARRAY['rue de la Paix', 'avenue des Champs-Élysées',
                     'Grand Street', 'boulevard Haussmann', 'Hauptstraße', 'via Roma', 'chemin des Vignes'],
                     pg_temp.u(i, 11)) END AS street,
           CASE WHEN pg_temp.u(i, 10) < 0.7 THEN lpad((i * 31 % 99000 + 1000)::text, 5, '0') END AS zip_code,
           CASE WHEN pg_temp.u(i, 10) < 0.7 THEN pg_temp.pick(ARRAY['Paris', 'Lyon', 'Marseille', 'Bordeaux',
                'London', 'New York', 'Berlin', 'Milano', 'Tokyo', 'Genève'], pg_temp.u(i, 12)) END AS city,
           CASE WHEN pg_temp.u(i, 13) < 0.3 THEN pg_temp.pick(ARRAY['Ile de France', 'California', 'Bayern',
                'Lombardia'], pg_temp.u(i, 14)) END AS state,
           CASE WHEN pg_temp.u(i, 10) < 0.8 THEN pg_temp.pick(ARRAY['FR', 'FR', 'FR', 'GB', 'US', 'DE', 'IT',
                'JP', 'ES', 'CH'], pg_temp.u(i, 12)) END AS country,
           CASE WHEN pg_temp.u(i, 15) < 0.6
                THEN to_char(date '1940-01-01' + floor(pg_temp.u(i, 16) * 23000)::integer, 'YYYY-MM-DD') END AS birthdate,
           CASE WHEN pg_temp.u(i, 17) < 0.85 THEN pg_temp.pick(ARRAY['fr', 'fr', 'en', 'en', 'de', 'it', 'ja', 'es'],
                pg_temp.u(i, 18)) END AS language,
           CASE WHEN pg_temp.u(i, 19) < 0.5 THEN pg_temp.pick(ARRAY['FR', 'GB', 'US', 'DE', 'IT', 'JP'],
                pg_temp.u(i, 18)) END AS nationality,
           CASE WHEN pg_temp.u(i, 20) < 0.2 THEN upper(substr(md5(i::text), 1, 9)) END AS identity_document_number,
           CASE WHEN pg_temp.u(i, 21) < 0.1 THEN '["gold"]' ELSE '[]' END AS badges,
           1 + floor(pg_temp.u(i, 22) * 3)::bigint AS version,
           :now - floor(pg_temp.u(i, 23) * 3 * 365 * 86400)::bigint AS created,
           :now - floor(pg_temp.u(i, 23) * pg_temp.u(i, 24) * 3 * 365 * 86400)::bigint AS updated
    FROM generate_series(1::bigint, :guests) AS i
) AS g;
SELECT setval(pg_get_serial_sequence('guests', 'id'), :guests);

\echo guest references and custom fields
INSERT INTO guest_references (merchant_id, reference, guest_id)
SELECT merchant_id, 'PMS-' || lpad(id::text, 10, '0'), id FROM guests WHERE pg_temp.u(id, 30) < 0.9;
INSERT INTO guest_references (merchant_id, reference, guest_id)
SELECT merchant_id, 'OPERA-' || upper(substr(md5('r' || id), 1, 8)), id
FROM guests WHERE pg_temp.u(id, 30) < 0.09;

INSERT INTO guest_custom_fields (guest_id, position, name, value)
SELECT g.id, p,
       (ARRAY['vip', 'Loyalty level', 'preferred_room'])[p + 1],
       (ARRAY['1', pg_temp.pick(ARRAY['Silver', 'Gold', 'Platinum'], pg_temp.u(g.id, 32)), 'high floor, quiet'])[p + 1]
FROM guests AS g CROSS JOIN LATERAL generate_series(0, floor(pg_temp.u(g.id, 31) * 3)::integer) AS p
WHERE pg_temp.u(g.id, 33) < 0.3;

\echo reservations
INSERT INTO reservations (merchant_id, reference, guest_id, status, creation, arrival, departure, total_amount,
                          currency, room_type, room_name, payload, updated_at)
SELECT merchant_id, reference, guest_id, status, creation, arrival, departure, total_amount, 'EUR', room_type,
       room_name,
       json_build_object(
           'reference', reference, 'status', status, 'creation', creation, 'arrival', arrival,
           'departure', departure, 'arrival_time', '15:00:00', 'ratecode', 'BAR', 'sourcecode', 'WEB',
           'segmentcode', 'LEIS', 'currency', 'EUR', 'adult_count', '2', 'child_count', '0',
           'totalamount', total_amount,
           'rooms', json_build_array(json_build_object('type', 'DBL', 'name', room_type, 'number', room_name)),
           'extra_attributes', CASE WHEN with_fields THEN json_build_object('Payment', 'pending') ELSE '{}'::json END,
           'customer', json_build_object(
               'reference', 'PMS-' || lpad(guest_id::text, 10, '0'), 'title', title, 'firstname', firstname,
               'lastname', lastname, 'email', email, 'phone', phone,
               'address_street_number_and_name', street, 'address_postal_code', zip_code,
               'address_city', city, 'address_state', state, 'country', country, 'birthdate', birthdate,
               'language', language, 'nationality', nationality))::text,
       updated
FROM (
    SELECT g.merchant_id, g.id AS guest_id, g.title, g.firstname, g.lastname, g.email, g.phone, g.street,
           g.zip_code, g.city, g.state, g.country, g.birthdate, g.language, g.nationality,
           'BK-' || lpad((g.id * 8 + j)::text, 10, '0') AS reference,
           CASE WHEN pg_temp.u(g.id * 8 + j, 41) < 0.90 THEN 'valid'
                WHEN pg_temp.u(g.id * 8 + j, 41) < 0.93 THEN 'option' ELSE 'cancelled' END AS status,
           to_char(a - floor(pg_temp.u(g.id * 8 + j, 42) * 120)::integer + time '10:00' +
                   floor(pg_temp.u(g.id * 8 + j, 43) * 36000) * interval '1 second', 'YYYY-MM-DD HH24:MI:SS') AS creation,
           to_char(a, 'YYYY-MM-DD') AS arrival,
           to_char(a + 1 + floor(pg_temp.u(g.id * 8 + j, 44) * 6)::integer, 'YYYY-MM-DD') AS departure,
           (100 + floor(pg_temp.u(g.id * 8 + j, 45) * 2000)) || '.00' AS total_amount,
           pg_temp.pick(ARRAY['Double', 'Twin', 'Suite', 'Single', 'Deluxe King'], pg_temp.u(g.id * 8 + j, 46)) AS room_type,
           (100 + floor(pg_temp.u(g.id * 8 + j, 47) * 500))::text AS room_name,
           pg_temp.u(g.id * 8 + j, 48) < 0.4 AS with_fields,
           :now - floor(pg_temp.u(g.id * 8 + j, 49) * 365 * 86400)::bigint AS updated
    FROM guests AS g
    CROSS JOIN LATERAL generate_series(1, 1 + floor(pg_temp.u(g.id, 34) * pg_temp.u(g.id, 35) * 7)::integer) AS j
    CROSS JOIN LATERAL (SELECT date '2023-01-01' + floor(pg_temp.u(g.id * 8 + j, 40) * 1100)::integer AS a) AS d
    WHERE pg_temp.u(g.id, 30) < 0.9
) AS r;

INSERT INTO reservation_custom_fields (reservation_id, position, name, value)
SELECT r.id, p, (ARRAY['Payment', 'ota_src'])[p + 1], (ARRAY['pending', 'Booking.com'])[p + 1]
FROM reservations AS r CROSS JOIN LATERAL generate_series(0, floor(pg_temp.u(r.id, 51) * 2)::integer) AS p
WHERE r.payload LIKE '%"Payment"%';

\echo accounts and sessions
INSERT INTO accounts (id, merchant_id, guest_id, username, username_norm, printed_card_number, password_hash,
                      failed_logins, lock_level, locked_until, created_at, password_changed_at, last_login_at)
SELECT 1000000 + row_number() OVER (ORDER BY g.id), g.merchant_id, g.id, g.email, g.email_norm,
       '60' || lpad(g.id::text, 14, '0'),
       '$argon2id$v=19$m=19456,t=2,p=1$' || rtrim(substr(encode(sha256(('s' || g.id)::bytea), 'base64'), 1, 22), '=') ||
           '$' || rtrim(substr(encode(sha256(('h' || g.id)::bytea), 'base64'), 1, 43), '='),
       CASE WHEN pg_temp.u(g.id, 60) < 0.05 THEN 1 + floor(pg_temp.u(g.id, 61) * 5)::integer ELSE 0 END,
       0, 0, g.created_at + 86400, g.created_at + 86400,
       CASE WHEN pg_temp.u(g.id, 62) < 0.8 THEN :now - floor(pg_temp.u(g.id, 63) * 300 * 86400)::bigint END
FROM guests AS g
WHERE g.email IS NOT NULL AND pg_temp.u(g.id, 64) < 0.5;
SELECT setval(pg_get_serial_sequence('accounts', 'id'), (SELECT max(id) FROM accounts));

INSERT INTO sessions (token_hash, merchant_id, partner_id, account_id, created_at, expires_at, revoked_at)
SELECT sha256(('token-' || a.id || '-' || j)::bytea), a.merchant_id, pg_temp.partner_of(a.merchant_id), a.id,
       t, t + 30 * 86400, CASE WHEN pg_temp.u(a.id * 2 + j, 71) < 0.1 THEN t + 3600 END
FROM accounts AS a
CROSS JOIN LATERAL generate_series(1, 1 + floor(pg_temp.u(a.id, 70) * 2)::integer) AS j
CROSS JOIN LATERAL (SELECT :now - floor(pg_temp.u(a.id * 2 + j, 72) * 60 * 86400)::bigint AS t) AS s;

\echo email lists and consents
INSERT INTO email_list_members (merchant_id, list, guest_id, joined_at)
SELECT g.merchant_id, l, g.id, g.created_at + 3600
FROM guests AS g CROSS JOIN LATERAL unnest(CASE WHEN pg_temp.u(g.id, 81) < 0.33 THEN ARRAY['newsletter', 'offers']
                                                ELSE ARRAY['newsletter'] END) AS l
WHERE g.email IS NOT NULL AND pg_temp.u(g.id, 80) < 0.3;

INSERT INTO consent_events (merchant_id, guest_id, at, kind, partner_id, source_address, detail)
SELECT merchant_id, guest_id, at, kind, partner_id, source_address, detail FROM (
    SELECT m.merchant_id, m.guest_id, m.joined_at AS at, 'email_list.joined' AS kind,
           pg_temp.partner_of(m.merchant_id) AS partner_id, pg_temp.ip(m.guest_id) AS source_address, m.list AS detail
    FROM email_list_members AS m
    UNION ALL
    SELECT a.merchant_id, a.guest_id, a.created_at, 'loyalty.granted', pg_temp.partner_of(a.merchant_id),
           pg_temp.ip(a.guest_id), ''
    FROM accounts AS a
) AS c ORDER BY at;

\echo resets and outbox
INSERT INTO resets (merchant_id, account_id, code_hash, created_at, expires_at, used_at, voided_at)
SELECT a.merchant_id, a.id, sha256(('code-' || a.id)::bytea), t, t + 600,
       CASE WHEN pg_temp.u(a.id, 91) < 0.6 THEN t + 240 END, NULL
FROM accounts AS a
CROSS JOIN LATERAL (SELECT :now - floor(pg_temp.u(a.id, 92) * 365 * 86400)::bigint AS t) AS s
WHERE pg_temp.u(a.id, 90) < 0.05
ORDER BY t;

INSERT INTO outbox (merchant_id, message_id, recipient, sender, subject, content, status, attempts, created_at,
                    next_attempt_at, sent_at, last_error)
SELECT r.merchant_id, '<' || substr(md5(kind || r.id), 1, 24) || '@guests.hotel.example>', g.email,
       'guestd <no-reply@guests.hotel.example>', subject,
       'From: guestd <no-reply@guests.hotel.example>' || E'\r\nTo: ' || g.email || E'\r\nSubject: ' || subject ||
       E'\r\nDate: Tue, 24 Nov 2026 07:18:47 +0000\r\nMessage-ID: <' || substr(md5(kind || r.id), 1, 24) ||
       E'@guests.hotel.example>\r\nMIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n' ||
       E'Content-Type: multipart/alternative; boundary="=_guestd_' || substr(md5('b' || r.id), 1, 16) || E'"\r\n\r\n' ||
       E'--=_guestd_' || substr(md5('b' || r.id), 1, 16) ||
       E'\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n' ||
       'Hello ' || g.firstname || E',\r\n\r\nSomeone (hopefully you) asked to reset the password of your loyalty ' ||
       E'account.\r\n\r\nChoose a new password here; the link works for 10 minutes:\r\nhttps://guests.hotel.example/' ||
       'reset-password?code=' || encode(sha256(('c' || r.id)::bytea), 'hex') ||
       E'\r\n\r\nIf you did not ask for this, ignore this email.\r\n\r\n--=_guestd_' || substr(md5('b' || r.id), 1, 16) ||
       E'\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n' ||
       '<html><body><p>Hello ' || g.firstname || ',</p><p>Someone (hopefully you) asked to reset the password of ' ||
       'your loyalty account.</p><p><a href=3D"https://guests.hotel.example/reset-password?code=3D' ||
       encode(sha256(('c' || r.id)::bytea), 'hex') || '">Choose a new password</a> (valid 10 minutes).</p>' ||
       '<p>If you did not ask for this, ignore this email.</p></body></html>' ||
       E'\r\n--=_guestd_' || substr(md5('b' || r.id), 1, 16) || E'--\r\n',
       'sent', 1, r.created_at + d, r.created_at + d, r.created_at + d + 2, ''
FROM resets AS r
JOIN accounts AS a ON a.id = r.account_id
JOIN guests AS g ON g.merchant_id = a.merchant_id AND g.id = a.guest_id
CROSS JOIN LATERAL (VALUES ('reset', 'Reset your password', 0),
                           ('password_changed', 'Your password was changed', 240)) AS k (kind, subject, d)
WHERE k.kind = 'reset' OR r.used_at IS NOT NULL
ORDER BY r.created_at + d;

INSERT INTO throttles (key, window_start, hits)
SELECT DISTINCT ON (k) k, (:now / 3600) * 3600, 1
FROM (SELECT 'reset:' || pg_temp.ip(account_id) AS k FROM resets
      UNION ALL SELECT 'complete:' || pg_temp.ip(account_id) FROM resets WHERE used_at IS NOT NULL) AS t;

\echo audit events
INSERT INTO audit_events (merchant_id, at, kind, outcome, partner_id, guest_id, client_address, request_id, detail)
SELECT merchant_id, at, kind, outcome, pg_temp.partner_of(merchant_id), guest_id, pg_temp.ip(guest_id + n),
       pg_temp.hex_id(guest_id * 16 + n), detail
FROM (
    SELECT a.merchant_id, a.guest_id, a.created_at AS at, 'password.set' AS kind, 'ok' AS outcome, 0 AS n,
           '{"created":true}' AS detail
    FROM accounts AS a
    UNION ALL
    SELECT a.merchant_id, a.guest_id, :now - floor(pg_temp.u(a.id * 8 + j, 101) * 360 * 86400)::bigint, 'login', 'ok', j,
           '{"rehashed":false}'
    FROM accounts AS a CROSS JOIN LATERAL generate_series(1, 1 + floor(pg_temp.u(a.id, 100) * 6)::integer) AS j
    UNION ALL
    SELECT a.merchant_id, a.guest_id, :now - floor(pg_temp.u(a.id, 103) * 360 * 86400)::bigint, 'login', 'failed', 9,
           '{"consecutive_failures":1,"reason":"wrong password"}'
    FROM accounts AS a WHERE pg_temp.u(a.id, 102) < 0.2
    UNION ALL
    SELECT a.merchant_id, a.guest_id, :now - floor(pg_temp.u(a.id, 105) * 360 * 86400)::bigint, 'profile.changed',
           'ok', 10, '{"fields":["mobile","city"]}'
    FROM accounts AS a WHERE pg_temp.u(a.id, 104) < 0.15
    UNION ALL
    SELECT r.merchant_id, a.guest_id, r.created_at, 'reset.requested', 'ok', 11, '{"b2b":false,"caller_code":false}'
    FROM resets AS r JOIN accounts AS a ON a.id = r.account_id
    UNION ALL
    SELECT r.merchant_id, a.guest_id, r.used_at, 'reset.completed', 'ok', 12, '{}'
    FROM resets AS r JOIN accounts AS a ON a.id = r.account_id WHERE r.used_at IS NOT NULL
) AS e
ORDER BY at;
