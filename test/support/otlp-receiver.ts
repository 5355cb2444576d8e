/**
 * A small OTLP/HTTP trace receiver for tests: an HTTP server on port 0 that
 * accepts what an OpenTelemetry exporter POSTs to /v1/traces, protobuf
 * (the exporter's default, `application/x-protobuf`) or JSON, gzip or not,
 * and decodes it into plain spans the tests can assert on.
 *
 * The protobuf decoder reads only the fields of opentelemetry-proto's
 * trace/v1 and common/v1 messages that a span tree needs; it is written from
 * the .proto field numbers, so a test checks what went over the wire rather
 * than what the SDK meant to send.
 *
 * @example
 *   const receiver = startOtlpReceiver();
 *   process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.endpoint;
 *   // ... make the station export ...
 *   const [span] = await receiver.waitForSpans((s) => s.some((x) => x.name === "tools/call echo"));
 *   receiver.stop();
 *
 * Run on its own, it is a collector for a look by hand (docs/operations.md:
 * Tracing): it prints each span as one JSON line.
 *
 *   bun test/support/otlp-receiver.ts 4318
 */

/** One span as it arrived, ids in lowercase hex and times in nanoseconds. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** "" for a root span. */
  parentSpanId: string;
  traceState: string;
  name: string;
  /** SPAN_KIND_*: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, unknown>;
  events: { name: string; timeNs: bigint; attributes: Record<string, unknown> }[];
  /** code: 0 unset, 1 ok, 2 error. */
  status: { code: number; message: string };
  resource: Record<string, unknown>;
  scope: { name: string; version: string };
}

export const SPAN_KIND = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;
export const STATUS_CODE = { unset: 0, ok: 1, error: 2 } as const;

export interface OtlpReceiver {
  /** The base URL, for OTEL_EXPORTER_OTLP_ENDPOINT (the exporter appends /v1/traces). */
  endpoint: string;
  /** Every span received so far, in arrival order. */
  spans: ReceivedSpan[];
  /** One entry per export request: its path and content type. */
  requests: { path: string; contentType: string }[];
  /** Resolves with all spans once `ready(spans)` holds; rejects after `ms`. */
  waitForSpans(ready: (spans: ReceivedSpan[]) => boolean, ms?: number): Promise<ReceivedSpan[]>;
  stop(): void;
}

export function startOtlpReceiver(port = 0, onSpans?: (spans: ReceivedSpan[]) => void): OtlpReceiver {
  const spans: ReceivedSpan[] = [];
  const requests: { path: string; contentType: string }[] = [];
  const waiters = new Set<() => void>();

  const server = Bun.serve({
    port,
    hostname: "127.0.0.1",
    async fetch(req) {
      const path = new URL(req.url).pathname;
      const contentType = req.headers.get("content-type") ?? "";
      let body = new Uint8Array(await req.arrayBuffer());
      if (req.headers.get("content-encoding") === "gzip") body = Bun.gunzipSync(body);
      requests.push({ path, contentType });
      const json = contentType.includes("json");
      const received = json ? fromJson(JSON.parse(new TextDecoder().decode(body))) : fromProtobuf(body);
      spans.push(...received);
      onSpans?.(received);
      for (const wake of waiters) wake();
      // An empty ExportTraceServiceResponse: full success.
      return json ? Response.json({}) : new Response(new Uint8Array(0), { headers: { "content-type": "application/x-protobuf" } });
    },
  });

  return {
    endpoint: `http://127.0.0.1:${server.port}`,
    spans,
    requests,
    waitForSpans(ready, ms = 10_000) {
      if (ready(spans)) return Promise.resolve(spans);
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!ready(spans)) return;
          done();
          resolve(spans);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`spans not received within ${ms} ms; got: ${spans.map((s) => s.name).join(", ") || "none"}`));
        }, ms);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
      });
    },
    stop: () => server.stop(true),
  };
}

// --- protobuf: the wire format, then the OTLP messages by field number ---

type Field = { no: number; wire: number; varint?: bigint; bytes?: Uint8Array; fixed?: DataView };

function fields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = buf[pos++];
      result |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const no = key >>> 3;
    const wire = key & 7;
    if (wire === 0) out.push({ no, wire, varint: varint() });
    else if (wire === 2) {
      const len = Number(varint());
      out.push({ no, wire, bytes: buf.subarray(pos, pos + len) });
      pos += len;
    } else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4;
      out.push({ no, wire, fixed: new DataView(buf.buffer, buf.byteOffset + pos, size) });
      pos += size;
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
  return out;
}

const text = (b?: Uint8Array) => (b ? new TextDecoder().decode(b) : "");
const hex = (b?: Uint8Array) => (b ? Buffer.from(b).toString("hex") : "");
const all = (fs: Field[], no: number) => fs.filter((f) => f.no === no);
const one = (fs: Field[], no: number) => fs.find((f) => f.no === no);
const fixed64 = (f?: Field) => (f?.fixed ? f.fixed.getBigUint64(0, true) : 0n);

