-- wrk script: counts /probe answers whose body says probe_success 1 (ok) or not (fail).
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  ok = 0
  fail = 0
end

function response(status, headers, body)
  if status == 200 and string.find(body, "\nprobe_success 1\n", 1, true) then
    ok = ok + 1
  else
    fail = fail + 1
  end
end

function done(summary, latency, requests)
  local o, f = 0, 0
  for _, t in ipairs(threads) do
    o = o + t:get("ok")
    f = f + t:get("fail")
  end
  io.write(string.format("probe_ok %d probe_fail %d\n", o, f))
end
