-- A CSRF token, then the guarded write it allows: GET /csrf-token, then POST /job-action with
-- that token (X-CSRF-Token) and the same user's bearer, closing an open job or reopening a
-- closed one of the write company's 256. wrk interleaves the connections of a thread, so each
-- request carries its context in X-Request-Id (the server echoes it): `ct-<user>-<n>` for a
-- token fetch, `ja-<job>-<n>` for an action. A fetched token waits in a queue for a job that
-- is not in flight; each token is used once. The rate reported is guarded writes per second
-- (each one needed one token fetch besides: the request rate is about twice it).
local common = dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
setup = common.setup
local fx = common.fixtures
local tokens, ready = {}, {}        -- queues: {csrf, user}; job positions not in flight
local state = {}                    -- job position -> "open" | "closed"
local next_user = 0
local n = 0

local function header(headers, name)
  return headers[name] or headers[string.lower(name)]
end

function init(args)
  local threads = tonumber(os.getenv("BENCH_THREADS") or "2")
  for i = 1, #fx.write_jobs do
    if (i - 1) % threads == tid then
      state[i] = "open"
      table.insert(ready, i)
    end
  end
  next_user = tid * 7
end

function request()
  n = n + 1
  if #tokens > 0 and #ready > 0 then
    local token = table.remove(tokens, 1)
    local job = table.remove(ready, 1)
    local action = state[job] == "open" and "close" or "reopen"
    return wrk.format("POST", "/job-action", {
      ["Authorization"] = "Bearer " .. fx.writers[token.user], ["Content-Type"] = "application/json",
      ["X-CSRF-Token"] = token.csrf, ["X-Request-Id"] = "ja-" .. job .. "-" .. n },
      string.format('{"jobId":"%s","action":"%s"}', fx.write_jobs[job], action))
  end
  next_user = next_user % #fx.writers + 1
  return wrk.format("GET", "/csrf-token", {
    ["Authorization"] = "Bearer " .. fx.writers[next_user], ["X-Request-Id"] = "ct-" .. next_user .. "-" .. n })
end

function response(status, headers, body)
  local id = header(headers, "X-Request-Id") or ""
  local kind, index = string.match(id, "^(%a%a)%-(%d+)%-")
  local ok = common.check(status, body)
  if kind == "ct" then
    local csrf = ok and string.match(body, '"csrfToken"%s*:%s*"([^"]+)"')
    if csrf then table.insert(tokens, { csrf = csrf, user = tonumber(index) }) end
  elseif kind == "ja" then
    local job = tonumber(index)
    local now = ok and string.match(body, '"status"%s*:%s*"(%a+)"')
    if now then
      state[job] = now
      extra = extra + 1
      table.insert(ready, job)
    end -- after a failure the job's state is unknown: it leaves the rotation (the error is counted)
  elseif ok then
    common.check(0, "a response without the request's X-Request-Id: " .. id)
  end
end

function done(summary) common.done(summary, "guarded writes/s") end
