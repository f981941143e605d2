package io.framefarm.worker.memory;

import java.util.Objects;

/**
 * Who holds memory in a device's books. The manager's own holdings (primary models, the buffer pool,
 * each resident model) are kinds of their own, so no name a chunk chooses can ever be taken for one.
 */
sealed interface Owner {

  /** The name reports and log lines show. */
  String name();

  /** A chunk, or any other requester from outside the manager, by the name it asked with. */
  record Chunk(String id) implements Owner {
    public Chunk {
      Objects.requireNonNull(id, "id");
    }

    @Override
    public String name() {
      return id;
    }
  }

  /** The models every chunk on the device needs, loaded once and pinned. */
  record PrimaryModels() implements Owner {
    @Override
    public String name() {
      return "primary models";
    }
  }

  /** Every frame buffer of the device's pool, idle or lent. */
  record BufferPool() implements Owner {
    @Override
    public String name() {
      return "buffer pool";
    }
  }

  /** A resident model, or one being loaded. */
  record Model(String modelId) implements Owner {
    @Override
    public String name() {
      return "model " + modelId;
    }
  }

  Owner PRIMARY_MODELS = new PrimaryModels();
  Owner BUFFER_POOL = new BufferPool();
}
