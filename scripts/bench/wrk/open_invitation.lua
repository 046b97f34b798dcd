-- The candidate's read of an invitation by its token (anonymous): GET
-- /assessments/invitations/{id}?token=..., cycling the invitations seeded with known tokens.
local common = dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
setup = common.setup
local next_invitation

function init(args) next_invitation = common.cycle(common.fixtures.invitations, tid * 17) end

function request()
  local invitation = next_invitation()
  return wrk.format("GET", "/assessments/invitations/" .. invitation.id .. "?token=" .. invitation.token)
end

function response(status, headers, body) common.check(status, body) end
function done(summary) common.done(summary) end
