/** Time source, injectable so services can be tested at chosen instants. */
export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };
