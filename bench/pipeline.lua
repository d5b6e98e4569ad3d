-- HTTP/1.1 pipelining for wrk: every write sends `depth` copies of the request back to back
-- (TechEmpower runs plaintext with a depth of 16).
--
--   wrk -t1 -c64 -d5s -s bench/pipeline.lua http://127.0.0.1:8080/plaintext -- 16

local batch

function init(args)
  local depth = tonumber(args[1] or "16")
  if depth == nil or depth < 1 then
    error("pipeline.lua: the depth must be a positive number, got " .. tostring(args[1]))
  end
  local one = wrk.format(nil, nil)
  batch = string.rep(one, depth)
end

function request()
  return batch
end
