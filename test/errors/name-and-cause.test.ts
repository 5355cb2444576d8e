/**
 * Every error class names itself and keeps what caused it, and today's call shapes still build them:
 * `new X(message)`, `new X(message, details)` (other layers construct them so), `new SessionNotFound(id)`.
 */
import { expect, test } from "bun:test";
import * as errors from "../../src/errors.ts";
import {
  BadRequest,
  McpSessionNotFound,
  ProtocolError,
  RemoteError,
  ServerExited,
  SessionNotFound,
  StationError,
  UnsupportedProtocolVersion,
} from "../../src/errors.ts";

const FIXED_TEXT = new Set<unknown>([
  errors.UnsupportedMediaType,
  errors.NotAcceptable,
  errors.McpSessionIdRequired,
  errors.McpSessionNotFound,
  errors.StreamNotHeld,
  errors.StreamAlreadyOpen,
]);

/** Every exported class of the family, found by what it extends. */
const classes = Object.entries(errors).filter(
  ([, value]) =>
    typeof value === "function" &&
    value.prototype instanceof Error &&
    value !== StationError &&
    value !== (ProtocolError as unknown) &&
    value !== (RemoteError as unknown),
) as [string, new (...args: any[]) => Error][];

test("the family is found (station errors and protocol answers)", () => {
  expect(classes.length).toBeGreaterThanOrEqual(30);
});

test.each(classes)("%s sets name to its class name and keeps its cause", (className, ErrorClass) => {
  const cause = new Error("what went wrong below");
  const isStation = ErrorClass.prototype instanceof StationError;
  let error: Error;
  if (ErrorClass === (SessionNotFound as unknown)) error = new SessionNotFound("s1", { cause });
  else if (ErrorClass === (UnsupportedProtocolVersion as unknown))
    error = new UnsupportedProtocolVersion({ supported: [], requested: "x" }, { cause });
  else if (isStation) error = new ErrorClass("message", { key: 1 }, { cause });
  // Answers with the transport's own text take only options; the others take their text (or version) first.
  else if (FIXED_TEXT.has(ErrorClass)) error = new ErrorClass({ cause });
  else if (ErrorClass.prototype instanceof ProtocolError) error = new ErrorClass("message", { cause });
  else throw new Error(`no constructor shape known for ${className}`);
  expect(error.name).toBe(className);
  expect(error.cause).toBe(cause);
  expect(error).toBeInstanceOf(Error);
  expect(String(error).startsWith(`${className}: `)).toBe(true);
});

test("today's call shapes: message, message and details, and no cause unless given", () => {
  const plain = new BadRequest("server_command is empty");
  expect(plain.message).toBe("server_command is empty");
  expect(plain.details).toEqual({});
  expect("cause" in plain).toBe(false);
  const detailed = new ServerExited("the server is gone", { exit_code: 1 });
  expect(detailed.details).toEqual({ exit_code: 1 });
  expect(detailed.name).toBe("ServerExited");
  const missing = new SessionNotFound("abc");
  expect(missing.message).toBe("session abc not found");
  expect(missing.details).toEqual({ session_id: "abc" });
  expect("cause" in new McpSessionNotFound()).toBe(false);
});

test("RemoteError names itself and keeps a cause", () => {
  const cause = new Error("socket closed");
  const remote = new RemoteError(-32603, "the request ended", undefined, { cause });
  expect(remote.name).toBe("RemoteError");
  expect(remote.cause).toBe(cause);
  expect(new RemoteError(-32601, "nope").data).toBeUndefined();
});

test("a thrown station error arrives with its name and cause intact", () => {
  const cause = new Error("ECONNRESET");
  let caught: unknown;
  try {
    throw new ServerExited("the server is gone", {}, { cause });
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ServerExited);
  expect((caught as Error).name).toBe("ServerExited");
  expect((caught as Error).cause).toBe(cause);
});
