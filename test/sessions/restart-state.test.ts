/** The session's side of its restarts: who may wait for the server, and how each wait ends. */
import { describe, expect, test } from "bun:test";
import { RestartState } from "../../src/sessions/restart-state.ts";

const inSeconds = (s: number) => new Date(Date.now() + s * 1000);

function scheduled(at: Date): RestartState {
  const state = new RestartState();
  state.scheduled(at, () => {});
  return state;
}

describe("waiting for a restart", () => {
  test("only while the policy is bringing the server back", () => {
    const state = new RestartState();
    expect(state.restarting).toBe(false);
    state.scheduled(inSeconds(1), () => {});
    expect(state.restarting).toBe(true);
    state.stopped();
    expect(state.restarting).toBe(false);
  });

  test("ends 'back' when the server runs again, through a start and its status changes", async () => {
    const state = scheduled(inSeconds(0.1));
    const wait = state.waitBack(Date.now() + 10_000, undefined);
    state.attempting();
    for (const status of ["starting", "stopping", "exited"] as const) state.statusChanged(status);
    state.statusChanged("running");
    expect(await wait).toBe("back");
    expect(state.restarting).toBe(false);
  });

  test("ends 'late' at once when the next attempt is due after the deadline, and when a failed attempt is rescheduled past it", async () => {
    expect(await scheduled(inSeconds(5)).waitBack(Date.now() + 1_000, undefined)).toBe("late");
    const state = scheduled(inSeconds(0.1));
    const wait = state.waitBack(Date.now() + 2_000, undefined);
    state.attempting();
    state.statusChanged("starting");
    state.statusChanged("exited");
    state.scheduled(inSeconds(5), () => {});
    state.statusChanged("restarting");
    expect(await wait).toBe("late");
  });

  test("ends 'late' when the deadline passes with the attempt still under way", async () => {
    const state = scheduled(inSeconds(0.01));
    state.attempting();
    state.statusChanged("starting");
    expect(await state.waitBack(Date.now() + 50, undefined)).toBe("late");
  });

  test("ends 'gone' when the policy gives up or the session is stopped, 'cancelled' when the caller withdraws", async () => {
    const failing = scheduled(inSeconds(0.1));
    const failed = failing.waitBack(Date.now() + 10_000, undefined);
    failing.gaveUp("gave up");
    failing.statusChanged("failed");
    expect(await failed).toBe("gone");

    const stopping = scheduled(inSeconds(0.1));
    const stopped = stopping.waitBack(Date.now() + 10_000, undefined);
    stopping.stopped();
    stopping.statusChanged("exited");
    expect(await stopped).toBe("gone");

    const controller = new AbortController();
    const withdrawn = scheduled(inSeconds(0.1)).waitBack(Date.now() + 10_000, controller.signal);
    controller.abort();
    expect(await withdrawn).toBe("cancelled");
  });
});