function anyValue(b: Uint8Array): unknown {
  const f = fields(b)[0];
  if (!f) return undefined;
  switch (f.no) {
    case 1:
      return text(f.bytes);
    case 2:
      return f.varint === 1n;
    case 3:
      return Number(BigInt.asIntN(64, f.varint ?? 0n));
    case 4:
      return f.fixed?.getFloat64(0, true);
    case 5:
      return all(fields(f.bytes!), 1).map((v) => anyValue(v.bytes!));
    case 6:
      return keyValues(all(fields(f.bytes!), 1));
    default:
      return f.bytes;
  }
}

function keyValues(list: Field[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list) {
    const fs = fields(kv.bytes!);
    out[text(one(fs, 1)?.bytes)] = anyValue(one(fs, 2)?.bytes ?? new Uint8Array(0));
  }
  return out;
}

function fromProtobuf(body: Uint8Array): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of all(fields(body), 1)) {
    const rsf = fields(rs.bytes!);
    const resourceField = one(rsf, 1);
    const resource = resourceField ? keyValues(all(fields(resourceField.bytes!), 1)) : {};
    for (const ss of all(rsf, 2)) {
      const ssf = fields(ss.bytes!);
      const scopeFields = fields(one(ssf, 1)?.bytes ?? new Uint8Array(0));
      const scope = { name: text(one(scopeFields, 1)?.bytes), version: text(one(scopeFields, 2)?.bytes) };
      for (const sp of all(ssf, 2)) {
        const f = fields(sp.bytes!);
        const status = fields(one(f, 15)?.bytes ?? new Uint8Array(0));
        out.push({
          traceId: hex(one(f, 1)?.bytes),
          spanId: hex(one(f, 2)?.bytes),
          traceState: text(one(f, 3)?.bytes),
          parentSpanId: hex(one(f, 4)?.bytes),
          name: text(one(f, 5)?.bytes),
          kind: Number(one(f, 6)?.varint ?? 0n),
          startNs: fixed64(one(f, 7)),
          endNs: fixed64(one(f, 8)),
          attributes: keyValues(all(f, 9)),
          events: all(f, 11).map((e) => {
            const ef = fields(e.bytes!);
            return { timeNs: fixed64(one(ef, 1)), name: text(one(ef, 2)?.bytes), attributes: keyValues(all(ef, 3)) };
          }),
          status: { message: text(one(status, 2)?.bytes), code: Number(one(status, 3)?.varint ?? 0n) },
          resource,
          scope,
        });
      }
    }
  }
  return out;
}

// --- OTLP/JSON: ids are hex strings, 64-bit integers are strings ---

type JsonKeyValue = { key: string; value: Record<string, any> };

function jsonValue(v: Record<string, any> = {}): unknown {
  if ("stringValue" in v) return v.stringValue;
  if ("boolValue" in v) return v.boolValue;
  if ("intValue" in v) return Number(v.intValue);
  if ("doubleValue" in v) return v.doubleValue;
  if ("arrayValue" in v) return (v.arrayValue.values ?? []).map(jsonValue);
  if ("kvlistValue" in v) return jsonKeyValues(v.kvlistValue.values);
  return undefined;
}

const jsonKeyValues = (list: JsonKeyValue[] = []) => Object.fromEntries(list.map((kv) => [kv.key, jsonValue(kv.value)]));

function fromJson(body: any): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of body.resourceSpans ?? []) {
    const resource = jsonKeyValues(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      const scope = { name: ss.scope?.name ?? "", version: ss.scope?.version ?? "" };
      for (const s of ss.spans ?? []) {
        out.push({
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId ?? "",
          traceState: s.traceState ?? "",
          name: s.name,
          kind: s.kind ?? 0,
          startNs: BigInt(s.startTimeUnixNano),
          endNs: BigInt(s.endTimeUnixNano),
          attributes: jsonKeyValues(s.attributes),
          events: (s.events ?? []).map((e: any) => ({
            name: e.name,
            timeNs: BigInt(e.timeUnixNano),
            attributes: jsonKeyValues(e.attributes),
          })),
          status: { code: s.status?.code ?? 0, message: s.status?.message ?? "" },
          resource,
          scope,
        });
      }
    }
  }
  return out;
}

if (import.meta.main) {
  const receiver = startOtlpReceiver(Number(process.argv[2] ?? 4318), (spans) => {
    for (const { traceId, spanId, parentSpanId, name, kind, startNs, endNs, attributes, status } of spans) {
      const ms = Number(endNs - startNs) / 1e6;
      console.log(JSON.stringify({ name, trace_id: traceId, span_id: spanId, parent_span_id: parentSpanId, kind, ms, status, attributes }));
    }
  });
  console.error(`OTLP/HTTP receiver on ${receiver.endpoint}`);
}
