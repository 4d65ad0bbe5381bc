-- bench/postgres.sh's two guestd scenarios, chosen by BENCH_SCENARIO, over bench_dataset's guests: the accounts are
-- the odd guest ids 1, 3, ..., 2 * BENCH_GUESTS - 1, and guest i's session token is string.format("gt%041d", i).
--   read   GET guest-informations with the token of a random guest with an account
--   write  PUT guest-informations where no two requests in flight share a guest, so that no write waits for another
--          one's row: each wrk thread owns BENCH_POOL guests of its own (the first accounts, thread after thread) and
--          lends one to each request it sends, taking it back when the response names it (the answer echoes the
--          guest's email). Every PUT sets a city this thread never sent before: a real write each time, and no
--          If-Match, so there is no conflict to lose.
-- Prints one line at the end: RESULT requests/s p50-ms p99-ms errors.
local scenario = os.getenv("BENCH_SCENARIO")
local partner_auth = "Bearer " .. os.getenv("BENCH_PARTNER") .. ":" .. os.getenv("BENCH_HOTEL")
local guests = tonumber(os.getenv("BENCH_GUESTS"))
local pool = tonumber(os.getenv("BENCH_POOL") or "0")

local function token(i) return string.format("gt%041d", i) end
local function account(k) return 2 * k - 1 end  -- the guest id of the k-th account

-- Runs in wrk's main Lua state, once per thread before it starts: the thread's share of the write guests.
local threads = 0
function setup(thread)
  thread:set("first", threads * pool)
  threads = threads + 1
end

local free = {}  -- write guests not in flight (this thread's)
local sent = 0
function init(args)
  if scenario == "write" then
    for k = first + pool, first + 1, -1 do free[#free + 1] = account(k) end
  end
end

function request()
  if scenario == "read" then
    return wrk.format("GET", "/api/xp-guest-account/guest-informations",
      {["Authorization"] = partner_auth, ["x-guest-token"] = token(account(math.random(guests)))})
  end
  -- A guest lent to a request that failed never comes back: the pool is twice the thread's connections, and once
  -- it is empty (only after errors, which the report counts) any guest of the thread will do.
  local i = table.remove(free) or account(first + math.random(pool))
  sent = sent + 1
  return wrk.format("PUT", "/api/xp-guest-account/guest-informations",
    {["Authorization"] = partner_auth, ["x-guest-token"] = token(i), ["Content-Type"] = "application/json"},
    string.format('{"city":"Bench %d-%d"}', first, sent))
end

if scenario == "write" then
  function response(status, headers, body)
    local i = body:match('"email":"guest(%d+)@')
    if i then free[#free + 1] = tonumber(i) end
  end
end

function done(s, latency)
  local e = s.errors
  io.write(string.format("RESULT %.1f %.3f %.3f %d\n", s.requests / (s.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, e.status + e.connect + e.read + e.write + e.timeout))
end
