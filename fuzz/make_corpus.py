#!/usr/bin/env python3
"""Writes the seed corpus of each fuzz target under fuzz/corpus/<target>/ (run from anywhere; files are
overwritten, others left alone). The requests come from docs/api.md and the integration tests; @BEARER@, @BASIC@
and @GUEST@ are replaced by the harness with a seeded partner's real credentials."""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def http(method, target, headers=(), body=None, close=False):
    lines = [f"{method} {target} HTTP/1.1", "Host: guestd"]
    lines += list(headers)
    if body is not None:
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        lines.append("Content-Type: application/json" if not body.startswith("code=") else
                     "Content-Type: application/x-www-form-urlencoded")
        lines.append(f"Content-Length: {len(body.encode())}")
    if close:
        lines.append("Connection: close")
    return "\r\n".join(lines) + "\r\n\r\n" + (body or "")


XP = ["Authorization: Bearer @BEARER@"]
GUEST = XP + ["x-guest-token: @GUEST@"]
PX = ["Authorization: Basic @BASIC@"]
booking = {"reference": "BK-1001", "status": "valid", "creation": "2021-06-01 15:22:00", "arrival": "2021-09-17",
           "departure": "2021-09-20", "arrival_time": "15:00:00", "totalamount": "460", "currency": "EUR",
           "adult_count": 2, "child_count": "0", "ratecode": "BAR",
           "rooms": [{"type": "DBL", "name": "Double", "number": 16}], "extra_attributes": {"Payment": "pending"},
           "customer": {"reference": "C-1", "firstname": "John", "lastname": "Doe", "email": "john.doe@example.com",
                        "phone": "+33 1 23 45 67 89", "birthdate": "1980-02-29", "country": "FR", "language": "fr",
                        "address_postal_code": "75001", "address_city": "Paris",
                        "extra_attributes": {"Loyalty": "Gold"}}}
customer = {"reference": "C-2", "title": "Ms", "firstname": "Jane", "lastname": "Roe", "email": "jane@example.com",
            "address_street_number_and_name": "1 rue de Rivoli", "identity_document_number": "X1"}
