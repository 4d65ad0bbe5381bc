-- The shed probe of bench/run.sh's login flood: one connection per thread (run it as wrk -tN -cN: the send time is
-- kept per thread, so a thread must not carry two connections) sending logins while the
-- flood fills the hashing queue, timing each answer with the monotonic clock (LuaJIT's ffi), so the 503s can be
-- timed apart from the logins that were served. Prints one RESULT line with the 503s' latencies and how many
-- carried Retry-After.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock, bench_timespec* ts);
]]
local ts = ffi.new("bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local auth = "Bearer " .. os.getenv("BENCH_PARTNER") .. ":" .. os.getenv("BENCH_HOTEL")
local guests = tonumber(os.getenv("BENCH_GUESTS") or "1000000")
local pace = tonumber(os.getenv("BENCH_DELAY_MS") or "20")
local sent_at = 0
shed = {}
served = 0
retry_after = 0

request = function()
  local i = 2 * (math.random(math.floor(guests / 2)) - 1) + 1
  sent_at = now_ms()
  return wrk.format("POST", "/api/xp-guest-account/login",
    {["Authorization"] = auth, ["Content-Type"] = "application/json"},
    string.format('{"email":"guest%d@bench.example","password":"bench passphrase"}', i))
end
delay = function() return pace end
response = function(status, headers)
  local took = now_ms() - sent_at
  if status == 503 then
    table.insert(shed, took)
    if headers["Retry-After"] or headers["retry-after"] then retry_after = retry_after + 1 end
  else
    served = served + 1
  end
end

local threads = {}
setup = function(thread) table.insert(threads, thread) end
done = function()
  local all, n_served, n_retry = {}, 0, 0
  for _, t in ipairs(threads) do
    for _, v in ipairs(t:get("shed")) do table.insert(all, v) end
    n_served = n_served + t:get("served")
    n_retry = n_retry + t:get("retry_after")
  end
  table.sort(all)
  local function pct(p)
    if #all == 0 then return 0 end
    return all[math.max(1, math.ceil(#all * p / 100))]
  end
  io.write(string.format('RESULT {"shed":%d,"served":%d,"retry_after":%d,"p50_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f}\n',
    #all, n_served, n_retry, pct(50), pct(99), #all > 0 and all[#all] or 0))
end
