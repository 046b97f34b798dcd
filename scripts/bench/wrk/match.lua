-- POST /match-candidates for the job of the matching company of args[1] candidates, 64
-- recruiters' tokens cycled (each call also consumes one candidate_matching use).
local common = dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
setup = common.setup
local next_token, body

function init(args)
  next_token = common.cycle(common.fixtures.writers, tid * 7)
  body = string.format('{"jobId":"%s","limit":20}', common.fixtures.matching[args[1]].job)
end

function request()
  return wrk.format("POST", "/match-candidates", {
    ["Authorization"] = "Bearer " .. next_token(), ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body) common.check(status, body) end
function done(summary) common.done(summary) end
