import { parseWrk } from "../../bench/wrk";

const WRK_OUTPUT = `Running 10s test @ http://127.0.0.1:1234/data/reports/q1.csv
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   150.00us  100.00us   5.00ms   90.00%
  Latency Distribution
     50%  120.00us
     75%  160.00us
     90%  200.00us
     99%    1.20ms
  500000 requests in 10.00s, 40.00MB read
  Non-2xx or 3xx responses: 3
Requests/sec:  50000.00
Transfer/sec:      4.00MB
`;

describe("wrk's report", () => {
  it("reads wrk's latency report in microseconds", () => {
    expect(parseWrk(WRK_OUTPUT)).toEqual({ requestsPerSecond: 50000, p50Us: 120, p99Us: 1200, non2xx: 3, requests: 500000 });
  });
});
