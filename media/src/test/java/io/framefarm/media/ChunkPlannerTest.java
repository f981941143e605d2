package io.framefarm.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ChunkPlannerTest {

  @Test
  void coversEveryFrameOnceInOrder() {
    List<ChunkRange> plan = ChunkPlanner.plan(600, 7);
    assertThat(plan).hasSize(86);
    assertThat(plan.get(0)).isEqualTo(new ChunkRange(0, 0, 7));
    assertThat(plan.get(85)).isEqualTo(new ChunkRange(85, 595, 600));
    assertThat(plan.get(85).frames()).isEqualTo(5);
    for (int i = 1; i < plan.size(); i++) {
      assertThat(plan.get(i).start()).isEqualTo(plan.get(i - 1).end());
      assertThat(plan.get(i).index()).isEqualTo(i);
    }
  }

  @Test
  void chunkLargerThanTheVideoIsOneChunk() {
    assertThat(ChunkPlanner.plan(600, 1000)).containsExactly(new ChunkRange(0, 0, 600));
    assertThat(ChunkPlanner.plan(600, 600)).containsExactly(new ChunkRange(0, 0, 600));
  }

  @Test
  void singleFrameChunks() {
    assertThat(ChunkPlanner.plan(3, 1)).containsExactly(
        new ChunkRange(0, 0, 1), new ChunkRange(1, 1, 2), new ChunkRange(2, 2, 3));
  }

  @Test
  void rejectsNonPositiveSizes() {
    assertThatThrownBy(() -> ChunkPlanner.plan(0, 5)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ChunkPlanner.plan(5, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ChunkRange(0, 5, 5)).isInstanceOf(IllegalArgumentException.class);
  }
}
