-- Shared by the scenario scripts of scripts/bench/run (wrk's LuaJIT, one Lua state per thread plus
-- the main one where setup() and done() run). Each script does
--   local common = dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
-- and gets the fixtures written by seed.py, thread numbering, and a done() that reports
-- non-2xx answers (wrk itself counts only >= 400) with the first one's status and body.
local common = {}

common.fixtures = dofile(os.getenv("BENCH_FIXTURES"))

local threads = {}
local counter = 0

-- Install as the script's setup(): numbers the threads (global `tid` in each, from 0).
function common.setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

-- Per-thread tallies (globals of the thread's state, read by done()).
bad = 0
first_bad = nil
extra = 0

-- Records a response: anything but 2xx counts as an error; the first one is kept for the report.
function common.check(status, body)
  if status < 200 or status > 299 then
    bad = bad + 1
    if first_bad == nil then
      first_bad = tostring(status) .. " " .. string.sub(body or "", 1, 300)
    end
    return false
  end
  return true
end

-- Install as the script's done(). `rate_label`: when set, the row's rate is the sum of the
-- threads' `extra` counters per second (e.g. guarded writes, not all requests).
function common.done(summary, rate_label)
  local total, first, sum_extra = 0, nil, 0
  for _, thread in ipairs(threads) do
    total = total + (thread:get("bad") or 0)
    sum_extra = sum_extra + (thread:get("extra") or 0)
    first = first or thread:get("first_bad")
  end
  io.write(string.format("BENCH-ERRORS %d\n", total))
  if first then io.write("BENCH-FIRST-ERROR " .. string.gsub(first, "\n", " ") .. "\n") end
  if rate_label then
    io.write(string.format("BENCH-RATE %.2f %s\n", sum_extra / (summary.duration / 1e6), rate_label))
  end
  for _, thread in ipairs(threads) do
    local note = thread:get("note")
    if note then io.write("BENCH-NOTE " .. note .. "\n") end
  end
end

-- Round-robin over a list, starting at a different place in each thread.
function common.cycle(list, offset)
  local i = offset or 0
  return function()
    i = i + 1
    return list[(i % #list) + 1]
  end
end

return common
