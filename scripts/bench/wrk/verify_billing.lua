-- Consuming POST /verify-billing (candidate_matching, unlimited on the business plan every bench
-- user has), 64 users' tokens cycled.
local common = dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
setup = common.setup
local next_token
local body = '{"feature":"candidate_matching","consume":true}'

function init(args) next_token = common.cycle(common.fixtures.writers, tid * 7) end

function request()
  return wrk.format("POST", "/verify-billing", {
    ["Authorization"] = "Bearer " .. next_token(), ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  if common.check(status, body) and not string.find(body, '"allowed":true', 1, true) then
    common.check(300, "not allowed: " .. body)
  end
end
function done(summary) common.done(summary) end
