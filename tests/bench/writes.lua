-- wrk script for the write mix (tests/bench/extra.sh): out of every 10 requests, 7 read
-- my-plugins (the anchor's warm list, gzip), 1 replaces a team's shared config, 1 a member's
-- personal config, and 1 installs a package into a team or uninstalls what an earlier step
-- installed. Every write invalidates cached my-plugins answers, so some reads are misses.
--
-- Env: READS (anchor list: "<path>\t<token>"), OPS (lines "cfg|my\t<path>\t<token>" or
-- "inst\t<teamId>\t<owner token>\t<package>"), THREADS (= -t), NAME. Lists are split
-- round-robin across threads, so no two threads touch one team's install.
-- Prints one "TSV" line with the fields of the anchor's scenario.lua.
local READS = os.getenv("READS") or error("READS not set")
local OPS = os.getenv("OPS") or error("OPS not set")
local NTHREADS = tonumber(os.getenv("THREADS") or "2")
local NAME = os.getenv("NAME") or "writes"

local function lines_of(f)
  local t = {}
  for l in io.lines(f) do
    if l:match("%S") and not l:match("^#") then t[#t + 1] = l end
  end
  return t
end
local read_lines, op_lines = lines_of(READS), lines_of(OPS)

local next_tid = 0
function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
end

local reads, cfgs, mys, insts = {}, {}, {}, {}
local ri, ci, mi, ii, k, ops = 0, 0, 0, 0, 0, 0
local installed = {} -- teamId -> install id, filled from install answers
local state = {}     -- inst index -> nil (free) | "pending" | "deleting@<op>"

local function hdrs(tok, json)
  local h = { ["Host"] = wrk.headers["Host"], ["Authorization"] = "Bearer " .. tok }
  if json then h["Content-Type"] = "application/json" else h["Accept-Encoding"] = "gzip" end
  return h
end

function init(args)
  for j, l in ipairs(read_lines) do
    if (j - 1) % NTHREADS == tid then
      local path, tok = l:match("^(%S+)%s+(%S+)")
      reads[#reads + 1] = wrk.format("GET", path, hdrs(tok, false))
    end
  end
  for j, l in ipairs(op_lines) do
    if (j - 1) % NTHREADS == tid then
      local f = {}
      for x in l:gmatch("[^\t]+") do f[#f + 1] = x end
      if f[1] == "cfg" then
        cfgs[#cfgs + 1] = wrk.format("PUT", f[2], hdrs(f[3], true),
          '{"config":{"bench":' .. j .. ',"theme":"dark"}}')
      elseif f[1] == "my" then
        mys[#mys + 1] = wrk.format("PUT", f[2], hdrs(f[3], true),
          '{"config":{"bench":' .. j .. ',"layout":"compact"}}')
      elseif f[1] == "inst" then
        insts[#insts + 1] = { team = f[2], tok = f[3], pkg = f[4] }
      end
    end
  end
end

local function next_read()
  ri = ri % #reads + 1
  return reads[ri]
end

-- One install/uninstall step: the next entry that is free gets an install; one whose install
-- answered gets its uninstall; an uninstall is taken as finished once the ring came round
-- twice the connection count of requests later (it cannot still be in flight then).
local function install_step()
  for _ = 1, #insts do
    ii = ii % #insts + 1
    local e, s = insts[ii], state[ii]
    if s == nil then
      state[ii] = "pending"
      return wrk.format("POST", "/api/v1/teams/" .. e.team .. "/plugins", hdrs(e.tok, true),
        '{"packageName":"' .. e.pkg .. '"}')
    elseif s == "pending" and installed[e.team] then
      local id = installed[e.team]
      installed[e.team] = nil
      state[ii] = "deleting@" .. ops
      return wrk.format("DELETE", "/api/v1/teams/" .. e.team .. "/plugins/" .. id, hdrs(e.tok, true))
    elseif s ~= "pending" and ops - tonumber(s:sub(10)) > 4096 then
      state[ii] = nil
    end
  end
  return next_read()
end

function request()
  k = k % 10 + 1
  if k <= 7 or #cfgs == 0 then return next_read() end
  ops = ops + 1
  if k == 8 then ci = ci % #cfgs + 1; return cfgs[ci] end
  if k == 9 then mi = mi % #mys + 1; return mys[mi] end
  return install_step()
end

function response(status, headers, body)
  if status == 201 and body then
    local team = body:match('"teamId":"([^"]+)"')
    local id = body:match('"install":{"id":"([^"]+)"') or body:match('"id":"([^"]+)"')
    if team and id then installed[team] = id end
  end
end

function done(summary, latency, requests)
  local dur = summary.duration / 1e6
  local e = summary.errors
  local n = summary.requests
  local function ms(us) return string.format("%.3f", us / 1000) end
  io.write(table.concat({
    "TSV", NAME, string.format("%.2f", dur), tostring(n), string.format("%.1f", n / dur),
    ms(latency:percentile(50)), ms(latency:percentile(90)), ms(latency:percentile(99)), ms(latency.max),
    tostring(e.status), tostring(e.connect + e.read + e.write + e.timeout),
    n > 0 and tostring(math.floor(summary.bytes / n)) or "0",
    tostring(#read_lines + #op_lines), "loop(7 reads:3 writes)",
  }, "\t") .. "\n")
end
