package io.framefarm.coordinator.activity;

/**
 * Something that happened to a job, a chunk or a node, for the event feed ({@code GET /api/v1/events?farm=true},
 * the dashboard, {@code farm events}). {@code type}: JobSubmitted, ChunkLeased, ChunkCompleted, ChunkFailed,
 * ChunkLost, ChunkReleased, JobCompleted, JobFailed, JobCancelled, NodeJoined, NodeUnreachable, NodeReachable,
 * NodeLeft. {@code chunk} and {@code attempt} are -1 and {@code jobId}, {@code node}, {@code deviceId} empty where
 * they do not apply; {@code detail} is a sentence for people.
 */
public record FarmEvent(String type, long atMillis, String jobId, int chunk, int attempt, String node,
    String deviceId, String detail) {

  static FarmEvent ofNode(String type, long atMillis, String node, String detail) {
    return new FarmEvent(type, atMillis, "", -1, -1, node, "", detail);
  }
}
