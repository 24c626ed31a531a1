-- wrk script for the login scenario (tests/bench/extra.sh): POST /api/v1/auth/login with the
-- bench password (seed-passwords.sql) for a rotating list of seeded emails.
--
-- Env: LIST (one email per line), PASSWORD, THREADS (= -t), NAME. Prints one "TSV" line with
-- the fields of the anchor's scenario.lua (bench/run.sh columns).
local LIST = os.getenv("LIST") or error("LIST not set")
local PASSWORD = os.getenv("PASSWORD") or error("PASSWORD not set")
local NTHREADS = tonumber(os.getenv("THREADS") or "2")
local NAME = os.getenv("NAME") or "login"

local emails = {}
for l in io.lines(LIST) do
  if l:match("%S") then emails[#emails + 1] = l end
end
assert(#emails > 0, "empty list " .. LIST)

local next_tid = 0
function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
end

local reqs, n, i = {}, 0, 0
function init(args)
  for j, e in ipairs(emails) do
    if (j - 1) % NTHREADS == tid then
      n = n + 1
      reqs[n] = wrk.format("POST", "/api/v1/auth/login",
        { ["Host"] = wrk.headers["Host"], ["Content-Type"] = "application/json" },
        '{"email":"' .. e .. '","password":"' .. PASSWORD .. '"}')
    end
  end
end

function request()
  i = i % n + 1
  return reqs[i]
end

function done(summary, latency, requests)
  local dur = summary.duration / 1e6
  local e = summary.errors
  local reqs_done = summary.requests
  local function ms(us) return string.format("%.3f", us / 1000) end
  io.write(table.concat({
    "TSV", NAME, string.format("%.2f", dur), tostring(reqs_done), string.format("%.1f", reqs_done / dur),
    ms(latency:percentile(50)), ms(latency:percentile(90)), ms(latency:percentile(99)), ms(latency.max),
    tostring(e.status), tostring(e.connect + e.read + e.write + e.timeout),
    reqs_done > 0 and tostring(math.floor(summary.bytes / reqs_done)) or "0",
    tostring(#emails), "loop",
  }, "\t") .. "\n")
end
