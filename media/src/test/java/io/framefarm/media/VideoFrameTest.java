package io.framefarm.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class VideoFrameTest {

  @Test
  void planesArePackedOneAfterAnother() {
    VideoFrame frame = VideoFrame.allocate(1280, 720, PixelLayout.YUV420P);
    assertThat(frame.planeCount()).isEqualTo(3);
    assertThat(frame.planeOffset(1)).isEqualTo(1280 * 720);
    assertThat(frame.planeOffset(2)).isEqualTo(1280 * 720 + 640 * 360);
    assertThat(frame.data().capacity()).isEqualTo(1280 * 720 * 3 / 2);
    assertThat(frame.data().isDirect()).isTrue();
  }

  @Test
  void chromaOfOddSizesRoundsUp() {
    assertThat(VideoFrame.byteSize(853, 479, PixelLayout.YUV420P)).isEqualTo(853 * 479 + 2 * 427 * 240);
    assertThat(VideoFrame.byteSize(853, 479, PixelLayout.YUV422P)).isEqualTo(853 * 479 + 2 * 427 * 479);
    assertThat(VideoFrame.byteSize(853, 479, PixelLayout.YUV444P)).isEqualTo(3 * 853 * 479);
    assertThat(VideoFrame.byteSize(853, 479, PixelLayout.GRAY8)).isEqualTo(853 * 479);
    assertThat(PixelLayout.YUV420P.supportsSize(853, 479)).isFalse();
    assertThat(PixelLayout.YUV444P.supportsSize(853, 479)).isTrue();
    assertThat(PixelLayout.YUV422P.supportsSize(852, 479)).isTrue();
  }

  @Test
  void wrapsALargerPooledBuffer() {
    ByteBuffer pooled = ByteBuffer.allocateDirect(1 << 20);
    VideoFrame frame = VideoFrame.wrap(pooled, 320, 240, PixelLayout.GRAY8);
    frame.setPts(1234);
    assertThat(frame.data()).isSameAs(pooled);
    assertThat(frame.pts()).isEqualTo(1234);
    assertThat(frame.planeWidth(0)).isEqualTo(320);
  }

  @Test
  void refusesBuffersThatCannotHoldTheFrame() {
    assertThatThrownBy(() -> VideoFrame.wrap(ByteBuffer.allocateDirect(100), 320, 240, PixelLayout.GRAY8))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> VideoFrame.wrap(ByteBuffer.allocate(1 << 20), 320, 240, PixelLayout.GRAY8))
        .hasMessageContaining("direct");
  }
}