requests = {
    "xp_account_exists": http("GET", "/api/xp-guest-account/account-exists?email=john.doe@example.com", XP),
    "xp_account_exists_missing": http("GET", "/api/xp-guest-account/account-exists?email=nobody%40example.com", XP),
    "xp_account_exists_no_auth": http("GET", "/api/xp-guest-account/account-exists?email=a@b.c"),
    "xp_update_password": http("POST", "/api/xp-guest-account/update-password", XP,
                               {"email": "john.doe@example.com", "password": "correct horse battery staple"}),
    "xp_login": http("POST", "/api/xp-guest-account/login", XP,
                     {"email": "john.doe@example.com", "password": "correct horse battery staple"}),
    "xp_guest_get": http("GET", "/api/xp-guest-account/guest-informations", GUEST),
    "xp_guest_put": http("PUT", "/api/xp-guest-account/guest-informations", GUEST + ['If-Match: "1"'],
                         {"firstname": "Johnny", "lastname": None, "mobile": "+33 6 12 34 56 78",
                          "birthdate": "1980-02-29", "zip_code": "75002", "language": "en"}),
    "xp_reservations": http("GET", "/api/xp-guest-account/guest-reservations", GUEST),
    "xp_bookings": http("POST", "/api/xp-store-bookings/bookings", XP, {"bookings": [booking]}),
    "xp_bookings_bad_item": http("POST", "/api/xp-store-bookings/bookings", XP,
                                 {"bookings": [dict(booking, status="maybe", arrival="2021-13-01")]}),
    "xp_customers": http("POST", "/api/xp-store-bookings/customers", XP, {"customers": [customer]}),
    "xp_list_add": http("POST", "/api/xp-email-lists/members", XP,
                        {"list": "news", "members": [{"email": "new@example.com", "firstname": "New",
                                                      "lastname": "Member", "language": "fr"}]}),
    "xp_list_remove": http("DELETE", "/api/xp-email-lists/members?list=news&email=new%40example.com", XP),
    "xp_custom_fields_set": http("POST", "/api/xp-customs-fields?email=john.doe@example.com", XP,
                                 {"customer_custom_fields": [{"name": "Loyalty level", "values": ["Silver"]}],
                                  "stay_custom_fields": [{"stay_reference": "B-1",
                                                          "data": [{"name": "ota_src", "value": "Booking.com"}]}]}),
    "xp_custom_fields_get": http("GET", "/api/xp-customs-fields?email=john.doe@example.com", XP),
    "px_generate": http("POST", "/rest/25.33/guestmanagement/generateAndSendGuestResetPasswordCode.json", PX,
                        '{"authentication": "anonymous", "merchantId": 1234, "email": "john.doe@example.com"}'),
    "px_generate_b2b": http("POST", "/guestmanagement/generateAndSendGuestResetPasswordCode.json", PX,
                            '{"authentication": "b2b", "merchantId": 1234, '
                            '"userIdentity": {"username": "john.doe@example.com", "lastName": "Doe"}}'),
    "px_send_code": http("POST", "/rest/25.33/guestmanagement/sendGuestResetPasswordCode.json", PX,
                         '{"authentication": "b2b", "merchantId": 1234, "userIdentity": {"username": "john.doe@example.com"}, '
                         '"resetCode": "caller-chosen-code"}'),
    "px_complete": http("POST", "/rest/25.33/guestmanagement/completeGuestResetPassword.json", PX,
                        '{"merchantId": 1234, "resetCode": "caller-chosen-code", '
                        '"newPassword": "a new passphrase"}'),
    "px_not_json": http("POST", "/guestmanagement/sendGuestResetPasswordCode.json", PX, "{merchantId: 1"),
    "web_reset_page": http("GET", "/reset-password?code=caller-chosen-code"),
    "web_reset_submit": http("POST", "/reset-password", [],
                             "code=caller-chosen-code&password=a+new+passphrase&password_confirm=a+new+passphrase"),
    "web_css": http("GET", "/reset-password.css"),
    "ops_healthz": http("GET", "/healthz"),
    "ops_readyz": http("GET", "/readyz", ["X-Request-Id: abc-123"]),
    "ops_metrics": http("GET", "/metrics"),
    "ops_openapi": http("GET", "/openapi.yaml", close=True),
    "head_not_served": http("HEAD", "/healthz"),
    "unknown_path": http("GET", "/nope"),
    "wrong_method": http("PATCH", "/healthz"),
    "method_not_allowed": http("DELETE", "/healthz"),
    "pipelined": http("GET", "/healthz") + http("GET", "/api/xp-guest-account/account-exists?email=john.doe@example.com", XP)
                 + http("GET", "/readyz", close=True),
    "chunked": "POST /api/xp-email-lists/members HTTP/1.1\r\nHost: guestd\r\nAuthorization: Bearer @BEARER@\r\n"
               "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
               + "".join(f"{len(part):x}\r\n{part}\r\n" for part in ['{"list": "news",', ' "members": [{"email": "a@b.c"}]}'])
               + "0\r\n\r\n",
    "te_not_chunked": "POST /healthz HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: gzip\r\n\r\n",
    "expect_continue": http("POST", "/api/xp-guest-account/login", XP + ["Expect: 100-continue"],
                            {"email": "a@b.c", "password": "x"}),
    "http10": "GET /healthz HTTP/1.0\r\n\r\n",
    "wrong_content_type": http("POST", "/api/xp-guest-account/login", XP + ["Content-Type: text/plain"], "x=1"),
    "too_large": "POST /api/xp-guest-account/login HTTP/1.1\r\nHost: g\r\nContent-Length: 99999999\r\n\r\n",
    "bad_request_line": "GET  /healthz HTTP/1.1\r\n\r\n",
}
for name, data in requests.items():
    write("fuzz_request", name, data)

# fuzz_json_validate: first byte = schema index (see harness/json_harness.hpp; the order follows the endpoint
# table: credentials, guest update, bookings push, customers push, list add, custom fields, reset request,
# complete request, then booking, pms customer, list member, user identity).
bodies = [
    {"email": "john.doe@example.com", "password": "correct horse battery staple"},
    {"firstname": "Johnny", "lastname": None, "email": "j@example.com", "birthdate": "1980-02-29",
     "custom_fields": {"a": "b"}},
    {"bookings": [booking]},
    {"customers": [customer, {"reference": "C-3"}]},
    {"list": "news", "members": [{"email": "a@b.c", "language": "fr"}]},
    {"customer_custom_fields": [{"name": "Loyalty level", "values": ["Silver", "Gold"]}],
     "stay_custom_fields": [{"stay_reference": "BK-1001", "data": [{"name": "ota_src", "value": "Booking.com"}]}]},
    {"authentication": "b2b", "merchantId": 1234, "userIdentity": {"email": "x@example.com", "postalCode": "75001"},
     "resetCode": "caller-chosen-code", "integration_identifier": "x"},
    {"merchantId": 1234, "resetCode": "caller-chosen-code", "newPassword": "a new passphrase"},
    booking,
    customer,
    {"email": "a@b.c", "firstname": "A", "lastname": "B", "language": "fr"},
    {"username": "u", "accountId": 12, "printedCardNumber": "6012 3456 7890 1234", "dateOfBirth": "1980-01-01"},
]
for i, body in enumerate(bodies):
    write("fuzz_json_validate", f"schema{i:02d}", bytes([i]) + json.dumps(body).encode())
write("fuzz_json_validate", "deep", bytes([2]) + b'{"bookings": [' + b"[" * 40 + b"]" * 40 + b"]}")
write("fuzz_json_validate", "unicode", bytes([1]) + '{"firstname": "Zo\u00e9 \\ud83d\\ude00", "lastname": "\\u0000"}'.encode())
write("fuzz_json_validate", "numbers", bytes([2]) + b'{"bookings": [{"reference": "r", "status": "valid", '
      b'"totalamount": 1e308, "adult_count": -0, "rooms": [{"number": 12.50}], "customer": {"reference": "c"}}]}')

# fuzz_import_reader: first byte = bit 0 jsonl, bits 1-2 kind (0 bookings, 1 customers, 2 email list), bits 3-5
# chunk index (1, 2, 3, 5, 16, 64, 4096, 64 KiB), bit 6 a 64-byte record limit, bit 7 a real import.
def how(jsonl=False, kind=0, chunk=7, small=False, real=False):
    return bytes([int(jsonl) | kind << 1 | chunk << 3 | int(small) << 6 | int(real) << 7])


csv_bookings = ("reference,status,arrival,departure,totalamount,rooms.0.number,extra_attributes.Payment,"
                "customer.reference,customer.email,customer.firstname\r\n"
                "BK-1,valid,2021-09-17,2021-09-20,460,16,pending,C-1,john.doe@example.com,John\r\n"
                "BK-2,option,2021-10-01,2021-10-02,\"1,5\",\"1\"\"7\",,C-2,jane@example.com,\"Jane \"\"JJ\"\" Roe\"\r\n"
                "BK-3,cancelled,,,,,,C-3,,\"multi\nline\"\r\n")
csv_customers = ("\ufeffreference,email,firstname,lastname,address_city,extra_attributes.Loyalty\n"
                 "C-1,john.doe@example.com,John,Doe,Paris,Gold\n\nC-2,jane@example.com,Jane,\"Roe, Jr\",Lyon,\n")
csv_list = "email,firstname,lastname,language\na@b.c,A,B,fr\nnot-an-email,,,\n\"c@d.e\",\"C\",\"\",\"en\"\n"
csv_broken = ('reference,status,customer.reference\nBK-1,valid,C-1\nBK-2,"valid,C-2\nBK-3,valid,C-3\n'
              'BK-4,va"lid,C-4\nBK-5,"valid"x,C-5\nBK-6,valid\nBK-7,valid,C-7,extra\n"BK-8,valid,C-8')
csv_bad_header = "reference,status,customer.reference,customer.nope,rooms.x.number,customer\nBK-1,valid,C-1,,,\n"
jsonl_bookings = "\n".join(json.dumps(dict(booking, reference=f"BK-{i}")) for i in range(3)) + "\r\n\n{not json}\n"
jsonl_customers = json.dumps(customer) + "\n" + json.dumps({"reference": "C-9", "email": "bad"}) + "\n[1,2]\n"
jsonl_list = '{"email": "a@b.c"}\n{"email": "a@b.c", "language": "fr"}\n\n"just a string"\n{"email": 1}'
samples = {
    "csv_bookings": how(kind=0) + csv_bookings.encode(),
    "csv_bookings_chunk1": how(kind=0, chunk=0) + csv_bookings.encode(),
    "csv_bookings_real": how(kind=0, chunk=4, real=True) + csv_bookings.encode(),
    "csv_customers_bom": how(kind=1, chunk=1) + csv_customers.encode(),
    "csv_list": how(kind=2, chunk=2, real=True) + csv_list.encode(),
    "csv_broken_quoting": how(kind=0, chunk=3) + csv_broken.encode(),
    "csv_broken_small_limit": how(kind=0, chunk=5, small=True) + csv_broken.encode(),
    "csv_bad_header": how(kind=0) + csv_bad_header.encode(),
    "csv_long_record": how(kind=1, chunk=4, small=True) + ("reference,email\n" + "C-1," + "x" * 100 + "@b.c\nC-2,a@b.c\n").encode(),
    "csv_unclosed_quote_long": how(kind=1, chunk=0, small=True) + ('reference,email\n"' + "y\n" * 50 + "C-3,a@b.c\n").encode(),
    "jsonl_bookings": how(jsonl=True, kind=0) + jsonl_bookings.encode(),
    "jsonl_bookings_real": how(jsonl=True, kind=0, chunk=5, real=True) + jsonl_bookings.encode(),
    "jsonl_customers": how(jsonl=True, kind=1, chunk=0) + ("\ufeff" + jsonl_customers).encode(),
    "jsonl_list": how(jsonl=True, kind=2, chunk=3, real=True) + jsonl_list.encode(),
    "jsonl_long_line": how(jsonl=True, kind=2, chunk=1, small=True) + ('{"email": "' + "z" * 200 + '@b.c"}\n{"email": "a@b.c"}\n').encode(),
    "empty_csv": how(kind=0),
    "empty_jsonl": how(jsonl=True),
}
for name, data in samples.items():
    write("fuzz_import_reader", name, data)
