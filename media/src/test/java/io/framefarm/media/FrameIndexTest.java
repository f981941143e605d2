package io.framefarm.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FrameIndexTest {

  /**
   * An open-GOP stream, presentation order: I0 B1 B2 P3 | B4 B5 I6 B7 P8. Frames 4 and 5 are leading B-frames of
   * I6: decoded after it, referencing P3 of the previous GOP. Decode order: I0 P3 B1 B2 I6 B4 B5 P8 B7.
   */
  private static FrameIndex openGop() {
    long[] pts = {0, 1, 2, 3, 4, 5, 6, 7, 8};
    boolean[] key = {true, false, false, false, false, false, true, false, false};
    int[] decodeOrder = {0, 2, 3, 1, 5, 6, 4, 8, 7};
    return FrameIndex.of(pts, key, decodeOrder, 1);
  }

  @Test
  void mapsBetweenPresentationAndDecodeOrder() {
    FrameIndex index = openGop();
    assertThat(index.frameCount()).isEqualTo(9);
    assertThat(index.keyframes()).containsExactly(0, 6);
    assertThat(index.frameAtDecodePosition(4)).isEqualTo(6);
    assertThat(index.indexOfPts(7)).isEqualTo(7);
    assertThat(index.indexOfPts(42)).isEqualTo(-1);
    assertThat(index.endPts(9)).isEqualTo(Long.MAX_VALUE);
    assertThat(index.endPts(3)).isEqualTo(3);
    assertThat(index.duration(2)).isEqualTo(1);
    assertThat(index.duration(8)).isEqualTo(1);
  }

  @Test
  void rangeStartingAtLeadingBFramePrerollsFromThePreviousGop() {
    FrameIndex index = openGop();
    // B4 needs P3 and I6: I6 is after B4 in presentation, so the previous keyframe I0 must be the start.
    assertThat(index.prerollKeyframe(4, 6)).isEqualTo(0);
    assertThat(index.maxDecodePosition(4, 6)).isEqualTo(6);
  }

  @Test
  void rangeStartingAtKeyframeButContainingNoLeadingFramesStartsThere() {
    FrameIndex index = openGop();
    assertThat(index.prerollKeyframe(6, 9)).isEqualTo(6);
    assertThat(index.maxDecodePosition(6, 9)).isEqualTo(8);
  }

  @Test
  void keyframeWhosePacketComesAfterAFrameOfTheRangeIsNotUsed() {
    // I2 is presented before B3 but decoded after it: B3 (decode position 1) belongs to the previous GOP.
    long[] pts = {0, 1, 2, 3};
    boolean[] key = {true, false, true, false};
    int[] decodeOrder = {0, 3, 2, 1};
    FrameIndex index = FrameIndex.of(pts, key, decodeOrder, 1);
    assertThat(index.prerollKeyframe(2, 4)).isEqualTo(0);
  }

  @Test
  void streamWithoutLeadingKeyframeHasNoPreroll() {
    FrameIndex index = FrameIndex.of(new long[] {0, 1}, new boolean[] {false, true}, new int[] {0, 1}, 1);
    assertThat(index.prerollKeyframe(0, 1)).isEqualTo(-1);
    assertThat(index.prerollKeyframe(1, 2)).isEqualTo(1);
  }

  @Test
  void rejectsInconsistentInput() {
    assertThatThrownBy(() -> FrameIndex.of(new long[] {0, 0}, new boolean[2], new int[] {0, 1}, 1))
        .hasMessageContaining("strictly increasing");
    assertThatThrownBy(() -> FrameIndex.of(new long[] {0, 1}, new boolean[2], new int[] {1, 1}, 1))
        .hasMessageContaining("permutation");
    assertThatThrownBy(() -> FrameIndex.of(new long[0], new boolean[0], new int[0], 1))
        .hasMessageContaining("at least one frame");
    assertThatThrownBy(() -> FrameIndex.of(new long[] {0}, new boolean[1], new int[1], 0))
        .hasMessageContaining("duration");
  }

  @Test
  void copiesItsInput() {
    long[] pts = {0, 1};
    FrameIndex index = FrameIndex.of(pts, new boolean[] {true, false}, new int[] {0, 1}, 1);
    pts[0] = 99;
    assertThat(index.pts(0)).isZero();
  }
}
