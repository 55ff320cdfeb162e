-- Replays random requests from a file written by bench/run.py: one request per line,
--   METHOD <TAB> PATH <TAB> AUTHORIZATION (or -) <TAB> CONTENT-TYPE (or -) <TAB> BODY (or -)
-- and prints one JSON line with the figures the runner reads.
local requests = {}

function init(args)
  local file = assert(io.open(args[1], "r"))
  for line in file:lines() do
    local method, path, auth, ctype, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    local headers = {}
    if auth ~= "-" then headers["Authorization"] = auth end
    if ctype ~= "-" then headers["Content-Type"] = ctype end
    if body == "-" then body = nil end
    requests[#requests + 1] = wrk.format(method, path, headers, body)
  end
  file:close()
  math.randomseed(os.time() + #requests + (tonumber(tostring({}):match("0x(%x+)"), 16) or 0) % 100000)
end

function request()
  return requests[math.random(#requests)]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"non_2xx_3xx": %d, "connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, e.status, e.connect, e.read, e.write, e.timeout))
end
