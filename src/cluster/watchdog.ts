/** Placeholder replaced below. */
export interface Watchdog {
  beat(deadline: number): void;
}
