/**
 * The station: liveness, readiness, and small live charts computed from its
 * own /metrics (sampled every 2 s while the screen is open): requests per
 * second, errors per second, mean latency, sessions. In cluster mode, the
 * cluster's nodes (GET /cluster, for admins).
 */
import { useEffect, useState } from "preact/hooks";
import { ApiError, api, apiText, describeError } from "../api.ts";
import { usePoll } from "../poll.ts";

interface Sample {
  at: number;
  requests: number;
  errors: number;
  durationSum: number;
  durationCount: number;
  running: number;
  sessions: number;
}

/** Sums of the Prometheus text's samples, by metric name and an optional label filter. */
function parse(text: string): Sample {
  const sample: Sample = { at: performance.now(), requests: 0, errors: 0, durationSum: 0, durationCount: 0, running: 0, sessions: 0 };
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const match = /^([a-z_:]+)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const [, name, labels = "", raw] = match;
    const value = Number(raw);
    if (name === "mcp_station_http_requests_total") {
      sample.requests += value;
      if (/status="[45]\d\d"/.test(labels)) sample.errors += value;
    } else if (name === "mcp_station_http_request_duration_seconds_sum") sample.durationSum += value;
    else if (name === "mcp_station_http_request_duration_seconds_count") sample.durationCount += value;
    else if (name === "mcp_station_sessions") {
      sample.sessions += value;
      if (labels.includes('status="running"')) sample.running += value;
    }
  }
  return sample;
}

const KEEP = 60;

interface Series {
  title: string;
  unit: string;
  points: number[];
}

function Chart({ series }: { series: Series }) {
  const { points } = series;
  const max = Math.max(1e-9, ...points);
  const last = points.at(-1);
  const span = Math.max(points.length - 1, 1);
  const path = points.map((p, i) => `${((i / span) * 100).toFixed(1)},${(38 - (p / max) * 36).toFixed(1)}`).join(" ");
  const shown = last === undefined ? "–" : `${Number.isInteger(last) ? last : last.toFixed(last < 10 ? 2 : 0)} ${series.unit}`.trim();
  const label = `${series.title}: ${last === undefined ? "no data yet" : shown}`;
  return (
    <figure class="chart">
      <figcaption>
        {series.title} <strong>{shown}</strong>
      </figcaption>
      <svg viewBox="0 0 100 40" preserveAspectRatio="none" role="img" aria-label={label}>
        <polyline points={path} />
      </svg>
    </figure>
  );
}

interface ClusterView {
  node_id: string;
  epoch: number;
  status: string;
  nodes: {
    node_id: string;
    epoch: number;
    state: string;
    advertise_url: string;
    host: string;
    pid: number;
    lease_ms_left: number;
    sessions: number;
  }[];
}

/**
 * GET /cluster: a station alone has no such route (404) and shows nothing; a tenant that is no admin is
 * told the list is for admins (403).
 */
function ClusterNodes() {
  const { value, error } = usePoll(async (signal) => {
    try {
      return await api<ClusterView>("GET", "cluster", undefined, signal);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return "alone" as const;
      if (e instanceof ApiError && e.status === 403) return "not-admin" as const;
      throw e;
    }
  }, 5000);
  if (value === "alone" || (value === undefined && !error)) return null;
  if (value === "not-admin") return <p class="muted">This station is a node of a cluster; its nodes are listed for admins.</p>;
  return (
    <>
      <h2>Cluster</h2>
      {error ? <p class="error">{error}</p> : null}
      {value ? (
        <div class="table-wrap">
          <table class="nodes">
            <caption>
              This node: <strong>{value.node_id}</strong> (epoch {value.epoch}, {value.status}); refreshed every 5 seconds
            </caption>
            <thead>
              <tr>
                <th scope="col">Node</th>
                <th scope="col">State</th>
                <th scope="col">Sessions</th>
                <th scope="col" class="wide">
                  Epoch
                </th>
                <th scope="col" class="wide">
                  Lease left
                </th>
                <th scope="col" class="wide">
                  Address
                </th>
              </tr>
            </thead>
            <tbody>
              {value.nodes.map((node) => (
                <tr data-node={node.node_id}>
                  <td class="mono">{node.node_id}</td>
                  <td>
                    <span class={`status status-${node.state === "live" ? "running" : "exited"}`}>{node.state}</span>
                  </td>
                  <td>{node.sessions}</td>
                  <td class="wide">{node.epoch}</td>
                  <td class="wide">{node.state === "live" ? `${(node.lease_ms_left / 1000).toFixed(1)} s` : "–"}</td>
                  <td class="wide mono">{node.advertise_url}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}

export function StationScreen() {
  const [health, setHealth] = useState<string>("…");
  const [ready, setReady] = useState<string>("…");
  const [samples, setSamples] = useState<Sample[]>([]);
  const [error, setError] = useState<string>();
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout>;
    let stopped = false;
    const run = async () => {
      try {
        const [h, r, m] = await Promise.all([api<{ status: string }>("GET", "healthz"), apiText("readyz"), apiText("metrics")]);
        setHealth(h.status);
        setReady(r.status === 200 ? "ready" : `not ready (${r.status}): ${r.text}`);
        if (m.status === 200) setSamples((old) => [...old.slice(-KEEP), parse(m.text)]);
        setError(m.status === 200 ? undefined : `GET /metrics answered ${m.status}`);
      } catch (e) {
        setError(describeError(e));
      }
      if (!stopped) timer = setTimeout(run, 2000);
    };
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);

  const rates = samples.slice(1).map((s, i) => {
    const before = samples[i] as Sample;
    const seconds = Math.max(0.001, (s.at - before.at) / 1000);
    const count = s.durationCount - before.durationCount;
    return {
      requests: (s.requests - before.requests) / seconds,
      errors: (s.errors - before.errors) / seconds,
      latency: count > 0 ? ((s.durationSum - before.durationSum) / count) * 1000 : 0,
    };
  });
  const series: Series[] = [
    { title: "Requests", unit: "/s", points: rates.map((r) => r.requests) },
    { title: "Errors (4xx, 5xx)", unit: "/s", points: rates.map((r) => r.errors) },
    { title: "Mean latency", unit: "ms", points: rates.map((r) => r.latency) },
    { title: "Running sessions", unit: "", points: samples.map((s) => s.running) },
  ];
  return (
    <section>
      <h1>Station</h1>
      <dl class="info">
        <dt>Liveness (/healthz)</dt>
        <dd>{health}</dd>
        <dt>Readiness (/readyz)</dt>
        <dd>{ready}</dd>
      </dl>
      {error ? <p class="error">{error}</p> : null}
      <div class="charts">
        {series.map((s) => (
          <Chart series={s} />
        ))}
      </div>
      <p class="muted">Sampled from /metrics every 2 seconds while this screen is open (the console's own calls count too).</p>
      <ClusterNodes />
    </section>
  );
}
