package io.framefarm.worker.slot;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * How patient a slot is, from {@code framefarm.worker} (worker-node's reference.conf).
 *
 * @param requestInterval an idle slot asks for work again this often
 * @param statsAskTimeout a work request waits this long for the device's memory snapshot
 * @param ackTimeout a reported result or failure waits this long for the job manager's acknowledgement
 * @param progressInterval progress (which renews the chunk's lease) is reported this often
 * @param memoryAskTimeout a chunk waits this long for its memory manager's answer
 */
public record SlotTiming(Duration requestInterval, Duration statsAskTimeout, Duration ackTimeout,
    Duration progressInterval, Duration memoryAskTimeout) {

  /** Reads the settings under {@code framefarm.worker}. */
  public static SlotTiming fromConfig(Config worker) {
    return new SlotTiming(worker.getDuration("request-interval"), worker.getDuration("stats-ask-timeout"),
        worker.getDuration("ack-timeout"), worker.getDuration("progress-interval"),
        worker.getDuration("memory-ask-timeout"));
  }
}
