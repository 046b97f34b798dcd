-- Signed Stripe webhooks: POST /webhooks/stripe with the events of $BENCH_EVENTS (one per line,
-- "<Stripe-Signature>\t<payload>", distinct ids, pre-signed by seed.py), each thread taking its
-- own share of the lines. Every event is a customer.subscription.updated the server applies; an
-- answer that is not applied (a replay once the file runs out, or ignored) is reported.
local common = dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
setup = common.setup
local events = {}
local i = 0
local not_applied = 0

function init(args)
  local threads = tonumber(os.getenv("BENCH_THREADS") or "2")
  local line_number = 0
  for line in io.lines(os.getenv("BENCH_EVENTS")) do
    if line_number % threads == tid then
      local signature, payload = string.match(line, "^([^\t]+)\t(.*)$")
      table.insert(events, { signature = signature, payload = payload })
    end
    line_number = line_number + 1
  end
end

function request()
  i = i + 1
  local event = events[(i - 1) % #events + 1]
  return wrk.format("POST", "/webhooks/stripe", {
    ["Stripe-Signature"] = event.signature, ["Content-Type"] = "application/json" }, event.payload)
end

function response(status, headers, body)
  if common.check(status, body) and not string.find(body, '"duplicate":false', 1, true) or
     string.find(body, '"ignored":true', 1, true) then
    not_applied = not_applied + 1
    note = string.format("thread %d: %d of %d events acknowledged but not applied (replayed or ignored)", tid, not_applied, i)
  end
end

function done(summary) common.done(summary) end
