package io.framefarm.protocol;

import io.framefarm.protocol.MemoryProtocol.DeviceEvent;
import io.framefarm.protocol.MemoryProtocol.DeviceReport;
import io.framefarm.protocol.MemoryProtocol.ResidentModel;
import io.framefarm.protocol.proto.DeviceEventProto;
import io.framefarm.protocol.proto.DeviceReportProto;
import io.framefarm.protocol.proto.ResidentModelProto;
import java.util.List;

/** The memory topic's notices ({@link MemoryProtocol}) on the wire: one codec per message. */
final class MemoryCodecs {
  private MemoryCodecs() {}

  static List<Codec<?>> all() {
    return List.of(
        Codec.of("MR", DeviceReport.class, MemoryCodecs::toProto,
            bytes -> fromProto(DeviceReportProto.parseFrom(bytes))),
        Codec.of("ME", DeviceEvent.class, MemoryCodecs::toProto,
            bytes -> fromProto(DeviceEventProto.parseFrom(bytes))));
  }

  private static DeviceReportProto toProto(DeviceReport r) {
    DeviceReportProto.Builder b = DeviceReportProto.newBuilder().setNode(r.node()).setDeviceId(r.deviceId())
        .setDeviceKind(r.deviceKind()).setAtMillis(r.atMillis()).setBudgetBytes(r.budgetBytes())
        .setUsedBytes(r.usedBytes()).setFreeBytes(r.freeBytes()).setPeakBytes(r.peakBytes())
        .setModelBytes(r.modelBytes()).setPoolBytes(r.poolBytes()).setPoolLeasedBytes(r.poolLeasedBytes())
        .setOtherBytes(r.otherBytes()).setLoads(r.loads()).setEvictions(r.evictions()).setHits(r.hits())
        .setMisses(r.misses()).setPoolHits(r.poolHits()).setPoolMisses(r.poolMisses()).setLeaks(r.leaks())
        .setPressure(r.pressure()).setDeviceTotalBytes(r.deviceTotalBytes()).setDeviceFreeBytes(r.deviceFreeBytes())
        .setHighWatermarkBytes(r.highWatermarkBytes()).setLowWatermarkBytes(r.lowWatermarkBytes());
    r.models().forEach(m -> b.addModels(ResidentModelProto.newBuilder().setModelId(m.modelId()).setBytes(m.bytes())
        .setLastUsedMillis(m.lastUsedMillis()).setPins(m.pins()).setUsers(m.users())));
    return b.build();
  }

  private static DeviceReport fromProto(DeviceReportProto p) {
    return new DeviceReport(p.getNode(), p.getDeviceId(), p.getDeviceKind(), p.getAtMillis(), p.getBudgetBytes(),
        p.getUsedBytes(), p.getFreeBytes(), p.getPeakBytes(), p.getModelBytes(), p.getPoolBytes(),
        p.getPoolLeasedBytes(), p.getOtherBytes(), p.getModelsList().stream()
            .map(m -> new ResidentModel(m.getModelId(), m.getBytes(), m.getLastUsedMillis(), m.getPins(), m.getUsers()))
            .toList(), p.getLoads(), p.getEvictions(), p.getHits(), p.getMisses(), p.getPoolHits(), p.getPoolMisses(),
        p.getLeaks(), p.getPressure(), p.getDeviceTotalBytes(), p.getDeviceFreeBytes(),
        p.getHighWatermarkBytes(), p.getLowWatermarkBytes());
  }

  private static DeviceEventProto toProto(DeviceEvent e) {
    return DeviceEventProto.newBuilder().setNode(e.node()).setDeviceId(e.deviceId()).setAtMillis(e.atMillis())
        .setType(e.type()).setSubject(e.subject()).setBytes(e.bytes()).setDetail(e.detail()).build();
  }

  private static DeviceEvent fromProto(DeviceEventProto p) {
    return new DeviceEvent(p.getNode(), p.getDeviceId(), p.getAtMillis(), p.getType(), p.getSubject(), p.getBytes(),
        p.getDetail());
  }
}
