package io.framefarm.worker.slot;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * How patient a slot is and how far it looks ahead, from {@code framefarm.worker} (worker-node's reference.conf).
 *
 * @param requestInterval an idle slot asks for work again this often
 * @param statsAskTimeout a work request waits this long for the device's memory snapshot
 * @param ackTimeout a reported result or failure waits this long for the job manager's acknowledgement
 * @param progressInterval progress (which renews the chunk's lease) is reported this often
 * @param memoryAskTimeout a chunk waits this long for its memory manager's answer
 * @param leaseAhead a slot that starts a chunk asks for its next one (see {@code lease-ahead} in reference.conf)
 */
public record SlotTiming(Duration requestInterval, Duration statsAskTimeout, Duration ackTimeout,
    Duration progressInterval, Duration memoryAskTimeout, boolean leaseAhead) {

  /** A slot that asks only when idle. */
  public SlotTiming(Duration requestInterval, Duration statsAskTimeout, Duration ackTimeout,
      Duration progressInterval, Duration memoryAskTimeout) {
    this(requestInterval, statsAskTimeout, ackTimeout, progressInterval, memoryAskTimeout, false);
  }

  public SlotTiming withLeaseAhead(boolean on) {
    return new SlotTiming(requestInterval, statsAskTimeout, ackTimeout, progressInterval, memoryAskTimeout, on);
  }

  /** Reads the settings under {@code framefarm.worker}. */
  public static SlotTiming fromConfig(Config worker) {
    return new SlotTiming(worker.getDuration("request-interval"), worker.getDuration("stats-ask-timeout"),
        worker.getDuration("ack-timeout"), worker.getDuration("progress-interval"),
        worker.getDuration("memory-ask-timeout"), worker.getBoolean("lease-ahead"));
  }
}
