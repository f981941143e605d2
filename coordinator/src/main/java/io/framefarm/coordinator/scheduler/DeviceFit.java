package io.framefarm.coordinator.scheduler;

import io.framefarm.protocol.WorkProtocol.DeviceSnapshot;
import java.util.List;
import java.util.Set;

/** What the scheduler knows of the device asking for work: its budget and the models resident on it. */
public record DeviceFit(long budgetBytes, Set<String> residentModels) {
  /** A device of unknown size: anything may be tried there. */
  public static final DeviceFit ANY = new DeviceFit(0, Set.of());

  public DeviceFit {
    residentModels = Set.copyOf(residentModels);
  }

  public static DeviceFit of(DeviceSnapshot snapshot) {
    return new DeviceFit(snapshot.budgetBytes(), Set.copyOf(snapshot.residentModels()));
  }

  public boolean canHold(long needBytes) {
    return budgetBytes <= 0 || needBytes <= budgetBytes;
  }

  /** The device as it will be once it has loaded {@code models} for a chunk it was just given. */
  public DeviceFit loading(List<String> models) {
    Set<String> all = new java.util.HashSet<>(residentModels);
    all.addAll(models);
    return new DeviceFit(budgetBytes, all);
  }

  public boolean holdsAll(List<String> models) {
    return !models.isEmpty() && residentModels.containsAll(models);
  }
}
