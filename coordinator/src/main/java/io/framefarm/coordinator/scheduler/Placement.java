package io.framefarm.coordinator.scheduler;

/** Which job a device asking for work gets among the jobs of the highest priority it can run. */
public enum Placement {
  /** One whose models are all resident on the device, then the oldest: no model load where none is needed. */
  AFFINITY,
  /** Any of them, uniformly: the baseline that affinity is measured against. */
  RANDOM
}
