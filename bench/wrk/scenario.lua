-- One wrk script for every guestd scenario of bench/run.sh, chosen by BENCH_SCENARIO; the credentials and the
-- dataset's shape come from the environment (bench/run.sh sets them). Each request picks a random guest:
--   guest i (1..BENCH_GUESTS) has email guest<i>@bench.example; odd guests have an account with the password
--   "bench passphrase" and a live session whose token is string.format("gt%041d", i) (bench/dataset.cpp).
-- Guests above BENCH_READ_GUESTS are kept for update-password, which revokes the sessions of the account it sets.
-- BENCH_DELAY_MS paces each connection (wrk's delay()), for the paced reads and the login flood.
local scenario = os.getenv("BENCH_SCENARIO")
local partner_auth = "Bearer " .. (os.getenv("BENCH_PARTNER") or "") .. ":" .. (os.getenv("BENCH_HOTEL") or "")
local basic_auth = "Basic " .. (os.getenv("BENCH_BASIC") or "")
local guests = tonumber(os.getenv("BENCH_GUESTS") or "1000000")
local read_guests = tonumber(os.getenv("BENCH_READ_GUESTS") or "800000")
local pace = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
local password = "bench passphrase"

local function odd(from, to)  -- a random odd guest id in [from, to]
  local n = math.random(math.floor((to - from) / 2) + 1) - 1
  return from + 2 * n
end

local function token(i) return string.format("gt%041d", i) end
local function email(i) return string.format("guest%d@bench.example", i) end
local json = {["Content-Type"] = "application/json"}

local function with(headers, extra)
  local h = {}
  for k, v in pairs(headers) do h[k] = v end
  for k, v in pairs(extra or {}) do h[k] = v end
  return h
end

local builders = {
  ["guest-informations"] = function()
    return wrk.format("GET", "/api/xp-guest-account/guest-informations",
      {["Authorization"] = partner_auth, ["x-guest-token"] = token(odd(1, read_guests))})
  end,
  ["guest-reservations"] = function()
    return wrk.format("GET", "/api/xp-guest-account/guest-reservations",
      {["Authorization"] = partner_auth, ["x-guest-token"] = token(odd(1, read_guests))})
  end,
  ["put-guest-informations"] = function()
    local i = odd(1, read_guests)
    return wrk.format("PUT", "/api/xp-guest-account/guest-informations",
      with(json, {["Authorization"] = partner_auth, ["x-guest-token"] = token(i)}),
      string.format('{"city":"Lyon %d","mobile":"+3361%07d"}', math.random(100), i % 10000000))
  end,
  ["account-exists"] = function()
    return wrk.format("GET", "/api/xp-guest-account/account-exists?email=" .. email(math.random(guests)),
      {["Authorization"] = partner_auth})
  end,
  ["login"] = function()
    return wrk.format("POST", "/api/xp-guest-account/login", with(json, {["Authorization"] = partner_auth}),
      string.format('{"email":"%s","password":"%s"}', email(odd(1, guests)), password))
  end,
  ["update-password"] = function()
    return wrk.format("POST", "/api/xp-guest-account/update-password", with(json, {["Authorization"] = partner_auth}),
      string.format('{"email":"%s","password":"%s"}', email(odd(read_guests + 1, guests)), password))
  end,
  ["reset-request"] = function()
    return wrk.format("POST", "/guestmanagement/generateAndSendGuestResetPasswordCode.json",
      with(json, {["Authorization"] = basic_auth}),
      string.format('{"authentication":"anonymous","merchantId":1,"email":"%s"}', email(math.random(guests))))
  end,
  ["static"] = function() return wrk.format("GET", wrk.path) end,
}
local build = builders[scenario] or builders["static"]
request = function() return build() end
if pace > 0 then delay = function() return pace end end

-- Responses by status, summed over the threads in done().
statuses = {}
local threads = {}
setup = function(thread) table.insert(threads, thread) end
response = function(status) statuses[status] = (statuses[status] or 0) + 1 end

done = function(s, latency)
  local counts = {}
  for _, t in ipairs(threads) do
    local st = t:get("statuses") or {}
    for code, n in pairs(st) do counts[code] = (counts[code] or 0) + n end
  end
  local parts = {}
  for code, n in pairs(counts) do table.insert(parts, string.format('"%d":%d', code, n)) end
  local e = s.errors
  io.write(string.format('RESULT {"requests":%d,"seconds":%.3f,"rps":%.2f,"p50_ms":%.3f,"p99_ms":%.3f,' ..
    '"p999_ms":%.3f,"max_ms":%.3f,"socket_errors":%d,"statuses":{%s}}\n',
    s.requests, s.duration / 1e6, s.requests / (s.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency:percentile(99.9) / 1000, latency.max / 1000,
    e.connect + e.read + e.write + e.timeout, table.concat(parts, ",")))
end
