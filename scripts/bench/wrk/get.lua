-- GET of one path (args[1]) with bearer tokens cycled from the fixtures list args[2]
-- ("none": no Authorization header). Non-2xx answers are errors.
local common = dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
setup = common.setup
local path, next_token

function init(args)
  path = args[1]
  if args[2] and args[2] ~= "none" then
    next_token = common.cycle(common.fixtures[args[2]], tid * 7)
  end
end

function request()
  if next_token then
    return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. next_token() })
  end
  return wrk.format("GET", path)
end

function response(status, headers, body) common.check(status, body) end
function done(summary) common.done(summary) end
