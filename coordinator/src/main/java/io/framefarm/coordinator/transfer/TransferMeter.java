package io.framefarm.coordinator.transfer;

/** Counts the chunk bytes a {@link ChunkTransfer} moves: inputs sent to workers, results received from them. */
public interface TransferMeter {
  TransferMeter NONE = new TransferMeter() {
    @Override
    public void sent(long bytes) {}

    @Override
    public void received(long bytes) {}
  };

  void sent(long bytes);

  void received(long bytes);
}
