package io.framefarm.coordinator.activity;

/**
 * A worker's id is its slot's actor path with the full address, such as
 * {@code pekko://farm@10.0.0.5:2552/user/worker/slot-cuda-0#123}: the node is the address (as in memory reports),
 * the device the slot's name after {@code slot-}.
 */
final class WorkerIds {
  private WorkerIds() {}

  static String node(String worker) {
    if (worker == null) {
      return "";
    }
    int scheme = worker.indexOf("://");
    int path = worker.indexOf('/', scheme < 0 ? 0 : scheme + 3);
    return path < 0 ? worker : worker.substring(0, path);
  }

  static String device(String worker) {
    if (worker == null) {
      return "";
    }
    String name = worker.substring(worker.lastIndexOf('/') + 1);
    int uid = name.indexOf('#');
    name = uid < 0 ? name : name.substring(0, uid);
    return name.startsWith("slot-") ? name.substring(5) : name;
  }
}
