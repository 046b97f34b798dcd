-- POST /candidates into the write company, a new e-mail every request (thread, counter and the
-- start time make it unique across threads and runs), 64 recruiters' tokens cycled.
local common = dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
setup = common.setup
local next_token, company, stamp
local n = 0
local resume = "Backend engineer with eight years of Swift, Go and PostgreSQL in production: built the payments " ..
  "service, moved the monolith's billing to events on Kafka, cut p99 latency of the search API by half, " ..
  "on-call for a platform serving two million requests a day, mentored four engineers."

function init(args)
  next_token = common.cycle(common.fixtures.writers, tid * 7)
  company = common.fixtures.write_company
  stamp = tostring(os.time()) .. "-" .. tostring(tid)
end

function request()
  n = n + 1
  local body = string.format(
    '{"companyId":"%s","email":"Cand.%s-%d@Bench.Example","name":"Bench Candidate %d","headline":"Backend Engineer",' ..
    '"skills":["Swift","PostgreSQL","Docker","k8s"],"yearsExperience":%d,"location":"Berlin, Germany","resumeText":"%s"}',
    company, stamp, n, n, n % 20, resume)
  return wrk.format("POST", "/candidates", {
    ["Authorization"] = "Bearer " .. next_token(), ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body) common.check(status, body) end
function done(summary) common.done(summary) end
